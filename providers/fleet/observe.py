"""Where each of this runner's fleet apps stands, read live, with the Release engine's own reads and
rules, at no more calls a second than the platform allows this runner.

For each app: `getversioninfo`, `get_latest_auditstatus`, `getgrayreleaseplan` (the three reads the
Release resource makes), then `release_phases.phase_of` says where V stands and
`release_phases.decide` whether the Release engine would refuse to go on (another version under
audit, an audit of unknown version, ...): such an app is *blocked*, with a cause worded the same for
every app so the plan can group them. Every field is read as optional; an app that cannot be read
is *unknown*, with the error's class and errcode as its cause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from providers._clients import client_for
from providers._settings import ConfigurationError, Settings
from providers.fleet.planner import (
    APPROVED,
    BLOCKED,
    FAILURES,
    REJECTED,
    RELEASED,
    UNKNOWN,
    AppState,
)
from providers.fleet.waves import Member
from providers.release import latest_audit
from providers.release_live import phase_of, snapshot
from providers.release_phases import decide
from wechat import APIError, MiniProgramClient, WeChatError

READ_WORKERS = 16

# how the Release engine's refusals are grouped: (words in its message, the cause shown)
CAUSES = (
    ("WeChat audits one version at a time", "another version is under audit (WeChat audits one at a time)"),
    ("does not say which version it is of", "the latest audit does not say which version it is of"),
    ("nothing is live yet", "nothing is live yet: the first release must go to every user (rollout 100)"),
    ("was live before", "V was live before and is no longer a rollback target"),
    ("a later audit of another", "V's audit was replaced by a later one"),
    ("full release cannot be narrowed", "V is live for every user already; the rollout cannot narrow"),
)


class RateLimiter:
    """At most `per_second` acquisitions a second, spread evenly, shared by every thread."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.sleep(start - now)


class Throttled:
    """A MiniProgramClient whose every API method waits for the rate limiter first."""

    def __init__(self, client: MiniProgramClient, limiter: RateLimiter) -> None:
        self._client, self._limiter = client, limiter

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            self._limiter.acquire()
            return method(*args, **kwargs)

        return call


def cause_of(blocked: str) -> str:
    for words, cause in CAUSES:
        if words in blocked:
            return cause
    return blocked.split(". ", 1)[0][:160]


def app_state(appid: str, client: Any, desired: Mapping[str, Any]) -> AppState:
    """One app's release of `desired["version"]`, read live (see the module docstring)."""
    version, target = str(desired["version"]), int(desired["rollout"]["gray_percentage"])
    info = client.get_version_info()
    audit = latest_audit(client)
    gray_plan = client.get_gray_release_plan()
    live = snapshot(info, audit, gray_plan)
    phase = phase_of(version, live)
    committed = live.get("exp_version") == version
    if phase.name == RELEASED:
        return AppState(appid, RELEASED, phase.percentage, _released_at(info, gray_plan, version), committed=committed)
    if phase.name == REJECTED:
        return AppState(appid, REJECTED, cause=phase.reason or "no reason given", committed=committed)
    plan = decide(appid, dict(desired), live, None)
    if plan.blocked and phase.name not in FAILURES:
        return AppState(appid, BLOCKED, cause=cause_of(plan.blocked), committed=committed)
    reason = phase.reason if phase.name == "delayed" else ""
    if phase.name == APPROVED and target < 100 and live.get("release_version") is None:
        reason = "first release"
    return AppState(appid, phase.name, phase.percentage, cause=reason, committed=committed)


def _released_at(info: Mapping[str, Any], gray_plan: Mapping[str, Any], version: str) -> float | None:
    """WeChat's release_time of V, or when its gray plan began; None when the answer leaves it out."""
    release = info.get("release_info") or {}
    if release.get("release_version") == version and isinstance(release.get("release_time"), int | float):
        return float(release["release_time"])
    created = (gray_plan.get("gray_release_plan") or {}).get("create_timestamp")
    return float(created) if isinstance(created, int | float) and not isinstance(created, bool) else None


def observe(apps: Sequence[tuple[Member, Mapping[str, Any]]], desired: Mapping[str, Any], settings: Settings,
            limiter: RateLimiter) -> dict[str, AppState]:
    """Every app of `apps` (member, credentials) read live, READ_WORKERS at a time."""

    def one(item: tuple[Member, Mapping[str, Any]]) -> AppState:
        member, credentials = item
        try:
            client = Throttled(client_for(member.appid, credentials, settings), limiter)
            return app_state(member.appid, client, desired)
        except APIError as error:
            return AppState(member.appid, UNKNOWN, cause=f"cannot read: {error.endpoint} errcode {error.errcode}")
        except (WeChatError, ConfigurationError) as error:
            return AppState(member.appid, UNKNOWN, cause=f"cannot read: {type(error).__name__}: {error}"[:200])

    with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="fleet-read") as pool:
        return {state.appid: state for state in pool.map(one, apps)}


def platform_quota(client: Any) -> tuple[int | None, int | None]:
    """wxa/queryquota: (rest, limit), each None when the answer leaves it out."""
    body = client.query_quota()

    def number(key: str) -> int | None:
        value = body.get(key)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return number("rest"), number("limit")
