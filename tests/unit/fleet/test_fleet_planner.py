"""The wave planner: canary first, waves in order with their hold, admission within the audit quota
(reserve, other runners' reservations, the in-flight cap), failure budgets, blocked apps, shards."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from providers.fleet.planner import (
    ABSENT,
    APPROVED,
    AUDITING,
    BLOCKED,
    COMMITTED,
    FAILED,
    NOTHING,
    REJECTED,
    RELEASE,
    RELEASED,
    SUBMIT,
    UNSEEN,
    W_HOLDING,
    W_OPEN,
    W_RELEASED,
    W_STARTED,
    W_STOPPED,
    W_WAITING,
    WAIT,
    WITHDRAWN,
    AppState,
)
from tests.unit.fleet.fleet_helpers import actions, all_in, fleet_spec, plan, waves_of

NOW = 1_000_000.0


def canary_and_waves(count: int = 10, **spec: object):  # type: ignore[no-untyped-def]
    return waves_of(fleet_spec(**spec), count)


def test_first_up_submits_the_canary_only() -> None:
    waves = canary_and_waves()
    result = plan(waves, all_in(waves, ABSENT))
    canary = {m.appid for m in waves.waves[0].apps}
    assert set(result.submissions) == canary
    assert [w.status for w in result.waves] == [W_OPEN, W_WAITING, W_WAITING]
    waiting = result.apps[waves.waves[1].apps[0].appid]
    assert waiting.action == WAIT and waiting.reason == "wave-2 starts when canary is released (0 of 2 released)"
    assert result.left_after == 18


def test_next_wave_opens_when_the_canary_is_released_and_the_hold_has_passed() -> None:
    waves = canary_and_waves()
    states = all_in(waves, ABSENT)
    for member in waves.waves[0].apps:
        states[member.appid] = AppState(member.appid, RELEASED, 100, released_at=NOW - 1800)
    held = plan(waves, states, hold_seconds=3600)
    assert [w.status for w in held.waves] == [W_HOLDING, W_WAITING, W_WAITING]
    assert held.submissions == []
    assert "hold after canary ends (in 30 min)" in held.apps[waves.waves[1].apps[0].appid].reason
    opened = plan(waves, states, hold_seconds=3600, now=NOW + 1800)
    assert [w.status for w in opened.waves] == [W_RELEASED, W_OPEN, W_WAITING]
    assert set(opened.submissions) == {m.appid for m in waves.waves[1].apps}


def test_quota_exhausted_mid_wave_waits_and_never_overspends() -> None:
    waves = canary_and_waves(40, waves=[{"count": 2}, {"percent": 100}])
    states = all_in(waves, ABSENT)
    for member in waves.waves[0].apps:
        states[member.appid] = AppState(member.appid, RELEASED, 100, released_at=NOW - 10)
    result = plan(waves, states, rest=7, audit_reserve=2, pending=1)
    assert len(result.submissions) == 4  # 7 left, 2 kept back, 1 held by another runner
    waiting = [a for a in result.apps.values() if a.action == WAIT]
    assert len(waiting) == 38 - 4
    assert waiting[0].reason == ("waiting for audit quota: 7 of 20 left this month, 2 kept in reserve, "
                                 "1 reserved by other runners")
    assert result.left_after == 0


def test_the_in_flight_cap_counts_audits_under_review_fleet_wide() -> None:
    waves = canary_and_waves(10, waves=[{"percent": 100}])
    states = all_in(waves, ABSENT)
    ids = [m.appid for m in waves.waves[0].apps]
    for appid in ids[:3]:
        states[appid] = AppState(appid, AUDITING, local=False)  # another shard's
    result = plan(waves, states, max_in_flight=5, local=ids[3:])
    assert len(result.submissions) == 2
    assert any(a.reason == "waiting: 5 audits in flight at most (max_in_flight)" for a in result.apps.values())


def test_unknown_quota_admits_nothing() -> None:
    waves = canary_and_waves()
    result = plan(waves, all_in(waves, ABSENT), rest=None)
    assert result.submissions == []
    assert "queryquota gave no rest" in result.apps[waves.waves[0].apps[0].appid].reason


def test_approved_apps_are_released_and_gray_ones_widened_even_without_quota() -> None:
    waves = canary_and_waves()
    first, second = (m.appid for m in waves.waves[0].apps)
    states = all_in(waves, ABSENT) | {first: AppState(first, APPROVED),
                                      second: AppState(second, RELEASED, 10, released_at=NOW)}
    result = plan(waves, states, rest=0)
    assert actions(result)[first] == RELEASE and actions(result)[second] == RELEASE
    done = plan(waves, states, rest=0, target_percentage=10)
    assert actions(done)[second] == NOTHING


def test_a_rejection_within_the_budget_lets_the_wave_finish_and_the_next_one_start() -> None:
    waves = canary_and_waves(10, failure_budget=1)
    first, second = (m.appid for m in waves.waves[0].apps)
    states = all_in(waves, ABSENT) | {first: AppState(first, REJECTED, cause="page crashes"),
                                      second: AppState(second, RELEASED, 100, released_at=NOW - 5)}
    result = plan(waves, states)
    assert result.stopped is None
    assert result.waves[0].failed == [first] and result.waves[0].status == W_RELEASED
    assert result.waves[1].status == W_OPEN
    assert actions(result)[first] == NOTHING and result.apps[first].reason == "audit rejected: page crashes"


def test_failures_beyond_the_budget_stop_every_fleet_write() -> None:
    waves = canary_and_waves(10, failure_budget=1, waves=[{"count": 4}, {"percent": 100}])
    ids = [m.appid for m in waves.waves[0].apps]
    states = all_in(waves, ABSENT) | {
        ids[0]: AppState(ids[0], REJECTED, cause="crash"), ids[1]: AppState(ids[1], FAILED, cause="85077"),
        ids[2]: AppState(ids[2], APPROVED), ids[3]: AppState(ids[3], COMMITTED)}
    result = plan(waves, states)
    assert result.stopped == "canary has 2 failed apps, over its budget of 1"
    assert set(actions(result).values()) == {WAIT}
    assert result.waves[0].status == W_STOPPED and result.waves[1].status == W_STOPPED
    assert result.apps[ids[2]].reason.startswith("the fleet is stopped: canary has 2 failed apps")


def test_a_wave_override_of_the_budget_wins() -> None:
    waves = canary_and_waves(10, failure_budget=0, waves=[{"count": 2, "failure_budget": 1}, {"percent": 100}])
    first = waves.waves[0].apps[0].appid
    assert plan(waves, all_in(waves, ABSENT) | {first: AppState(first, REJECTED)}).stopped is None


def test_blocked_apps_wait_with_their_cause_and_do_not_hold_the_wave_back() -> None:
    waves = canary_and_waves()
    first, second = (m.appid for m in waves.waves[0].apps)
    cause = "preflight: privacy guide missing PhoneNumber"
    states = all_in(waves, ABSENT) | {first: AppState(first, BLOCKED, cause=cause),
                                      second: AppState(second, RELEASED, 100, released_at=NOW)}
    result = plan(waves, states)
    assert result.apps[first].action == WAIT and result.apps[first].reason == cause
    assert result.waves[0].blocked == 1 and result.waves[0].status == W_RELEASED and not result.waves[0].failed


def test_an_app_another_shard_has_not_reported_keeps_its_wave_open() -> None:
    waves = canary_and_waves()
    first, second = (m.appid for m in waves.waves[0].apps)
    states = {first: AppState(first, RELEASED, 100, released_at=NOW)}
    result = plan(waves, states, local=[first])
    assert result.waves[0].status == W_OPEN and set(result.apps) == {first}
    assert result.states.get(second) is None or result.states[second].phase == UNSEEN


def test_a_wave_that_was_open_before_keeps_releasing_but_submits_no_more() -> None:
    waves = canary_and_waves()
    canary = [m.appid for m in waves.waves[0].apps]
    wave2 = [m.appid for m in waves.waves[1].apps]
    states = all_in(waves, ABSENT) | {canary[0]: AppState(canary[0], RELEASED, 100, released_at=NOW),
                                      canary[1]: AppState(canary[1], WITHDRAWN),  # someone withdrew it
                                      wave2[0]: AppState(wave2[0], APPROVED)}
    result = plan(waves, states)
    assert result.waves[1].status == W_STARTED
    assert actions(result)[wave2[0]] == RELEASE and actions(result)[wave2[1]] == WAIT
    assert actions(result)[canary[1]] == SUBMIT
    assert "started, but new submissions wait" in result.apps[wave2[1]].reason


def test_apps_in_no_wave_wait_saying_so() -> None:
    waves = canary_and_waves(10, waves=[{"count": 2}])
    result = plan(waves, all_in(waves, ABSENT))
    assert sum(a.reason.startswith("in no wave") for a in result.apps.values()) == 8


# --- properties over random fleets --------------------------------------------------------------
PHASES = [ABSENT, COMMITTED, WITHDRAWN, AUDITING, "delayed", APPROVED, REJECTED, FAILED, BLOCKED, RELEASED,
          "unknown"]


@settings(max_examples=300, deadline=None)
@given(count=st.integers(1, 30), data=st.data(), rest=st.one_of(st.none(), st.integers(0, 30)),
       reserve=st.integers(0, 5), pending=st.integers(0, 5), cap=st.integers(1, 12), budget=st.integers(0, 2),
       hold=st.sampled_from([0, 600]))
def test_the_plan_never_overspends_and_respects_the_waves(count: int, data: st.DataObject, rest: int | None,
                                                          reserve: int, pending: int, cap: int, budget: int,
                                                          hold: int) -> None:
    waves = canary_and_waves(count, failure_budget=budget,
                             waves=[{"count": 2}, {"percent": 50}, {"percent": 100}])
    members = waves.members()
    states = {m.appid: AppState(m.appid, data.draw(st.sampled_from(PHASES)),
                                percentage=100, released_at=NOW - data.draw(st.integers(0, 1200)))
              for m in members}
    local = [m.appid for m in members if data.draw(st.booleans())]
    result = plan(waves, states, rest=rest, pending=pending, audit_reserve=reserve, max_in_flight=cap,
                  hold_seconds=hold, local=local)
    submissions = result.submissions
    assert set(result.apps) == set(local)  # exactly this runner's apps
    if rest is None:
        assert submissions == []
    else:
        assert len(submissions) <= max(rest - reserve - pending, 0)
    in_flight = sum(s.phase in (AUDITING, "delayed") for s in states.values()) + pending
    assert in_flight + len(submissions) <= max(cap, in_flight)
    if result.stopped:
        assert set(actions(result).values()) <= {WAIT}
    wave_of = waves.wave_of()
    for app in result.apps.values():
        if app.action == SUBMIT:
            assert states[app.appid].phase in (ABSENT, COMMITTED, WITHDRAWN)
            earlier = result.waves[: wave_of[app.appid]]
            assert all(w.status == W_RELEASED for w in earlier)  # every earlier wave released and held
        if app.action == RELEASE:
            assert states[app.appid].phase in (APPROVED, RELEASED, "superseded")
            assert result.waves[wave_of[app.appid]].status != W_WAITING
    # admission is a prefix of the order: no app waits for quota while a later one is submitted
    order = [a for a in result.apps.values() if a.action in (SUBMIT, WAIT) and a.reason.startswith(
        ("waiting for audit quota", "waiting: ", "commit and submit", "submit"))]
    seen_wait = False
    for app in order:
        seen_wait = seen_wait or app.action == WAIT
        assert not (seen_wait and app.action == SUBMIT)
