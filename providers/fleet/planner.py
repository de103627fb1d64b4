"""The wave planner, pure: (waves, where each app stands, the audit quota, the policy, the clock) ->
what this `up` does for each app of this runner's shard, what waits and why, and whether the fleet
must stop. Nothing in here reads WeChat, the ledger or the clock; `providers/fleet/program.py` does.

The rules, in the order they are applied:

1. **Failure budget.** A wave's failures are its apps whose audit of V was rejected or whose
   submission WeChat refused. More than the wave's budget stops the fleet: this `up` makes no
   fleet write at all (no commit, submission or release, in any wave) and says which apps failed
   and why. Fixing it takes a new version, or a larger budget.
2. **Waves open in order.** The first wave is open. Wave k opens when wave k-1 is *done* (each of
   its apps is released at the target percentage, failed, or blocked) and `hold_minutes` have
   passed since its last release (WeChat's `release_time`). An app nobody has observed yet (a
   shard that has not run) keeps its wave from being done.
3. **Apps of open waves** (earlier waves first, then the fleet order):
   approved, or released below the target percentage, or V in the rollback history -> release;
   under audit -> nothing (it counts as in flight); released at the target -> nothing;
   rejected or refused -> nothing (a failure); blocked (preflight, another version under audit,
   ...) -> nothing, grouped by cause in the plan; unreadable -> nothing;
   absent, committed or withdrawn -> a submission, *if admitted*.
4. **Admission** (no 85085 from us): submissions are admitted in that order while
   `spent < rest - audit_reserve - pending` and `in_flight + spent < max_in_flight`, where `rest` is
   the live `queryquota` of this run and `pending` the reservations other runners hold in the
   ledger and have not yet spent. An unknown `rest` admits nothing.
5. Apps of waves not open yet, and apps in no wave, wait, saying what they wait for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from providers.fleet.waves import Member, Wave, Waves

# where an app stands (release_phases' names, plus the fleet's own)
RELEASED, SUPERSEDED, APPROVED = "released", "superseded", "approved"
AUDITING, DELAYED, REJECTED, WITHDRAWN = "auditing", "delayed", "rejected", "withdrawn"
COMMITTED, ABSENT = "committed", "absent"
FAILED = "failed"  # WeChat refused the submission (recorded in the ledger: a refusal leaves no live trace)
BLOCKED = "blocked"  # cannot be submitted or released as things are (cause says why)
UNKNOWN = "unknown"  # could not be read
UNSEEN = "unseen"  # another shard's app nobody has reported yet

IN_FLIGHT = frozenset({AUDITING, DELAYED})
FAILURES = frozenset({REJECTED, FAILED})
TO_SUBMIT = frozenset({ABSENT, COMMITTED, WITHDRAWN})
TO_RELEASE = frozenset({APPROVED, SUPERSEDED})

# what this `up` does for an app
SUBMIT, RELEASE, NOTHING, WAIT = "submit", "release", "nothing", "wait"
# the wave's state
W_RELEASED, W_HOLDING, W_OPEN, W_STARTED, W_WAITING, W_STOPPED = (
    "released", "holding", "open", "started", "waiting", "stopped")
STARTED_PHASES = IN_FLIGHT | TO_RELEASE | FAILURES | {RELEASED}


@dataclass(frozen=True)
class AppState:
    """Where one app's release of V stands, and when it went live."""

    appid: str
    phase: str
    percentage: int | None = None  # released: how many users have V
    released_at: float | None = None  # epoch seconds (WeChat's release_time), released apps only
    cause: str = ""  # blocked / failed / rejected / unknown: the reason, the same text for the same cause
    committed: bool = False  # V is the experience version already (a submission needs no commit)
    local: bool = True  # observed live by this runner; False: another runner's report in the ledger


@dataclass(frozen=True)
class Policy:
    target_percentage: int = 100
    hold_seconds: float = 0.0
    audit_reserve: int = 0
    max_in_flight: int = 20


@dataclass(frozen=True)
class Quota:
    rest: int | None  # live queryquota.rest
    limit: int | None
    pending: int = 0  # reservations other runners hold and have not spent yet
    refused: str = ""  # WeChat refused submissions the quota admitted (85085's 7-day limit): why


