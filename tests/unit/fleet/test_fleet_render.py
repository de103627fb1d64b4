"""The fleet plan for reviewers: the summary's numbers are the plan's, held-back apps are grouped by
cause, the Mermaid chart has one node per wave in order, and per-app detail is folded."""

from __future__ import annotations

import re

from providers.fleet.planner import ABSENT, BLOCKED, COMMITTED, REJECTED, RELEASED, AppState
from providers.fleet.render import counts, markdown, mermaid, summary_line
from tests.unit.fleet.fleet_helpers import all_in, fleet_spec, plan, waves_of

PRIVACY = "preflight: privacy guide missing PhoneNumber"


def scenario():  # type: ignore[no-untyped-def]
    waves = waves_of(fleet_spec(failure_budget=1), 40)
    ids = [m.appid for m in waves.members()]
    states = all_in(waves, ABSENT)
    states[ids[0]] = AppState(ids[0], RELEASED, 100, released_at=0)
    states[ids[1]] = AppState(ids[1], REJECTED, cause="crashes on start")
    for appid in ids[2:5]:
        states[appid] = AppState(appid, COMMITTED, committed=True)
    for appid in ids[10:30]:
        states[appid] = AppState(appid, BLOCKED, cause=PRIVACY)
    return waves, plan(waves, states, rest=8, audit_reserve=2)


def test_the_summary_counts_are_the_plans() -> None:
    _waves, result = scenario()
    numbers = counts(result)
    assert numbers["submissions"] == len(result.submissions) == 6  # 8 left, 2 in reserve
    committed = sum(result.states[appid].committed for appid in result.submissions)
    assert numbers["commits"] == numbers["submissions"] - committed
    line = summary_line(result, "demo-platform")
    assert line.startswith("fleet demo-platform 1.2.0: 40 apps in 3 waves; this `up`: ")
    assert f"{numbers['commits']} commits, 6 submissions, 0 releases" in line
    assert "8 of 20 left this month, this `up` spends 6, 0 left to the fleet after it (2 kept in reserve)" in line


def test_blocked_apps_are_grouped_by_cause_biggest_first() -> None:
    waves, result = scenario()
    text = markdown(result, waves, "demo-platform", hold_minutes=60)
    held = text.split("### Held back", 1)[1].split("###", 1)[0]
    lines = [line for line in held.splitlines() if line.startswith("- ")]
    assert lines[0].startswith(f"- **20 apps**: {PRIVACY} — ")
    assert lines[0].endswith("and 12 more")
    assert "### Failed (1)" in text and "- **1 app**: audit rejected: crashes on start" in text


def test_the_chart_has_a_node_per_wave_in_order_with_its_progress() -> None:
    _waves, result = scenario()
    chart = mermaid(result, hold_minutes=60)
    assert chart.startswith("```mermaid\nflowchart LR\n") and chart.endswith("```")
    nodes = re.findall(r'w(\d)\["([^"]+)"\]:::(\w+)', chart)
    assert [(n, label.split("<br/>")[0], cls) for n, label, cls in nodes] == [
        ("0", "canary", "done"), ("1", "wave-2", "open"), ("2", "wave-3", "wait")]
    assert "1/2 released<br/>1 failed of 1 allowed" in nodes[0][1]
    assert chart.count('-- "hold 60 min" -->') == 2


def test_per_app_detail_is_folded_per_wave() -> None:
    waves, result = scenario()
    text = markdown(result, waves, "demo-platform", hold_minutes=0)
    assert text.count("<details><summary>") == 3 and text.count("</details>") == 3
    assert text.count("| commit, submit (1 audit) |") + text.count("| submit (1 audit) |") == 6
