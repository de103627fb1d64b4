"""Code, audit, release, gray release, rollback and visibility (reference §5)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from ..errors import TransportError
from ._base import Endpoints


def _screenshot(body: dict[str, Any]) -> dict[str, Any]:
    # get_latest_auditstatus says "ScreenShot", get_auditstatus "screenshot": callers see one key.
    if "ScreenShot" in body:
        shot = body.pop("ScreenShot")
        body.setdefault("screenshot", shot)
    return body


class CodeAPI(Endpoints):
    def commit(self, template_id: int | str, ext_json: Mapping[str, Any] | str, user_version: str,
               user_desc: str) -> dict[str, Any]:
        """``POST wxa/commit``: upload a template as the experience version. Never retried.

        ``ext_json`` may be a dict; WeChat wants it as a JSON string, which this sends.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_commit.html
        """
        ext = ext_json if isinstance(ext_json, str) else json.dumps(dict(ext_json), ensure_ascii=False)
        body = {"template_id": int(template_id), "ext_json": ext, "user_version": user_version,
                "user_desc": user_desc}
        return self._post("wxa/commit", body, idempotent=False)

    def get_page(self) -> list[str]:
        """``GET wxa/get_page``: the pages of the committed code.

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/code/get_page.html
        """
        return [str(p) for p in self._get("wxa/get_page").get("page_list", [])]

    def submit_audit(self, **fields: Any) -> int:
        """``POST wxa/submit_audit`` with WeChat's own fields; returns the ``auditid``.

        ``fields`` are ``item_list``, ``ugc_declare``, ``privacy_api_not_use`` ... as WeChat names them.
        Spends the platform's monthly audit quota; never retried.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_submitaudit.html
        """
        body = self._post("wxa/submit_audit", fields, idempotent=False)
        if not isinstance(body.get("auditid"), int | str):
            raise TransportError("wxa/submit_audit answered errcode 0 without an auditid: the version was "
                                 "probably submitted; read get_latest_audit_status",
                                 endpoint="wxa/submit_audit")
        return int(body["auditid"])

    def get_audit_status(self, auditid: int) -> dict[str, Any]:
        """``POST wxa/get_auditstatus``: status 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_getauditstatus.html
        """
        return _screenshot(self._post("wxa/get_auditstatus", {"auditid": int(auditid)}, idempotent=True))

    def get_latest_audit_status(self) -> dict[str, Any]:
        """``GET wxa/get_latest_auditstatus``; WeChat's ``ScreenShot`` key is returned as ``screenshot``.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_getlatestauditstatus.html
        """
        return _screenshot(self._get("wxa/get_latest_auditstatus"))

    def undo_audit(self) -> dict[str, Any]:
        """``GET wxa/undocodeaudit``: withdraw the running audit (5 a day, 10 a month). Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/code-management/undoAudit.html
        """
        return self._get("wxa/undocodeaudit", idempotent=False)

    def speedup_audit(self, auditid: int) -> dict[str, Any]:
        """``POST wxa/speedupaudit``: spends the platform's monthly speed-up quota. Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/code-management/speedupCodeAudit.html
        """
        return self._post("wxa/speedupaudit", {"auditid": int(auditid)}, idempotent=False)

    def query_quota(self) -> dict[str, Any]:
        """``GET wxa/queryquota``: the platform's monthly audit quota (``rest``, ``limit``, ``speedup_*``).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_setcodeauditquota.html
        """
        return self._get("wxa/queryquota")

    def release(self) -> dict[str, Any]:
        """``POST wxa/release`` with body ``{}``: publish the last approved version. Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_release.html
        """
        return self._post("wxa/release", {}, idempotent=False)

    def gray_release(self, percentage: int, support_debuger_first: bool = False,
                     support_experiencer_first: bool = False) -> dict[str, Any]:
        """``POST wxa/grayrelease``: roll out to ``percentage`` (0..100, rising each call). Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_grayrelease.html
        """
        if not 0 <= percentage <= 100:
            raise ValueError("gray_release: percentage must be within 0..100")
        if percentage == 0 and not (support_debuger_first or support_experiencer_first):
            raise ValueError("gray_release: percentage 0 needs support_debuger_first or "
                             "support_experiencer_first")
        body = {"gray_percentage": percentage, "support_debuger_first": support_debuger_first,
                "support_experiencer_first": support_experiencer_first}
        return self._post("wxa/grayrelease", body, idempotent=False)

    def get_gray_release_plan(self) -> dict[str, Any]:
        """``GET wxa/getgrayreleaseplan``: the ``gray_release_plan`` object (status 0..4, percentage ...).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_getgrayreleaseplan.html
        """
        return dict(self._get("wxa/getgrayreleaseplan").get("gray_release_plan") or {})

    def revert_gray_release(self) -> dict[str, Any]:
        """``GET wxa/revertgrayrelease``: cancel the gray rollout. Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/code/grayrelease.html
        """
        return self._get("wxa/revertgrayrelease", idempotent=False)

    def revert_code_release(self, app_version: int | None = None) -> dict[str, Any]:
        """``GET wxa/revertcoderelease[?app_version=N]``: roll back the live version. Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_revertcoderelease.html
        """
        params = {"app_version": int(app_version)} if app_version is not None else None
        return self._get("wxa/revertcoderelease", params=params, idempotent=False)

    def get_history_versions(self) -> list[dict[str, Any]]:
        """``GET wxa/revertcoderelease?action=get_history_version``: the rollback targets (at most 5).

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/code/get_history_version.html
        """
        body = self._get("wxa/revertcoderelease", params={"action": "get_history_version"})
        return list(body.get("version_list", []))

    def get_version_info(self) -> dict[str, Any]:
        """``POST wxa/getversioninfo`` with body ``{}``: ``exp_info`` and ``release_info``.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_getversioninfo.html
        """
        return self._post("wxa/getversioninfo", {}, idempotent=True)

    def change_visit_status(self, action: Literal["open", "close"]) -> dict[str, Any]:
        """``POST wxa/change_visitstatus``: open or close (suspend) the live mini-program.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_setvisitstatus.html
        """
        return self._post("wxa/change_visitstatus", {"action": action}, idempotent=True)

    def get_visit_status(self) -> int:
        """``POST wxa/getvisitstatus`` with body ``{}``: 1 normal, 0 suspended.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/code-management/api_getvisitstatus.html
        """
        return int(self._post("wxa/getvisitstatus", {}, idempotent=True).get("status", 0))

    def get_api_quota(self, cgi_path: str) -> dict[str, Any]:
        """``POST cgi-bin/openapi/quota/get``: ``quota{daily_limit, used, remain}`` for one API path.

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/openApi/get_api_quota.html
        """
        return self._post("cgi-bin/openapi/quota/get", {"cgi_path": cgi_path}, idempotent=True)

    def clear_quota(self) -> dict[str, Any]:
        """``POST cgi-bin/clear_quota``: reset this account's daily API counters (10 a month). Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/openapi/clearQuota.html
        """
        return self._post("cgi-bin/clear_quota", {"appid": self.appid}, idempotent=False)
