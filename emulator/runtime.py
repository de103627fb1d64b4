"""Process-wide emulator runtime: the store, the startup seed, injected faults, the call log.

Faults live in memory (they are a test instrument, not WeChat state); everything else is in the
store. Redaction happens here so nothing secret ever reaches the call log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from emulator import seed as seeding
from emulator.state import Store

SECRET_KEYS = frozenset({
    "access_token", "component_access_token", "authorizer_access_token", "secret", "appsecret",
    "component_appsecret", "component_verify_ticket", "authorizer_refresh_token", "refresh_token",
    "pre_auth_code", "authorization_code", "ticket", "verify_ticket",
})
REDACTED = "***"


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_KEYS and v not in (None, "") else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@dataclass
class Fault:
    """The next `count` calls to `path` misbehave. At most one of errcode, drop, body and omit
    shapes the answer; `console` (a console action, as POST /_emulator/console takes it) is another
    party acting right before (`when: before`) or right after (`when: after`) the call."""

    path: str
    count: int
    when: str = "before"  # "before": no effect happens; "after": the effect happens, the answer is lost
    errcode: int | None = None
    errmsg: str | None = None
    delay_seconds: float = 0.0
    drop: bool = False
    body: Any = None  # replaces the answer body as is (e.g. {"errmsg": "ok"}: no errcode)
    omit: list[str] = field(default_factory=list)  # fields (dotted for nested ones) left out of the answer
    console: dict[str, Any] | None = None

    def replaces_answer(self) -> bool:
        """The client gets something other than what the handler answered (or nothing)."""
        return self.drop or self.errcode is not None or self.body is not None

    def describe(self) -> dict[str, Any]:
        return {"path": self.path, "count": self.count, "when": self.when, "errcode": self.errcode,
                "errmsg": self.errmsg, "delay_seconds": self.delay_seconds, "drop": self.drop,
                "body": self.body, "omit": list(self.omit), "console": self.console}


@dataclass
class Runtime:
    store: Store
    startup_seed: dict[str, Any] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        """Forget everything (state, calls, faults, clock offset) and apply a seed."""
        chosen = self.startup_seed if seed is None else seed
        with Store(":memory:").tx() as scratch:  # a bad seed is refused before anything is wiped
            seeding.apply(scratch, chosen)
        self.clear_faults()
        self.store.wipe(keep_meta=False)
        self.apply_seed(chosen)

    def apply_seed(self, seed: dict[str, Any]) -> None:
        with self.store.tx() as tx:
            seeding.apply(tx, seed)

    # --- faults: the next `count` calls to a path misbehave ---
    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path == path and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def record_call(self, entry: dict[str, Any]) -> None:
        entry["query"] = redact(entry.get("query") or {})
        entry["body"] = redact(entry.get("body"))
        self.store.append_call(entry)
