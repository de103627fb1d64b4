"""Events WeChat pushes to a platform's "消息与事件接收 URL": here, the code-audit results.

WeChat POSTs encrypted XML; the emulator keeps each event's decrypted fields as JSON (the field
names of the audit_event doc, Third-party_Platforms/2.0/api/code/audit_event.html) in a per-platform
feed that `GET /_emulator/events` reads, and optionally appends each one as a JSON line to a file
(`event_forward`, set by the seed or `POST /_emulator/events`), after the change that caused it has
committed. Only audits submitted through the platform produce events for it.

    {"seq": 7, "time": 1767225600.0, "component_appid": "wx11…", "appid": "wx22…",
     "message": {"ToUserName": "gh_…", "FromUserName": "o…", "CreateTime": 1767225600,
                 "MsgType": "event", "Event": "weapp_audit_success", "SuccTime": 1767225600}}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from emulator.routing import PLATFORM, seed_section
from emulator.state import Doc, Tx

FEED_LIMIT = 1000  # per platform; older events are forgotten
SYSTEM_OPENID = "od1P50M-fNQI5Gcq-trm4a7apsU8"  # "发送方账号（一个 OpenID，此时发送方是系统账号）"


def original_id(app: Doc) -> str:
    """The mini-program's original id (gh_…): seeded, or derived from the appid."""
    return str(app.get("original_id") or "gh_" + hashlib.sha1(app["appid"].encode()).hexdigest()[:12])


def emit(tx: Tx, component_appid: str, appid: str, message: dict[str, Any], at: float | None = None) -> Doc:
    """Record (and forward) an event; `at`: when it happened, if earlier than now (a review decided
    lazily on the emulator clock)."""
    event = {"seq": tx.next_id("event", 1), "time": tx.now if at is None else at,
             "component_appid": component_appid, "appid": appid, "message": message}
    feed = tx.get("events", component_appid) or tx.put("events", component_appid, {"items": []})
    feed["items"] = [*feed["items"], event][-FEED_LIMIT:]
    platform = tx.get("platform", component_appid) or {}
    target = platform.get("event_forward")
    if target:
        line = json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"
        tx.after_commit(lambda: _append(Path(str(target)), line))
    return event


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line)


def read(tx: Tx, component_appid: str, since: int = 0) -> list[Doc]:
    feed = tx.get("events", component_appid) or {"items": []}
    return [e for e in feed["items"] if e["seq"] > since]


def audit_result(tx: Tx, app: Doc, audit: Doc, decision: str, when: float) -> None:
    """weapp_audit_success / weapp_audit_fail / weapp_audit_delay for an audit the platform submitted."""
    component_appid = audit.get("component_appid")
    if not component_appid:
        return
    at = int(when)
    message: dict[str, Any] = {"ToUserName": original_id(app), "FromUserName": SYSTEM_OPENID, "CreateTime": at,
                               "MsgType": "event"}
    if decision == "approve":
        message.update(Event="weapp_audit_success", SuccTime=at)
    elif decision == "reject":
        message.update(Event="weapp_audit_fail", Reason=audit["reason"], FailTime=at,
                       ScreenShot=audit["screenshot"])
    else:
        message.update(Event="weapp_audit_delay", Reason=audit["reason"], DelayTime=at)
    emit(tx, str(component_appid), app["appid"], message, when)


@seed_section(PLATFORM, "event_forward")
def seed_platform(tx: Tx, platform: Doc, item: dict[str, Any], where: str) -> None:
    """`event_forward`: a file each pushed event is appended to (JSON lines), or none."""
    platform["event_forward"] = str(item["event_forward"]) if item.get("event_forward") else None
