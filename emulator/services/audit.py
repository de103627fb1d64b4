"""Code audits: submit_audit, status queries, withdraw, speed-up and the platform's monthly quota.

App state: `audits` (oldest first; the last one is "the latest audit") and `undo` counters.
Platform state: `audit_quota` = {limit, rest, speedup_limit, speedup_rest, period}, shared by
every mini-program the platform manages and refilled when the month changes; optionally
`recent_apps_limit`: 85085 also answers when that many *other* mini-programs started an audit
through the platform in the last 7 days (reference §10; WeChat publishes no number, so there is
no limit unless a seed or `set_quota` sets one). `queryquota` does not show it, as on WeChat.
"""

from __future__ import annotations

from typing import Any

from emulator.clock import day_key, month_key, used
from emulator.errors import Err
from emulator.routing import (
    APP,
    DEV_MANAGEMENT,
    PLATFORM,
    ConsoleError,
    Ctx,
    console_action,
    field_int,
    field_list,
    route,
    seed_section,
)
from emulator.services import audit_clock
from emulator.services.audit_clock import AUDITING, DELAYED, REJECTED, WITHDRAWN
from emulator.services.categories import approved
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_SUBMIT = "doc code-management/api_submitaudit"
DOC_SPEEDUP = "doc code-management/speedupCodeAudit"
TAG_FORMAT = Err(85006, "标签格式错误", DOC_SUBMIT)
PAGE_PATH = Err(85007, "页面路径错误", DOC_SUBMIT)
NO_APPROVED_CATEGORY = Err(85008, "category is in invalid format", DOC_SUBMIT)
AUDIT_RUNNING = Err(85009, "already submit a version under auditing", DOC_SUBMIT + "; C-85009 (captured)")
ITEM_EMPTY = Err(85010, "item_list 有项目为空", DOC_SUBMIT)
TITLE_FORMAT = Err(85011, "标题填写错误", DOC_SUBMIT)
INVALID_AUDIT_ID = Err(85012, "invalid audit id", "doc code-management/api_getauditstatus")
ITEM_COUNT = Err(85023, "item size is not in valid range", DOC_SUBMIT)
NO_VALID_AUDIT = Err(85058, "no valid audit_id exist", "reference §5.3")
CATEGORY_INVALID = Err(85077, "小程序类目信息失效（类目中含有官方下架的类目，请重新选择类目）", DOC_SUBMIT)
AUDIT_QUOTA = Err(85085, "submit audit reach limit, please try later",
                  "reference §5.2 (C-85085); api_submitaudit's table: 'submit audit reach limit pleasetry later'")
MUST_COMMIT = Err(85086, "must commit before submit audit", DOC_SUBMIT)
NOT_INITIALIZED = Err(86002, "miniprogram have not completed init procedure", DOC_SUBMIT)
UNDO_QUOTA = Err(87013, "no quota to undo code", "doc code-management/api_undocodeaudit")
SPEEDUP_NOT_QUEUED = Err(89402, "该小程序不在待审核队列，请检查是否已提交审核或已审完", DOC_SPEEDUP)
SPEEDUP_ALREADY = Err(89404, "本单已加速成功，请勿重复提交", DOC_SPEEDUP)
SPEEDUP_QUOTA = Err(89405, "本月加急额度已用完，请提高提审质量以获取更多额度", DOC_SPEEDUP)

UNDO_PER_DAY, UNDO_PER_MONTH = 5, 10
RECENT_SECONDS = 7 * 86400
DEFAULT_AUDIT_QUOTA = {"limit": 20, "rest": 20, "speedup_limit": 10, "speedup_rest": 10}
MAX_ITEMS = 5
QUOTA_KEYS = ("rest", "limit", "speedup_rest", "speedup_limit")


# --- state functions ---
def audit_quota(platform: Doc, now: float) -> Doc:
    quota = platform.setdefault("audit_quota", dict(DEFAULT_AUDIT_QUOTA))
    month = month_key(now)
    if quota.get("period") != month:
        if "period" in quota:  # a new month refills; the seeded values count for the first one
            quota.update(rest=quota["limit"], speedup_rest=quota["speedup_limit"])
        quota["period"] = month
    return quota


def set_audit_quota(platform: Doc, now: float, changes: dict[str, int | None]) -> Doc:
    quota = audit_quota(platform, now)
    quota.update({k: int(v) for k, v in changes.items() if k in QUOTA_KEYS and v is not None})
    if "recent_apps_limit" in changes:  # null: no such limit
        limit = changes["recent_apps_limit"]
        quota["recent_apps_limit"] = None if limit is None else int(limit)
    return quota