@dataclass(frozen=True)
class AppPlan:
    appid: str
    name: str
    wave: int | None
    phase: str
    action: str  # submit | release | nothing | wait
    reason: str = ""


@dataclass
class WaveState:
    index: int
    name: str
    size: int
    budget: int
    status: str = W_WAITING
    released: int = 0
    in_flight: int = 0
    failed: list[str] = field(default_factory=list)  # appids
    blocked: int = 0
    hold_until: float | None = None
    started: bool = False  # some app of it got past a commit: the wave was open before
    reason: str = ""  # why the wave is waiting or stopped

    @property
    def done(self) -> bool:
        return self.status in (W_RELEASED, W_HOLDING)


@dataclass
class FleetPlan:
    version: str
    waves: list[WaveState]
    apps: dict[str, AppPlan]  # this runner's apps
    states: dict[str, AppState]  # every member's state as this runner knows it
    quota: Quota
    policy: Policy
    available: int | None  # submissions the quota would admit before this run spends any
    in_flight: int
    stopped: str | None = None
    unassigned: list[str] = field(default_factory=list)

    def with_action(self, action: str) -> list[AppPlan]:
        return [plan for plan in self.apps.values() if plan.action == action]

    @property
    def submissions(self) -> list[str]:
        return [plan.appid for plan in self.with_action(SUBMIT)]

    @property
    def left_after(self) -> int | None:
        """Audits left to the fleet after this run's submissions (the reserve already kept back)."""
        return None if self.available is None else self.available - len(self.submissions)


def plan_fleet(version: str, waves: Waves, states: Mapping[str, AppState], local: Iterable[str],
               quota: Quota, policy: Policy, now: float) -> FleetPlan:
    """What this runner does for each of its `local` apps; see the module docstring for the rules."""
    local_ids = set(local)
    states = dict(states)
    wave_states = [_wave_state(wave, states, policy) for wave in waves.waves]
    in_flight = sum(1 for s in states.values() if s.phase in IN_FLIGHT) + quota.pending
    available = None if quota.rest is None else max(quota.rest - policy.audit_reserve - quota.pending, 0)
    plan = FleetPlan(version, wave_states, {}, states, quota, policy, available, in_flight,
                     unassigned=[m.appid for m in waves.unassigned])

    over = [w for w in wave_states if len(w.failed) > w.budget]
    if over:
        plan.stopped = "; ".join(
            f"{w.name} has {len(w.failed)} failed apps, over its budget of {w.budget}" for w in over)
        for w in wave_states:
            w.status, w.reason = (W_STOPPED, plan.stopped) if not w.done else (w.status, w.reason)

    _open_waves(wave_states, now, policy)
    spent = 0
    for wave, wave_state in zip(waves.waves, wave_states, strict=True):
        for member in wave.apps:
            if member.appid not in local_ids:
                continue
            app = _app_plan(member, wave, wave_state, states.get(member.appid), plan)
            if app.action == SUBMIT:
                refusal = _admission(plan, spent)
                if refusal:
                    app = AppPlan(app.appid, app.name, app.wave, app.phase, WAIT, refusal)
                else:
                    spent += 1
            plan.apps[member.appid] = app
    for member in waves.unassigned:
        if member.appid in local_ids:
            phase = states.get(member.appid, AppState(member.appid, UNKNOWN)).phase
            plan.apps[member.appid] = AppPlan(member.appid, member.name, None, phase, WAIT,
                                              "in no wave: add a wave (e.g. percent: 100) to reach it")
    return plan


def _wave_state(wave: Wave, states: Mapping[str, AppState], policy: Policy) -> WaveState:
    result = WaveState(wave.index, wave.name, len(wave.apps), wave.budget)
    last_release: float | None = None
    settled = 0
    for member in wave.apps:
        state = states.get(member.appid) or AppState(member.appid, UNSEEN)
        if state.phase == RELEASED and (state.percentage or 0) >= policy.target_percentage:
            result.released += 1
            settled += 1
            if state.released_at is not None:
                last_release = max(last_release or state.released_at, state.released_at)
        elif state.phase in FAILURES:
            result.failed.append(member.appid)
            settled += 1
        elif state.phase == BLOCKED:
            result.blocked += 1
            settled += 1
        elif state.phase in IN_FLIGHT:
            result.in_flight += 1
        result.started = result.started or state.phase in STARTED_PHASES
    if settled == result.size:
        result.status = W_RELEASED
        if last_release is not None and policy.hold_seconds > 0:
            result.hold_until = last_release + policy.hold_seconds
    return result


