"""providers.release_phases: the pure Release decision, as a table of live snapshots -> calls."""

from __future__ import annotations

from typing import Any

import pytest

from providers.release_live import Phase, gray_owner, phase_of, snapshot
from providers.release_phases import decide, extra_reads
from providers.release_plan import (
    COMMIT,
    DOMAINS,
    GRAY,
    HISTORY,
    QUOTA,
    RELEASE,
    REVERT_GRAY,
    ROLLBACK,
    SOURCE,
    SUBMIT,
    UNDO,
)

APPID = "wx2222222222222222"


def spec(version: str = "1.1.0", percentage: int = 100, wait: int = 0, allow_withdraw: bool = False,
         **source: Any) -> dict[str, Any]:
    return {
        "version": version,
        "description": "cart and coupons",
        "source": source or {"template_id": 2, "ext_json": None, "path": None},
        "audit": {"version_desc": None, "item_list": None, "feedback_info": None,
                  "privacy_api_not_use": False, "ugc_declare": None},
        "rollout": {"gray_percentage": percentage, "support_debuger_first": False,
                    "support_experiencer_first": False},
        "wait_for_audit_minutes": wait,
        "allow_withdraw": allow_withdraw,
    }


def live(exp: str | None = None, rel: str | None = "1.0.0", audit: tuple[Any, ...] | None = None,
         gray: int | None = None, history: list[tuple[int, str]] | None = None,
         quota: tuple[int, int] | None = (20, 20)) -> dict[str, Any]:
    """audit = (auditid, status, version[, reason, screenshots]); history = [(app_version, version)]."""
    version_info: dict[str, Any] = {}
    if exp:
        version_info["exp_info"] = {"exp_version": exp, "exp_desc": "", "exp_time": 1.0}
    if rel:
        version_info["release_info"] = {"release_version": rel, "release_desc": "", "release_time": 1.0}
    latest = None
    if audit is not None:
        auditid, status, version, *rest = audit
        latest = {"auditid": float(auditid), "status": float(status), "user_version": version,
                  "reason": rest[0] if rest else "", "ScreenShot": "|".join(rest[1]) if len(rest) > 1 else ""}
    plan = {"status": 1.0, "gray_percentage": float(gray)} if gray is not None else {"status": 0.0}
    snap = snapshot(version_info, latest, plan)
    if history is not None:
        snap["history"] = [{"app_version": n, "version": v} for n, v in history]
    if quota is not None:
        snap["quota"] = {"rest": quota[0], "limit": quota[1]}
    return snap


def paths(plan: Any) -> list[str]:
    return [call.path for call in plan.calls]


