"""Profile: basic info, nickname (with its own review), avatar (via temporary media), intro.

App state: `nickname`, `signature`, `head_image_url`, `profile_quota` ({nickname, head_image,
signature}), `profile_used` (period counters: nickname per year, avatar and intro per month) and
`nickname_audits`. Media documents remember which appid and token kind uploaded them.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from emulator import errors
from emulator.clock import month_key, used, year_key
from emulator.errors import Err
from emulator.routing import (
    ANY_APP_TOKEN,
    APP,
    AUTHORIZER,
    BASIC_INFO,
    Ctx,
    console_action,
    field_str,
    route,
    seed_section,
)
from emulator.services import audit_clock
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_CHECKNICK = "doc basic-info-management/checkNickName (same codes as setnickname)"
NICKNAME_FORMAT = Err(53010, "nickname invalid", DOC_CHECKNICK)
NICKNAME_DUPLICATE = Err(53013, "nickname has been occupied", DOC_CHECKNICK)
NICKNAME_QUOTA = Err(91010, "其他错误", "doc basic-info-management/setNickName (91010 is our choice for the quota)")
NICKNAME_AUDITING = Err(91019, "小程序正在审核中", "reference §4.2 (C-91019)")
NICKNAME_AUDIT_NOT_FOUND = Err(91011, "查不到昵称修改审核单信息", "doc basic-info-management/getNickNameStatus")
SIGNATURE_QUOTA = Err(53200, "modify signature quota limit exceed", "doc basic-info-management/setSignature")
SIGNATURE_FORMAT = Err(53204, "signature is invalid")
HEAD_IMAGE_QUOTA = Err(53202, "modify avatar quota limit exceed", "doc basic-info-management/setHeadImage")

DEFAULT_PROFILE_QUOTA = {"nickname": 2, "head_image": 5, "signature": 5}
MEDIA_TTL = 3 * 86400
MEDIA_MAX_BYTES = 10 * 1024 * 1024
HEAD_IMAGE_MAX_BYTES = 2 * 1024 * 1024
MEDIA_TYPES = ("image", "voice", "video", "thumb")
PROFILE_FIELDS = ("nickname", "signature", "head_image_url")


# --- state functions ---

def quota_period(kind: str, now: float) -> str:
    # Nickname counters are per year; avatar and intro per month (WxJava comments, 53200/53202 texts).
    return year_key(now) if kind == "nickname" else month_key(now)


def quota_info(app: Doc, kind: str, now: float) -> tuple[int, int]:
    quota = int(app.get("profile_quota", {}).get(kind, DEFAULT_PROFILE_QUOTA[kind]))
    counter = app.get("profile_used", {}).get(kind, {})
    return used(counter, quota_period(kind, now)), quota


def _spend(app: Doc, kind: str, now: float, error: errors.Err) -> None:
    count, quota = quota_info(app, kind, now)
    if count >= quota:
        raise error()
    set_used(app, kind, count + 1, now)


def set_used(app: Doc, kind: str, count: int, now: float) -> None:
    """How many changes of `kind` this period has used."""
    app.setdefault("profile_used", {})[kind] = {"period": quota_period(kind, now), "used": count}


def set_quota(app: Doc, kind: str, quota: int) -> None:
    app.setdefault("profile_quota", {})[kind] = quota


def write_profile(app: Doc, fields: dict[str, str]) -> None:
    """Nickname, intro or avatar URL as they now are, after any review: the last step of the
    API's changes, and what the MP console does directly."""
    app.update({k: v for k, v in fields.items() if k in PROFILE_FIELDS})


def change_signature(app: Doc, signature: str, now: float) -> None:
    """Intro: 4-120 characters with at least 4 Chinese characters (53204); monthly quota (53200)."""
    if not 4 <= len(signature) <= 120 or _chinese_count(signature) < 4:
        raise SIGNATURE_FORMAT()
    _spend(app, "signature", now, SIGNATURE_QUOTA)
    write_profile(app, {"signature": signature})


# --- request handling ---

@route("/cgi-bin/account/getaccountbasicinfo", ("GET", "POST"), perm=BASIC_INFO)
def getaccountbasicinfo(ctx: Ctx) -> dict[str, Any]:
    app, now = ctx.app(), ctx.tx.now
    organization = app.get("account_type") != "personal"
    verified = bool(app.get("verified"))

    def info(kind: str, value_key: str, value: str) -> dict[str, Any]:
        count, quota = quota_info(app, kind, now)
        return {value_key: value, "modify_used_count": count, "modify_quota": quota}

    return {
        "appid": app["appid"],
        "account_type": 3,
        "principal_type": 1 if organization else 0,
        "principal_name": app.get("principal_name", ""),
        "realname_status": 1,
        "wx_verify_info": {"qualification_verify": verified, "naming_verify": verified,
                           "annual_review": False},
        "signature_info": info("signature", "signature", app.get("signature", "")),
        "head_image_info": info("head_image", "head_image_url", app.get("head_image_url", "")),
        "nickname": app.get("nickname", ""),
        "nickname_info": info("nickname", "nickname", app.get("nickname", "")),
        "registered_country": 1,
        "credential": "",
        "customer_type": 1 if organization and verified else 0,
    }


def _name_weight(name: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in name)


def check_media(ctx: Ctx, media_id: str) -> Doc:
    """Media must be unexpired and uploaded with an authorizer token of this very mini-program."""
    if not media_id:
        raise errors.MEDIA_ID_MISSING()
    media = ctx.tx.get("media", media_id)
    if (media is None or media["appid"] != ctx.appid or media["token_kind"] != AUTHORIZER
            or ctx.tx.now >= media["created_at"] + MEDIA_TTL):
        raise errors.INVALID_MEDIA_ID()
    return media


