"""What an admin does in the MP console (drift): direct state edits that skip API rules and quotas.

Each action takes {"appid", "action", ...}; `appid` may name a platform (component appid) for the
platform-level actions (set_quota, set_audit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator import errors
from emulator.services import account, audit, audit_clock, categories, code, members, release
from emulator.services.domains import SCHEMES, parse_url
from emulator.services.privacy import validate_owner_setting, validate_setting_list
from emulator.services.profile import quota_period
from emulator.state import Doc, Tx


class ConsoleError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


Action = Callable[[Tx, Doc, dict[str, Any]], dict[str, Any]]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn
    return register


def check(tx: Tx, body: dict[str, Any]) -> Doc:
    """The account a console action works on (a mini-program, or a platform for the platform-level
    actions); refuses an unknown action or appid."""
    name = str(body.get("action", ""))
    if name not in ACTIONS:
        raise ConsoleError(f"unknown console action {name!r}; known: {sorted(ACTIONS)}")
    appid = str(body.get("appid", ""))
    platform_level = name in ("set_quota", "set_audit")
    target = tx.get("app", appid) or (tx.get("platform", appid) if platform_level else None)
    if target is None:
        raise ConsoleError(f"unknown appid {appid!r}", 404)
    return target


def run(tx: Tx, body: dict[str, Any]) -> dict[str, Any]:
    target = check(tx, body)
    if "component_appid" not in target:
        audit_clock.tick(tx, target)
    return {"ok": True, **ACTIONS[str(body["action"])](tx, target, body)}


def _platform_for(tx: Tx, target: Doc, body: dict[str, Any]) -> Doc:
    if "component_appid" in target:
        return target
    platform = (tx.get("platform", str(body["component_appid"])) if body.get("component_appid")
                else audit_clock.platform_of(tx, target["appid"]))
    if platform is None:
        raise ConsoleError("this mini-program is not authorized to any platform")
    return platform


@action("set_server_domains")
def set_server_domains(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the given lists (types not mentioned stay as they are). By default the lists
    wxa/modify_domain manages (another client of the platform acting: an authorized mini-program
    cannot edit domains in the MP console); `mp: true` edits the console's own lists (mp_domain)."""
    domains = app.setdefault("mp_domains" if body.get("mp") else "domains", {t: [] for t in SCHEMES})
    for t in SCHEMES:
        if t in body:
            parsed = [parse_url(u, SCHEMES[t]) for u in body[t] or []]
            if any(p is None for p in parsed):
                raise ConsoleError(f"{t}: every entry must be a valid {SCHEMES[t]}:// domain")
            domains[t] = [p[0] for p in parsed if p is not None]
    return {"domains": domains}


