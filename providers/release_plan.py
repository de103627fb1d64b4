"""The Release plan's vocabulary, shared by the state machine (`release_phases`), the code step
(`release_code`), the guards and the fleet: the write paths, `ReleasePlan`, and the messages that
say why a version is not submitted again. Pure; nothing here talks to WeChat."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from providers._plan import ApiCall, Plan
from providers.models import AuditSpec
from providers.release_live import PHASE_OF_STATUS

KIND = "release"

COMMIT = "/wxa/commit"
SUBMIT = "/wxa/submit_audit"
UNDO = "/wxa/undocodeaudit"
RELEASE = "/wxa/release"
GRAY = "/wxa/grayrelease"
REVERT_GRAY = "/wxa/revertgrayrelease"
ROLLBACK = "/wxa/revertcoderelease"
OWN_UPLOAD = "miniprogram-ci:upload-own"  # owner mode: to the mini-program itself (not a WeChat API path)
WRITE_PATHS = frozenset({COMMIT, SUBMIT, UNDO, RELEASE, GRAY, REVERT_GRAY, ROLLBACK})
AFTER_APPROVAL = frozenset({RELEASE, GRAY})  # steps that need V's audit to have passed

# The extra reads only some phases need (see `extra_reads`).
HISTORY, QUOTA, RECORDED_AUDIT, DOMAINS, SOURCE = "history", "quota", "recorded_audit", "domains", "source"
RELEASING = frozenset({RELEASE, GRAY, ROLLBACK})  # code goes live through the platform: domains change

CONSOLE = "mp.weixin.qq.com → 管理 → 版本管理"
AUDIT_TAKES = "WeChat's audit takes 1-7 days (an expedited one 2-12 hours)"
WITHDRAW_LIMIT = "WeChat allows 5 withdrawals a day and 10 a month, and does not refund the audit quota"

Props = dict[str, Any]


def int_or_zero(value: Any) -> int:
    try:
        return int(value)  # protobuf hands numbers over as floats
    except (TypeError, ValueError):
        return 0


@dataclass
class ReleasePlan(Plan):
    """A Plan plus what the executor and the outputs need to know about where V stands."""

    phase: str = "unknown"
    version: str = ""
    auditid: int | None = None
    gray_percentage: int | None = None
    rollback_to: int | None = None  # app_version for revertcoderelease
    wait_minutes: int = 0
    released_versions: list[str] = field(default_factory=list)  # versions earlier `up`s saw live (a hint)

    def record(self) -> Props:
        """What the outputs record: where V stood when this plan was made."""
        return {"phase": self.phase, "version": self.version, "auditid": self.auditid,
                "gray_percentage": self.gray_percentage, "released_versions": list(self.released_versions)}


def rejection_message(version: str, auditid: int | None, reason: str, screenshots: Iterable[str]) -> str:
    shots = ", ".join(screenshots) or "none"
    return (
        f"WeChat rejected version {version} (audit {auditid}): {reason or 'no reason given'}. "
        f"Screenshots (media ids, fetch them with cgi-bin/media/get): {shots}. Fix the problem and "
        "declare a new version; the next `up` commits and submits it."
    )


def unknown_audit_message(version: str, audit: Props | None) -> str:
    audit = audit or {}
    status = PHASE_OF_STATUS.get(audit.get("status"), "in an unknown state")  # type: ignore[arg-type]
    return (
        f"the latest audit ({audit.get('auditid')}, {status}) does not say which version it is of (WeChat left "
        f"user_version out, and neither its submission time nor an auditid this tool recorded tells), so it may "
        f"be {version}'s own: {version} is not submitted again, which would spend another of the platform's "
        "monthly audits. Look in the console (mp.weixin.qq.com → 管理 → 版本管理) which version is under review "
        "or approved, and run `pulumi up` again once the audit has ended."
    )


def superseded_message(version: str, audit: Props) -> str:
    state = PHASE_OF_STATUS.get(audit.get("status"), "in review")  # type: ignore[arg-type]
    return (
        f"{version} was submitted already (audit {audit.get('auditid')}, {state}), but a later audit of another "
        f"version replaced it as the latest, and WeChat releases only the latest approved audit. {version} is "
        "not submitted again (another monthly audit): declare a new version to ship this code."
    )


def when(timestamp: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(timestamp)))
    except (TypeError, ValueError, OverflowError):
        return str(timestamp)


def revert_gray(summary: str) -> ApiCall:
    return ApiCall(REVERT_GRAY, summary, method="GET", args={}, landed="gray_cancelled")


def audit_fields(desired: Props) -> Props:
    """submit_audit's body: the spec's audit block as WeChat names its fields."""
    return AuditSpec.model_validate(desired.get("audit") or {}).to_wire()
