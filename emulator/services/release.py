"""Release, gray release, rollback, version info and visibility (reference §5.5, §5.7 and §10).

App state: `live` (the released version: app_version, user_version, user_desc, release_time,
auditid, is_rollback, before_authorization), `history` (previously live versions, newest first, at
most 5), `gray` (the gray plan) and `visit_status`. Versions released in the MP console before the
authorization (`before_authorization`) are never listed nor rollback targets, and after a rollback
nothing is listed until the next release. Every release through the platform (release, gray
release, rollback) applies the platform's domains (`apply_platform_domains`).
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.errors import Err
from emulator.routing import APP, DEV_MANAGEMENT, ConsoleError, Ctx, console_action, field_str, route, seed_section
from emulator.services import audit_clock, domains, webview
from emulator.services.audit_clock import APPROVED
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_RELEASE = "doc code-management/api_release"
DOC_GRAY = "doc code-management/grayRelease"
NO_APPROVED_VERSION = Err(85019, "no version is under auditing", DOC_RELEASE)
RELEASE_STATUS = Err(85020, "status not allowed", DOC_RELEASE)
ACTION_INVALID = Err(85022, "action is invalid")
ALREADY_RELEASED = Err(85052, "app is already released", "reference §5.5 (C-85052, captured)")
NO_LIVE_VERSION = Err(85079, "miniprogram has no online release", DOC_GRAY)
GRAY_NOT_APPROVED = Err(85080, "miniprogram commit not approved", DOC_GRAY)
GRAY_PERCENTAGE_INVALID = Err(85081, "invalid gray percentage", DOC_GRAY)
GRAY_PERCENTAGE_LOW = Err(85082, "gray percentage too low", DOC_GRAY)
REVERT_DURING_GRAY = Err(87011, "wxa has a gray release plan, forbid revert release", "reference §5.5")
REVERT_FORBIDDEN = Err(87012, "forbid revert this version release", "doc code-management/api_revertcoderelease")

HISTORY_LIMIT = 5
GRAY_RUNNING, GRAY_FINISHED, GRAY_DELETED = 1, 3, 4


# --- state functions ---
def _gray_running(app: Doc) -> bool:
    return bool(app.get("gray")) and app["gray"]["status"] == GRAY_RUNNING


def apply_platform_domains(app: Doc, platform: Doc) -> None:
    """A release through the platform: the mini-program keeps only the platform's domains."""
    domains.apply_platform_release(app, platform)
    webview.apply_platform_release(app, platform)


def make_live(app: Doc, now: float, user_version: str, user_desc: str, commit_time: int, auditid: int,
              before_authorization: bool = False) -> Doc:
    """A new live version; the previous one goes to the history."""
    if app.get("live"):
        app["history"] = [app["live"], *app.get("history", [])][:HISTORY_LIMIT]
    app["next_app_version"] = int(app.get("next_app_version", 1)) + 1
    app["live"] = {
        "app_version": app["next_app_version"] - 1, "user_version": user_version, "user_desc": user_desc,
        "release_time": int(now), "commit_time": commit_time, "auditid": auditid, "is_rollback": False,
        "before_authorization": before_authorization,
    }
    return app["live"]


def do_release(app: Doc, audit: Doc, now: float, platform: Doc | None) -> None:
    """Make the approved audit's version live (also the end of a gray rollout). `platform`: the
    platform releasing it (its domains apply), None for a release in the MP console."""
    make_live(app, now, audit["user_version"], audit["user_desc"], audit["submit_audit_time"],
              audit["auditid"])
    audit["released"] = True
    if _gray_running(app):
        app["gray"]["status"] = GRAY_FINISHED
    if audit.get("privacy"):  # the dev privacy guide submitted with this audit goes live
        app.setdefault("privacy", {"dev": None, "live": None})["live"] = dict(audit["privacy"])
    if platform is not None:
        apply_platform_domains(app, platform)


def rollback_targets(app: Doc) -> list[Doc]:
    """History entries that can be listed and rolled back to: none while the live version is itself
    a rollback ("当前版本回退后…也不会再查到版本信息"), never one released before the authorization."""
    live = app.get("live")
    if live is not None and live.get("is_rollback"):
        return []
    return [v for v in app.get("history", []) if not v.get("before_authorization")]


def releasable_audit(app: Doc) -> Doc:
    """The latest audit, if it is approved and not live yet (85019 / 85020 / 85052 otherwise)."""
    audit = audit_clock.latest_audit(app)
    if audit is None:
        raise NO_APPROVED_VERSION()
    if audit["status"] != APPROVED:
        raise RELEASE_STATUS()
    if audit["released"]:
        raise ALREADY_RELEASED()
    return audit


def set_visit_status(app: Doc, status: int) -> None:
    app["visit_status"] = status


