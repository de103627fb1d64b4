"""Token issue, rotation and validation: own (cgi-bin/token), stable, component and authorizer tokens.

Every token is a document keyed by its value with `expires_at` (7200 s on the emulator clock) and
`valid_until` (earlier when a newer token superseded it). Each family keeps a subject document
that points at its latest token, so rotation is "shorten the previous token's life".
"""

from __future__ import annotations

import secrets
from typing import Any

from emulator import errors
from emulator.clock import day_key
from emulator.routing import (
    AUTHORIZER,
    COMPONENT,
    COMPONENT_ONLY,
    OWN,
    STABLE,
    ConsoleError,
    Ctx,
    console_action,
    field_str,
    route,
)
from emulator.services import quota, tickets
from emulator.state import Doc, Tx

TOKEN_TTL = 7200
ROTATION_GRACE = 300  # cgi-bin/token: the previous token keeps working about 5 minutes
STABLE_RENEW_WINDOW = 300  # stable_token hands out a new token when about 5 minutes remain
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_GAP = 30
PRE_AUTH_CODE_TTL = 600
AUTH_CODE_TTL = 600
REFRESH_TOKEN_GRACE = 300
_KEEP_RECENT = 20  # older superseded tokens are forgotten (they then answer 40014, not 40001)


def _subject_key(kind: str, appid: str, component_appid: str | None) -> str:
    return f"{kind}|{component_appid or ''}|{appid}"


def _subject(tx: Tx, kind: str, appid: str, component_appid: str | None) -> Doc:
    key = _subject_key(kind, appid, component_appid)
    return tx.get("tokenstate", key) or tx.put("tokenstate", key, {"latest": None, "recent": []})


def _usable(doc: Doc | None, now: float) -> bool:
    return doc is not None and now < doc["valid_until"] and now < doc["expires_at"]


def issue(tx: Tx, kind: str, appid: str, component_appid: str | None = None,
          grace: float = ROTATION_GRACE) -> tuple[str, int]:
    """Issue a fresh token; the previous one of the family stays usable for `grace` seconds."""
    now = tx.now
    subject = _subject(tx, kind, appid, component_appid)
    previous = tx.get("token", subject["latest"]) if subject["latest"] else None
    if previous is not None:
        previous["valid_until"] = min(previous["valid_until"], now + grace)
    token = "emu_" + secrets.token_urlsafe(60)
    tx.put("token", token, {
        "kind": kind, "appid": appid, "component_appid": component_appid,
        "issued_at": now, "expires_at": now + TOKEN_TTL, "valid_until": now + TOKEN_TTL,
    })
    subject["latest"] = token
    subject["recent"] = [*subject["recent"], token]
    while len(subject["recent"]) > _KEEP_RECENT:
        tx.delete("token", subject["recent"].pop(0))
    return token, TOKEN_TTL


def validate(tx: Tx, token: str) -> Doc:
    """The token's document, or the errcode WeChat gives for a stale, expired or unknown token."""
    doc = tx.get("token", token) if token else None
    if doc is None:
        raise errors.INVALID_ACCESS_TOKEN()
    if tx.now >= doc["valid_until"] and doc["valid_until"] < doc["expires_at"]:
        raise errors.INVALID_CREDENTIAL()  # superseded: "invalid or not latest"
    if tx.now >= doc["expires_at"]:
        raise errors.ACCESS_TOKEN_EXPIRED()
    return doc


def revoke_family(tx: Tx, kind: str, appid: str, component_appid: str | None = None) -> None:
    """Invalidate the family's live tokens at once (console actions such as resetting a secret)."""
    subject = _subject(tx, kind, appid, component_appid)
    for token in subject["recent"]:
        doc = tx.get("token", token)
        if doc is not None:
            doc["valid_until"] = min(doc["valid_until"], tx.now)


def _check_app_secret(ctx: Ctx, appid: str, secret: str) -> Doc:
    app = ctx.tx.get("app", appid)
    if app is None:
        raise errors.INVALID_APPID()
    ctx.appid = appid
    if app.get("secret_frozen"):
        raise errors.APPSECRET_FROZEN()
    if secret != app.get("secret"):
        raise errors.INVALID_APPSECRET()
    return app


@route("/cgi-bin/token", ("GET",), token=None, body="none", envelope=False)
def get_token(ctx: Ctx) -> dict[str, Any]:
    """Own access_token. Each fetch rotates; the previous token keeps working ~5 minutes."""
    if ctx.query.get("grant_type") != "client_credential":
        raise errors.INVALID_GRANT_TYPE()
    appid, secret = ctx.query.get("appid"), ctx.query.get("secret")
    if not appid:
        raise errors.APPID_MISSING()
    if not secret:
        raise errors.SECRET_MISSING()
    _check_app_secret(ctx, appid, secret)
    ctx.token_kind = OWN
    quota.charge(ctx, appid)
    token, expires_in = issue(ctx.tx, OWN, appid)
    return {"access_token": token, "expires_in": expires_in}


