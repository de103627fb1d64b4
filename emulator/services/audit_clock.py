"""Reviews that end on their own only when a seed says so: code audits, nickname and category reviews.

The decision time is fixed when a review starts (from the mini-program's `audit` setting, else its
platform's), and applied lazily by `tick` whenever a request touches the mini-program, so reviews
advance on the emulator clock without a background thread. Without a setting a review waits for
the control API (`POST /_emulator/audit`).
"""

from __future__ import annotations

from typing import Any

from emulator.routing import APP, PLATFORM, ConsoleError, SeedError, console_action, seed_keys, seed_section
from emulator.services import events
from emulator.state import Doc, Tx

APPROVED, REJECTED, AUDITING, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4
DEFAULT_REJECT_REASON = "The mini program does not meet the platform rules (emulator decision)."
DECISIONS = ("approve", "reject")
_SETTING_KEYS = {"auto_decide_after_seconds", "decision", "reason"}


def platform_of(tx: Tx, appid: str) -> Doc | None:
    for key in tx.keys("auth"):
        if key.endswith("|" + appid):
            return tx.get("platform", key.split("|", 1)[0])
    return None


def acting_platform(tx: Tx, target: Doc, body: dict[str, Any]) -> Doc:
    """The platform a console action concerns: the target itself when it is a platform, else the
    one `component_appid` names, else the one the mini-program is authorized to."""
    if "component_appid" in target:
        return target
    platform = (tx.get("platform", str(body["component_appid"])) if body.get("component_appid")
                else platform_of(tx, target["appid"]))
    if platform is None:
        raise ConsoleError("this mini-program is not authorized to any platform")
    return platform


def set_auto_decision(tx: Tx, target: Doc, setting: dict[str, Any]) -> None:
    """Automatic review decisions for a mini-program (or a platform); reviews of the mini-program
    already running follow the new setting."""
    target["audit"] = setting
    if "component_appid" not in target:
        latest = latest_audit(target)
        if latest is not None and latest["status"] in (AUDITING, DELAYED):
            latest["decide_at"] = auto_decide_at(tx, target, tx.now)


def audit_setting(tx: Tx, app: Doc) -> dict[str, Any]:
    setting = app.get("audit")
    if not setting:
        platform = platform_of(tx, app["appid"])
        setting = (platform or {}).get("audit") or {}
    return setting


def auto_decide_at(tx: Tx, app: Doc, now: float) -> float | None:
    after = audit_setting(tx, app).get("auto_decide_after_seconds")
    return None if after is None else now + float(after)


def _auto_decision(tx: Tx, app: Doc) -> tuple[str, str]:
    setting = audit_setting(tx, app)
    return str(setting.get("decision", "approve")), str(setting.get("reason", DEFAULT_REJECT_REASON))


def latest_audit(app: Doc) -> Doc | None:
    audits = app.get("audits", [])
    return audits[-1] if audits else None


def code_audit_running(app: Doc) -> bool:
    latest = latest_audit(app)
    return latest is not None and latest["status"] in (AUDITING, DELAYED)


def decide_code(tx: Tx, app: Doc, audit: Doc, decision: str, now: float, reason: str = "",
                screenshots: list[str] | None = None) -> None:
    """Approve, reject or delay a code audit; the platform that submitted it gets the result event."""
    if decision == "approve":
        audit.update(status=APPROVED, reason="", screenshot="")
    elif decision == "reject":
        audit.update(status=REJECTED, reason=reason or DEFAULT_REJECT_REASON,
                     screenshot="|".join(screenshots or []))
    else:  # delay: still pending; a success or failure follows later
        audit.update(status=DELAYED, reason=reason or "The audit is delayed (emulator decision).")
    audit["decided_at"] = now
    if decision != "delay":
        audit["decide_at"] = None
    events.audit_result(tx, app, audit, decision, now)


def decide_nickname(app: Doc, item: Doc, decision: str, now: float, reason: str = "") -> None:
    if decision == "approve":
        item.update(audit_stat=3, fail_reason="")
        app["nickname"] = item["nickname"]
    elif decision == "reject":
        item.update(audit_stat=2, fail_reason=reason or DEFAULT_REJECT_REASON)
    else:
        return
    item.update(audit_time=int(now), decide_at=None)


def decide_category(item: Doc, decision: str, reason: str = "") -> None:
    if decision == "approve":
        item.update(audit_status=3, audit_reason="")
    elif decision == "reject":
        item.update(audit_status=2, audit_reason=reason or DEFAULT_REJECT_REASON)
    else:
        return
    item["decide_at"] = None


def _due(item: Doc, now: float) -> bool:
    return item.get("decide_at") is not None and now >= item["decide_at"]


def tick(tx: Tx, app: Doc) -> None:
    """Apply every automatic decision whose time has come (called on every request, so cheap
    when nothing is due: the setting is only looked up then)."""
    now = tx.now
    audits = [a for a in app.get("audits", []) if a["status"] in (AUDITING, DELAYED) and _due(a, now)]
    names = [n for n in app.get("nickname_audits", []) if n["audit_stat"] == 1 and _due(n, now)]
    cats = [c for c in app.get("categories", []) if c.get("audit_status") == 1 and _due(c, now)]
    if not (audits or names or cats):
        return
    decision, reason = _auto_decision(tx, app)
    for audit in audits:
        decide_code(tx, app, audit, decision, audit["decide_at"], reason)
    for item in names:
        decide_nickname(app, item, decision, now, reason)
    for item in cats:
        decide_category(item, decision, reason)


# --- the MP console and the seed ---
@console_action("set_audit", targets=frozenset({APP, PLATFORM}))
def console_set_audit(tx: Tx, target: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Automatic review decisions for a mini-program (or a platform); null seconds = manual."""
    setting = {"auto_decide_after_seconds": body.get("auto_decide_after_seconds"),
               "decision": body.get("decision", "approve"), "reason": body.get("reason", "")}
    if setting["decision"] not in DECISIONS:
        raise ConsoleError("decision: approve or reject")
    set_auto_decision(tx, target, setting)
    return {}


def _seed(tx: Tx, account: Doc, item: dict[str, Any], where: str) -> None:
    """`audit: {auto_decide_after_seconds, decision, reason}`; a mini-program's overrides its platform's."""
    value = item.get("audit")
    if value is None:
        account["audit"] = None
        return
    setting = seed_keys(f"{where}.audit", value, _SETTING_KEYS)
    if setting.get("decision", "approve") not in DECISIONS:
        raise SeedError(f"{where}.audit.decision: approve or reject")
    account["audit"] = dict(setting)


seed_section(APP, "audit")(_seed)
seed_section(PLATFORM, "audit")(_seed)