# (name, desired, live snapshot, old outputs, expected phase, expected calls, blocked?)
TABLE = [
    ("absent: commit and submit", spec(), live(), None, "absent", [COMMIT, SUBMIT], False),
    ("committed: submit only", spec(), live(exp="1.1.0"), None, "committed", [SUBMIT], False),
    ("withdrawn: submit again", spec(), live(exp="1.1.0", audit=(7, 3, "1.1.0")), None, "withdrawn", [SUBMIT], False),
    ("withdrawn, exp replaced: commit and submit", spec(), live(exp="2.0", audit=(7, 3, "1.1.0")), None,
     "withdrawn", [COMMIT, SUBMIT], False),
    ("auditing, no wait: nothing now", spec(), live(exp="1.1.0", audit=(7, 2, "1.1.0")), None, "auditing", [],
     False),
    ("auditing, wait: release if it passes", spec(wait=30), live(exp="1.1.0", audit=(7, 2, "1.1.0")), None,
     "auditing", [RELEASE], False),
    ("absent, wait: commit, submit, then release", spec(wait=30), live(), None, "absent",
     [COMMIT, SUBMIT, RELEASE], False),
    ("delayed: nothing now", spec(), live(exp="1.1.0", audit=(7, 4, "1.1.0", "more checks")), None, "delayed", [],
     False),
    ("approved: release", spec(), live(exp="1.1.0", audit=(7, 0, "1.1.0")), None, "approved", [RELEASE], False),
    ("approved: gray 10", spec(percentage=10), live(audit=(7, 0, "1.1.0")), None, "approved", [GRAY], False),
    ("approved, nothing live, gray: refused", spec(percentage=10), live(rel=None, audit=(7, 0, "1.1.0")), None,
     "approved", [], True),
    ("approved, nothing live, full: release", spec(), live(rel=None, audit=(7, 0, "1.1.0")), None, "approved",
     [RELEASE], False),
    ("released at 100: nothing", spec(), live(rel="1.1.0", audit=(7, 0, "1.1.0")), None, "released", [], False),
    ("released at 100, spec says 50: refused", spec(percentage=50), live(rel="1.1.0", audit=(7, 0, "1.1.0")), None,
     "released", [], True),
    ("gray 10 -> 50", spec(percentage=50), live(audit=(7, 0, "1.1.0"), gray=10), None, "released", [GRAY], False),
    ("gray 50 -> 100: release", spec(), live(audit=(7, 0, "1.1.0"), gray=50), None, "released", [RELEASE], False),
    ("gray 50 -> 50: nothing", spec(percentage=50), live(audit=(7, 0, "1.1.0"), gray=50), None, "released", [],
     False),
    ("gray 50 -> 20: cancel and start again", spec(percentage=20), live(audit=(7, 0, "1.1.0"), gray=50), None,
     "released", [REVERT_GRAY, GRAY], False),
    ("live V with another version in gray: cancel that rollout", spec(version="1.0.0"),
     live(audit=(7, 0, "1.1.0"), gray=30), None, "released", [REVERT_GRAY], False),
    ("rollback to a version in the history", spec(version="0.9.0"), live(rel="1.1.0", history=[(2, "1.0.0"),
     (1, "0.9.0")]), None, "superseded", [ROLLBACK], False),
    ("rollback during a gray rollout: cancel it first", spec(version="0.9.0"),
     live(rel="1.0.0", audit=(7, 0, "1.1.0"), gray=10, history=[(1, "0.9.0")]), None, "superseded",
     [REVERT_GRAY, ROLLBACK], False),
    ("rollback to a gray percentage: refused", spec(version="0.9.0", percentage=30),
     live(rel="1.1.0", history=[(1, "0.9.0")]), None, "superseded", [], True),
    ("rejected: refused with the reason", spec(), live(exp="1.1.0", audit=(7, 1, "1.1.0", "bad", ["m1", "m2"])),
     None, "rejected", [], True),
    ("older version rejected: the new one proceeds", spec(version="1.2.0"),
     live(exp="1.1.0", audit=(7, 1, "1.1.0", "bad")), None, "absent", [COMMIT, SUBMIT], False),
    ("another version under audit: refused without allow_withdraw", spec(version="1.2.0"),
     live(exp="1.1.0", audit=(7, 2, "1.1.0")), None, "absent", [], True),
    ("another version delayed: refused without allow_withdraw", spec(version="1.2.0"),
     live(exp="1.1.0", audit=(7, 4, "1.1.0")), None, "absent", [], True),
    ("another version under audit, allow_withdraw: withdraw first", spec(version="1.2.0", allow_withdraw=True),
     live(exp="1.1.0", audit=(7, 2, "1.1.0")), None, "absent", [UNDO, COMMIT, SUBMIT], False),
    ("another version approved (not running): no withdraw needed", spec(version="1.2.0"),
     live(exp="1.1.0", audit=(7, 0, "1.1.0")), None, "absent", [COMMIT, SUBMIT], False),
    ("audit quota spent: refused", spec(), live(quota=(0, 20)), None, "absent", [], True),
    ("audit without user_version, recorded as ours: not submitted again", spec(),
     live(exp="1.1.0", audit=(7, 2, "")), {"phase": "auditing", "version": "1.1.0", "auditid": 7}, "auditing", [],
     False),
]


