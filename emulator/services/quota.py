"""API call quotas: per (appid, API) daily counters (45009), optional minute limits (45011),
`cgi-bin/openapi/quota/get`, `cgi-bin/clear_quota` and `cgi-bin/clear_quota/v2` (10 resets a month
between them)."""

from __future__ import annotations

import secrets
from typing import Any

from emulator import errors
from emulator.clock import day_key, minute_key, month_key
from emulator.errors import Err
from emulator.routing import (
    ANY_APP_TOKEN,
    APP,
    COMPONENT,
    PLATFORM,
    ROUTES,
    Ctx,
    field_str,
    route,
    seed_section,
)
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
CGI_PATH_NOT_FOUND = Err(76021, "cgi_path not found", "reference §7 (D-getapiquota)")
CGI_PATH_NO_PERMISSION = Err(76022, "could not use this cgi_path, no permission", "reference §7 (D-getapiquota)")

DEFAULT_DAILY_LIMIT = 100_000
# Documented values; everything else gets DEFAULT_DAILY_LIMIT unless a seed says otherwise.
DAILY_LIMITS = {"/cgi-bin/token": 2000, "/cgi-bin/stable_token": 500_000}
MINUTE_LIMITS = {"/cgi-bin/stable_token": 10_000}
CLEAR_QUOTA_PER_MONTH = 10
ALL_KINDS = ANY_APP_TOKEN | {COMPONENT}


def _account(tx: Tx, appid: str) -> Doc:
    return tx.get("app", appid) or tx.get("platform", appid) or {}


def limits(tx: Tx, appid: str, path: str) -> tuple[int, int | None]:
    seeded = _account(tx, appid).get("api_limits", {}).get(path, {})
    daily = int(seeded.get("daily_limit", DAILY_LIMITS.get(path, DEFAULT_DAILY_LIMIT)))
    minute = seeded.get("minute_limit", MINUTE_LIMITS.get(path))
    return daily, (int(minute) if minute is not None else None)


def _daily(tx: Tx, appid: str) -> Doc:
    key = f"{appid}|{day_key(tx.now)}"
    return tx.get("apicount", key) or tx.put("apicount", key, {})


def charge(ctx: Ctx, appid: str) -> None:
    """Count one call of ctx.path against `appid`'s quota, or refuse it when a limit is reached."""
    tx, path = ctx.tx, ctx.path
    daily_limit, minute_limit = limits(tx, appid, path)
    counts = _daily(tx, appid)
    if counts.get(path, 0) >= daily_limit:
        raise errors.DAILY_QUOTA()
    if minute_limit is not None:
        key = f"{appid}|{path}"
        window = tx.get("apiminute", key) or tx.put("apiminute", key, {})
        if window.get("minute") != minute_key(tx.now):
            window.update(minute=minute_key(tx.now), count=0)
        if window["count"] >= minute_limit:
            raise errors.MINUTE_QUOTA()
        window["count"] += 1
    counts[path] = counts.get(path, 0) + 1


@route("/cgi-bin/openapi/quota/get", kinds=ALL_KINDS, body="required")
def get_quota(ctx: Ctx) -> dict[str, Any]:
    """Daily quota of one API for the token's account."""
    cgi_path = field_str(ctx.body, "cgi_path")
    target = ROUTES.get(cgi_path if cgi_path.startswith("/") else "/" + cgi_path)
    if target is None:
        raise CGI_PATH_NOT_FOUND()
    if target.token_param is not None and ctx.token_kind not in target.kinds:
        raise CGI_PATH_NO_PERMISSION()
    assert ctx.appid is not None
    daily_limit, minute_limit = limits(ctx.tx, ctx.appid, target.path)
    used = _daily(ctx.tx, ctx.appid).get(target.path, 0)
    out: dict[str, Any] = {"quota": {"daily_limit": daily_limit, "used": used,
                                     "remain": max(daily_limit - used, 0)}}
    if minute_limit is not None:
        out["rate_limit"] = {"call_count": minute_limit, "refresh_second": 60}
    return out


def _reset_daily_counters(tx: Tx, account: Doc, appid: str) -> None:
    """One of the 10 resets a month (shared by clear_quota and clear_quota/v2), then every daily
    API counter of the account starts from zero."""
    counter = account.setdefault("clear_quota", {})
    month = month_key(tx.now)
    if counter.get("period") != month:
        counter.update(period=month, used=0)
    if counter["used"] >= CLEAR_QUOTA_PER_MONTH:
        raise errors.CLEAR_QUOTA_LIMIT()
    counter["used"] += 1
    tx.put("apicount", f"{appid}|{day_key(tx.now)}", {})


@route("/cgi-bin/clear_quota", kinds=ALL_KINDS, body="required")
def clear_quota(ctx: Ctx) -> dict[str, Any]:
    """Reset every daily counter of the account; 10 times a month."""
    appid = field_str(ctx.body, "appid", required=False)
    if not appid:
        raise errors.APPID_MISSING()
    if appid != ctx.appid:
        raise errors.INVALID_APPID()
    _reset_daily_counters(ctx.tx, ctx.app() if ctx.token_kind != COMPONENT else ctx.platform(), appid)
    return {}


@route("/cgi-bin/clear_quota/v2", token=None)
def clear_quota_v2(ctx: Ctx) -> dict[str, Any]:
    """The same reset with appid + appsecret instead of a token, for when cgi-bin/token itself has hit
    45009 (clearQuotaByAppSecret). Body per the doc; WxJava sends query parameters, taken too (choice).
    Not counted against any API quota."""
    appid = field_str(ctx.body, "appid", required=False) or ctx.query.get("appid", "")
    secret = field_str(ctx.body, "appsecret", required=False) or ctx.query.get("appsecret", "")
    if not appid:
        raise errors.APPID_MISSING()
    if not secret:
        raise errors.SECRET_MISSING()
    app = ctx.tx.get("app", appid)
    if app is None:
        raise errors.INVALID_APPID()
    ctx.appid = appid
    if not secrets.compare_digest(secret, str(app.get("secret", ""))):
        raise errors.INVALID_APPSECRET()
    _reset_daily_counters(ctx.tx, app, appid)
    return {}


def _seed(tx: Tx, account: Doc, item: dict[str, Any], where: str) -> None:
    """`api_limits: {path: {daily_limit, minute_limit}}`, per account."""
    account["api_limits"] = dict(item.get("api_limits") or {})


seed_section(APP, "api_limits")(_seed)
seed_section(PLATFORM, "api_limits")(_seed)
