"""Release, gray release, rollback, version info and visibility (reference §5.5 and §5.7).

App state: `live` (the released version: app_version, user_version, user_desc, release_time,
auditid, is_rollback), `history` (previously live versions, newest first, at most 5), `gray`
(the gray plan) and `visit_status`.
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.routing import DEV_MANAGEMENT, Ctx, field_str, route
from emulator.services import audit_clock
from emulator.services.audit_clock import APPROVED
from emulator.services.domains import apply_direct_domains
from emulator.state import Doc

HISTORY_LIMIT = 5
GRAY_RUNNING, GRAY_FINISHED, GRAY_DELETED = 1, 3, 4


def _gray_running(app: Doc) -> bool:
    return bool(app.get("gray")) and app["gray"]["status"] == GRAY_RUNNING


def do_release(app: Doc, audit: Doc, now: float) -> None:
    """Make the approved audit's version live (also the end of a gray rollout)."""
    if app.get("live"):
        app["history"] = [app["live"], *app.get("history", [])][:HISTORY_LIMIT]
    app["next_app_version"] = int(app.get("next_app_version", 1)) + 1
    app["live"] = {
        "app_version": app["next_app_version"] - 1, "user_version": audit["user_version"],
        "user_desc": audit["user_desc"], "release_time": int(now), "commit_time": audit["submit_audit_time"],
        "auditid": audit["auditid"], "is_rollback": False,
    }
    audit["released"] = True
    if _gray_running(app):
        app["gray"]["status"] = GRAY_FINISHED
    if audit.get("privacy"):  # the dev privacy guide submitted with this audit goes live
        app.setdefault("privacy", {"dev": None, "live": None})["live"] = dict(audit["privacy"])
    apply_direct_domains(app)


def _releasable(app: Doc) -> Doc:
    audit = audit_clock.latest_audit(app)
    if audit is None:
        raise errors.NO_APPROVED_VERSION()
    if audit["status"] != APPROVED:
        raise errors.RELEASE_STATUS()
    if audit["released"]:
        raise errors.ALREADY_RELEASED()
    return audit


@route("/wxa/release", perm=DEV_MANAGEMENT, body="required")
def release(ctx: Ctx) -> dict[str, Any]:
    """Release the latest audit if it was approved and is not live yet."""
    app = ctx.app()
    do_release(app, _releasable(app), ctx.tx.now)
    return {}


@route("/wxa/grayrelease", perm=DEV_MANAGEMENT, body="required")
def grayrelease(ctx: Ctx) -> dict[str, Any]:
    """Roll the approved version out to a percentage; each call must raise it. 100 completes it."""
    app = ctx.app()
    pct = ctx.body.get("gray_percentage")
    debuger = ctx.body.get("support_debuger_first") is True
    experiencer = ctx.body.get("support_experiencer_first") is True
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
        raise errors.GRAY_PERCENTAGE_INVALID()
    if pct == 0 and not (debuger or experiencer):
        raise errors.GRAY_PERCENTAGE_INVALID()
    if not app.get("live"):
        raise errors.NO_LIVE_VERSION()
    audit = audit_clock.latest_audit(app)
    if audit is None or audit["status"] != APPROVED:
        raise errors.GRAY_NOT_APPROVED()
    if audit["released"]:
        raise errors.ALREADY_RELEASED()
    gray = app.get("gray")
    same_plan = _gray_running(app) and gray is not None and gray["auditid"] == audit["auditid"]
    if same_plan and gray is not None and pct <= gray["gray_percentage"]:
        raise errors.GRAY_PERCENTAGE_LOW()
    app["gray"] = {
        "status": GRAY_RUNNING, "auditid": audit["auditid"], "user_version": audit["user_version"],
        "create_timestamp": gray["create_timestamp"] if same_plan and gray else int(ctx.tx.now),
        "gray_percentage": pct, "support_debuger_first": debuger, "support_experiencer_first": experiencer,
    }
    if pct == 100:
        do_release(app, audit, ctx.tx.now)
    return {}


@route("/wxa/getgrayreleaseplan", ("GET",), perm=DEV_MANAGEMENT, body="none")
def getgrayreleaseplan(ctx: Ctx) -> dict[str, Any]:
    gray = ctx.app().get("gray") or {}
    return {"gray_release_plan": {
        "status": gray.get("status", 0), "create_timestamp": gray.get("create_timestamp", 0),
        "gray_percentage": gray.get("gray_percentage", 0),
        "support_debuger_first": gray.get("support_debuger_first", False),
        "support_experiencer_first": gray.get("support_experiencer_first", False),
    }}


@route("/wxa/revertgrayrelease", ("GET",), perm=DEV_MANAGEMENT, body="none")
def revertgrayrelease(ctx: Ctx) -> dict[str, Any]:
    """Cancel a running gray plan; without one it is a no-op (UNCONFIRMED, see COVERAGE.md)."""
    app = ctx.app()
    if _gray_running(app):
        app["gray"]["status"] = GRAY_DELETED
    return {}


@route("/wxa/revertcoderelease", ("GET",), perm=DEV_MANAGEMENT, body="none")
def revertcoderelease(ctx: Ctx) -> dict[str, Any]:
    """Roll back to the previous (or a listed) live version; `action=get_history_version` lists them."""
    app = ctx.app()
    history: list[Doc] = app.get("history", [])
    if ctx.query.get("action") == "get_history_version":
        keys = ("app_version", "user_version", "user_desc", "commit_time")
        return {"version_list": [{k: v[k] for k in keys} for v in history]}
    if _gray_running(app):
        raise errors.REVERT_DURING_GRAY()
    live = app.get("live")
    if not history or not live or live.get("is_rollback"):
        raise errors.REVERT_FORBIDDEN()
    wanted = ctx.query.get("app_version")
    target = history[0] if not wanted else next(
        (v for v in history if str(v["app_version"]) == wanted), None)
    if target is None:
        raise errors.REVERT_FORBIDDEN()
    rest = [v for v in history if v is not target]
    app["history"] = [live, *rest][:HISTORY_LIMIT]
    app["live"] = {**target, "is_rollback": True, "release_time": int(ctx.tx.now)}
    return {}


@route("/wxa/getversioninfo", perm=DEV_MANAGEMENT, body="required")
def getversioninfo(ctx: Ctx) -> dict[str, Any]:
    """Experience and live versions; each object is omitted while there is none."""
    app = ctx.app()
    out: dict[str, Any] = {}
    if app.get("exp"):
        exp = app["exp"]
        out["exp_info"] = {"exp_time": exp["exp_time"], "exp_version": exp["user_version"],
                           "exp_desc": exp["user_desc"]}
    if app.get("live"):
        live = app["live"]
        out["release_info"] = {"release_time": live["release_time"], "release_version": live["user_version"],
                               "release_desc": live["user_desc"]}
    return out


@route("/wxa/change_visitstatus", perm=DEV_MANAGEMENT, body="required")
def change_visitstatus(ctx: Ctx) -> dict[str, Any]:
    action = field_str(ctx.body, "action")
    if action not in ("open", "close"):
        raise errors.ACTION_INVALID()
    ctx.app()["visit_status"] = 1 if action == "open" else 0
    return {}


@route("/wxa/getvisitstatus", perm=DEV_MANAGEMENT, body="required")
def getvisitstatus(ctx: Ctx) -> dict[str, Any]:
    return {"status": ctx.app().get("visit_status", 1)}