@route("/cgi-bin/stable_token", ("POST",), token=None, body="required", envelope=False)
def stable_token(ctx: Ctx) -> dict[str, Any]:
    """Stable access_token: the same token while valid; force_refresh 20/day, 30 s apart."""
    if ctx.body.get("grant_type") != "client_credential":
        raise errors.INVALID_GRANT_TYPE()
    appid = field_str(ctx.body, "appid", required=False)
    secret = field_str(ctx.body, "secret", required=False)
    if not appid:
        raise errors.APPID_MISSING()
    if not secret:
        raise errors.SECRET_MISSING()
    _check_app_secret(ctx, appid, secret)
    ctx.token_kind = STABLE
    quota.charge(ctx, appid)
    now = ctx.tx.now
    subject = _subject(ctx.tx, STABLE, appid, None)
    current = ctx.tx.get("token", subject["latest"]) if subject["latest"] else None
    if ctx.body.get("force_refresh") is True:
        force = subject.setdefault("force", {})
        if force.get("day") != day_key(now):
            force.update(day=day_key(now), count=0, last_at=-1e18)
        if _usable(current, now) and now - force["last_at"] < FORCE_REFRESH_GAP:
            assert current is not None
            return {"access_token": subject["latest"], "expires_in": int(current["expires_at"] - now)}
        if force["count"] >= FORCE_REFRESH_PER_DAY:
            raise errors.DAILY_QUOTA()
        force["count"] += 1
        force["last_at"] = now
        token, expires_in = issue(ctx.tx, STABLE, appid, grace=0)
        return {"access_token": token, "expires_in": expires_in}
    if _usable(current, now) and current is not None and current["expires_at"] - now > STABLE_RENEW_WINDOW:
        return {"access_token": subject["latest"], "expires_in": int(current["expires_at"] - now)}
    # Near expiry: a new token, while the old one keeps working until its own expiry.
    token, expires_in = issue(ctx.tx, STABLE, appid, grace=STABLE_RENEW_WINDOW)
    return {"access_token": token, "expires_in": expires_in}


@route("/cgi-bin/component/api_component_token", ("POST",), token=None, body="required", envelope=False)
def component_token(ctx: Ctx) -> dict[str, Any]:
    """component_access_token from appid + secret + the verify ticket WeChat last pushed."""
    component_appid = field_str(ctx.body, "component_appid", required=False)
    if not component_appid:
        raise errors.COMPONENT_APPID_MISSING()
    platform = ctx.tx.get("platform", component_appid)
    if platform is None:
        raise errors.INVALID_COMPONENT()
    ctx.appid = ctx.component_appid = component_appid
    secret = field_str(ctx.body, "component_appsecret", required=False)
    if not secret:
        raise errors.SECRET_MISSING()
    if secret != platform["component_appsecret"]:
        raise errors.INVALID_APPSECRET()
    ticket = field_str(ctx.body, "component_verify_ticket", required=False)
    state = tickets.status(platform, ticket, ctx.tx.now) if ticket else "unknown"
    if state == "unknown":
        raise errors.TICKET_INVALID()
    if state == "expired":
        raise errors.TICKET_EXPIRED()
    ctx.token_kind = COMPONENT
    quota.charge(ctx, component_appid)
    token, expires_in = issue(ctx.tx, COMPONENT, component_appid, component_appid)
    return {"component_access_token": token, "expires_in": expires_in}


def same_component(ctx: Ctx) -> str:
    component_appid = field_str(ctx.body, "component_appid", required=False)
    if not component_appid:
        raise errors.COMPONENT_APPID_MISSING()
    if component_appid != ctx.component_appid:
        raise errors.INVALID_COMPONENT()
    return component_appid


@route("/cgi-bin/component/api_create_preauthcode", token="component_access_token", kinds=COMPONENT_ONLY,
       envelope=False)
def create_preauthcode(ctx: Ctx) -> dict[str, Any]:
    same_component(ctx)
    return {"pre_auth_code": "preauthcode@@@" + secrets.token_urlsafe(32), "expires_in": PRE_AUTH_CODE_TTL}


def func_info(permissions: list[int]) -> list[dict[str, Any]]:
    return [{"funcscope_category": {"id": p}} for p in permissions]


@route("/cgi-bin/component/api_query_auth", token="component_access_token", kinds=COMPONENT_ONLY,
       envelope=False)
