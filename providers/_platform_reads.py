"""Reads that answer for the whole third-party platform, made once per platform per provider host.

Some WeChat reads answer the same for every mini-program a platform manages: the monthly audit
quota (`wxa/queryquota`, wechat-api.md 5.4) and the template library (`wxa/gettemplatelist`). A
fleet `up` of a hundred Releases read each a hundred times. The provider host lives for one `up`
or preview, so `once(ctx, name, read)` makes the read for the first caller (the others wait for its
answer: single flight) and hands the same value to every mini-program of that platform afterwards.

Only for values that are hints or display (a plan's quota line, which code a template was made
from): no write that must not be repeated rests on them (see `release_quota` for the quota's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from providers import _host

T = TypeVar("T")

lock = threading.RLock()  # guards `values`; held by a caller that updates a value in place
values: dict[tuple[str, str], Any] = {}
_reading: dict[tuple[str, str], threading.Lock] = {}


def platform_of(ctx: Any) -> str:
    """Whose answer: the third-party platform (its appid at the API's address), else the app's own."""
    component = ctx.credentials.get("component_appid")
    who = f"platform {component}" if component else f"app {ctx.appid}"
    return f"{ctx.settings.base_url} {who}"


def once(ctx: Any, name: str, read: Callable[[], T]) -> T:
    """`read()`'s answer, read once per platform and `name` in this host; read every time in any other
    process (the runner's in-process plan, a test), which may plan many runs."""
    if not _host.serving():
        return read()
    key = (platform_of(ctx), name)
    with lock:
        reading = _reading.setdefault(key, threading.Lock())
    with reading:  # single flight: the other callers wait for the first one's answer
        with lock:
            if key in values:
                return values[key]
        value = read()
        with lock:
            return values.setdefault(key, value)


def forget() -> None:
    """Drop every value (tests; a host serves one engine run, so it never needs to)."""
    with lock:
        values.clear()
        _reading.clear()
