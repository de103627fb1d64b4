"""The fleet release in the Pulumi program: plan the whole fleet before any resource is declared.

The program calls `plan_fleet_release()` once per platform spec with a `fleet:` block. It reads
this runner's apps live (`observe`), what the other runners reported (the ledger), the live audit
quota, and runs the pure wave planner. In `preview` that is all (the ledger is only read; a PR
preview that cannot reach it plans as if no other runner held anything, and says so). In `up` the
runner reports what it saw, and the planner runs again *inside* the ledger's reservation, on the
quota read under the lock, so the submissions this `up` makes are exactly the ones the plan it
prints lists, and no other runner can spend the same audits.

The answer is one gate per member of this runner (`{"platform", "wave", "allow"}`, see
`providers/fleet/gate.py`), the input each member's Release gets; the summary goes to the output and
the Markdown plan to `$WECHAT_IAC_FLEET_PLAN_DIR/<platform>.md` when that is set (`runner plan`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers._clients import client_for
from providers._settings import ConfigurationError, Settings
from providers.fleet import render
from providers.fleet.gate import HOLD, RELEASE_ONLY, SUBMIT_TOO, gate_input, open_ledger, runner_id
from providers.fleet.ledger import LedgerError
from providers.fleet.observe import RateLimiter, Throttled, observe, platform_quota
from providers.fleet.planner import (
    BLOCKED,
    FAILED,
    FAILURES,
    SUBMIT,
    TO_SUBMIT,
    UNKNOWN,
    WAIT,
    AppPlan,
    AppState,
    FleetPlan,
    Policy,
    Quota,
    plan_fleet,
)
from providers.fleet.waves import Member, Waves, assign_waves, select_members
from providers.models.fleet import FleetSpec
from providers.models.release import ReleaseSpec
from wechat import WeChatError
from wechat.redact import scrub

PLAN_DIR_ENV = "WECHAT_IAC_FLEET_PLAN_DIR"
QUOTA_READERS = 3  # apps whose token may read the platform's quota, tried in turn


class FleetError(Exception):
    """The fleet cannot be planned (its waves name unknown apps, the ledger is unreachable in `up`)."""


@dataclass
class FleetRelease:
    """One platform's fleet release as this runner sees it."""

    platform: str  # the platform spec's name
    component_appid: str
    spec: FleetSpec
    candidates: Sequence[tuple[Member, Mapping[str, Any]]]  # the platform's apps without a release block
    local: set[str]  # appids this runner (shard) declares
    shards: int = 1
    blocked: dict[str, str] = field(default_factory=dict)  # appid -> preflight's cause
    notes: list[str] = field(default_factory=list)

    def desired(self) -> dict[str, Any]:
        return ReleaseSpec.model_validate(self.spec.release_block()).model_dump(mode="json", exclude_none=True)

    def policy(self) -> Policy:
        spec = self.spec
        return Policy(spec.rollout.gray_percentage, spec.hold_minutes * 60.0, spec.audit_reserve, spec.max_in_flight)

    def waves(self) -> Waves:
        members = select_members(self.spec, [member for member, _ in self.candidates])
        waves = assign_waves(self.spec, members)
        if waves.problems:
            raise FleetError("\n".join(f"platform {self.platform}: {problem}" for problem in waves.problems))
        return waves


def gates(release: FleetRelease, plan: FleetPlan) -> dict[str, dict[str, Any]]:
    """The input each of this runner's members gets: how far this `up` may take it."""
    wave_names = {w.index: w.name for w in plan.waves}
    out = {}
    for app in plan.apps.values():
        allow = {SUBMIT: SUBMIT_TOO, WAIT: HOLD}.get(app.action, RELEASE_ONLY)
        if app.phase in FAILURES:
            allow = HOLD  # the fleet reports it and counts it; its Release must not fail the whole run
        wave = wave_names.get(app.wave, "no wave") if app.wave is not None else "no wave"
        out[app.appid] = gate_input(release.component_appid, wave, allow,
                                    release.spec.calls_per_second / max(release.shards, 1))
    return out


def merge(local: Mapping[str, AppState], recorded: Mapping[str, AppState]) -> dict[str, AppState]:
    """Every member's state: this runner's live reads win; a refusal the ledger remembers stays a
    failure while the app still shows no audit of V (a refused submission leaves no live trace)."""
    states = dict(recorded)
    for appid, state in local.items():
        kept = recorded.get(appid)
        if kept is not None and kept.phase == FAILED and state.phase in TO_SUBMIT:
            state = AppState(appid, FAILED, cause=kept.cause, committed=state.committed)
        states[appid] = state
    return states


