"""The Release state machine, pure: (desired spec, live snapshot, old outputs) -> `ReleasePlan`.

Nothing in here talks to WeChat. `providers/release.py` reads the live state, asks `decide()` what
to do, and executes the plan's calls in order.

Where a desired version V stands (`phase_of`), in the order the checks are made:

    released(V, P)   V is live: fully (release_info), or for P% through a running gray plan
    superseded(V)    V is not live but in the rollback history (revertcoderelease can bring it back)
    approved(V)      V's audit passed; not live yet
    auditing(V, id)  V is under audit (status 2); delayed(V, id) is status 4
    rejected(V, id)  V's audit failed: reason and screenshot media ids
    withdrawn(V, id) V's audit was withdrawn; V may be submitted again
    committed(V)     V is the experience version; no audit of it yet
    absent           none of the above

A step is never taken twice for the same version: commit only if the experience version is not
V; submit only if the latest audit is not V in status 0/2/4 (the executor re-reads both before
writing, because a crash or a lost answer may have happened between the plan and the write).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from providers import release_domains
from providers._base import NEEDS_PLATFORM
from providers._plan import ApiCall, Change, ManualStep, Plan
from providers.release_live import (
    GRAY_ACTIVE,
    audit_version,
    history_entries,
    predates_the_experience_version,
    quota_of,
    snapshot,
)

__all__ = ["GRAY_ACTIVE", "audit_version", "decide", "history_entries", "phase_of", "quota_of", "snapshot"]

KIND = "release"

# get_latest_auditstatus `status`
APPROVED, REJECTED, AUDITING, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4
IN_FLIGHT = (AUDITING, DELAYED)
NOT_RESUBMITTED = (APPROVED, AUDITING, DELAYED)  # a submission of V in these states is never repeated
PHASE_OF_STATUS = {APPROVED: "approved", REJECTED: "rejected", AUDITING: "auditing", WITHDRAWN: "withdrawn",
                   DELAYED: "delayed"}

COMMIT = "/wxa/commit"
SUBMIT = "/wxa/submit_audit"
UNDO = "/wxa/undocodeaudit"
RELEASE = "/wxa/release"
GRAY = "/wxa/grayrelease"
REVERT_GRAY = "/wxa/revertgrayrelease"
ROLLBACK = "/wxa/revertcoderelease"
WRITE_PATHS = frozenset({COMMIT, SUBMIT, UNDO, RELEASE, GRAY, REVERT_GRAY, ROLLBACK})
AFTER_APPROVAL = frozenset({RELEASE, GRAY})  # steps that need V's audit to have passed

# The extra reads only some phases need (see `extra_reads`).
HISTORY, QUOTA, RECORDED_AUDIT, DOMAINS = "history", "quota", "recorded_audit", "domains"
RELEASING = frozenset({RELEASE, GRAY, ROLLBACK})  # code goes live through the platform: domains change

CONSOLE = "mp.weixin.qq.com → 管理 → 版本管理"
AUDIT_TAKES = "WeChat's audit takes 1-7 days (an expedited one 2-12 hours)"
WITHDRAW_LIMIT = "WeChat allows 5 withdrawals a day and 10 a month, and does not refund the audit quota"

Props = dict[str, Any]


def _int(value: Any) -> int:
    try:
        return int(value)  # protobuf hands numbers over as floats
    except (TypeError, ValueError):
        return 0


# --- where V stands ------------------------------------------------------------------------------
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
    """The version a running gray plan rolls out: the latest audit, which must have passed."""
    if not live.get("gray"):
        return None
    audit = live.get("audit")
    version = audit_version(live, olds)
    if audit and audit["status"] == APPROVED and version:
        return version
    # a newer submission hides the audit the plan belongs to: trust what the last `up` recorded
    if olds and olds.get("phase") == "released" and _int(olds.get("gray_percentage")) < 100:
        return str(olds.get("version") or "") or None
    return None


def rollback_target(live: Props, version: str) -> int | None:
    for entry in live.get("history") or []:
        if entry["version"] == version:
            return int(entry["app_version"])
    return None


def phase_of(version: str, live: Props, olds: Props | None = None) -> Phase:
    audit = live.get("audit")
    if gray_version(live, olds) == version:
        gray = live["gray"]
        return Phase("released", version, audit["auditid"] if audit else None, gray["percentage"])
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


def extra_reads(desired: Props, live: Props, olds: Props | None = None) -> list[str]:
    """Reads beyond the three every plan makes: the rollback history when V is not the live
    version, and the audit quota when a submission may be planned."""
    version = desired["version"]
    reads = []
    if live.get("release_version") not in (None, version):
        reads.append(HISTORY)
    target = int(desired["rollout"]["gray_percentage"])
    if phase_of(version, {**live, "history": []}, olds).describe() != f"released({version}, {target}%)":
        reads.append(DOMAINS)  # a release through the platform may follow: which domains survive it
    audit = live.get("audit")
    is_live = live.get("release_version") == version or gray_version(live, olds) == version
    submitted = audit is not None and audit_version(live, olds) == version and audit["status"] != WITHDRAWN
    if not is_live and not submitted:
        reads.append(QUOTA)
        recorded = _int((olds or {}).get("auditid")) or None
        if olds and olds.get("version") == version and recorded and (audit or {}).get("auditid") != recorded:
            reads.append(RECORDED_AUDIT)  # V's own audit, which a later one hides: get_auditstatus
    return reads


# --- the plan ------------------------------------------------------------------------------------
@dataclass
class ReleasePlan(Plan):
    """A Plan plus what the executor and the outputs need to know about where V stands."""

    phase: str = "unknown"
    version: str = ""
    auditid: int | None = None
    gray_percentage: int | None = None
    rollback_to: int | None = None  # app_version for revertcoderelease
    wait_minutes: int = 0
    owner_upload: bool = False  # owner credentials: `up` uploads source.path with miniprogram-ci
    released_versions: list[str] = field(default_factory=list)  # versions earlier `up`s saw live (a hint)

    def record(self) -> Props:
        """What the outputs record: where V stood when this plan was made."""
        return {"phase": self.phase, "version": self.version, "auditid": self.auditid,
                "gray_percentage": self.gray_percentage, "released_versions": list(self.released_versions)}


def decide(appid: str, desired: Props, live: Props | None, olds: Props | None) -> ReleasePlan:
    """What `up` does next for `desired` given the live state (None: these credentials cannot read it)."""
    version = str(desired["version"])
    rollout = desired["rollout"]
    target = int(rollout["gray_percentage"])
    wait = int(desired.get("wait_for_audit_minutes") or 0)
    plan = ReleasePlan(KIND, appid, version=version, wait_minutes=wait,
                       released_versions=_released_versions(olds, live))
    goal = f"released({version}, {target}%)"
    if live is None:
        return _blind(plan, desired, olds, goal)

    phase = phase_of(version, live, olds)
    plan.phase, plan.auditid = phase.name, phase.auditid
    plan.gray_percentage = phase.percentage
    if phase.name == "released" and phase.percentage == target and not _foreign_gray(live, olds, version):
        return plan  # nothing to do

    live_version = live.get("release_version")
    now = phase.describe()
    if phase.name != "released":
        now += f"; live: {live_version or 'none'}"
    drift = _recorded_released(olds, version, target)
    plan.changes.append(Change("phase", "update", old=now, new=goal, drift=drift))

    if phase.name == "released":
        _widen_or_narrow(plan, phase, live, olds, target, rollout)
    elif phase.name == "superseded":
        _rollback(plan, phase, live, target)
    elif phase.name == "approved":
        _first_release_rule(plan, live, target)
        _release_calls(plan, live, target, rollout, conditional=False)
    elif phase.name in ("auditing", "delayed"):
        _first_release_rule(plan, live, target)
        _await_audit(plan, phase)
        if plan.wait_minutes:
            _release_calls(plan, live, target, rollout, conditional=True)
    elif phase.name == "rejected":
        plan.blocked = rejection_message(version, phase.auditid, phase.reason, phase.screenshots)
    else:  # absent, committed, withdrawn
        _commit_and_submit(plan, phase, desired, live, olds, target, rollout)
    _domains_rule(plan, desired, live)
    if plan.blocked:  # `up` refuses before any call: the plan says why, and nothing else
        plan.calls, plan.warnings = [], []
    return plan


def _domains_rule(plan: ReleasePlan, desired: Props, live: Props) -> None:
    """A release through the platform keeps only the platform's domains: refuse it when a domain the
    spec declares would go (unless release.accept_domain_loss lists it); warn about the others."""
    if live.get("domains") is None:
        return
    declared = desired.get("declared_domains") or {}
    domains = release_domains.projected(live["domains"], declared)  # after this run's platform changes
    declared_lost, others = release_domains.lost(declared, domains, desired.get("accept_domain_loss") or [])
    releasing = any(call.path in RELEASING for call in plan.calls)
    message = release_domains.loss_message(plan.version, declared_lost, (declared.get("platform") or {}).get("spec"))
    if declared_lost and releasing:
        plan.blocked = plan.blocked or message
    elif declared_lost:
        plan.warnings.append(f"the release that follows the audit would be refused: {message}")
    if others:
        plan.warnings.append(
            f"releasing {plan.version} through the platform drops domains in force now that the spec does not "
            f"declare: {', '.join(others)} (WeChat keeps only the platform's registered domains)"
        )


def _released_versions(olds: Props | None, live: Props | None) -> list[str]:
    """The versions earlier `up`s saw live, plus the one live now (kept in the outputs, at most 20)."""
    seen = [str(v) for v in (olds or {}).get("released_versions") or [] if v]
    if olds and olds.get("phase") == "released" and olds.get("version"):
        seen.append(str(olds["version"]))
    if live and live.get("release_version"):
        seen.append(str(live["release_version"]))
    return list(dict.fromkeys(seen))[-20:]


def rejection_message(version: str, auditid: int | None, reason: str, screenshots: Iterable[str]) -> str:
    shots = ", ".join(screenshots) or "none"
    return (
        f"WeChat rejected version {version} (audit {auditid}): {reason or 'no reason given'}. "
        f"Screenshots (media ids, fetch them with cgi-bin/media/get): {shots}. Fix the problem and "
        "declare a new version; the next `up` commits and submits it."
    )


def _recorded_released(olds: Props | None, version: str, target: int) -> bool:
    """The last `up` recorded V released at the target percentage."""
    if not olds:
        return False
    recorded = (olds.get("phase"), olds.get("version"), _int(olds.get("gray_percentage")))
    return recorded == ("released", version, target)


def _foreign_gray(live: Props, olds: Props | None, version: str) -> bool:
    """A gray plan of another version runs on top of V (V is then not live for everyone)."""
    return bool(live.get("gray")) and gray_version(live, olds) != version


def _release_calls(plan: ReleasePlan, live: Props, target: int, rollout: Props, conditional: bool) -> None:
    when = f" if the audit passes within {plan.wait_minutes} min" if conditional else ""
    v = plan.version
    if target == 100:
        plan.calls.append(ApiCall(RELEASE, f"release {v} to all users{when}"))
        plan.warnings.append(
            f"releasing {v} to 100% of users: every user gets it at once; only a rollback undoes it"
        )
    else:
        first = [name for name in ("support_debuger_first", "support_experiencer_first") if rollout.get(name)]
        extra = f", {' and '.join(first)}" if first else ""
        plan.calls.append(ApiCall(GRAY, f"gray-release {v} to {target}% of users{extra}{when}"))
        plan.warnings.append(
            f"{v} goes live for {target}% of users (replacing {live.get('release_version')} for them); "
            "a gray rollout can only widen: lowering it later cancels it first"
        )


def _first_release_rule(plan: ReleasePlan, live: Props, target: int) -> None:
    if live.get("release_version") is None and target < 100 and not plan.blocked:
        plan.blocked = (
            f"nothing is live yet, and WeChat rolls out gradually only over a live version (errcode 85079): "
            f"the first release of this mini-program goes to every user. Set rollout.gray_percentage: 100 "
            f"for {plan.version}."
        )


def _widen_or_narrow(plan: ReleasePlan, phase: Phase, live: Props, olds: Props | None, target: int,
                     rollout: Props) -> None:
    v, current = plan.version, phase.percentage or 0
    if current == 100:
        if target < 100:
            plan.blocked = (
                f"{v} is live for every user; a full release cannot be narrowed to {target}%. "
                "Set rollout.gray_percentage: 100, or declare the previous version to roll back."
            )
            return
        other = gray_version(live, olds) or "another version"
        percentage = live["gray"]["percentage"]
        plan.calls.append(ApiCall(REVERT_GRAY, f"cancel the gray rollout of {other} at {percentage}%"))
        plan.warnings.append(
            f"CANCEL ROLLOUT: the gray release of {other} to {percentage}% of users is cancelled "
            f"(revertgrayrelease); those users go back to {v}"
        )
        return
    if target > current:
        _release_calls(plan, live, target, rollout, conditional=False)
        return
    plan.calls.append(ApiCall(REVERT_GRAY, f"cancel the gray rollout of {v} at {current}%"))
    plan.warnings.append(
        f"LOWER ROLLOUT: WeChat's gray percentage only rises, so {v}'s rollout at {current}% is cancelled "
        f"(revertgrayrelease: those users go back to {live.get('release_version')}) and started again "
        f"at {target}%"
    )
    _release_calls(plan, live, target, rollout, conditional=False)


def _rollback(plan: ReleasePlan, phase: Phase, live: Props, target: int) -> None:
    v, current = plan.version, live.get("release_version")
    if target < 100:
        plan.blocked = (
            f"{v} is in the rollback history: a rollback makes it live for every user, not {target}%. "
            "Set rollout.gray_percentage: 100 to roll back."
        )
        return
    if live.get("gray"):
        running = live["gray"]["percentage"]
        plan.calls.append(ApiCall(REVERT_GRAY, f"cancel the running gray rollout at {running}%"))
        plan.warnings.append(
            "CANCEL ROLLOUT: a gray release is running, and WeChat refuses a rollback during one (87011); "
            "it is cancelled first"
        )
    plan.rollback_to = phase.app_version
    plan.calls.append(ApiCall(ROLLBACK, f"roll back from {current} to {v} (app_version {phase.app_version})"))
    plan.warnings.append(
        f"ROLLBACK: the live version goes back from {current} to {v} for every user (revertcoderelease); "
        "WeChat keeps only the last 5 versions and refuses to roll back a rollback (87012)"
    )


def _await_audit(plan: ReleasePlan, phase: Phase) -> None:
    v = plan.version
    if phase.name == "delayed":
        reason = phase.reason or "no reason given"
        plan.warnings.append(f"WeChat delayed the audit {phase.auditid} of {v}: {reason}")
    if plan.wait_minutes:
        return  # the release calls follow, conditional on the audit
    plan.warnings.append(
        f"{v} is under audit ({phase.auditid}); {AUDIT_TAKES}. This `up` does not wait "
        "(wait_for_audit_minutes: 0); the next `up` after the approval releases it"
    )


def _commit_and_submit(plan: ReleasePlan, phase: Phase, desired: Props, live: Props, olds: Props | None,
                       target: int, rollout: Props) -> None:
    v = plan.version
    _first_release_rule(plan, live, target)
    audit = live.get("audit")
    other = audit_version(live, olds)
    if _unknown_audit(live, other):
        plan.blocked = plan.blocked or unknown_audit_message(v, audit)
        return
    recorded = live.get("recorded_audit")
    if recorded and recorded.get("status") in NOT_RESUBMITTED:
        plan.blocked = plan.blocked or superseded_message(v, recorded)
        return
    if _released_before(plan, live):
        plan.blocked = plan.blocked or (
            f"{v} was live before (an earlier `up` recorded it), but WeChat no longer offers it as a rollback "
            f"target: after a rollback WeChat lists no further versions (and never rolls back a rollback), and "
            f"versions released before the platform's authorization are not listed. Going back to {v}'s code takes "
            f"a new version: declare one (e.g. {v}-1, same source), which is committed and audited (1 of the "
            "platform's monthly audits)."
        )
        return
    if audit and audit["status"] in IN_FLIGHT and other != v:
        name = other or "another version"
        if not desired.get("allow_withdraw"):
            plan.blocked = plan.blocked or (
                f"{name} is under audit (audit {audit['auditid']}), and WeChat audits one version at a time "
                f"(85009). Wait for that audit to end and run `up` again, declare version {name} instead, "
                f"or set allow_withdraw: true to withdraw it ({WITHDRAW_LIMIT})."
            )
            return
        plan.calls.append(ApiCall(UNDO, f"withdraw the audit {audit['auditid']} of {name}"))
        plan.warnings.append(
            f"WITHDRAW: the audit {audit['auditid']} of {name} is withdrawn; {WITHDRAW_LIMIT}"
        )
    if live.get("exp_version") != v:
        source = desired["source"]
        where = f"template {source['template_id']}" if source.get("template_id") is not None else (
            f"{source.get('path')} (uploaded with miniprogram-ci)")
        plan.calls.append(ApiCall(COMMIT, f"commit {v} from {where} as the experience version"))
    elif olds and olds.get("spec") and olds["spec"].get("source") != desired["source"]:
        plan.warnings.append(
            f"the source changed, but {v} is already the experience version and is not committed again: "
            "declare a new version to ship the new code"
        )
    quota = live.get("quota")
    cost = None
    if quota is not None and quota.get("rest") is not None:
        cost = f"1 of {quota['limit'] or '?'} monthly audits, {quota['rest']} left (shared by the whole platform)"
        if quota["rest"] <= 0:
            plan.blocked = plan.blocked or (
                f"the platform's monthly audit quota is spent (0 of {quota['limit']} left; errcode 85085 "
                f"otherwise): {v} cannot be submitted until it refills next month"
            )
    plan.calls.append(ApiCall(SUBMIT, f"submit {v} for audit", quota=cost))
    plan.warnings.append(f"submitting {v} for audit costs {cost or '1 of the monthly audits'}; {AUDIT_TAKES}")
    if plan.wait_minutes:
        _release_calls(plan, live, target, rollout, conditional=True)
    else:
        plan.warnings.append(
            f"this `up` does not wait for the audit (wait_for_audit_minutes: 0): "
            f"the next `up` after the approval releases {v}"
        )


def _unknown_audit(live: Props, version: str | None) -> bool:
    """The latest audit may be V's own, and nothing live says whether it is: never submit then.

    A withdrawn audit does not stop a submission, and an audit submitted before the current
    experience version was committed is not an audit of that code.
    """
    audit = live.get("audit")
    if not audit or version is not None or audit["status"] == WITHDRAWN:
        return False
    return not predates_the_experience_version(live)


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


def _released_before(plan: ReleasePlan, live: Props) -> bool:
    """V went live before (the outputs' record, a hint used only to refuse), is not live now, and is not
    a rollback target WeChat offers."""
    v = plan.version
    return v in plan.released_versions and live.get("release_version") != v and rollback_target(live, v) is None


def _blind(plan: ReleasePlan, desired: Props, olds: Props | None, goal: str) -> ReleasePlan:
    """Owner credentials cannot read code, audit or release state, nor write it: the whole way is
    manual steps in the console (only a folder upload with miniprogram-ci is automatic)."""
    v, target = plan.version, int(desired["rollout"]["gray_percentage"])
    if _recorded_released(olds, v, target):
        plan.phase, plan.gray_percentage = "released", target
        return plan
    plan.changes.append(Change("phase", "update", old="unknown (these credentials cannot read it)", new=goal))
    source = desired["source"]
    if source.get("path") is not None:
        if (olds or {}).get("uploaded_version") != v:
            plan.owner_upload = True
            plan.changes.append(Change("upload", "add", new=f"{source['path']} as {v} (miniprogram-ci)"))
        first = f"make the development version {v} (uploaded with miniprogram-ci) the experience version"
    else:
        first = f"upload {v} (WeChat DevTools or miniprogram-ci) and make it the experience version"
    steps = [first, f"submit {v} for audit",
             f"release {v} to all users" if target == 100 else f"gray-release {v} to {target}% of users"]
    plan.manual += [ManualStep(f"in {CONSOLE}: {step}", NEEDS_PLATFORM) for step in steps]
    plan.warnings.append(AUDIT_TAKES)
    return plan

