"""The third-party platform's template library: finding a version's template or draft, and the
emulator's stand-in for a miniprogram-ci upload (`POST /_emulator/drafts`; see `providers/_source.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from providers._errors import RefusedError
from providers._settings import Settings
from providers._source_folder import SourceReport
from wechat.redact import scrub

# After an upload, the draft can take a moment to be listed (UNCONFIRMED how long on real WeChat).
DRAFT_POLL_DELAYS = (0.0, 2.0, 4.0, 8.0, 16.0, 30.0)
_version_locks: dict[tuple[str, str, str], threading.Lock] = {}


_lock = threading.Lock()


def version_lock(key: tuple[str, str, str]) -> threading.Lock:
    """One upload at a time per (base URL, platform, version) in this provider host."""
    with _lock:
        return _version_locks.setdefault(key, threading.Lock())


def newest(items: Iterable[Mapping[str, Any]], id_key: str) -> Mapping[str, Any] | None:
    # the library reuses slots when full, so order by id, not by position (reference §5.6)
    return max(items, key=lambda item: int(item.get(id_key) or 0), default=None)


def find_template(templates: list[dict[str, Any]], version: str, draft_id: int | None = None
                   ) -> Mapping[str, Any] | None:
    if draft_id is not None:
        by_draft = [t for t in templates if int(t.get("draft_id") or -1) == draft_id]
        if by_draft:
            return newest(by_draft, "template_id")
    matches = [t for t in templates if str(t.get("user_version")) == version]
    normal = [t for t in matches if int(t.get("template_type") or 0) == 0]
    return newest(normal or matches, "template_id")


def find_draft(drafts: list[dict[str, Any]], version: str, dev_appid: str) -> Mapping[str, Any] | None:
    matches = [d for d in drafts if str(d.get("user_version")) == version]
    ours = [d for d in matches if d.get("source_miniprogram_appid") in (None, "", dev_appid)]
    return newest(ours or matches, "draft_id")


def pages_for_emulator(report: SourceReport) -> list[str]:
    return report.pages or ["pages/index/index"]


def land_in_emulator(settings: Settings, component_appid: str, dev_appid: str, version: str, desc: str,
                      robot: int, report: SourceReport) -> None:
    """The emulator's stand-in for a miniprogram-ci upload: `POST /_emulator/drafts`."""
    body = {"component_appid": component_appid, "user_version": version, "user_desc": desc,
            "source_miniprogram_appid": dev_appid, "developer": f"ci robot {robot}",
            "pages": pages_for_emulator(report)}
    try:
        response = httpx.post(f"{settings.base_url}/_emulator/drafts", json=body, timeout=30)
    except httpx.HTTPError as error:
        raise RefusedError(f"could not reach the emulator's control API at {settings.base_url}: "
                           f"{type(error).__name__}") from None
    if response.status_code >= 400:
        raise RefusedError(f"the emulator refused the draft: HTTP {response.status_code} "
                           f"{scrub(response.text[:300])}")
