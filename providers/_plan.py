"""What a resource would do: the one vocabulary shared by diff(), update() and the review plan.

A `Plan` lists item-level `Change`s (what a reviewer reads), the `ApiCall`s that `up` will make
to get there (what the emulator's call log must then show, call for call), `ManualStep`s for what
no API can do, and warnings. Plans are pure data, computed by each resource's `plan()` from the
desired spec, the live state and the last applied state; nothing in here talks to WeChat.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """One item-level difference: `op` is add | remove | update."""

    field: str
    op: str
    old: Any = None
    new: Any = None
    drift: bool = False  # live differs from what the last `up` applied (someone used the console)

    def describe(self) -> str:
        mark = " (drift: changed outside Pulumi)" if self.drift else ""
        if self.op == "add":
            return f"+ {self.field}: {self.new}{mark}"
        if self.op == "remove":
            return f"- {self.field}: {self.old}{mark}"
        return f"~ {self.field}: {self.old!r} -> {self.new!r}{mark}"


@dataclass(frozen=True)
class ApiCall:
    """A write `up` will make; `path` as in the emulator's call log (e.g. /wxa/modify_domain)."""

    path: str
    summary: str
    quota: str | None = None  # e.g. "1 of 50 domain changes this month (32 left)"


@dataclass(frozen=True)
class ManualStep:
    """Something a person must do in the WeChat console; `up` never claims to have done it."""

    text: str
    reason: str


@dataclass
class Plan:
    resource: str
    appid: str
    changes: list[Change] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    manual: list[ManualStep] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blocked: str | None = None  # why `up` must refuse (e.g. quota spent), decided before any call

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.calls or self.manual)

    def lines(self) -> list[str]:
        """Plain-text rendering for the provider's preview output."""
        head = f"{self.appid} {self.resource}"
        out = [f"{head}: {change.describe()}" for change in self.changes]
        out += [
            f"{head}: will call {call.path} ({call.summary}{'; costs ' + call.quota if call.quota else ''})"
            for call in self.calls
        ]
        out += [f"{head}: MANUAL STEP: {step.text} ({step.reason})" for step in self.manual]
        out += [f"{head}: WARNING: {warning}" for warning in self.warnings]
        if self.blocked:
            out.append(f"{head}: BLOCKED: {self.blocked}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
