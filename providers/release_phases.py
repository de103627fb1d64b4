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

from dataclasses import replace

from providers import release_domains
from providers._plan import ApiCall, Change
from providers.release_code import commit_step, owner_steps
from providers.release_live import (
    APPROVED,
    IN_FLIGHT,
    NOT_RESUBMITTED,
    WITHDRAWN,
    Phase,
    audit_version,
    gray_version,
    live_text,
    phase_of,
    predates_the_experience_version,
    rollback_target,
)
from providers.release_plan import (
    AFTER_APPROVAL,
    AUDIT_TAKES,
    DOMAINS,
    GRAY,
    HISTORY,
    KIND,
    QUOTA,
    RECORDED_AUDIT,
    RELEASE,
    ROLLBACK,
    SOURCE,
    SUBMIT,
    UNDO,
    WITHDRAW_LIMIT,
    Props,
    ReleasePlan,
    audit_fields,
    int_or_zero,
    rejection_message,
    revert_gray,
    superseded_message,
    unknown_audit_message,
)


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
        recorded = int_or_zero((olds or {}).get("auditid")) or None
        if olds and olds.get("version") == version and recorded and (audit or {}).get("auditid") != recorded:
            reads.append(RECORDED_AUDIT)  # V's own audit, which a later one hides: get_auditstatus
    return reads


# --- the plan ------------------------------------------------------------------------------------


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
        return owner_steps(plan, desired, olds, goal)

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
    release_domains.release_rule(plan, desired, live)
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


def _released_versions(olds: Props | None, live: Props | None) -> list[str]:
    """The versions earlier `up`s saw live, plus the one live now (kept in the outputs, at most 20)."""
    seen = [str(v) for v in (olds or {}).get("released_versions") or [] if v]
    if olds and olds.get("phase") == "released" and olds.get("version"):
        seen.append(str(olds["version"]))
    if live and live.get("release_version"):
        seen.append(str(live["release_version"]))
    return list(dict.fromkeys(seen))[-20:]


def _recorded_released(olds: Props | None, version: str, target: int) -> bool:
    """The last `up` recorded V released at the target percentage."""
    if not olds:
        return False
    recorded = (olds.get("phase"), olds.get("version"), int_or_zero(olds.get("gray_percentage")))
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
        commit_step(plan, desired, live)
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


def _unknown_audit(live: Props, version: str | None) -> bool:
    """The latest audit may be V's own, and nothing live says whether it is: never submit then.

    A withdrawn audit does not stop a submission, and an audit submitted before the current
    experience version was committed is not an audit of that code.
    """
    audit = live.get("audit")
    if not audit or version is not None or audit["status"] == WITHDRAWN:
        return False
    return not predates_the_experience_version(live)


def _released_before(plan: ReleasePlan, live: Props) -> bool:
    """V went live before (the outputs' record, a hint used only to refuse), is not live now, and is not
    a rollback target WeChat offers."""
    v = plan.version
    return v in plan.released_versions and live.get("release_version") != v and rollback_target(live, v) is None


