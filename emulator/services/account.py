"""What a platform reads about an authorized account: its details and permission sets
(`cgi-bin/component/api_get_authorizer_info`) and its ICP filing status (`wxa/icp/get_icp_entrance_info`).

App state: `icp` = {status, available, is_canceling, audit_data?, sms_verify_status?}; absent means
filed (6) with the filing entrance open (seedable, console action `set_icp`).
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.data.categories import name_of
from emulator.routing import (
    APP,
    COMPONENT_ONLY,
    DEV_MANAGEMENT,
    ICP_FILING,
    ConsoleError,
    Ctx,
    SeedError,
    console_action,
    field_str,
    route,
    seed_keys,
    seed_section,
)
from emulator.services.domains import in_force
from emulator.services.events import original_id
from emulator.services.tokens import func_info, same_component
from emulator.state import Doc, Tx

# getIcpEntranceInfo's status enum: 2 platform review, 3 platform rejected, 4 authority review,
# 5 authority rejected, 6 filed, 1024 not filed.
ICP_STATUSES = (2, 3, 4, 5, 6, 1024)
ICP_REJECTED = (3, 5)
ICP_AUTHORITY_REVIEW = 4
DEFAULT_ICP = {"status": 6, "available": 1, "is_canceling": False}
# MiniProgramInfo.network as the getAuthorizerInfo page lists it (no tcp, no business domains)
ICP_KEYS = ("status", "available", "is_canceling", "audit_data", "sms_verify_status")
ACCOUNT_FLAGS = ("verified", "published", "init_completed", "secret_frozen")
_NETWORK = {"RequestDomain": "requestdomain", "WsRequestDomain": "wsrequestdomain",
            "UploadDomain": "uploaddomain", "DownloadDomain": "downloaddomain", "UDPDomain": "udpdomain"}


# --- state functions ---
def set_icp(app: Doc, changes: dict[str, Any]) -> dict[str, Any]:
    """The filing's state after `changes` (keys of ICP_KEYS); ValueError for an unknown status."""
    icp = {**DEFAULT_ICP, **(app.get("icp") or {}), **{k: v for k, v in changes.items() if k in ICP_KEYS}}
    if int(icp["status"]) not in ICP_STATUSES:
        raise ValueError(f"status: one of {list(ICP_STATUSES)}")
    app["icp"] = icp
    return icp


def set_facts(app: Doc, flags: dict[str, bool], account_type: str | None = None) -> None:
    """Account facts that drive limits and errors (verified, published, init_completed,
    secret_frozen; personal or organization)."""
    app.update({k: bool(v) for k, v in flags.items() if k in ACCOUNT_FLAGS})
    if account_type in ("personal", "organization"):
        app["account_type"] = account_type


def icp_info(app: Doc) -> dict[str, Any]:
    """Fields for the filing's state only: audit_data when rejected, sms_verify_status in authority review."""
    icp = {**DEFAULT_ICP, **(app.get("icp") or {})}
    info: dict[str, Any] = {"status": int(icp["status"]), "is_canceling": bool(icp["is_canceling"]),
                            "available": int(icp["available"])}
    if info["status"] in ICP_REJECTED:
        info["audit_data"] = list(icp.get("audit_data") or [])
    if info["status"] == ICP_AUTHORITY_REVIEW:
        info["sms_verify_status"] = int(icp.get("sms_verify_status", 1))
    return info


# --- request handling ---
@route("/wxa/icp/get_icp_entrance_info", ("GET",), perm=(DEV_MANAGEMENT, ICP_FILING), body="none")
def get_icp_entrance_info(ctx: Ctx) -> dict[str, Any]:
    """Filing status; permission set 18 or 156 ("获得其中之一权限集授权后")."""
    return {"info": icp_info(ctx.app())}


def _authorizer_info(app: Doc) -> dict[str, Any]:
    domains = in_force(app)
    categories = [{"first": name_of(c["first"]), "second": name_of(c["second"])}
                  for c in app.get("categories", []) if c.get("audit_status") == 3]
    return {
        "nick_name": app.get("nickname", ""), "head_img": app.get("head_image_url", ""),
        "service_type_info": {"id": 0}, "verify_type_info": {"id": 0 if app.get("verified") else -1},
        "user_name": original_id(app), "principal_name": app.get("principal_name", ""),
        "signature": app.get("signature", ""), "qrcode_url": f"http://mmbiz.qpic.cn/mmbiz_jpg/{app['appid']}/0",
        "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "MiniProgramInfo": {
            "network": {name: list(domains[key]) for name, key in _NETWORK.items()},
            "categories": categories,
            "visit_status": 0,  # undocumented meaning; 0 as in the official example (choice)
        },
        "register_type": 0, "account_status": 1,
        "basic_config": {"is_phone_configured": True, "is_email_configured": True},
    }


@route("/cgi-bin/component/api_get_authorizer_info", token="component_access_token", kinds=COMPONENT_ONLY,
       envelope=False)
def api_get_authorizer_info(ctx: Ctx) -> dict[str, Any]:
    """The authorizer's account details and the permission sets it granted (documented without
    errcode/errmsg on success)."""
    component_appid = same_component(ctx)
    appid = field_str(ctx.body, "authorizer_appid")
    auth = ctx.tx.get("auth", f"{component_appid}|{appid}")
    app = ctx.tx.get("app", appid)
    if auth is None or app is None:
        raise errors.NOT_AUTHORIZED()
    return {
        "authorizer_info": _authorizer_info(app),
        "authorization_info": {"authorizer_appid": appid, "authorizer_refresh_token": auth["refresh_token"],
                               "func_info": func_info(auth["permissions"])},
    }


# --- the MP console and the seed ---
@console_action("set_account")
def console_set_account(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    set_facts(app, {k: body[k] for k in ACCOUNT_FLAGS if k in body}, body.get("account_type"))
    return {}


@console_action("set_icp")
def console_set_icp(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """The ICP filing's state: status (2/3/4/5/6/1024), available, is_canceling, audit_data,
    sms_verify_status."""
    try:
        set_icp(app, body)
    except ValueError as exc:
        raise ConsoleError(str(exc)) from None
    return {"icp": icp_info(app)}


@seed_section(APP, "icp")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    if item.get("icp") is not None:
        icp = seed_keys(f"{where}.icp", item["icp"], set(ICP_KEYS))
        if int(icp.get("status", 6)) not in ICP_STATUSES:
            raise SeedError(f"{where}.icp.status: one of {list(ICP_STATUSES)}")
        app["icp"] = dict(icp)