def with_preflight(states: Mapping[str, AppState], blocked: Mapping[str, str]) -> dict[str, AppState]:
    """A member preflight would stop waits with preflight's cause, unless it is past submitting."""
    out = dict(states)
    for appid, cause in blocked.items():
        state = out.get(appid)
        if state is not None and state.phase in TO_SUBMIT:
            out[appid] = AppState(appid, BLOCKED, cause=cause, committed=state.committed)
    return out


def plan_fleet_release(release: FleetRelease, settings: Settings, *, dry_run: bool,
                       now: float | None = None) -> dict[str, dict[str, Any]]:
    """Plan the fleet (and, in `up`, reserve its audits); print the summary; return the gates."""
    now = time.time() if now is None else now
    waves = release.waves()
    desired = release.desired()
    limiter = RateLimiter(release.spec.calls_per_second / max(release.shards, 1))
    mine = [(member, credentials) for member, credentials in release.candidates if member.appid in release.local]
    members = {m.appid for m in waves.members()}
    mine = [item for item in mine if item[0].appid in members]
    local = with_preflight(observe(mine, desired, settings, limiter), release.blocked)
    readable = [item for item in mine if local[item[0].appid].phase != UNKNOWN][:QUOTA_READERS]

    def read_quota() -> tuple[int | None, int | None]:
        """queryquota (the platform's, with any of its apps' tokens); (None, None) if none answers."""
        for member, credentials in readable:
            try:
                return platform_quota(Throttled(client_for(member.appid, credentials, settings), limiter))
            except (WeChatError, ConfigurationError) as error:
                release.notes.append(f"queryquota with {member.name}'s token failed: {scrub(str(error))[:200]}")
        return None, None

    if dry_run:
        plan = _preview(release, waves, local, read_quota, settings, now)
    else:
        plan = _up(release, waves, local, read_quota, settings, now)
    for line in [render.summary_line(plan, release.platform), *render.held_lines(plan, release.platform)]:
        print(line, flush=True)
    for note in release.notes:
        print(f"fleet {release.platform} {release.spec.version}: {note}", flush=True)
    _write_markdown(release, plan, waves)
    return gates(release, plan)


def _preview(release: FleetRelease, waves: Waves, local: Mapping[str, AppState], read_quota: Any,
             settings: Settings, now: float) -> FleetPlan:
    recorded: dict[str, AppState] = {}
    pending, refused = 0, ""
    try:
        with open_ledger(settings) as ledger:
            recorded = ledger.records(release.component_appid, release.spec.version)
            pending = ledger.pending(release.component_appid,
                                     {(release.spec.version, appid) for appid in release.local})
            refused = ledger.refused(release.component_appid)
    except LedgerError as error:
        release.notes.append(f"the ledger could not be read ({error}); this plan assumes no other runner holds "
                             "audits and knows only this runner's apps")
    rest, limit = read_quota()
    return plan_fleet(release.spec.version, waves, merge(local, recorded), release.local,
                      Quota(rest, limit, pending, refused), release.policy(), now)


def _up(release: FleetRelease, waves: Waves, local: Mapping[str, AppState], read_quota: Any, settings: Settings,
        now: float) -> FleetPlan:
    version, component, runner = release.spec.version, release.component_appid, runner_id()
    try:
        ledger = open_ledger(settings)
    except LedgerError as error:
        raise FleetError(f"fleet {release.platform}: {error}; nothing is submitted without the ledger") from None
    with ledger:
        ledger.report(component, version, local.values(), runner)
        states = merge(local, ledger.records(component, version))
        plans: list[FleetPlan] = []

        def choose(rest: int | None, limit: int | None, pending: int, refused: str) -> list[str]:
            plans.append(plan_fleet(version, waves, states, release.local, Quota(rest, limit, pending, refused),
                                    release.policy(), now))
            return plans[-1].submissions

        grant = ledger.reserve(component, version, choose, read_quota, audit_reserve=release.spec.audit_reserve,
                               max_in_flight=release.spec.max_in_flight, runner=runner, own=release.local)
    plan = plans[-1]
    for appid in set(plan.submissions) - set(grant.granted):
        app = plan.apps[appid]
        plan.apps[appid] = AppPlan(app.appid, app.name, app.wave, app.phase, WAIT,
                                   "waiting for audit quota: another runner reserved it meanwhile")
    return plan


def _write_markdown(release: FleetRelease, plan: FleetPlan, waves: Waves) -> None:
    folder = os.environ.get(PLAN_DIR_ENV)
    if not folder:
        return
    path = Path(folder) / f"{release.platform}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render.markdown(plan, waves, release.platform, release.spec.hold_minutes), encoding="utf-8")

