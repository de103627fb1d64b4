"""The platform's monthly audit quota (`wxa/queryquota`), read once per platform per provider host.

`queryquota` answers for the whole third-party platform: every mini-program it manages shares one
monthly submit_audit quota (wechat-api.md 5.4). A Release that reads it per app reads the same
figure a hundred times in a fleet `up`. The provider host lives for one `up` or preview, so it reads
the figure once per platform (single-flight: the first diff reads, the others wait for its answer)
and counts down, by one per submission this host is about to make, what it read.

The figure is a courtesy, never a safety decision: it prices a plan line ("1 of 20 monthly audits,
19 left") and lets `up` refuse before the call when it is spent. A refusal is made only on a fresh
read (`reserve` reads again when the count says nothing is left). A count that is too high (another
tool submitted meanwhile) costs WeChat's own refusal of the submission (85085), which spends nothing,
creates no audit, and is never sent again (it is not an ambiguous answer: `wechat.errors.QuotaError`).
"""

from __future__ import annotations

import threading
from typing import Any

from providers.release_live import quota_of

Props = dict[str, Any]

_lock = threading.Lock()
_figures: dict[str, Props] = {}  # platform -> {"rest", "limit"} as read, less this host's submissions
_reading: dict[str, threading.Lock] = {}


def platform_of(ctx: Any) -> str:
    """Whose quota: the third-party platform (by its appid and the API's address); an owner's own app."""
    component = ctx.credentials.get("component_appid")
    who = f"platform {component}" if component else f"app {ctx.appid}"
    return f"{ctx.settings.base_url} {who}"


def figure(ctx: Any) -> Props:
    """{rest, limit}: read with the first caller's client, once per platform in this host."""
    key = platform_of(ctx)
    with _lock:
        reading = _reading.setdefault(key, threading.Lock())
    with reading:  # single flight: one read per platform, the other callers wait for it
        with _lock:
            if key in _figures:
                return dict(_figures[key])
        read = quota_of(ctx.client.query_quota())
        with _lock:
            _figures.setdefault(key, read)
            return dict(_figures[key])


def spend(ctx: Any) -> tuple[bool, Props]:
    """Right before a submit_audit: count it against the figure. (True, the figure after it), or
    (False, a fresh read's figure) when nothing is left: a refusal rests on a fresh read."""
    key = platform_of(ctx)
    figure(ctx)
    if (counted := _take_one(key)) is not None:
        return True, counted
    fresh = quota_of(ctx.client.query_quota())
    with _lock:
        _figures[key] = fresh
    counted = _take_one(key)
    return (True, counted) if counted is not None else (False, fresh)


def _take_one(key: str) -> Props | None:
    with _lock:
        now = _figures[key]
        if now["rest"] is not None and now["rest"] <= 0:
            return None
        if now["rest"] is not None:
            now["rest"] -= 1
        return dict(now)


def forget() -> None:
    """Drop every figure (tests; a host serves one engine run, so it never needs to)."""
    with _lock:
        _figures.clear()
        _reading.clear()