def too_many_recent_apps(quota: Doc, appid: str, now: float) -> bool:
    """85085's other cause: too many mini-programs submitted through the platform in 7 days."""
    quota["recent"] = [entry for entry in quota.get("recent", []) if entry[1] > now - RECENT_SECONDS]
    limit = quota.get("recent_apps_limit")
    others = {entry[0] for entry in quota["recent"]} - {appid}
    return limit is not None and len(others) >= int(limit)


def _pair(item: dict[str, Any]) -> tuple[int, int] | None:
    try:
        return int(item["first_id"]), int(item["second_id"])
    except (TypeError, ValueError):
        return None


def _check_items(app: Doc, exp: Doc, items: list[Any]) -> None:
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ITEM_COUNT()
    ids = {(c["first"], c["second"]) for c in approved(app)}
    for item in items:
        if not isinstance(item, dict) or not item:
            raise ITEM_EMPTY()
        address = item.get("address")
        if address is not None and str(address).split("?", 1)[0] not in exp["pages"]:
            raise PAGE_PATH()
        tags = str(item.get("tag", "")).split()
        if len(tags) > 10 or any(len(t) > 20 for t in tags):
            raise TAG_FORMAT()
        if len(str(item.get("title", ""))) > 32:
            raise TITLE_FORMAT()
        if "first_id" in item and "second_id" in item and _pair(item) not in ids:
            raise CATEGORY_INVALID()


# --- request handling ---
@route("/wxa/submit_audit", perm=DEV_MANAGEMENT)
def submit_audit(ctx: Ctx) -> dict[str, Any]:
    """Start an audit of the experience version; spends one unit of the platform's monthly quota."""
    app = ctx.app()
    exp = app.get("exp")
    if not exp:
        raise MUST_COMMIT()
    if audit_clock.code_audit_running(app):
        raise AUDIT_RUNNING()
    if "item_list" in ctx.body:
        _check_items(app, exp, field_list(ctx.body, "item_list"))
    if not app.get("init_completed", True):
        raise NOT_INITIALIZED()
    if not approved(app):
        raise NO_APPROVED_CATEGORY()
    quota = audit_quota(ctx.platform(), ctx.tx.now)
    if quota["rest"] <= 0 or too_many_recent_apps(quota, app["appid"], ctx.tx.now):
        raise AUDIT_QUOTA()
    quota["rest"] -= 1
    quota["recent"] = [*quota.get("recent", []), [app["appid"], ctx.tx.now]]
    return {"auditid": start_audit(ctx.tx, app, exp, ctx.component_appid)["auditid"]}


def start_audit(tx: Tx, app: Doc, exp: Doc, component_appid: str | None) -> Doc:
    """An audit of the experience version, in review (wxa/submit_audit, or the console when
    `component_appid` is None)."""
    audit = {
        "auditid": tx.next_id("auditid", 420000001), "status": AUDITING, "reason": "", "screenshot": "",
        "user_version": exp["user_version"], "user_desc": exp["user_desc"],
        "template_id": exp["template_id"], "submit_audit_time": int(tx.now),
        "component_appid": component_appid, "privacy": (app.get("privacy") or {}).get("dev"),
        "released": False, "sped_up": False, "decide_at": audit_clock.auto_decide_at(tx, app, tx.now),
    }
    app.setdefault("audits", []).append(audit)
    return audit


def find_audit(app: Doc, auditid: int) -> Doc:
    audit = next((a for a in app.get("audits", []) if a["auditid"] == auditid), None)
    if audit is None:
        raise INVALID_AUDIT_ID()
    return audit


def _outcome(audit: Doc, screenshot_key: str, reason_when: tuple[int, ...]) -> dict[str, Any]:
    """`reason` and screenshots only in the states the doc names: captured answers in review or
    approved carry neither (reference §10)."""
    out: dict[str, Any] = {}
    if audit["status"] in reason_when:
        out["reason"] = audit["reason"]
    if audit["status"] == REJECTED:
        out[screenshot_key] = audit["screenshot"]
    return out