def query_auth(ctx: Ctx) -> dict[str, Any]:
    """Exchange an authorization code (seeded or made by the control API) for the authorization."""
    component_appid = same_component(ctx)
    code = field_str(ctx.body, "authorization_code")
    grant = ctx.tx.get("authcode", code)
    if grant is None or grant["component_appid"] != component_appid:
        raise errors.INVALID_CODE()
    if grant.get("expires_at") is not None and ctx.tx.now >= grant["expires_at"]:
        raise errors.INVALID_CODE()
    ctx.tx.delete("authcode", code)  # one use, like an OAuth code
    appid = grant["authorizer_appid"]
    existing = ctx.tx.get("auth", f"{component_appid}|{appid}")
    auth = authorize(ctx.tx, component_appid, appid, grant["permissions"])
    if existing is not None:  # a re-authorization changes the refresh token ("重新授权才会改变")
        rotate_refresh_token(ctx.tx, auth)
    token, expires_in = issue(ctx.tx, AUTHORIZER, appid, component_appid)
    return {"authorization_info": {
        "authorizer_appid": appid,
        "authorizer_access_token": token,
        "expires_in": expires_in,
        "authorizer_refresh_token": auth["refresh_token"],
        "func_info": func_info(auth["permissions"]),
    }}


def authorize(tx: Tx, component_appid: str, appid: str, permissions: list[int],
              refresh_token: str | None = None, rotate: bool | None = None) -> Doc:
    """Create or update the authorization of `component_appid` by mini-program `appid`."""
    key = f"{component_appid}|{appid}"
    auth = tx.get("auth", key)
    if auth is None:
        auth = tx.put("auth", key, {
            "component_appid": component_appid, "authorizer_appid": appid,
            "refresh_token": refresh_token or _new_refresh_token(), "previous_refresh_tokens": [],
            "rotate_refresh_token": bool(rotate),
        })
    elif refresh_token:
        auth["refresh_token"] = refresh_token
    if rotate is not None:
        auth["rotate_refresh_token"] = rotate
    auth["permissions"] = sorted({int(p) for p in permissions})
    return auth


def _new_refresh_token() -> str:
    return "refreshtoken@@@" + secrets.token_urlsafe(32)


def rotate_refresh_token(tx: Tx, auth: Doc) -> str:
    """A new refresh token; the old one keeps working REFRESH_TOKEN_GRACE seconds (a WeChat staff
    answer: "此间旧的刷新令牌有5分钟的过渡期"; the api_authorizer_token page itself is silent)."""
    previous = [p for p in auth.get("previous_refresh_tokens", []) if tx.now < p["valid_until"]]
    previous.append({"token": auth["refresh_token"], "valid_until": tx.now + REFRESH_TOKEN_GRACE})
    auth["previous_refresh_tokens"] = previous
    auth["refresh_token"] = _new_refresh_token()
    return str(auth["refresh_token"])


def _refresh_token_state(tx: Tx, auth: Doc, presented: str) -> str:
    if secrets.compare_digest(presented, auth["refresh_token"]):
        return "current"
    for previous in auth.get("previous_refresh_tokens", []):
        if secrets.compare_digest(presented, previous["token"]) and tx.now < previous["valid_until"]:
            return "previous"
    return "invalid"


@route("/cgi-bin/component/api_authorizer_token", token="component_access_token", kinds=COMPONENT_ONLY,
       envelope=False)
def authorizer_token(ctx: Ctx) -> dict[str, Any]:
    """authorizer_access_token from the refresh token. The refresh token changes only on
    re-authorization (api_query_auth) or, as a seed/console option, on every call
    (`rotate_refresh_token`); a superseded one works 5 more minutes and answers with the current one."""
    component_appid = same_component(ctx)
    appid = field_str(ctx.body, "authorizer_appid")
    refresh = field_str(ctx.body, "authorizer_refresh_token")
    auth = ctx.tx.get("auth", f"{component_appid}|{appid}")
    if auth is None:
        raise errors.NOT_AUTHORIZED()
    state = _refresh_token_state(ctx.tx, auth, refresh)
    if state == "invalid":
        raise errors.REFRESH_TOKEN_INVALID()
    if state == "current" and auth.get("rotate_refresh_token"):
        rotate_refresh_token(ctx.tx, auth)
    token, expires_in = issue(ctx.tx, AUTHORIZER, appid, component_appid)
    return {"authorizer_access_token": token, "expires_in": expires_in,
            "authorizer_refresh_token": auth["refresh_token"]}


def revoke_authorization(tx: Tx, component_appid: str, appid: str) -> None:
    """The mini-program removes the platform's authorization (61003 follows)."""
    tx.delete("auth", f"{component_appid}|{appid}")


# --- the MP console ---
@console_action("set_permissions")
def console_set_permissions(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Change the permission sets or the refresh-token rotation of a platform's authorization, or
    (revoke: true) remove it."""
    component_appid = str(body.get("component_appid"))
    auth = tx.get("auth", f"{component_appid}|{app['appid']}")
    if auth is None:
        raise ConsoleError("no such authorization", 404)
    if body.get("revoke"):
        revoke_authorization(tx, component_appid, app["appid"])
        return {}
    rotate = bool(body["rotate_refresh_token"]) if "rotate_refresh_token" in body else None
    permissions = (body.get("permissions") or []) if "permissions" in body else auth["permissions"]
    auth = authorize(tx, component_appid, app["appid"], permissions, rotate=rotate)
    return {"permissions": auth["permissions"], "rotate_refresh_token": auth.get("rotate_refresh_token", False)}
