"""Checks that the platform can act at all: its credentials and verify ticket, each mini-program's
token, and the permission sets each authorization grants. Pure: facts in, findings out.

Facts used (keys of `Facts.values` / `.errors`):
- platform: `component_token` (the component token could be had: from the cache or a fetch),
  `component_token_expires_at` (when the cached one expires), `ticket` ({source, age_seconds});
- mini-program: `token` (its authorizer or owner token), `authorizer`
  (`cgi-bin/component/api_get_authorizer_info`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from providers._settings import ConfigurationError
from providers.preflight_checks.facts import Facts
from providers.preflight_checks.findings import BLOCK, OK, UNKNOWN, WARN, Finding
from wechat import APIError

DEV_MANAGEMENT, BASIC_INFO, ICP_FILING = 18, 30, 156
SET_NAMES = {DEV_MANAGEMENT: "开发管理 (development management)", BASIC_INFO: "基本信息设置 (basic info)",
             ICP_FILING: "备案 (ICP filing)"}
# the permission set each spec block's calls need (reference §2-§5; the emulator's routes agree)
BLOCK_SETS = {
    "server_domains": DEV_MANAGEMENT, "webview_domains": DEV_MANAGEMENT, "testers": DEV_MANAGEMENT,
    "release": DEV_MANAGEMENT, "profile": BASIC_INFO, "categories": BASIC_INFO, "privacy": BASIC_INFO,
}
TICKET_LIFETIME = 12 * 3600  # "component_verify_ticket 的有效时间为12小时" (reference §10)
PUSH_INTERVAL = 600  # WeChat pushes a new ticket every 10 minutes


def describe(error: Exception) -> str:
    """An error as one short line (WeChat's errors already carry meaning and advice)."""
    return " ".join(str(error).split())


def _errcode(error: Exception | None) -> int | None:
    return error.errcode if isinstance(error, APIError) else None


def component_credentials(subject: str, name: str, facts: Facts) -> Finding:
    """The platform's component token can be had (cached, or fetched with secret and ticket)."""
    error = facts.error("component_token")
    if error is None:
        return Finding("credentials", OK, subject, name, "the component token works")
    code = _errcode(error)
    if isinstance(error, ConfigurationError):
        return Finding("credentials", BLOCK, subject, name, describe(error), fix="set the stack config key it names")
    fixes = {
        61005: "the verify ticket is older than 12 hours: the platform's ticket receiver must store the newest "
               "ticket WeChat pushes (every 10 minutes) where the spec's verify_ticket_* points",
        61006: "the verify ticket is not one WeChat pushed to this platform: store the newest pushed ticket",
        40125: "the component secret is wrong: set the platform's AppSecret in the stack config key",
        61004: "add this machine's egress IP to the platform's IP whitelist on open.weixin.qq.com",
    }
    return Finding("credentials", BLOCK, subject, name, f"cannot get the component token: {describe(error)}",
                   code, fixes.get(code or 0, "see the error"))


def verify_ticket(subject: str, name: str, facts: Facts, max_age_minutes: int, now: float | None = None) -> Finding:
    """How old the verify ticket is (a file's age is its modification time), against its 12 hours."""
    ticket: dict[str, Any] = facts.get("ticket") or {}
    source, age = ticket.get("source", "?"), ticket.get("age_seconds")
    if age is None:
        if facts.error("component_token") is None:
            return Finding("verify_ticket", OK, subject, name,
                           f"from {source}: its age cannot be read there; the component token works with it")
        return Finding("verify_ticket", UNKNOWN, subject, name, f"from {source}: its age cannot be read there")
    now = time.time() if now is None else now
    cached_until = facts.get("component_token_expires_at")
    covered = isinstance(cached_until, int | float) and cached_until > now
    hours = age / 3600
    if age >= TICKET_LIFETIME:
        if covered:
            left = int((cached_until - now) // 60)
            return Finding("verify_ticket", WARN, subject, name,
                           f"the ticket in {source} is {hours:.1f} h old (expired at 12 h); the cached component "
                           f"token still works for {left} min, then every fetch fails", 61005,
                           "the ticket receiver stopped writing tickets: restart it")
        return Finding("verify_ticket", BLOCK, subject, name,
                       f"the ticket in {source} is {hours:.1f} h old: expired (tickets live 12 h)", 61005,
                       "the ticket receiver stopped writing tickets: restart it so it stores the newest push")
    if age > max_age_minutes * 60:
        expires = (TICKET_LIFETIME - age) / 3600
        return Finding("verify_ticket", WARN, subject, name,
                       f"the ticket in {source} is {age / 60:.0f} min old although WeChat pushes one every 10 min; "
                       f"it expires in {expires:.1f} h", 61005, "check the platform's ticket receiver")
    return Finding("verify_ticket", OK, subject, name, f"the ticket in {source} is {age / 60:.0f} min old")


def token(subject: str, name: str, facts: Facts, state_known: bool = True) -> Finding:
    """The mini-program's own token (authorizer, owner or command) can be had.

    `state_known`: the refresh tokens the stack's state records were offered first. Without them (the
    Pulumi program cannot read the state) a 61023 may only mean WeChat rotated the configured token
    and the state holds the new one, which the resources use: then it is a warning."""
    error = facts.error("token")
    if error is None:
        return Finding("token", OK, subject, name, "the access token works")
    code = _errcode(error)
    if code == 61023 and not state_known:
        return Finding("token", WARN, subject, name,
                       "the configured authorizer refresh token is refused (61023); if WeChat rotated it, the "
                       "stack's state holds the new one and the resources use it", 61023,
                       "if `up` fails with 61023 too, the admin must authorize the platform again")
    fixes = {
        61023: "the admin must authorize the platform again; store the new authorizer_refresh_token in the "
               "stack config key the spec's credentials name",
        61003: "the mini-program has not authorized this platform: the admin authorizes it (authorization link), "
               "then store its authorizer_refresh_token",
    }
    return Finding("token", BLOCK, subject, name, f"cannot get a token: {describe(error)}", code,
                   fixes.get(code or 0, "check the credentials block and the stack config it names"))


def func_sets(authorizer: dict[str, Any]) -> set[int] | None:
    """The permission set ids of `api_get_authorizer_info`'s func_info (None: WeChat gave none)."""
    info = (authorizer.get("authorization_info") or {}).get("func_info")
    if not isinstance(info, list):
        return None
    found = set()
    for item in info:
        scope = (item or {}).get("funcscope_category") if isinstance(item, dict) else None
        ident = (scope or {}).get("id") if isinstance(scope, dict) else None
        if isinstance(ident, int | float) and not isinstance(ident, bool):
            found.add(int(ident))
    return found


def authorization(subject: str, name: str, facts: Facts, blocks: Iterable[str]) -> Finding:
    """The authorization exists and its permission sets cover every block the spec manages."""
    error = facts.error("authorizer")
    if error is not None:
        code = _errcode(error)
        if code == 61003:
            return Finding("authorization", BLOCK, subject, name, "the mini-program has not authorized this platform",
                           61003, "the admin authorizes the platform (authorization link) with sets 18 and 30")
        return Finding("authorization", BLOCK if code else UNKNOWN, subject, name,
                       f"cannot read the authorization: {describe(error)}", code, "see the error")
    if not facts.has("authorizer"):
        return Finding("authorization", UNKNOWN, subject, name, "not read (no platform credentials)")
    granted = func_sets(facts.get("authorizer") or {})
    if granted is None:
        return Finding("authorization", UNKNOWN, subject, name, "WeChat's answer lists no permission sets (func_info)")
    needed: dict[int, list[str]] = {}
    for block in blocks:
        if block in BLOCK_SETS:
            needed.setdefault(BLOCK_SETS[block], []).append(block)
    missing = {ident: users for ident, users in sorted(needed.items()) if ident not in granted}
    if not missing:
        sets = ", ".join(str(ident) for ident in sorted(needed)) or "none needed"
        return Finding("authorization", OK, subject, name, f"authorized; the spec needs sets {sets}, all granted")
    what = "; ".join(f"set {ident} {SET_NAMES.get(ident, '')} for {', '.join(users)}"
                     for ident, users in missing.items())
    return Finding("authorization", BLOCK, subject, name, f"the authorization lacks {what}", 61007,
                   "the admin authorizes the platform again and ticks those permission sets (set 18 can be held by "
                   "one platform only: another platform holding it must release it first)")


def icp_readable(facts: Facts) -> bool:
    """`wxa/icp/get_icp_entrance_info` needs set 18 or 156."""
    granted = func_sets(facts.get("authorizer") or {})
    return granted is None or bool(granted & {DEV_MANAGEMENT, ICP_FILING})
