"""The Release's live state, read from WeChat's answers as the docs promise them, and nothing more.

Pure: the provider hands over the decoded answers; nothing in here talks to WeChat.

Every field is optional unless the docs promise it in that state (captured answers in review or
approved carry no `reason` and no `ScreenShot`, and `user_version` is not always there):

- `getversioninfo`: `exp_info` / `release_info` are absent while there is none; each of
  `exp_version`, `exp_time`, `release_version` may be missing;
- `get_latest_auditstatus`: `auditid` and `status` are the answer; `user_version`,
  `submit_audit_time`, `reason`, `ScreenShot` may be missing. A missing `status` is unknown, never
  "approved" (0);
- `get_auditstatus`: often `{"status": 0}` alone;
- `getgrayreleaseplan`: a missing `status` is "no plan running";
- `get_history_version`: an entry without `app_version` cannot be rolled back to (it is skipped);
- `queryquota`: a missing `rest` is unknown, not "spent" (nothing is refused on a guess).

Which version an audit is of (`audit_version`), in the order of the evidence:

1. the answer's own `user_version`;
2. an `auditid` WeChat handed back to this very run's `submit_audit` (`known`);
3. the clocks: `submit_audit` audits the experience version, so an audit submitted at or after
   the current experience version's `exp_time` is an audit of that version;
4. the auditid the last `up` recorded in its outputs (a hint: used, but live evidence comes first).

Otherwise it is unknown, and the state machine then never submits (it could be V's own audit).

Where V stands (`phase_of`, the phases `release_phases` lists) is read here too, from the same
snapshot: a running gray plan is the latest approved audit's only if it started after that audit
was submitted (`gray_owner`); `live_text` says what is live now, other versions included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Props = dict[str, Any]

# getgrayreleaseplan `status`: 0 initial, 1 running, 2 paused, 3 finished, 4 deleted
GRAY_ACTIVE = (1, 2)
# get_latest_auditstatus `status`
APPROVED, REJECTED, AUDITING, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4
IN_FLIGHT = (AUDITING, DELAYED)
NOT_RESUBMITTED = (APPROVED, AUDITING, DELAYED)  # a submission of V in these states is never repeated
PHASE_OF_STATUS = {APPROVED: "approved", REJECTED: "rejected", AUDITING: "auditing", WITHDRAWN: "withdrawn",
                   DELAYED: "delayed"}


def snapshot(version_info: Props, latest_audit: Props | None, gray_plan: Props | None) -> Props:
    """The live state in one JSON-able shape, from getversioninfo, get_latest_auditstatus (None:
    no audit yet, errcode 85058) and getgrayreleaseplan."""
    exp = version_info.get("exp_info") or {}
    rel = version_info.get("release_info") or {}
    return {
        "exp_version": _text(exp.get("exp_version")),
        "exp_time": _number(exp.get("exp_time")),
        "release_version": _text(rel.get("release_version")),
        "audit": audit_of(latest_audit) if latest_audit is not None else None,
        "gray": _gray(gray_plan or {}),
    }


def audit_of(answer: Props) -> Props:
    """One audit (get_latest_auditstatus or get_auditstatus) with every optional field as None/empty."""
    shots = str(answer.get("screenshot") or answer.get("ScreenShot") or "")
    return {
        "auditid": _number(answer.get("auditid")),
        "status": _number(answer.get("status")),
        "version": _text(answer.get("user_version")),
        "reason": str(answer.get("reason") or ""),
        "screenshots": [shot for shot in shots.split("|") if shot],
        "submitted_at": _number(answer.get("submit_audit_time")),
    }


def _gray(plan: Props) -> Props | None:
    if _number(plan.get("status")) not in GRAY_ACTIVE:
        return None
    return {
        "status": _number(plan.get("status")),
        "percentage": _number(plan.get("gray_percentage")) or 0,
        "created_at": _number(plan.get("create_timestamp")),
        "support_debuger_first": bool(plan.get("support_debuger_first")),
        "support_experiencer_first": bool(plan.get("support_experiencer_first")),
    }


def history_entries(version_list: list[Props]) -> list[Props]:
    """revertcoderelease?action=get_history_version, newest first, as {app_version, version}."""
    entries = []
    for item in version_list:
        app_version, version = _number(item.get("app_version")), _text(item.get("user_version"))
        if app_version is not None and version is not None:
            entries.append({"app_version": app_version, "version": version})
    return entries


def quota_of(body: Props) -> Props:
    """queryquota: the platform's monthly audit quota; None where WeChat left a number out."""
    return {"rest": _number(body.get("rest")), "limit": _number(body.get("limit"))}


# --- which version an audit is of ----------------------------------------------------------------
def audit_version(live: Props, olds: Props | None = None, known: Mapping[int, str] | None = None) -> str | None:
    """The version the latest audit is of, from the evidence listed in the module docstring; None: unknown."""
    audit = live.get("audit")
    if not audit:
        return None
    if audit.get("version"):
        return str(audit["version"])
    auditid = audit.get("auditid")
    if auditid is not None and known and auditid in known:
        return known[auditid]
    if audits_the_experience_version(live):
        return str(live["exp_version"])
    if olds and auditid is not None and _number(olds.get("auditid")) == auditid:
        return _text(olds.get("version"))
    return None