# --- request handling ---
@route("/wxa/release", perm=DEV_MANAGEMENT, body="required")
def release(ctx: Ctx) -> dict[str, Any]:
    """Release the latest audit if it was approved and is not live yet."""
    app = ctx.app()
    do_release(app, releasable_audit(app), ctx.tx.now, ctx.platform())
    return {}


@route("/wxa/grayrelease", perm=DEV_MANAGEMENT, body="required")
def grayrelease(ctx: Ctx) -> dict[str, Any]:
    """Roll the approved version out to a percentage; each call must raise it. 100 completes it."""
    app = ctx.app()
    pct = ctx.body.get("gray_percentage")
    debuger = ctx.body.get("support_debuger_first") is True
    experiencer = ctx.body.get("support_experiencer_first") is True
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
        raise GRAY_PERCENTAGE_INVALID()
    if pct == 0 and not (debuger or experiencer):
        raise GRAY_PERCENTAGE_INVALID()
    if not app.get("live"):
        raise NO_LIVE_VERSION()
    audit = audit_clock.latest_audit(app)
    if audit is None or audit["status"] != APPROVED:
        raise GRAY_NOT_APPROVED()
    if audit["released"]:
        raise ALREADY_RELEASED()
    gray = app.get("gray")
    same_plan = _gray_running(app) and gray is not None and gray["auditid"] == audit["auditid"]
    if same_plan and gray is not None and pct <= gray["gray_percentage"]:
        raise GRAY_PERCENTAGE_LOW()
    app["gray"] = {
        "status": GRAY_RUNNING, "auditid": audit["auditid"], "user_version": audit["user_version"],
        "create_timestamp": gray["create_timestamp"] if same_plan and gray else int(ctx.tx.now),
        "gray_percentage": pct, "support_debuger_first": debuger, "support_experiencer_first": experiencer,
    }
    if pct == 100:
        do_release(app, audit, ctx.tx.now, ctx.platform())
    else:  # the version reaches users through the platform: its domains apply from now (choice)
        apply_platform_domains(app, ctx.platform())
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
    targets = rollback_targets(app)
    if ctx.query.get("action") == "get_history_version":
        keys = ("app_version", "user_version", "user_desc", "commit_time")
        return {"version_list": [{k: v[k] for k in keys} for v in targets]}
    if _gray_running(app):
        raise REVERT_DURING_GRAY()
    live = app.get("live")
    if not targets or not live:
        raise REVERT_FORBIDDEN()
    wanted = ctx.query.get("app_version")
    target = targets[0] if not wanted else next(
        (v for v in targets if str(v["app_version"]) == wanted), None)
    if target is None:
        raise REVERT_FORBIDDEN()
    app["history"] = [live, *[v for v in app.get("history", []) if v is not target]][:HISTORY_LIMIT]
    app["live"] = {**target, "is_rollback": True, "release_time": int(ctx.tx.now)}
    apply_platform_domains(app, ctx.platform())  # a rollback is a release through the platform (choice)
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
        raise ACTION_INVALID()
    set_visit_status(ctx.app(), 1 if action == "open" else 0)
    return {}


@route("/wxa/getvisitstatus", perm=DEV_MANAGEMENT, body="required")
def getvisitstatus(ctx: Ctx) -> dict[str, Any]:
    return {"status": ctx.app().get("visit_status", 1)}


# --- the MP console and the seed ---
@console_action("release_in_console")
def console_release(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """An admin releases in the MP console. With `user_version`: that version goes live as one
    released before the authorization (`before_authorization`, default true: never listed in the
    rollback history). Without: the latest approved audit goes live as wxa/release would put it,
    but the platform's domains do not apply (409 when nothing is releasable)."""
    if body.get("user_version"):
        live = make_live(app, tx.now, str(body["user_version"]), str(body.get("user_desc") or ""),
                         int(tx.now), 0, bool(body.get("before_authorization", True)))
        return {"live": live}
    try:
        latest = releasable_audit(app)
    except errors.WxError as exc:
        raise ConsoleError(f"nothing to release: {exc}", 409) from None
    do_release(app, latest, tx.now, None)
    return {"live": app["live"]}


@seed_section(APP, "release", "release_history", "visit_status")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """The live version and older ones, oldest first into the history. An entry with
    `before_authorization: true` was released in the MP console before the authorization: it is
    never listed by get_history_version nor a rollback target."""
    if "visit_status" in item:
        set_visit_status(app, item["visit_status"])
    app["history"], app["next_app_version"] = [], 1
    entries = [*reversed(list(item.get("release_history") or [])), *([item["release"]] if item.get("release") else [])]
    for v in entries:
        make_live(app, tx.now, str(v["user_version"]), str(v.get("user_desc", "")), int(tx.now), 0,
                  bool(v.get("before_authorization", False)))
    if app.get("live") and not item.get("release"):  # only older versions: nothing is live now
        app["history"] = [app.pop("live"), *app["history"]]
