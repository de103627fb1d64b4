"""Helpers for the fleet unit tests: a fleet spec to vary, members, states."""

from __future__ import annotations

from typing import Any

from providers.fleet.planner import AppState, FleetPlan, Policy, Quota, plan_fleet
from providers.fleet.waves import Member, Waves, assign_waves, select_members
from providers.models.fleet import FleetSpec

VERSION = "1.2.0"


def fleet_spec(**overrides: Any) -> FleetSpec:
    data: dict[str, Any] = {"version": VERSION, "source": {"template_id": 2},
                            "waves": [{"apps": ["app-00", "app-01"]}, {"percent": 50}, {"percent": 100}]}
    data.update(overrides)
    return FleetSpec.model_validate(data)


def members(count: int) -> list[Member]:
    return [Member(f"wx{0xf1ee700000000000 + i:016x}", f"app-{i:02d}") for i in range(count)]


def waves_of(spec: FleetSpec, count: int) -> Waves:
    return assign_waves(spec, select_members(spec, members(count)))


def all_in(waves: Waves, phase: str, **fields: Any) -> dict[str, AppState]:
    return {m.appid: AppState(m.appid, phase, **fields) for m in waves.members()}


def plan(waves: Waves, states: dict[str, AppState], rest: int | None = 20, limit: int | None = 20,
         pending: int = 0, now: float = 1_000_000.0, local: list[str] | None = None, **policy: Any) -> FleetPlan:
    ids = local if local is not None else [m.appid for m in waves.members()]
    return plan_fleet(VERSION, waves, states, ids, Quota(rest, limit, pending), Policy(**policy), now)


def actions(result: FleetPlan) -> dict[str, str]:
    return {app.appid: app.action for app in result.apps.values()}
