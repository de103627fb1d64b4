"""What an admin does in the MP console, or another tool does (drift): direct state edits that skip
API rules and quotas, run by `POST /_emulator/console` and by faults (`console`, CONTROL.md).

Each action takes {"appid", "action", ...}. The actions live with their services
(`@console_action`, `emulator.routing.CONSOLE_ACTIONS`) and call the services' state functions;
`appid` may name a platform (component appid) for the actions that declare the platform target.
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator import services as _services  # noqa: F401  (registers every console action)
from emulator.routing import APP, CONSOLE_ACTIONS, PLATFORM, ConsoleError
from emulator.services import audit_clock
from emulator.state import Doc, Tx

__all__ = ["ConsoleError", "check", "run"]


def check(tx: Tx, body: dict[str, Any]) -> Doc:
    """The account a console action works on (a mini-program, or a platform for the platform-level
    actions); refuses an unknown action or appid."""
    name = str(body.get("action", ""))
    action = CONSOLE_ACTIONS.get(name)
    if action is None:
        raise ConsoleError(f"unknown console action {name!r}; known: {sorted(CONSOLE_ACTIONS)}")
    appid = str(body.get("appid", ""))
    target = tx.get("app", appid) if APP in action.targets else None
    if target is None and PLATFORM in action.targets:
        target = tx.get("platform", appid)
    if target is None:
        raise ConsoleError(f"unknown appid {appid!r}", 404)
    return target


def run(tx: Tx, body: dict[str, Any]) -> dict[str, Any]:
    target = check(tx, body)
    if "component_appid" not in target:
        audit_clock.tick(tx, target)
    try:
        return {"ok": True, **CONSOLE_ACTIONS[str(body["action"])].fn(tx, target, body)}
    except errors.WxError as exc:  # a state function's rule (a malformed privacy guide, say)
        raise ConsoleError(f"refused: {exc}") from None