@pytest.mark.parametrize(("desired", "snap", "olds", "phase", "calls", "blocked"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_decision_table(desired, snap, olds, phase, calls, blocked) -> None:
    plan = decide(APPID, desired, snap, olds)
    assert plan.phase == phase
    assert paths(plan) == calls
    assert bool(plan.blocked) == blocked, plan.blocked
    if calls or blocked:
        assert plan.has_changes  # diff() reports a change, so `up` runs update


def test_nothing_to_do_is_no_change() -> None:
    plan = decide(APPID, spec(), live(rel="1.1.0", audit=(7, 0, "1.1.0")), None)
    assert not plan.has_changes and not plan.warnings and not plan.blocked
    assert plan.record() == {"phase": "released", "version": "1.1.0", "auditid": None, "gray_percentage": 100,
                             "released_versions": ["1.1.0"]}


def test_plan_shows_phase_and_quota_cost() -> None:
    plan = decide(APPID, spec(), live(quota=(13, 20)), None)
    assert plan.changes[0].field == "phase"
    assert plan.changes[0].old == "absent; live: 1.0.0"
    assert plan.changes[0].new == "released(1.1.0, 100%)"
    submit = plan.calls[1]
    assert submit.quota is not None and "1 of 20 monthly audits, 13 left" in submit.quota
    text = "\n".join(plan.lines())
    assert "1-7 days" in text
    assert "does not wait" in text


def test_release_to_everyone_is_warned() -> None:
    plan = decide(APPID, spec(), live(audit=(7, 0, "1.1.0")), None)
    assert any("100% of users" in warning for warning in plan.warnings)


def test_waiting_plan_says_what_next() -> None:
    plan = decide(APPID, spec(), live(exp="1.1.0", audit=(7, 2, "1.1.0")), None)
    assert plan.changes[0].old.startswith("auditing(1.1.0, audit 7)")
    assert any("next `up`" in warning and "releases" in warning for warning in plan.warnings)


def test_conditional_release_says_so() -> None:
    plan = decide(APPID, spec(wait=30), live(), None)
    assert "if the audit passes within 30 min" in plan.calls[-1].summary


def test_rollback_is_loud_and_targets_the_app_version() -> None:
    plan = decide(APPID, spec(version="0.9.0"), live(rel="1.1.0", history=[(2, "1.0.0"), (1, "0.9.0")]), None)
    assert plan.rollback_to == 1
    assert any(warning.startswith("ROLLBACK") and "1.1.0 to 0.9.0" in warning for warning in plan.warnings)


def test_lowering_gray_is_loud() -> None:
    plan = decide(APPID, spec(percentage=20), live(audit=(7, 0, "1.1.0"), gray=50), None)
    assert any(warning.startswith("LOWER ROLLOUT") for warning in plan.warnings)


def test_withdraw_is_loud() -> None:
    plan = decide(APPID, spec(version="1.2.0", allow_withdraw=True), live(exp="1.1.0", audit=(7, 2, "1.1.0")), None)
    assert any(warning.startswith("WITHDRAW") and "5 withdrawals a day" in warning for warning in plan.warnings)


def test_without_allow_withdraw_the_message_says_how_to_proceed() -> None:
    plan = decide(APPID, spec(version="1.2.0"), live(exp="1.1.0", audit=(7, 2, "1.1.0")), None)
    assert plan.blocked is not None
    assert "1.1.0 is under audit" in plan.blocked and "allow_withdraw: true" in plan.blocked


def test_rejection_names_reason_and_screenshots() -> None:
    plan = decide(APPID, spec(), live(exp="1.1.0", audit=(7, 1, "1.1.0", "privacy guide missing", ["m1", "m2"])),
                  None)
    assert plan.blocked is not None
    assert "privacy guide missing" in plan.blocked and "m1, m2" in plan.blocked
    assert "new version" in plan.blocked


def test_quota_spent_is_refused_before_any_call() -> None:
    plan = decide(APPID, spec(), live(quota=(0, 20)), None)
    assert plan.blocked is not None and "quota is spent" in plan.blocked


def test_drift_after_a_console_rollback() -> None:
    olds = {"phase": "released", "version": "1.1.0", "auditid": 7, "gray_percentage": 100}
    plan = decide(APPID, spec(), live(rel="1.0.0", audit=(7, 0, "1.1.0"), history=[(2, "1.1.0")]), olds)
    assert plan.phase == "superseded"
    assert plan.changes[0].drift


def test_changed_source_without_new_version_is_refused() -> None:
    """V is committed from the old source: submitting it would audit and ship the old code."""
    olds = {"spec": spec(template_id=1, ext_json=None, path=None)}
    plan = decide(APPID, spec(), live(exp="1.1.0"), olds)
    assert paths(plan) == [] and "release.source changed, but 1.1.0 is already committed" in str(plan.blocked)


def test_owner_mode_lists_the_whole_way_as_manual_steps() -> None:
    plan = decide(APPID, spec(percentage=30), None, None)
    assert paths(plan) == [] and not plan.blocked
    steps = [step.text for step in plan.manual]
    assert len(steps) == 3 and all(text.startswith("in mp.weixin.qq.com") for text in steps)
    assert "experience version" in steps[0] and "submit 1.1.0" in steps[1] and "30%" in steps[2]
    assert all("48001" in step.reason for step in plan.manual)
    assert plan.calls == []  # a template source: nothing to upload


def test_owner_mode_uploads_a_folder_once() -> None:
    desired = spec(template_id=None, ext_json=None, path="miniprogram")
    assert paths(decide(APPID, desired, None, None)) == ["miniprogram-ci:upload-own"]
    assert paths(decide(APPID, desired, None, {"uploaded_version": "1.1.0"})) == [], "the record spares it"


def test_owner_mode_never_claims_a_release_it_cannot_see() -> None:
    """Nothing owner credentials can read shows the release: the steps stay, whatever the last up recorded."""
    olds = {"phase": "released", "version": "1.1.0", "gray_percentage": 100}
    plan = decide(APPID, spec(), None, olds)
    assert [change.old for change in plan.changes] == ["unknown (these credentials cannot read it)"]
    assert len(plan.manual) == 3 and plan.calls == []


@pytest.mark.parametrize(
    ("desired", "snap", "reads"),
    [
        (spec(), live(), [HISTORY, DOMAINS, QUOTA, SOURCE]),  # V not live: a rollback or a submission may follow
        (spec(), live(rel=None), [DOMAINS, QUOTA, SOURCE]),
        (spec(), live(rel="1.1.0"), []),  # V is live: nothing to read
        (spec(), live(exp="1.1.0", audit=(7, 2, "1.1.0")), [HISTORY, DOMAINS]),  # submitted: no quota needed
        (spec(), live(exp="1.1.0", audit=(7, 3, "1.1.0")), [HISTORY, DOMAINS, QUOTA]),  # withdrawn: may resubmit
        (spec(), live(exp="1.0.0"), [HISTORY, DOMAINS, QUOTA, SOURCE]),  # a commit follows: which template
        (spec(percentage=50), live(audit=(7, 0, "1.1.0"), gray=10), [HISTORY, DOMAINS]),
    ],
)
def test_extra_reads(desired, snap, reads) -> None:
    assert extra_reads(desired, snap) == reads


def test_snapshot_normalises_wechat_shapes() -> None:
    snap = snapshot(
        {"exp_info": {"exp_version": "1.1.0"}},
        {"auditid": 7.0, "status": 1.0, "user_version": "1.1.0", "reason": "r", "ScreenShot": "a|b"},
        {"status": 3, "gray_percentage": 100},  # a finished plan is no running plan
    )
    assert snap == {
        "exp_version": "1.1.0",
        "exp_time": None,
        "release_version": None,
        "audit": {"auditid": 7, "status": 1, "version": "1.1.0", "reason": "r", "screenshots": ["a", "b"],
                  "submitted_at": None},
        "gray": None,
    }


def test_phase_of_gray_version() -> None:
    assert phase_of("1.1.0", live(audit=(7, 0, "1.1.0"), gray=10)) == Phase("released", "1.1.0", 7, 10)
    # a newer submission hides the audit the gray plan belongs to: the recorded outputs tell
    olds = {"phase": "released", "version": "1.1.0", "gray_percentage": 10}
    assert phase_of("1.1.0", live(audit=(8, 2, "1.2.0"), gray=10), olds).percentage == 10


# --- WeChat's answers carry only what the docs promise for that state --------------------------------


def bare(exp: str | None = "1.1.0", exp_time: int | None = 100, rel: str | None = "1.0.0",
         **audit: Any) -> dict[str, Any]:
    """A snapshot from answers as captured on WeChat: the audit carries only the fields given."""
    info: dict[str, Any] = {}
    if exp:
        info["exp_info"] = {"exp_version": exp, **({"exp_time": exp_time} if exp_time is not None else {})}
    if rel:
        info["release_info"] = {"release_version": rel}
    return {**snapshot(info, audit or None, {}), "quota": {"rest": 20, "limit": 20}, "history": []}


@pytest.mark.parametrize("status", [0, 2, 4])
def test_an_audit_without_user_version_submitted_after_the_commit_is_of_the_experience_version(status: int) -> None:
    """Captured answers in review or approved carry no reason, no ScreenShot; user_version may be missing too."""
    snap = bare(auditid=7, status=status, submit_audit_time=100)
    plan = decide(APPID, spec(), snap, None)
    assert SUBMIT not in [call.path for call in plan.calls] and COMMIT not in [call.path for call in plan.calls]
    assert plan.phase == {0: "approved", 2: "auditing", 4: "delayed"}[status] and plan.auditid == 7


@pytest.mark.parametrize("status", [0, 1, 2, 4])
def test_an_audit_whose_version_nothing_tells_is_never_submitted_over(status: int) -> None:
    snap = bare(exp_time=None, auditid=7, status=status)  # no user_version, no clocks, nothing recorded
    plan = decide(APPID, spec(), snap, None)
    assert plan.calls == [] and plan.blocked is not None
    assert "does not say which version" in plan.blocked and "not submitted again" in plan.blocked
    # and never withdrawn, even when allowed: it may be V's own audit
    assert decide(APPID, spec(allow_withdraw=True), snap, None).calls == []


def test_an_audit_recorded_by_the_last_up_is_known_without_user_version() -> None:
    snap = bare(exp_time=None, auditid=7, status=2)
    plan = decide(APPID, spec(), snap, {"phase": "auditing", "version": "1.1.0", "auditid": 7.0})
    assert plan.blocked is None and plan.calls == [] and plan.phase == "auditing"


def test_an_audit_submitted_before_the_current_commit_is_not_of_it() -> None:
    snap = bare(exp_time=200, auditid=7, status=0, submit_audit_time=100)  # audit of an older commit
    assert [call.path for call in decide(APPID, spec(), snap, None).calls] == [SUBMIT]


def test_a_withdrawn_audit_of_unknown_version_does_not_stop_a_submission() -> None:
    snap = bare(exp_time=None, auditid=7, status=3)
    assert [call.path for call in decide(APPID, spec(), snap, None).calls] == [SUBMIT]


def test_an_audit_answer_without_status_is_never_read_as_approved() -> None:
    snap = bare(auditid=7, user_version="1.1.0")
    plan = decide(APPID, spec(), snap, None)
    assert RELEASE not in [call.path for call in plan.calls] and SUBMIT not in [call.path for call in plan.calls]


def test_a_quota_answer_without_rest_refuses_nothing_on_a_guess() -> None:
    snap = {**live(), "quota": snapshot_quota({"limit": 20})}
    plan = decide(APPID, spec(), snap, None)
    assert plan.blocked is None and [call.path for call in plan.calls] == [COMMIT, SUBMIT]


def snapshot_quota(body: dict[str, Any]) -> dict[str, Any]:
    from providers.release_live import quota_of

    return quota_of(body)


def test_history_entries_without_app_version_are_no_rollback_target() -> None:
    from providers.release_live import history_entries

    assert history_entries([{"user_version": "0.9.0"}, {"app_version": 3.0, "user_version": "0.8.0"}]) == [
        {"app_version": 3, "version": "0.8.0"}]


# --- rollbacks only where WeChat allows them ---------------------------------------------------------


def test_a_version_live_before_but_not_in_the_history_is_not_rolled_back_nor_resubmitted() -> None:
    """After a rollback WeChat lists no further versions; pre-authorization releases are not listed."""
    olds = {"phase": "released", "version": "0.9.0", "gray_percentage": 100, "released_versions": ["1.1.0"]}
    snap = live(rel="0.9.0", history=[])  # 1.1.0 was rolled back from: WeChat now lists nothing
    plan = decide(APPID, spec(version="1.1.0"), snap, olds)
    assert plan.calls == [] and plan.blocked is not None
    assert "declare one" in plan.blocked and "commit" in plan.blocked
    assert ROLLBACK not in [call.path for call in plan.calls]


def test_a_version_in_the_history_is_rolled_back_to() -> None:
    olds = {"phase": "released", "version": "1.1.0", "gray_percentage": 100, "released_versions": ["1.0.0"]}
    plan = decide(APPID, spec(version="1.0.0"), live(rel="1.1.0", history=[(2, "1.0.0")]), olds)
    assert [call.path for call in plan.calls] == [ROLLBACK] and plan.rollback_to == 2


def test_the_outputs_remember_which_versions_went_live() -> None:
    olds = {"phase": "released", "version": "1.0.0", "gray_percentage": 100, "released_versions": ["0.9.0"]}
    plan = decide(APPID, spec(), live(rel="1.0.0"), olds)
    assert plan.record()["released_versions"] == ["0.9.0", "1.0.0"]


# --- truthful columns: what is live now (other versions' audits and gray rollouts), what this up reaches


def gray_then_newer_audit(status: int) -> dict[str, Any]:
    """2.0.0 live, 2.1.0 rolling out to 20% since t=100, then 2.2.0 submitted at t=200 (status given)."""
    versions = {"release_info": {"release_version": "2.0.0"}, "exp_info": {"exp_version": "2.2.0", "exp_time": 150}}
    snap = snapshot(versions,
                    {"auditid": 9, "status": status, "user_version": "2.2.0", "submit_audit_time": 200},
                    {"status": 1, "gray_percentage": 20, "create_timestamp": 100})
    return {**snap, "quota": {"rest": 20, "limit": 20}, "history": []}


@pytest.mark.parametrize("status", [0, 2])  # 2.2.0 approved, or still in review
def test_another_versions_gray_rollout_is_never_taken_for_v(status: int) -> None:
    plan = decide(APPID, spec(version="2.2.0"), gray_then_newer_audit(status), None)
    (phase,) = plan.changes
    assert "released(2.2.0" not in phase.old, "the rollout started before 2.2.0 was submitted: it is not 2.2.0's"
    assert "and an earlier version for 20% of users (a gray rollout)" in phase.old
    recorded = {"phase": "released", "version": "2.1.0", "gray_percentage": 20}
    plan = decide(APPID, spec(version="2.2.0"), gray_then_newer_audit(status), recorded)
    assert "and 2.1.0 (as the last up recorded) for 20% of users" in plan.changes[0].old


def test_a_gray_rollout_started_in_the_second_a_later_audit_was_submitted_is_not_taken_for_its_version() -> None:
    """1.1.0 rolls out to 20% since t=200; someone submits 1.2.0 in that same second and it is approved at once.
    Whole seconds cannot tell which came first, so the rollout is not 1.2.0's on WeChat's word: only the
    last up's record names it (1.1.0, at 20%), and an up for 1.1.0 at 20% has nothing to do."""
    versions = {"release_info": {"release_version": "0.9.0"}, "exp_info": {"exp_version": "1.2.0", "exp_time": 200}}

    def started(at: int) -> dict[str, Any]:
        return {**snapshot(versions, {"auditid": 9, "status": 0, "user_version": "1.2.0", "submit_audit_time": 200},
                           {"status": 1, "gray_percentage": 20, "create_timestamp": at}),
                "quota": {"rest": 19, "limit": 20}, "history": []}

    recorded = {"phase": "released", "version": "1.1.0", "gray_percentage": 20}
    assert gray_owner(started(200), recorded) == ("1.1.0", False)
    assert gray_owner(started(200), None) == (None, False)
    assert gray_owner(started(201), recorded) == ("1.2.0", True), "a plan started later is the approved audit's"
    plan = decide(APPID, spec(percentage=20), started(200), recorded)
    assert not plan.calls and not plan.blocked
    assert phase_of("1.1.0", started(200), recorded) == Phase("released", "1.1.0", None, 20), "audit 9 is 1.2.0's"


@pytest.mark.parametrize("left_out", ["create_timestamp", "submit_audit_time", "both"])
def test_a_gray_rollout_whose_start_or_audit_time_is_left_out_is_the_approved_audits(left_out: str) -> None:
    """Neither time is promised in every answer: one left out is no evidence that the rollout is an
    earlier version's, so it stays the approved audit's (as with no times at all), and an up for that
    version at that percentage has nothing to do."""
    versions = {"release_info": {"release_version": "0.9.0"}, "exp_info": {"exp_version": "1.2.0"}}
    audit: dict[str, Any] = {"auditid": 9, "status": 0, "user_version": "1.2.0", "submit_audit_time": 200}
    gray: dict[str, Any] = {"status": 1, "gray_percentage": 20, "create_timestamp": 100}
    if left_out in ("submit_audit_time", "both"):
        del audit["submit_audit_time"]
    if left_out in ("create_timestamp", "both"):
        del gray["create_timestamp"]
    snap = {**snapshot(versions, audit, gray), "quota": {"rest": 19, "limit": 20}, "history": []}
    assert gray_owner(snap, None) == ("1.2.0", True)
    plan = decide(APPID, spec(version="1.2.0", percentage=20), snap, None)
    assert not plan.calls and not plan.blocked


@pytest.mark.parametrize(("desired", "snap", "after"), [
    (spec(), live(), "auditing(1.1.0): WeChat's audit takes 1-7 days; the next `up` after it releases"),
    (spec(wait=5), live(), "released(1.1.0, 100%) if the audit passes within 5 min; else auditing(1.1.0)"),
    (spec(), live(exp="1.1.0", audit=(7, 2, "1.1.0")), "unchanged: auditing(1.1.0) until WeChat decides"),
    (spec(), live(exp="1.1.0", audit=(7, 0, "1.1.0")), None),  # approved: this up releases it
    (spec(), live(exp="1.1.0", audit=(7, 1, "1.1.0", "blank page")), "unchanged (blocked)"),
])
def test_the_plan_says_where_this_up_leaves_the_release(desired: Any, snap: Any, after: str | None) -> None:
    (phase,) = decide(APPID, desired, snap, None).changes
    assert phase.after == after and phase.new == "released(1.1.0, 100%)"
