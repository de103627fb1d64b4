"""The Release executor's guards: what is re-read right before a write that must not be repeated.

Each guard is a pure function of a snapshot read just before the write (`release_live.snapshot`)
and of what this run knows (the auditids WeChat handed back to it); it raises `RefusedError` with
the reason and what to do, or returns what it found. The executor makes the reads; keeping the
guards apart keeps them small, named and testable, and lets them move into any executor as they are.

Guards, by the write they protect:

- commit:       `v_is_the_experience_version` (skip the commit: it is there already)
- submit_audit: `v_already_submitted` (skip: V's audit exists), `v_superseded` (V passed, but a
                later audit replaced it), `exp_is_v` (refuse: another party committed meanwhile)
- after a lost submit_audit answer: `new_audit_appeared` (it took effect)
- release / grayrelease: `latest_approved_is_v` (WeChat releases the latest approved audit)
- release / grayrelease / revertcoderelease: `declared_domains_survive` (a platform release keeps
                only the platform's domains)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers import release_domains
from providers._errors import RefusedError
from providers.release_live import (
    APPROVED,
    NOT_RESUBMITTED,
    PHASE_OF_STATUS,
    audit_version,
    predates_the_experience_version,
)
from providers.release_plan import superseded_message, unknown_audit_message

Props = dict[str, Any]


def v_is_the_experience_version(live: Props, version: str) -> bool:
    return live.get("exp_version") == version


def exp_is_v(appid: str, live: Props, version: str) -> None:
    """Right before submit_audit: the code WeChat would audit (the experience version) is V."""
    exp = live.get("exp_version")
    if exp == version:
        return
    raise RefusedError(
        f"{appid} release: the experience version is now {exp or 'none'}, not {version}: another tool or a person "
        f"in the console committed after {version} was committed, and submit_audit audits the experience "
        f"version, so nothing was submitted (it would have spent an audit on {exp or 'nothing'}). Make sure nobody "
        f"else commits to this mini-program, then run `pulumi up` again: it commits {version} again and submits it."
    )


def v_already_submitted(appid: str, live: Props, version: str, known: Mapping[int, str],
                        olds: Props | None) -> Props | None:
    """The latest audit, when it is V's and in a state that is never resubmitted (approved, in review,
    delayed). Refuses when the latest audit may be V's and nothing live tells whose it is."""
    audit = live.get("audit")
    if not audit:
        return None
    of = audit_version(live, olds, known)
    if of == version and audit["status"] in NOT_RESUBMITTED:
        return dict(audit)
    if of is None and audit["status"] in (*NOT_RESUBMITTED, None) and not predates_the_experience_version(live):
        raise RefusedError(f"{appid} release: {unknown_audit_message(version, audit)}")
    return None


def v_superseded(appid: str, version: str, audits_by_id: Mapping[int, Props]) -> None:
    """V's own audits (by the ids this tool knows) that passed but are no longer the latest: WeChat
    releases only the latest approved audit, and submitting V again would spend another audit."""
    for auditid, audit in audits_by_id.items():
        if audit.get("status") in NOT_RESUBMITTED:
            raise RefusedError(f"{appid} release: {superseded_message(version, {**audit, 'auditid': auditid})}")


def known_auditids(version: str, known: Mapping[int, str], olds: Props | None) -> list[int]:
    """The auditids of V this tool knows: handed back to this run, or recorded by the last `up` (a hint)."""
    ids = [auditid for auditid, of in known.items() if of == version]
    if olds and olds.get("version") == version and olds.get("auditid") is not None:
        ids.append(int(olds["auditid"]))
    return list(dict.fromkeys(ids))


def new_audit_appeared(before: Props | None, after: Props) -> bool:
    """After a submit_audit whose answer was lost: a new latest audit exists, so it took effect."""
    audit = after.get("audit")
    if not audit or audit.get("auditid") is None:
        return False
    return before is None or audit["auditid"] != before.get("auditid")


def latest_approved_is_v(appid: str, live: Props, version: str, known: Mapping[int, str],
                         olds: Props | None) -> Props:
    """Right before release/grayrelease: WeChat releases the latest approved audit; it must be V's."""
    audit = live.get("audit")
    of = audit_version(live, olds, known)
    if audit and audit["status"] == APPROVED and of == version:
        return dict(audit)
    what = "no audit" if not audit else (
        f"audit {audit['auditid']} ({PHASE_OF_STATUS.get(audit['status'], 'unknown state')}) of "
        f"{of or 'a version WeChat did not name'}")
    raise RefusedError(
        f"{appid} release: WeChat releases the latest approved audit, and the latest is now {what}, not an "
        f"approved audit of {version}; nothing was released. Run `pulumi up` again to see where it stands."
    )


def declared_domains_survive(appid: str, version: str, desired: Props, domains: Props) -> None:
    """Right before code goes live through the platform: no domain the spec declares is dropped."""
    declared = desired.get("declared_domains") or {}
    unjudged = release_domains.unjudged(declared, domains, desired.get("accept_domain_loss") or [])
    if unjudged:
        raise RefusedError(f"{appid} release: {release_domains.unjudged_message(version, unjudged)}")
    declared_lost, _ = release_domains.lost(declared, domains, desired.get("accept_domain_loss") or [])
    if declared_lost:
        raise RefusedError(f"{appid} release: {release_domains.loss_message(version, declared_lost)}")
