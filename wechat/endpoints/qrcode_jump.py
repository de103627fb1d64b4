"""Jump QR-code rules: a scanned ordinary link under a rule's prefix opens the mini-program.

Docs: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/qrcode/ (qrcodejumpget,
qrcodejumpadd, qrcodejumppublish, qrcodejumpdelete, qrcodejumpdownload). Permission set 18 (or 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ._base import Endpoints

OpenVersion = Literal[1, 2, 3]  # development, trial, release version


class QRCodeJumpAPI(Endpoints):
    def get_qrcode_jump_rules(self) -> dict[str, Any]:
        """``POST cgi-bin/wxopen/qrcodejumpget``: ``rule_list`` (prefix, path, open_version,
        permit_sub_rule, debug_url, state: 1 unpublished, 2 published), ``qrcodejump_open``,
        ``qrcodejump_pub_quota`` (publishes left this month) and ``list_size``; each may be absent.
        """
        return self._post("cgi-bin/wxopen/qrcodejumpget", {}, idempotent=True)

    def add_qrcode_jump_rule(self, prefix: str, path: str, open_version: OpenVersion, *,
                             permit_sub_rule: Literal[1, 2] = 1, debug_url: Sequence[str] = (),
                             is_edit: bool = False) -> None:
        """``POST cgi-bin/wxopen/qrcodejumpadd``: add a rule, or (``is_edit``) change an unpublished one.

        The confirm file (``download_qrcode_jump_file``) must be served from the prefix's last
        directory first (85069). A published rule cannot change (40097): delete it and add it again.
        Never retried: a repeated add answers 85071.
        """
        if len(debug_url) > 5:
            raise ValueError("add_qrcode_jump_rule: at most 5 debug_url links")
        body = {"prefix": prefix, "path": path, "open_version": int(open_version),
                "permit_sub_rule": int(permit_sub_rule), "debug_url": list(debug_url), "is_edit": int(is_edit)}
        self._post("cgi-bin/wxopen/qrcodejumpadd", body, idempotent=False)

    def publish_qrcode_jump_rule(self, prefix: str) -> None:
        """``POST cgi-bin/wxopen/qrcodejumppublish``: scans under ``prefix`` open the release version.

        Needs a released version (85074); 100 publishes a month (886000), so never retried.
        """
        self._post("cgi-bin/wxopen/qrcodejumppublish", {"prefix": prefix}, idempotent=False)

    def delete_qrcode_jump_rule(self, prefix: str) -> None:
        """``POST cgi-bin/wxopen/qrcodejumpdelete``: remove a rule, published or not (safe to repeat)."""
        self._post("cgi-bin/wxopen/qrcodejumpdelete", {"prefix": prefix}, idempotent=True)

    def download_qrcode_jump_file(self) -> dict[str, str]:
        """``POST cgi-bin/wxopen/qrcodejumpdownload``: ``{file_name, file_content}`` of the confirm file
        to serve from the last directory of a rule's prefix (or the host's root)."""
        body = self._post("cgi-bin/wxopen/qrcodejumpdownload", {}, idempotent=True)
        return {k: str(body[k]) for k in ("file_name", "file_content") if k in body}