@route("/wxa/get_auditstatus", perm=DEV_MANAGEMENT)
def get_auditstatus(ctx: Ctx) -> dict[str, Any]:
    """An approved audit answers {"errcode":0,"errmsg":"ok","status":0}."""
    auditid = field_int(ctx.body, "auditid")
    audit = next((a for a in ctx.app().get("audits", []) if a["auditid"] == auditid), None)
    if audit is None:  # a captured 85012 carried "status":0,"reason":"","screenshot":"" (C-85012): an
        raise INVALID_AUDIT_ID(status=0, reason="", screenshot="")  # error is never "approved"
    # reason "当 status = 1 时，返回的拒绝原因; status = 4 时，返回的延后原因"
    return {"status": audit["status"], **_outcome(audit, "screenshot", (REJECTED, DELAYED))}


@route("/wxa/get_latest_auditstatus", ("GET",), perm=DEV_MANAGEMENT, body="none")
def get_latest_auditstatus(ctx: Ctx) -> dict[str, Any]:
    """Note the capitalised "ScreenShot" key, as in the official example; reason only "当审核被拒绝时"."""
    audit = audit_clock.latest_audit(ctx.app())
    if audit is None:
        raise NO_VALID_AUDIT()
    return {
        "auditid": audit["auditid"], "status": audit["status"], **_outcome(audit, "ScreenShot", (REJECTED,)),
        "user_version": audit["user_version"], "user_desc": audit["user_desc"],
        "submit_audit_time": audit["submit_audit_time"],
    }


@route("/wxa/undocodeaudit", ("GET",), perm=DEV_MANAGEMENT, body="none")
def undocodeaudit(ctx: Ctx) -> dict[str, Any]:
    """Withdraw the running audit: 5 a day, 10 a month. The spent audit quota is not refunded."""
    app = ctx.app()
    audit = audit_clock.latest_audit(app)
    if audit is None or audit["status"] not in (AUDITING, DELAYED):
        raise NO_VALID_AUDIT()
    undo = app.setdefault("undo", {"day": {}, "month": {}})
    day, month = day_key(ctx.tx.now), month_key(ctx.tx.now)
    if used(undo["day"], day) >= UNDO_PER_DAY or used(undo["month"], month) >= UNDO_PER_MONTH:
        raise UNDO_QUOTA()
    undo["day"] = {"period": day, "used": used(undo["day"], day) + 1}
    undo["month"] = {"period": month, "used": used(undo["month"], month) + 1}
    audit.update(status=WITHDRAWN, decide_at=None, decided_at=ctx.tx.now)
    return {}


@route("/wxa/speedupaudit", perm=DEV_MANAGEMENT)
def speedupaudit(ctx: Ctx) -> dict[str, Any]:
    audit = find_audit(ctx.app(), field_int(ctx.body, "auditid"))
    if audit["status"] != AUDITING:
        raise SPEEDUP_NOT_QUEUED()
    if audit["sped_up"]:
        raise SPEEDUP_ALREADY()
    quota = audit_quota(ctx.platform(), ctx.tx.now)
    if quota["speedup_rest"] <= 0:
        raise SPEEDUP_QUOTA()
    quota["speedup_rest"] -= 1
    audit["sped_up"] = True
    return {}


@route("/wxa/queryquota", ("GET",), perm=DEV_MANAGEMENT, body="none")
def queryquota(ctx: Ctx) -> dict[str, Any]:
    """The platform's monthly audit quota, shared by every mini-program it manages."""
    quota = audit_quota(ctx.platform(), ctx.tx.now)
    return {k: quota[k] for k in ("rest", "limit", "speedup_rest", "speedup_limit")}


# --- the MP console and the seed ---
@console_action("submit_audit")
def console_submit_audit(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Someone submits the experience version for review in the console (no platform quota spent)."""
    if not app.get("exp"):
        raise ConsoleError("nothing is committed", 409)
    if audit_clock.code_audit_running(app):
        raise ConsoleError("an audit is already running", 409)
    return {"auditid": start_audit(tx, app, app["exp"], None)["auditid"]}


@console_action("set_quota", targets=frozenset({APP, PLATFORM}))
def console_set_quota(tx: Tx, target: Doc, body: dict[str, Any]) -> dict[str, Any]:
    platform = audit_clock.acting_platform(tx, target, body)
    changes = {k: body[k] for k in (*QUOTA_KEYS, "recent_apps_limit") if k in body}
    quota = set_audit_quota(platform, tx.now, changes)
    return {"audit_quota": {k: v for k, v in quota.items() if k != "recent"}}


@seed_section(PLATFORM, "audit_quota")
def seed_platform(tx: Tx, platform: Doc, item: dict[str, Any], where: str) -> None:
    platform["audit_quota"] = {**DEFAULT_AUDIT_QUOTA, **(item.get("audit_quota") or {})}
