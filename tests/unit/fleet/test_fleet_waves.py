"""The fleet spec model and wave assignment: every problem at once; waves partition the fleet the
same way whatever order the specs come in."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from providers.fleet.waves import assign_waves, fleet_order_key, select_members
from providers.models.fleet import FleetSpec
from tests.unit.fleet.fleet_helpers import fleet_spec, members


def problems(data: dict[str, object]) -> dict[tuple[object, ...], str]:
    with pytest.raises(ValidationError) as caught:
        FleetSpec.model_validate(data)
    return {tuple(error["loc"]): error["msg"] for error in caught.value.errors()}


def test_defaults_are_the_documented_ones() -> None:
    spec = fleet_spec()
    assert (spec.hold_minutes, spec.failure_budget, spec.audit_reserve, spec.max_in_flight) == (0, 0, 0, 20)
    assert spec.apps.include == ["*"] and spec.apps.exclude == []
    assert spec.wave_names() == ["canary", "wave-2", "wave-3"]
    assert spec.release_block()["source"] == {"template_id": 2}


def test_every_problem_of_the_waves_at_once() -> None:
    found = problems({
        "version": "1.2.0", "source": {"template_id": 2}, "failure_budget": -1, "max_in_flight": 0,
        "waves": [{"apps": ["shop-*"], "count": 3}, {"percent": 60, "name": "a"}, {"percent": 40, "name": "a"},
                  {"apps": ["shop"]}, {"apps": ["shop"]}, {}],
        "wavez": [],
    })
    assert found[("waves", 0, "count")] == "give exactly one of apps, count or percent"
    assert "cumulative" in found[("waves", 2, "percent")]
    assert found[("waves", 2, "name")] == "the same name as waves[1]"
    assert found[("waves", 4, "apps", 0)] == "'shop' is already in waves[3]"
    assert found[("waves", 5)] == "give exactly one of apps, count or percent"
    assert "greater than or equal to 0" in found[("failure_budget",)]
    assert "greater than or equal to 1" in found[("max_in_flight",)]
    assert found[("wavez",)] == "unknown field; did you mean 'waves'?"


def test_globs_belong_in_the_selector_not_in_a_wave() -> None:
    found = problems({"version": "1", "source": {"template_id": 1}, "waves": [{"apps": ["shop-*"]}]})
    assert found[("waves", 0, "apps", 0)] == "name apps one by one here (globs belong in fleet.apps)"


def test_selector_includes_and_excludes_by_name_or_appid() -> None:
    spec = fleet_spec(apps={"include": ["app-0*", "wx*0b"], "exclude": ["app-03"]})
    chosen = {m.name for m in select_members(spec, members(12))}
    assert chosen == {f"app-0{i}" for i in range(10)} - {"app-03"} | {"app-11"}


def test_canary_first_then_cumulative_percentages() -> None:
    spec = fleet_spec(waves=[{"apps": ["app-05", "app-00"]}, {"count": 3}, {"percent": 50}, {"percent": 100}])
    waves = assign_waves(spec, members(20))
    sizes = [len(wave.apps) for wave in waves.waves]
    assert sizes == [2, 3, 5, 10]
    assert [m.name for m in waves.waves[0].apps] == ["app-05", "app-00"]
    assert waves.unassigned == () and waves.problems == ()


def test_apps_past_the_last_wave_are_in_no_wave() -> None:
    waves = assign_waves(fleet_spec(waves=[{"count": 2}, {"percent": 50}]), members(10))
    assert [len(w.apps) for w in waves.waves] == [2, 3] and len(waves.unassigned) == 5


def test_a_named_app_that_is_not_a_member_is_a_problem() -> None:
    waves = assign_waves(fleet_spec(waves=[{"apps": ["app-00", "nope"]}, {"percent": 100}]), members(4))
    assert len(waves.problems) == 1 and "'nope' is not a mini-program of this fleet" in waves.problems[0]
    assert [len(w.apps) for w in waves.waves] == [1, 3]


@settings(max_examples=150, deadline=None)
@given(count=st.integers(0, 60), percents=st.lists(st.integers(1, 100), min_size=1, max_size=4),
       canary=st.integers(0, 5), seed=st.randoms())
def test_waves_partition_the_fleet_whatever_the_order(count: int, percents: list[int], canary: int,
                                                     seed: object) -> None:
    fleet = members(count)
    named = [m.name for m in fleet[:canary]]
    waves_spec = ([{"apps": named}] if named else []) + [{"percent": p} for p in sorted(percents)]
    spec = fleet_spec(waves=waves_spec)
    shuffled = list(fleet)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = assign_waves(spec, fleet), assign_waves(spec, shuffled)
    assert first == second  # independent of the order specs were read in
    placed = [m.appid for m in first.members()]
    assert sorted(placed) == sorted(m.appid for m in fleet)  # each member exactly once
    cumulative = 0
    for wave, wave_spec in zip(first.waves, spec.waves, strict=True):
        before, cumulative = cumulative, cumulative + len(wave.apps)
        if wave_spec.percent is not None:
            assert cumulative == max(math.ceil(count * wave_spec.percent / 100), before)
    rest = [m.appid for wave in first.waves for m in wave.apps if m.name not in named] + \
        [m.appid for m in first.unassigned]
    assert rest == sorted(rest, key=fleet_order_key)  # the fleet order, by appid hash
