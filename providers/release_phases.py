"""The Release state machine, pure: (desired spec, live snapshot, old outputs) -> `ReleasePlan`.

Nothing in here talks to WeChat. `providers/release.py` reads the live state, asks `decide()` what
to do, and executes the plan's calls in order.

Where a desired version V stands (`release_live.phase_of`), in the order the checks are made:

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

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from providers import release_domains
from providers._base import MANUAL, NEEDS_PLATFORM
from providers._plan import UNKNOWN, ApiCall, Change, ManualStep, Plan, Ref
from providers._source import ext_json_string
from providers.models import AuditSpec
from providers.release_live import (
    APPROVED,
    AUDITING,
    DELAYED,
    GRAY_ACTIVE,
    IN_FLIGHT,
    NOT_RESUBMITTED,
    PHASE_OF_STATUS,
    REJECTED,
    WITHDRAWN,
    Phase,
    audit_version,
    gray_owner,
    gray_predates_the_audit,
    gray_version,
    history_entries,
    live_text,
    phase_of,
    predates_the_experience_version,
    quota_of,
    recorded_gray_version,
    rollback_target,
    snapshot,
)
from providers.release_source import source_steps

__all__ = [  # where V stands is read in release_live; these names stay importable from here
    "APPROVED", "AUDITING", "DELAYED", "GRAY_ACTIVE", "IN_FLIGHT", "NOT_RESUBMITTED", "PHASE_OF_STATUS",
    "REJECTED", "WITHDRAWN", "Phase", "audit_version", "decide", "gray_owner", "gray_predates_the_audit",
    "gray_version", "history_entries", "live_text", "phase_of", "quota_of", "recorded_gray_version",
    "rollback_target", "snapshot",
]

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


def _int(value: Any) -> int:
    try:
        return int(value)  # protobuf hands numbers over as floats
    except (TypeError, ValueError):
        return 0


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
        if live.get("exp_version") != version:
            reads.append(SOURCE)  # a commit may follow: which template, made from what
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

    now = phase.describe()
    if phase.name != "released" or _foreign_gray(live, olds, version):
        now += "; " + live_text(live, olds, version)
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
    _latest_approved_rule(plan, live, olds)
    if plan.blocked:  # `up` refuses before any call: the plan says why, and nothing else
        plan.calls, plan.warnings = [], []
    plan.changes = [replace(change, after=_reaches(plan, phase, goal)) for change in plan.changes]
    return plan


def _reaches(plan: ReleasePlan, phase: Phase, goal: str) -> str | None:
    """Where this `up` leaves V, when it stops short of the goal (None: it reaches it)."""
    v, paths = plan.version, {call.path for call in plan.calls}
    if plan.blocked:
        return "unchanged (blocked)"
    if paths & AFTER_APPROVAL and phase.name not in ("approved", "released"):
        return f"{goal} if the audit passes within {plan.wait_minutes} min; else auditing({v})"
    if SUBMIT in paths:
        return f"auditing({v}): WeChat's audit takes 1-7 days; the next `up` after it releases"
    if phase.name in ("auditing", "delayed") and not paths:
        return f"unchanged: {phase.name}({v}) until WeChat decides"
    return None


def _latest_approved_rule(plan: ReleasePlan, live: Props, olds: Props | None) -> None:
    """WeChat releases (and gray-releases) the latest approved audit: when that is another version's,
    a release or gray step planned now would ship that version, not V (the guard re-checks at `up`)."""
    audit, v = live.get("audit"), plan.version
    unconditional = [call for call in plan.calls if call.path in AFTER_APPROVAL and SUBMIT not in
                     {c.path for c in plan.calls}]
    if not unconditional or not audit or audit["status"] != APPROVED:
        return
    other = audit_version(live, olds)
    if other is not None and other != v:
        plan.blocked = plan.blocked or (
            f"WeChat releases the latest approved audit, and that is now {other}'s (audit {audit['auditid']}), not "
            f"{v}'s: a release or gray step now would ship {other}. Declare {other} to release it, or submit {v} "
            "again (a new version) to release it."
        )


def _domains_rule(plan: ReleasePlan, desired: Props, live: Props) -> None:
    """A release through the platform keeps only the platform's domains: refuse it when a domain the
    spec declares would go (unless release.accept_domain_loss lists it); warn about the others."""
    if live.get("domains") is None:
        return
    # judged on the declared domains in force now, or forecast for this run's platform changes; the
    # others are set by this very `up` (the domain resources run before the release), so the guard
    # judges them right before the release
    declared = desired.get("declared_domains") or {}
    domains = release_domains.projected(live["domains"], declared)  # after this run's platform changes
    judged = release_domains.in_force(declared, domains)
    declared_lost, others = release_domains.lost(judged, domains, desired.get("accept_domain_loss") or [])
    releasing = any(call.path in RELEASING for call in plan.calls)
    unjudged = release_domains.unjudged(judged, domains, desired.get("accept_domain_loss") or [])
    if unjudged and releasing:  # the guard right before the release refuses on the same answer
        plan.blocked = plan.blocked or release_domains.unjudged_message(plan.version, unjudged)
    elif unjudged:
        plan.warnings.append(release_domains.unjudged_message(plan.version, unjudged))
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
        plan.calls.append(ApiCall(RELEASE, f"release {v} to all users{when}", args={}, guard="release",
                                  landed="released"))
        plan.warnings.append(
            f"releasing {v} to 100% of users: every user gets it at once; only a rollback undoes it"
        )
    else:
        first = [name for name in ("support_debuger_first", "support_experiencer_first") if rollout.get(name)]
        extra = f", {' and '.join(first)}" if first else ""
        args = {"gray_percentage": target, "support_debuger_first": bool(rollout.get("support_debuger_first")),
                "support_experiencer_first": bool(rollout.get("support_experiencer_first"))}
        plan.calls.append(ApiCall(GRAY, f"gray-release {v} to {target}% of users{extra}{when}", args=args,
                                  guard="release", landed="gray"))
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
        plan.calls.append(revert_gray(f"cancel the gray rollout of {other} at {percentage}%"))
        plan.warnings.append(
            f"CANCEL ROLLOUT: the gray release of {other} to {percentage}% of users is cancelled "
            f"(revertgrayrelease); those users go back to {v}"
        )
        return
    if target > current:
        _release_calls(plan, live, target, rollout, conditional=False)
        return
    plan.calls.append(revert_gray(f"cancel the gray rollout of {v} at {current}%"))
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
        plan.calls.append(revert_gray(f"cancel the running gray rollout at {running}%"))
        plan.warnings.append(
            "CANCEL ROLLOUT: a gray release is running, and WeChat refuses a rollback during one (87011); "
            "it is cancelled first"
        )
    plan.rollback_to = phase.app_version
    plan.calls.append(ApiCall(ROLLBACK, f"roll back from {current} to {v} (app_version {phase.app_version})",
                              method="GET", args={"app_version": phase.app_version}, guard="rollback",
                              landed="rolled_back"))
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
        plan.calls.append(ApiCall(UNDO, f"withdraw the audit {audit['auditid']} of {name}", method="GET", args={},
                                  guard="withdraw", landed="withdrawn"))
        plan.warnings.append(
            f"WITHDRAW: the audit {audit['auditid']} of {name} is withdrawn; {WITHDRAW_LIMIT}"
        )
    if live.get("exp_version") != v:
        _commit(plan, desired, live)
    elif olds and olds.get("spec") and olds["spec"].get("source") != desired["source"]:
        plan.blocked = plan.blocked or (
            f"release.source changed, but {v} is already committed (the experience version) from the source the "
            f"last `up` used, and WeChat will not commit the same version twice: {v} would ship the old code. "
            "Declare a new version to ship the new source, or put the old source back."
        )
        return
    quota = live.get("quota")
    cost = None
    if quota is not None and quota.get("rest") is not None:
        cost = f"1 of {quota['limit'] or '?'} monthly audits, {quota['rest']} left (shared by the whole platform)"
        if quota["rest"] <= 0:
            plan.blocked = plan.blocked or (
                f"the platform's monthly audit quota is spent (0 of {quota['limit']} left; errcode 85085 "
                f"otherwise): {v} cannot be submitted until it refills next month"
            )
    plan.calls.append(ApiCall(SUBMIT, f"submit {v} for audit", quota=cost, args=audit_fields(desired),
                              guard="submit", landed="submitted"))
    plan.warnings.append(f"submitting {v} for audit costs {cost or '1 of the monthly audits'}; {AUDIT_TAKES}")
    if plan.wait_minutes:
        _release_calls(plan, live, target, rollout, conditional=True)
    else:
        plan.warnings.append(
            f"this `up` does not wait for the audit (wait_for_audit_minutes: 0): "
            f"the next `up` after the approval releases {v}"
        )


def revert_gray(summary: str) -> ApiCall:
    return ApiCall(REVERT_GRAY, summary, method="GET", args={}, landed="gray_cancelled")


def audit_fields(desired: Props) -> Props:
    """submit_audit's body: the spec's audit block as WeChat names its fields."""
    return AuditSpec.model_validate(desired.get("audit") or {}).to_wire()


def _commit(plan: ReleasePlan, desired: Props, live: Props) -> None:
    """commit (and, for a source folder, the upload and addtotemplate before it): which code ships."""
    v, source = plan.version, live.get("source") or {}
    steps = source_steps(desired, source)
    plan.calls += steps
    template = source.get("template") or {}
    template_id: Any = source.get("template_id", desired["source"].get("template_id"))
    if template_id is None and not steps:
        plan.blocked = plan.blocked or (
            f"release.source.path makes a template in the third-party platform's library, which needs the "
            f"platform's own credentials (mode: platform): {v} cannot be committed from a folder with these"
        )
        return
    if template_id is None:
        template_id = Ref(len(plan.calls) - 1, "template_id")  # what addtotemplate makes, just above
    shown = f"template {template_id}" if not isinstance(template_id, Ref) else "the template made above"
    if template:
        made = f", drafted {_when(template.get('create_time'))}" if template.get("create_time") else ""
        shown += f" (made from version {template.get('user_version') or '?'}: " \
                 f"{template.get('user_desc') or 'no description'}{made})"
        if template.get("user_version") not in (None, v):
            plan.warnings.append(
                f"CODE: template {template_id} was made from version {template.get('user_version')}, not {v}: "
                f"committing it as {v} ships {template.get('user_version')}'s code"
            )
    args = {"template_id": template_id, "ext_json": ext_json_string(desired), "user_version": v,
            "user_desc": str(desired.get("description") or "")}
    plan.calls.append(ApiCall(COMMIT, f"commit {v} from {shown} as the experience version", args=args,
                              guard="commit", landed="committed"))


def _when(timestamp: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(timestamp)))
    except (TypeError, ValueError, OverflowError):
        return str(timestamp)


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
    plan.changes.append(Change("phase", "update", old=UNKNOWN, new=goal, after=MANUAL))
    source = desired["source"]
    if source.get("path") is not None:
        if (olds or {}).get("uploaded_version") != v:  # the record may only spare an upload, never cause one
            plan.changes.append(Change("upload", "add", new=f"{source['path']} as {v} (miniprogram-ci)"))
            args = {"appid": plan.appid, "version": v, "desc": str(desired.get("description") or ""),
                    "project": str(source["path"])}
            plan.calls.append(ApiCall(OWN_UPLOAD, f"upload {source['path']} as {v} with miniprogram-ci and this "
                                                  "mini-program's code-upload key (a development version)", args=args))
        first = f"make the development version {v} (uploaded with miniprogram-ci) the experience version"
    else:
        first = f"upload {v} (WeChat DevTools or miniprogram-ci) and make it the experience version"
    steps = [first, f"submit {v} for audit",
             f"release {v} to all users" if target == 100 else f"gray-release {v} to {target}% of users"]
    plan.manual += [ManualStep(f"in {CONSOLE}: {step}", NEEDS_PLATFORM) for step in steps]
    plan.warnings.append(AUDIT_TAKES)
    return plan