@action("set_webview_domains")
def set_webview_domains(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """The setwebviewdomain list by default; `mp: true`: the console's own list."""
    parsed = [parse_url(u, "https", allow_port=False) for u in body.get("webviewdomain") or []]
    if any(p is None for p in parsed):
        raise ConsoleError("webviewdomain: every entry must be https://host")
    key = "mp_webview_domains" if body.get("mp") else "webview_domains"
    app[key] = [p[0] for p in parsed if p is not None]
    return {key: app[key]}


@action("bind_tester")
def bind_tester(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    return {"userstr": members.bind(tx, app, str(body["wechatid"]), enforce=False)}


@action("unbind_tester")
def unbind_tester(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    members.unbind(tx, app, body.get("wechatid"), body.get("userstr"))
    return {}


@action("set_profile")
def set_profile(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    for key in ("nickname", "signature", "head_image_url"):
        if key in body:
            app[key] = str(body[key])
    return {}


@action("set_account")
def set_account(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    for key in ("verified", "published", "init_completed", "secret_frozen"):
        if key in body:
            app[key] = bool(body[key])
    if body.get("account_type") in ("personal", "organization"):
        app["account_type"] = body["account_type"]
    return {}


@action("add_category")
def add_category(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    first, second = int(body["first"]), int(body["second"])
    if categories.find(app, first, second) is None:
        categories.add(tx, app, first, second, review=False)
    return {}


@action("delete_category")
def delete_category(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    item = categories.find(app, int(body["first"]), int(body["second"]))
    if item is not None:
        app["categories"].remove(item)
    return {}


@action("set_privacy")
def set_privacy(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Edits both the dev and the live guide unless privacy_ver names one."""
    guide = {"owner_setting": validate_owner_setting(body.get("owner_setting")),
             "setting_list": validate_setting_list(body.get("setting_list") or []),
             "update_time": int(tx.now)}
    privacy = app.setdefault("privacy", {"dev": None, "live": None})
    versions = {1: ["live"], 2: ["dev"]}.get(int(body.get("privacy_ver", 0) or 0), ["dev", "live"])
    for ver in versions:
        privacy[ver] = dict(guide)
    return {}


@action("set_quota")
def set_quota(tx: Tx, target: Doc, body: dict[str, Any]) -> dict[str, Any]:
    platform = _platform_for(tx, target, body)
    quota = audit.audit_quota(platform, tx.now)
    for key in ("rest", "limit", "speedup_rest", "speedup_limit"):
        if key in body:
            quota[key] = int(body[key])
    return {"audit_quota": quota}


@action("set_profile_quota")
def set_profile_quota(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """{nickname?, head_image?, signature?} quotas and/or {used: {kind: count}} for this period."""
    quota = app.setdefault("profile_quota", {})
    for kind in ("nickname", "head_image", "signature"):
        if kind in body:
            quota[kind] = int(body[kind])
    for kind, count in (body.get("used") or {}).items():
        app.setdefault("profile_used", {})[kind] = {"period": quota_period(kind, tx.now), "used": int(count)}
    return {}


@action("set_audit")
def set_audit(tx: Tx, target: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Automatic review decisions for a mini-program (or a platform); null seconds = manual."""
    setting = {"auto_decide_after_seconds": body.get("auto_decide_after_seconds"),
               "decision": body.get("decision", "approve"), "reason": body.get("reason", "")}
    if setting["decision"] not in ("approve", "reject"):
        raise ConsoleError("decision: approve or reject")
    target["audit"] = setting
    if "component_appid" not in target:  # reviews already running follow the new setting
        latest = audit_clock.latest_audit(target)
        if latest is not None and latest["status"] in (audit_clock.AUDITING, audit_clock.DELAYED):
            latest["decide_at"] = audit_clock.auto_decide_at(tx, target, tx.now)
    return {}


@action("set_permissions")
def set_permissions(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Change the permission sets or the refresh-token rotation of a platform's authorization, or
    (revoke: true) remove it."""
    key = f"{body.get('component_appid')}|{app['appid']}"
    auth = tx.get("auth", key)
    if auth is None:
        raise ConsoleError("no such authorization", 404)
    if body.get("revoke"):
        tx.delete("auth", key)
        return {}
    if "permissions" in body:
        auth["permissions"] = sorted({int(p) for p in body.get("permissions") or []})
    if "rotate_refresh_token" in body:
        auth["rotate_refresh_token"] = bool(body["rotate_refresh_token"])
    return {"permissions": auth["permissions"], "rotate_refresh_token": auth.get("rotate_refresh_token", False)}


@action("set_icp")
def set_icp(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """The ICP filing's state: status (2/3/4/5/6/1024), available, is_canceling, audit_data,
    sms_verify_status."""
    icp = {**account.DEFAULT_ICP, **(app.get("icp") or {})}
    for key in ("status", "available", "is_canceling", "audit_data", "sms_verify_status"):
        if key in body:
            icp[key] = body[key]
    if int(icp["status"]) not in account.ICP_STATUSES:
        raise ConsoleError(f"status: one of {list(account.ICP_STATUSES)}")
    app["icp"] = icp
    return {"icp": account.icp_info(app)}


# --- another party acting on the code: a second tool, or an admin in the MP console ---
@action("commit")
def commit(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Another tool sets the experience version: from a template of the platform's library
    (`template_id`), or an upload of its own (`pages`, `privacy_list`)."""
    user_version = str(body.get("user_version") or "")
    if not user_version:
        raise ConsoleError("user_version is required")
    template = None
    if body.get("template_id") is not None:
        platform = _platform_for(tx, app, body)
        template = next((t for t in platform.get("templates", [])
                         if t["template_id"] == int(body["template_id"])), None)
        if template is None:
            raise ConsoleError(f"no template {body['template_id']} in the platform's library", 404)
    source = template or {"pages": body.get("pages") or code.DEFAULT_PAGES,
                          "privacy_list": body.get("privacy_list") or []}
    exp = code.set_experience(app, tx.now, template["template_id"] if template else None, user_version,
                              str(body.get("user_desc") or ""), list(source["pages"]),
                              list(source["privacy_list"]))
    return {"exp": exp}


@action("submit_audit")
def submit_audit(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Someone submits the experience version for review in the console (no platform quota spent)."""
    if not app.get("exp"):
        raise ConsoleError("nothing is committed", 409)
    if audit_clock.code_audit_running(app):
        raise ConsoleError("an audit is already running", 409)
    return {"auditid": audit.start_audit(tx, app, app["exp"], None)["auditid"]}


@action("release_in_console")
def release_in_console(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """An admin releases in the MP console. With `user_version`: that version goes live as one
    released before the authorization (`before_authorization`, default true: never listed in the
    rollback history). Without: the latest approved audit goes live as wxa/release would put it,
    but the platform's domains do not apply (409 when nothing is releasable)."""
    if body.get("user_version"):
        live = release.make_live(app, tx.now, str(body["user_version"]), str(body.get("user_desc") or ""),
                                 int(tx.now), 0, bool(body.get("before_authorization", True)))
        return {"live": live}
    try:
        latest = release.releasable_audit(app)
    except errors.WxError as exc:
        raise ConsoleError(f"nothing to release: {exc}", 409) from None
    release.do_release(app, latest, tx.now, None)
    return {"live": app["live"]}
