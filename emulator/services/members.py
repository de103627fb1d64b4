"""Experience members (testers): bind_tester, unbind_tester, memberauth.

App state: `testers` maps wechatid -> userstr. A `user` document per wechatid lists the apps it
tests, for the 50-apps-per-user limit (85003). userstr is an HMAC of (appid, wechatid), so it is
opaque, stable per pair, and different across mini-programs.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from emulator import errors
from emulator.errors import Err
from emulator.routing import APP, DEV_MANAGEMENT, Ctx, console_action, field_str, route, seed_section
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_BINDTESTER = "doc member-management/bindTester"
USER_NOT_EXIST = Err(85001, "user not exist or user cannot be searched", DOC_BINDTESTER)
TESTER_LIMIT = Err(85002, "number of tester reach bind limit", DOC_BINDTESTER)
USER_TOO_MANY_APPS = Err(85003, "user already bind too many weapps", DOC_BINDTESTER)
USER_ALREADY_BOUND = Err(85004, "user already bind", DOC_BINDTESTER)

APPS_PER_USER = 50
_USERSTR_KEY = b"wechat-emulator-userstr"


# --- state functions ---
def userstr(appid: str, wechatid: str) -> str:
    return hmac.new(_USERSTR_KEY, f"{appid}\n{wechatid}".encode(), hashlib.sha256).hexdigest()[:40]


def tester_limit(app: Doc) -> int:
    """Per-app limit. The experience-member table is UNCONFIRMED; the project-member table is used."""
    if "tester_limit" in app:
        return int(app["tester_limit"])
    if app.get("account_type") == "personal":
        return 15
    verified, published = bool(app.get("verified")), bool(app.get("published"))
    if verified and published:
        return 90
    return 60 if verified or published else 30


def user_exists(tx: Tx, wechatid: str) -> bool:
    known = (tx.get("world", "world") or {}).get("known_users")
    if known is not None:
        return wechatid in known
    return not wechatid.startswith("nonexistent")


def bind(tx: Tx, app: Doc, wechatid: str, enforce: bool = True) -> str:
    """Bind a tester; `enforce=False` is the console path, which still keeps the bookkeeping."""
    testers: dict[str, str] = app.setdefault("testers", {})
    if enforce:
        if not user_exists(tx, wechatid):
            raise USER_NOT_EXIST()
        if wechatid in testers:
            raise USER_ALREADY_BOUND()
        if len(testers) >= tester_limit(app):
            raise TESTER_LIMIT()
    user = tx.get("user", wechatid) or tx.put("user", wechatid, {"apps": []})
    if enforce and app["appid"] not in user["apps"] and len(user["apps"]) >= APPS_PER_USER:
        raise USER_TOO_MANY_APPS()
    if app["appid"] not in user["apps"]:
        user["apps"].append(app["appid"])
    testers[wechatid] = userstr(app["appid"], wechatid)
    return testers[wechatid]


def unbind(tx: Tx, app: Doc, wechatid: str | None, ustr: str | None) -> None:
    testers: dict[str, str] = app.setdefault("testers", {})
    if ustr and not wechatid:
        wechatid = next((w for w, u in testers.items() if u == ustr), None)
    if wechatid is None or wechatid not in testers:
        return  # unbinding someone who is not bound is not an error (UNCONFIRMED; see COVERAGE.md)
    del testers[wechatid]
    user = tx.get("user", wechatid)
    if user is not None and app["appid"] in user["apps"]:
        user["apps"].remove(app["appid"])


# --- request handling ---
@route("/wxa/bind_tester", perm=DEV_MANAGEMENT)
def bind_tester(ctx: Ctx) -> dict[str, Any]:
    wechatid = field_str(ctx.body, "wechatid")
    return {"userstr": bind(ctx.tx, ctx.app(), wechatid)}


@route("/wxa/unbind_tester", perm=DEV_MANAGEMENT)
def unbind_tester(ctx: Ctx) -> dict[str, Any]:
    """Takes either wechatid or userstr (the latter for testers bound elsewhere)."""
    wechatid = field_str(ctx.body, "wechatid", required=False) or None
    ustr = field_str(ctx.body, "userstr", required=False) or None
    if not wechatid and not ustr:
        raise errors.DATA_FORMAT_ERROR()
    unbind(ctx.tx, ctx.app(), wechatid, ustr)
    return {}


@route("/wxa/memberauth", perm=DEV_MANAGEMENT)
def memberauth(ctx: Ctx) -> dict[str, Any]:
    """Lists testers as opaque userstr values only, never wechat ids."""
    if field_str(ctx.body, "action") != "get_experiencer":
        raise errors.INVALID_ARGS()
    testers: dict[str, str] = ctx.app().get("testers", {})
    return {"members": [{"userstr": u} for u in sorted(testers.values())]}


# --- the MP console and the seed ---
@console_action("bind_tester")
def console_bind_tester(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    return {"userstr": bind(tx, app, str(body["wechatid"]), enforce=False)}


@console_action("unbind_tester")
def console_unbind_tester(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    unbind(tx, app, body.get("wechatid"), body.get("userstr"))
    return {}


@seed_section(APP, "tester_limit", "testers")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    if "tester_limit" in item:
        app["tester_limit"] = item["tester_limit"]
    for wechatid in item.get("testers") or []:
        bind(tx, app, str(wechatid), enforce=False)