@route("/wxa/setnickname", perm=BASIC_INFO)
def setnickname(ctx: Ctx) -> dict[str, Any]:
    """Immediate when the name is the principal's registered name (or unchanged); otherwise reviewed."""
    app = ctx.app()
    name = field_str(ctx.body, "nick_name").strip()
    if not name or "小程序" in name or not 4 <= _name_weight(name) <= 30:
        raise NICKNAME_FORMAT()
    for other_id, other in ctx.tx.all("app").items():
        if other_id != app["appid"] and other.get("nickname") == name:
            raise NICKNAME_DUPLICATE()
    if audit_clock.code_audit_running(app):
        raise NICKNAME_AUDITING()
    material = "id_card" if app.get("account_type") == "personal" else "license"
    check_media(ctx, field_str(ctx.body, material, required=False))
    _spend(app, "nickname", ctx.tx.now, NICKNAME_QUOTA)
    if name in (app.get("principal_name"), app.get("nickname")):
        write_profile(app, {"nickname": name})
        return {"wording": ""}
    audit_id = ctx.tx.next_id("nickname_audit", 1001)
    app.setdefault("nickname_audits", []).append({
        "audit_id": audit_id, "nickname": name, "audit_stat": 1, "fail_reason": "",
        "create_time": int(ctx.tx.now), "audit_time": 0,
        "decide_at": audit_clock.auto_decide_at(ctx.tx, app, ctx.tx.now),
    })
    return {"wording": "nickname is under review", "audit_id": audit_id}


@route("/wxa/api_wxa_querynickname", perm=BASIC_INFO)
def querynickname(ctx: Ctx) -> dict[str, Any]:
    audit_id = ctx.body.get("audit_id")
    for item in ctx.app().get("nickname_audits", []):
        if str(item["audit_id"]) == str(audit_id):
            keys = ("nickname", "audit_stat", "fail_reason", "create_time", "audit_time")
            return {k: item[k] for k in keys}
    raise NICKNAME_AUDIT_NOT_FOUND()


@route("/cgi-bin/media/upload", kinds=ANY_APP_TOKEN, body="multipart", envelope=False)
def media_upload(ctx: Ctx) -> dict[str, Any]:
    """Temporary media (3 days), remembered with the appid and kind of the token that uploaded it.
    Documented (uploadTempMedia) as {type, media_id, created_at}, without errcode/errmsg."""
    media_type = ctx.query.get("type", "")
    if media_type not in MEDIA_TYPES:
        raise errors.INVALID_MEDIA_TYPE()
    upload = ctx.files.get("media")
    if upload is None or not upload[1]:
        raise errors.MEDIA_DATA_MISSING()
    data = upload[1]
    if len(data) > MEDIA_MAX_BYTES:
        raise errors.INVALID_IMAGE_SIZE()
    media_id = secrets.token_urlsafe(48)
    created_at = int(ctx.tx.now)
    ctx.tx.put("media", media_id, {
        "appid": ctx.appid, "token_kind": ctx.token_kind, "type": media_type, "created_at": created_at,
        "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "filename": upload[0],
    })
    return {"type": media_type, "media_id": media_id, "created_at": created_at}


def _crop(ctx: Ctx, name: str, default: float) -> float:
    raw = ctx.body.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise errors.INVALID_ARGS() from None
    if not 0.0 <= value <= 1.0:
        raise errors.INVALID_ARGS()
    return value


@route("/cgi-bin/account/modifyheadimage", perm=BASIC_INFO)
def modifyheadimage(ctx: Ctx) -> dict[str, Any]:
    app = ctx.app()
    media = check_media(ctx, field_str(ctx.body, "head_img_media_id", required=False))
    x1, y1 = _crop(ctx, "x1", 0.0), _crop(ctx, "y1", 0.0)
    x2, y2 = _crop(ctx, "x2", 1.0), _crop(ctx, "y2", 1.0)
    if x1 >= x2 or y1 >= y2:
        raise errors.INVALID_ARGS()
    if media["size"] > HEAD_IMAGE_MAX_BYTES:
        raise errors.INVALID_IMAGE_SIZE()
    _spend(app, "head_image", ctx.tx.now, HEAD_IMAGE_QUOTA)
    app["head_image_url"] = f"http://wx.qlogo.cn/mmhead/{media['sha256'][:40]}/0"
    return {}


def _chinese_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


@route("/cgi-bin/account/modifysignature", perm=BASIC_INFO)
def modifysignature(ctx: Ctx) -> dict[str, Any]:
    change_signature(ctx.app(), field_str(ctx.body, "signature"), ctx.tx.now)
    return {}


# --- the MP console and the seed ---
@console_action("set_profile")
def console_set_profile(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    write_profile(app, {k: str(body[k]) for k in PROFILE_FIELDS if k in body})
    return {}


@console_action("set_profile_quota")
def console_set_profile_quota(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """{nickname?, head_image?, signature?} quotas and/or {used: {kind: count}} for this period."""
    for kind in DEFAULT_PROFILE_QUOTA:
        if kind in body:
            set_quota(app, kind, int(body[kind]))
    for kind, count in (body.get("used") or {}).items():
        set_used(app, kind, int(count), tx.now)
    return {}


@seed_section(APP, *PROFILE_FIELDS, "profile_quota")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    app.update({k: item[k] for k in (*PROFILE_FIELDS, "profile_quota") if k in item})
