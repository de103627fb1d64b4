"""What a preflight check finds: a `Finding` per check and account, gathered in a `Report`.

Severities, in the order a reader cares about them:
- `block` (⛔): WeChat would refuse a write `up` is about to make; `up` stops before any write.
- `warn` (⚠): worth a reviewer's eyes (a quota nearly spent, a ticket receiver gone quiet), or a
  problem that only matters at a later step.
- `unknown` (?): these credentials or WeChat's answer cannot tell.
- `ok` (✓).

Each finding names the errcode WeChat would answer (the one the check avoids; None where WeChat
has no errcode for it, e.g. an audit rejected for its privacy guide) and what to do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from wechat import ERRCODES

BLOCK, WARN, UNKNOWN, OK = "block", "warn", "unknown", "ok"
SEVERITIES = (BLOCK, WARN, UNKNOWN, OK)
MARKS = {BLOCK: "⛔", WARN: "⚠", UNKNOWN: "?", OK: "✓"}


@dataclass(frozen=True)
class Finding:
    """One check's verdict for one account (a mini-program's appid, or a platform's component appid)."""

    check: str  # e.g. "authorization", "audit_quota" (see CHECKS in providers.preflight)
    severity: str  # block | warn | unknown | ok
    subject: str  # the appid or component appid
    name: str  # the spec's name, for people
    message: str
    errcode: int | None = None  # what WeChat would answer: the error this check avoids
    fix: str = ""

    @property
    def mark(self) -> str:
        return MARKS[self.severity]

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK

    def errcode_text(self) -> str:
        if self.errcode is None:
            return ""
        known = ERRCODES.get(self.errcode)
        return f"{self.errcode} ({known.name})" if known else str(self.errcode)

    def line(self) -> str:
        """One line for a terminal, a log or a Pulumi diagnostic."""
        text = f"{self.mark} {self.name} {self.check}: {self.message}"
        if self.errcode is not None and self.severity in (BLOCK, WARN):
            text += f" [avoids errcode {self.errcode_text()}]"
        if self.fix and self.severity != OK:
            text += f"; fix: {self.fix}"
        return text


@dataclass
class Report:
    """Every finding of one preflight run, and the live facts worth showing next to them."""

    findings: list[Finding] = field(default_factory=list)
    # per subject: what a reviewer may want to see (e.g. the effective domains after a release)
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return any(finding.blocks for finding in self.findings)

    def blocking(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.blocks]

    def problems(self) -> list[Finding]:
        """Findings that are not ok, most severe first (stable within a severity)."""
        order = {severity: index for index, severity in enumerate(SEVERITIES)}
        return sorted((f for f in self.findings if f.severity != OK), key=lambda f: order[f.severity])

    def of(self, subject: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.subject == subject]

    def counts(self) -> Counter[str]:
        return Counter(finding.severity for finding in self.findings)

    def summary(self) -> str:
        counts = self.counts()
        parts = [f"{counts[severity]} {MARKS[severity]}" for severity in SEVERITIES if counts[severity]]
        return f"preflight: {len(self.findings)} checks: " + (", ".join(parts) or "none")

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [asdict(finding) for finding in self.findings], "notes": dict(self.notes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls([Finding(**item) for item in data.get("findings") or []], dict(data.get("notes") or {}))
