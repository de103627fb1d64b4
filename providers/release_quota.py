"""The platform's monthly audit quota (`wxa/queryquota`), read once per platform per provider host.

`queryquota` answers for the whole third-party platform: every mini-program it manages shares one
monthly submit_audit quota (wechat-api.md 5.4), so the host reads it once per platform
(`_platform_reads.once`) and counts down, by one per submission this host is about to make, what
it read.

The figure is a courtesy, never a safety decision: it prices a plan line ("1 of 20 monthly audits,
19 left") and lets `up` refuse before the call when it is spent. A refusal is made only on a fresh
read (`spend` reads again when the count says nothing is left). A count that is too high (another
tool submitted meanwhile) costs WeChat's own refusal of the submission (85085), which spends nothing,
creates no audit, and is never sent again (it is not an ambiguous answer: `wechat.errors.QuotaError`).
"""

from __future__ import annotations

from typing import Any

from providers import _platform_reads as platform
from providers.release_live import quota_of

Props = dict[str, Any]
NAME = "queryquota"


def figure(ctx: Any) -> Props:
    """{rest, limit}: as read once per platform in this host, less the submissions counted since."""
    now = _counted(ctx)
    with platform.lock:
        return dict(now)


def spend(ctx: Any) -> tuple[bool, Props]:
    """Right before a submit_audit: count it against the figure. (True, the figure after it), or
    (False, a fresh read's figure) when nothing is left: a refusal rests on a fresh read."""
    if (counted := _take_one(ctx)) is not None:
        return True, counted
    fresh = quota_of(ctx.client.query_quota())
    with platform.lock:
        platform.values[(platform.platform_of(ctx), NAME)] = fresh
    counted = _take_one(ctx)
    return (True, counted) if counted is not None else (False, fresh)


def _counted(ctx: Any) -> Props:
    figure: Props = platform.once(ctx, NAME, lambda: quota_of(ctx.client.query_quota()))
    return figure


def _take_one(ctx: Any) -> Props | None:
    now = _counted(ctx)
    with platform.lock:
        if now["rest"] is not None and now["rest"] <= 0:
            return None
        if now["rest"] is not None:
            now["rest"] -= 1
        return dict(now)