def audits_the_experience_version(live: Props) -> bool:
    """The latest audit was submitted at or after the current experience version was committed."""
    audit = live.get("audit") or {}
    submitted, committed = audit.get("submitted_at"), live.get("exp_time")
    return bool(live.get("exp_version")) and submitted is not None and committed is not None and submitted >= committed


def predates_the_experience_version(live: Props) -> bool:
    """The latest audit was submitted before the current experience version was committed: it is
    not an audit of the code that is the experience version now."""
    audit = live.get("audit") or {}
    submitted, committed = audit.get("submitted_at"), live.get("exp_time")
    return submitted is not None and committed is not None and submitted < committed


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return int(value)  # protobuf hands numbers over as floats
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- where V stands (the phases, in the order they are checked) ----------------------------------
@dataclass(frozen=True)
class Phase:
    name: str
    version: str
    auditid: int | None = None
    percentage: int | None = None  # released: how many users have V
    reason: str = ""
    screenshots: tuple[str, ...] = ()
    app_version: int | None = None  # superseded: the rollback target

    def describe(self) -> str:
        v = self.version
        if self.name == "released":
            return f"released({v}, {self.percentage}%)"
        if self.name == "superseded":
            return f"superseded({v}, in the rollback history as app_version {self.app_version})"
        if self.name in ("absent", "committed"):
            return "absent" if self.name == "absent" else f"committed({v})"
        detail = f"audit {self.auditid}"
        if self.reason and self.name in ("rejected", "delayed"):
            detail += f": {self.reason}"
        return f"{self.name}({v}, {detail})"


def gray_version(live: Props, olds: Props | None) -> str | None:
    """The version a running gray plan rolls out, or None when nothing live tells.

    WeChat gray-releases the latest approved audit, so the plan is that audit's version only if the
    plan started after the audit was submitted (getgrayreleaseplan `create_timestamp`, the audit's
    `submit_audit_time`): a plan started earlier rolls out an earlier version, which a newer
    submission (approved or not) now hides. Then only the last `up`'s record names it: a hint,
    shown as such; the release guards re-read before any write it could lead to."""
    return gray_owner(live, olds)[0]


def gray_owner(live: Props, olds: Props | None) -> tuple[str | None, bool]:
    """(the version the running gray plan rolls out, whether WeChat's answers tell it); see gray_version."""
    if not live.get("gray"):
        return None, False
    audit = live.get("audit")
    version = audit_version(live, olds)
    if audit and audit["status"] == APPROVED and version and gray_started_after_the_audit(live):
        return version, True
    return recorded_gray_version(olds), False


def gray_started_after_the_audit(live: Props) -> bool:
    """The running gray plan started after the latest audit was submitted, as far as WeChat's answers say.

    Both times are whole seconds: a plan started in the very second the audit was submitted may be an
    earlier version's (someone submitted right after it started) or the audit's own (an audit decided
    at once, as the demo platform does, then gray-released). Neither is told, so a tie is not "after".
    A time left out of the answer is no evidence of an earlier plan: the audit's version stands."""
    started, submitted = (live.get("gray") or {}).get("created_at"), (live.get("audit") or {}).get("submitted_at")
    return started is None or submitted is None or started > submitted


def recorded_gray_version(olds: Props | None) -> str | None:
    """The version the last `up` recorded rolling out gradually (a hint, for display only)."""
    if olds and olds.get("phase") == "released" and (_number(olds.get("gray_percentage")) or 0) < 100:
        return str(olds.get("version") or "") or None
    return None


def live_text(live: Props, olds: Props | None, version: str) -> str:
    """What is live now: the full release, and a gray rollout of any version but V."""
    text = f"live: {live.get('release_version') or 'none'}"
    gray = live.get("gray")
    other, told = gray_owner(live, olds)
    if gray and other != version:
        who = other if told else f"{other} (as the last up recorded)" if other else "an earlier version"
        text += f", and {who} for {gray['percentage']}% of users (a gray rollout)"
    return text


def rollback_target(live: Props, version: str) -> int | None:
    for entry in live.get("history") or []:
        if entry["version"] == version:
            return int(entry["app_version"])
    return None


def phase_of(version: str, live: Props, olds: Props | None = None) -> Phase:
    audit = live.get("audit")
    owner, told = gray_owner(live, olds)
    if owner == version:
        gray = live["gray"]  # the latest audit is V's only when WeChat's answers tell the plan is that audit's
        return Phase("released", version, audit["auditid"] if audit and told else None, gray["percentage"])
    if live.get("release_version") == version:
        return Phase("released", version, percentage=100)
    app_version = rollback_target(live, version)
    if app_version is not None:
        return Phase("superseded", version, app_version=app_version)
    if audit and audit_version(live, olds) == version:
        name = PHASE_OF_STATUS.get(audit["status"], "auditing")
        return Phase(name, version, audit["auditid"], reason=audit["reason"],
                     screenshots=tuple(audit["screenshots"]))
    if live.get("exp_version") == version:
        return Phase("committed", version)
    return Phase("absent", version)
