"""What a resource would do: the one vocabulary shared by diff(), update(), the review plan and the call log.

A `Plan` lists item-level `Change`s (what a reviewer reads), the `ApiCall`s that `up` makes to get
there, `ManualStep`s for what no API can do, warnings, and why `up` must refuse (`blocked`).

An `ApiCall` is a write exactly as it goes on the wire: its method, its path as the emulator's call
log shows it, and `args`, the JSON body of a POST or the query of a GET. The base provider sends
`plan.calls` in order and nothing else (`providers._base.WeChatResourceProvider.execute`), so what
`up` does is what the plan printed, by construction. Two kinds of value stand for what is not known
when the plan is made, and are resolved right before the call is sent:

- `Ref(step, field)`: a field of the answer of an earlier call of the same plan (an uploaded
  image's `media_id`);
- `File(path, sha256, size)`: a local file uploaded as multipart; `up` refuses when its content is
  no longer what the plan saw.

Plans are pure data, computed by each resource's `plan()` from the desired spec and the live state;
nothing in here talks to WeChat. `Plan.to_json()` / `Plan.from_json()` are the machine-readable form
shared by the provider's events, the plan file (`up --plan`) and the fidelity tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

UNKNOWN = "unknown (these credentials cannot read it)"


@dataclass(frozen=True)
class Change:
    """One item-level difference: `op` is add | remove | update.

    `new` is the target. When this `up` stops short of it (a manual step, an audit that takes days),
    `after` says where this `up` leaves the item; None means `up` reaches `new`.
    """

    field: str
    op: str
    old: Any = None
    new: Any = None
    drift: bool = False  # live differs from what the last `up` wrote (someone used the console)
    after: str | None = None

    def describe(self) -> str:
        mark = " (drift: changed outside Pulumi)" if self.drift else ""
        short = f" [after this up: {self.after}]" if self.after else ""
        if self.op == "add":
            return f"+ {self.field}: {self.new}{mark}{short}"
        if self.op == "remove":
            return f"- {self.field}: {self.old}{mark}{short}"
        return f"~ {self.field}: {self.old!r} -> {self.new!r}{mark}{short}"

    def as_step(self) -> str:
        """The change as a checklist item for a person in the console."""
        if self.old == UNKNOWN:
            verb = "includes" if self.op == "add" else "is"
            return f"make sure {self.field} {verb} {_text(self.new)}"
        if self.op == "add":
            return f"add {_text(self.new)} to {self.field}"
        if self.op == "remove":
            return f"remove {_text(self.old)} from {self.field}"
        return f"change {self.field} from {_text(self.old)} to {_text(self.new)}"


@dataclass(frozen=True)
class Ref:
    """The `field` of the answer of call number `step` (0-based) of the same plan."""

    step: int
    field: str


@dataclass(frozen=True)
class File:
    """A local file sent as a multipart part, pinned by its content."""

    path: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path: str) -> File:
        content = Path(path).read_bytes()
        return cls(path, hashlib.sha256(content).hexdigest(), len(content))


@dataclass(frozen=True)
class ApiCall:
    """A write `up` makes: `method` `path` (as the call log shows it, e.g. /wxa/modify_domain) with `args`.

    `args` is the JSON body of a POST, or the query string of a GET; a `File` value makes a POST
    multipart (its other args then go in the query). Secrets never appear in args: tokens are added
    by the client. `landed` names the provider's read that tells whether a write whose answer was
    lost took effect (`landed_<name>`); without one, the base reads the live state and plans again.
    `guard` names a read made right before sending (`guard_<name>`), where the live state may have
    moved since the plan; it may skip the call (already in effect) or stop the run.
    """

    path: str
    summary: str
    quota: str | None = None  # e.g. "1 of 50 domain changes this month (32 left)"
    args: Mapping[str, Any] = field(default_factory=dict, kw_only=True)
    method: str = field(default="POST", kw_only=True)
    landed: str | None = field(default=None, kw_only=True)
    guard: str | None = field(default=None, kw_only=True)

    def wire(self) -> tuple[str, str, Any]:
        """What identifies the write on the wire: method, path and args (JSON form)."""
        return self.method, self.path, encode(dict(self.args))


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

    def lines(self, calls: bool = True) -> list[str]:
        """Plain-text rendering for the provider's output (`up` shows each write as it makes it instead)."""
        head = f"{self.appid} {self.resource}"
        out = [f"{head}: {change.describe()}" for change in self.changes]
        out += [
            f"{head}: will call {call.path} ({call.summary}{'; costs ' + call.quota if call.quota else ''})"
            for call in (self.calls if calls else [])
        ]
        out += [f"{head}: MANUAL STEP: {step.text} ({step.reason})" for step in self.manual]
        out += [f"{head}: WARNING: {warning}" for warning in self.warnings]
        if self.blocked:
            out.append(f"{head}: BLOCKED: {self.blocked}")
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON-able data (Refs and Files encoded as `{"$ref": ...}` / `{"$file": ...}`)."""
        data: dict[str, Any] = {item.name: getattr(self, item.name) for item in fields(Plan)}
        data["changes"] = [encode(vars(change)) for change in self.changes]
        data["calls"] = [{**vars(call), "args": encode(dict(call.args))} for call in self.calls]
        data["manual"] = [vars(step) for step in self.manual]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        """The inverse of `to_json` (a provider's Plan subclass comes back as a plain Plan)."""
        known = {item.name for item in fields(Plan)}
        values = {key: value for key, value in data.items() if key in known}
        values["changes"] = [Change(**item) for item in data.get("changes") or []]
        calls = data.get("calls") or []
        values["calls"] = [ApiCall(**{**item, "args": decode(item.get("args") or {})}) for item in calls]
        values["manual"] = [ManualStep(**item) for item in data.get("manual") or []]
        return cls(**values)


def encode(value: Any) -> Any:
    """Args (or any value) as JSON data: Ref -> {"$ref": [step, field]}, File -> {"$file": path, ...}."""
    if isinstance(value, Ref):
        return {"$ref": [value.step, value.field]}
    if isinstance(value, File):
        return {"$file": value.path, "sha256": value.sha256, "size": value.size}
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, Mapping):
        if set(value) == {"$ref"}:
            step, name = value["$ref"]
            return Ref(int(step), str(name))
        if "$file" in value:
            return File(str(value["$file"]), str(value["sha256"]), int(value["size"]))
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, str) and " " in value else str(value)