def _open_waves(waves: list[WaveState], now: float, policy: Policy) -> None:
    """Each wave's status: open when every earlier wave is released and held long enough (the first
    always is); *started* when it is not, but its apps show it was open before (releases go on, new
    submissions wait); else waiting."""
    earlier: WaveState | None = None  # the first earlier wave that is not released, or the last one
    for wave in waves:
        if wave.status == W_RELEASED and wave.hold_until is not None and now < wave.hold_until:
            wave.status = W_HOLDING
        if wave.status not in (W_STOPPED, W_RELEASED, W_HOLDING):
            if earlier is None or earlier.status == W_RELEASED:
                wave.status = W_OPEN
            else:
                wave.status = W_STARTED if wave.started else W_WAITING
                wave.reason = _waits_for(earlier, now, policy)
        if earlier is None or earlier.status == W_RELEASED:
            earlier = wave


def _waits_for(before: WaveState, now: float, policy: Policy) -> str:
    if before.status == W_HOLDING:
        left = _minutes((before.hold_until or now) - now)
        return f"starts when the {_minutes(policy.hold_seconds)} hold after {before.name} ends (in {left})"
    if before.status == W_STOPPED:
        return f"starts when {before.name} is released; the fleet is stopped"
    return f"starts when {before.name} is released ({before.released} of {before.size} released)"


def _app_plan(member: Member, wave: Wave, wave_state: WaveState, state: AppState | None,
              plan: FleetPlan) -> AppPlan:
    state = state or AppState(member.appid, UNKNOWN, cause="not read")
    def make(action: str, reason: str = "") -> AppPlan:
        return AppPlan(member.appid, member.name, wave.index, state.phase, action, reason)

    if plan.stopped:
        return make(WAIT, f"the fleet is stopped: {plan.stopped}")
    if state.phase in (BLOCKED, UNKNOWN, UNSEEN):  # before its wave's turn: the cause is what to fix
        return make(WAIT, state.cause or state.phase)
    if wave_state.status == W_WAITING:
        return make(WAIT, f"{wave.name} {wave_state.reason}")
    if wave_state.status == W_STARTED and state.phase in TO_SUBMIT:
        return make(WAIT, f"{wave.name} started, but new submissions wait: it {wave_state.reason}")
    phase, target = state.phase, plan.policy.target_percentage
    if phase == RELEASED and (state.percentage or 0) >= target:
        return make(NOTHING, "released")
    if phase == RELEASED or phase in TO_RELEASE:
        return make(RELEASE, f"{'approved' if phase == APPROVED else phase}: release to {target}%")
    if phase in IN_FLIGHT:
        return make(NOTHING, "under audit" if phase == AUDITING else f"audit delayed: {state.cause}")
    if phase == REJECTED:
        return make(NOTHING, f"audit rejected: {state.cause or 'no reason given'}")
    if phase == FAILED:
        return make(NOTHING, state.cause or "WeChat refused the submission")
    return make(SUBMIT, "commit and submit" if phase != COMMITTED else "submit")


def _admission(plan: FleetPlan, spent: int) -> str:
    """Why one more submission is not admitted now ('' when it is)."""
    policy, quota = plan.policy, plan.quota
    if quota.refused:
        return f"waiting: {quota.refused}"
    if plan.available is None:
        return "the audit quota is unknown (queryquota gave no rest): nothing is submitted"
    if spent >= plan.available:
        held = f", {quota.pending} reserved by other runners" if quota.pending else ""
        return (f"waiting for audit quota: {quota.rest} of {quota.limit} left this month, "
                f"{policy.audit_reserve} kept in reserve{held}")
    if plan.in_flight + spent >= policy.max_in_flight:
        return f"waiting: {policy.max_in_flight} audits in flight at most (max_in_flight)"
    return ""


def _minutes(seconds: float) -> str:
    minutes = max(math.ceil(seconds / 60), 0)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
