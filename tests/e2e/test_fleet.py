"""Fleet releases end to end (real Pulumi CLI, emulator over HTTP) on a generated platform of 50
mini-programs: the canary, then two waves; the audit quota running out in the middle of a wave; a
rejection inside the wave's failure budget, then failures beyond it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import COMPONENT_APPID, EmulatorControl
from tests.e2e.fleet_world import (
    VERSION,
    appid_of,
    errcodes,
    fleet_specs,
    index_of,
    live_versions,
    seed_world,
    waves_for,
    writes_by_app,
)
from tests.e2e.test_plan_support import run_plan, up_matches_plan

pytestmark = pytest.mark.e2e

APPS = 50
COMMIT, SUBMIT, RELEASE = "/wxa/commit", "/wxa/submit_audit", "/wxa/release"


def fleet_stack(make_stack: Any, emu: EmulatorControl, tmp_path: Path, **fleet: Any) -> Any:
    return make_stack(specs=fleet_specs(APPS, **fleet), config={"baseUrl": emu.base_url},
                      extra_env={"WECHAT_IAC_FLEET_PLAN_DIR": str(tmp_path / "fleet-plan")})


def up(stack: Any, emu: EmulatorControl) -> list[dict[str, Any]]:
    """One `up`; the calls it made."""
    emu.clear_calls()
    result = stack.up()
    assert result.summary.result == "succeeded", stack.text()
    return emu.calls()


def fleet_lines(stack: Any) -> str:
    """What the fleet printed in the last operation (for assertion messages)."""
    last = stack.text().rsplit("--- ", 1)[-1]
    return "\n".join(line for line in last.splitlines() if line.startswith("fleet "))


def ids(wave: Any) -> set[str]:
    return {member.appid for member in wave.apps}


def test_canary_then_two_waves(make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    """Three apps of the last wave are not ICP-filed: preflight holds them back, grouped under that
    cause, and the other 47 are released all the same."""
    canary, second, third = waves_for(APPS).waves
    assert (len(canary.apps), len(second.apps), len(third.apps)) == (2, 23, 25)
    unfiled = sorted(ids(third))[:3]
    seed_world(emu, APPS, icp={index_of(appid): 1024 for appid in unfiled})
    stack = fleet_stack(make_stack, emu, tmp_path)

    stack.preview()
    assert "this `up`: 2 commits, 2 submissions, 0 releases" in stack.text()
    plan = (tmp_path / "fleet-plan" / "partner.md").read_text()
    assert "**50 apps in 3 waves**" in plan and "```mermaid" in plan
    assert "- **23 apps**: wave-2 starts when canary is released (0 of 2 released)" in plan
    assert "- **3 apps**: preflight icp: ICP filing (备案): not filed" in plan

    calls = up(stack, emu)  # the canary only
    assert writes_by_app(calls, COMMIT) == writes_by_app(calls, SUBMIT) == {a: 1 for a in ids(canary)}
    calls = up(stack, emu)  # the canary's audits passed: released; wave 2 waits for that release
    assert writes_by_app(calls, RELEASE) == {a: 1 for a in ids(canary)} and not writes_by_app(calls, SUBMIT)
    calls = up(stack, emu)  # wave 2 starts
    assert writes_by_app(calls, SUBMIT) == {a: 1 for a in ids(second)}
    calls = up(stack, emu)
    assert writes_by_app(calls, RELEASE) == {a: 1 for a in ids(second)}
    calls = up(stack, emu)  # wave 3 starts, without the three preflight holds back
    assert writes_by_app(calls, SUBMIT) == {a: 1 for a in ids(third) - set(unfiled)}
    assert "fleet partner 1.2.0: waiting: 3 apps: preflight icp: ICP filing (备案): not filed" in fleet_lines(stack)
    calls = up(stack, emu)
    assert writes_by_app(calls, RELEASE) == {a: 1 for a in ids(third) - set(unfiled)}
    assert live_versions(emu, APPS) == {VERSION: APPS - 3, "1.0.0": 3}

    calls = up(stack, emu)  # done: a no-op
    assert not writes_by_app(calls, COMMIT) and not writes_by_app(calls, SUBMIT) and not writes_by_app(calls, RELEASE)
    assert "this `up`: 0 commits, 0 submissions, 0 releases" in stack.text()
    assert 85085 not in errcodes(emu.calls())


def test_quota_runs_out_mid_wave_and_the_fleet_waits(make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    """7 audits left, 2 in reserve: 5 of wave 2's 23 apps are submitted, the rest wait; never 85085."""
    canary = waves_for(APPS).waves[0]
    seed_world(emu, APPS, rest=7, limit=20, live={index_of(a): VERSION for a in ids(canary)})
    stack = fleet_stack(make_stack, emu, tmp_path)
    emu.clear_calls()
    up_matches_plan(stack, emu)  # the reviewers' plan lists exactly the writes `up` makes
    calls = emu.calls()
    assert len(writes_by_app(calls, SUBMIT)) == 5
    assert 85085 not in errcodes(calls)
    assert "waiting for audit quota: 7 of 20 left this month, 2 kept in reserve" in stack.text()
    assert emu.state(appid_of(0))["platforms"][0]["audit_quota"]["rest"] == 2  # the reserve is untouched

    completed, plan_md, _data = run_plan(stack)
    text = plan_md.read_text(encoding="utf-8")
    assert "## Fleet release `1.2.0` · platform `partner`" in text and "```mermaid" in text, completed.stdout
    assert "- **18 apps**: waiting for audit quota: 2 of 20 left this month, 2 kept in reserve" in text
    assert "delete" not in text.lower()  # the members' releases are planned, not taken for removals
    calls = up(stack, emu)  # the five are released; nothing more is submitted
    assert len(writes_by_app(calls, RELEASE)) == 5 and not writes_by_app(calls, SUBMIT)

    emu.console(COMPONENT_APPID, "set_quota", rest=12)  # the month turns over (or WeChat raises the quota)
    calls = up(stack, emu)
    assert len(writes_by_app(calls, SUBMIT)) == 10
    assert 85085 not in errcodes(emu.calls())


def test_a_rejection_inside_the_budget_goes_on_and_failures_beyond_it_stop_the_fleet(
        make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    _canary, second, third = waves_for(APPS).waves
    rejected = [index_of(appid_of(0)), *sorted(index_of(a) for a in ids(second))[:2]]
    seed_world(emu, APPS, audits={i: {"auto_decide_after_seconds": 0, "decision": "reject",
                                      "reason": "页面无法打开 (the page does not open)"} for i in rejected})
    stack = fleet_stack(make_stack, emu, tmp_path)
    up(stack, emu)  # the canary is submitted; shop-00 will be rejected, shop-01 approved
    calls = up(stack, emu)
    assert writes_by_app(calls, RELEASE) == {appid_of(1): 1}  # the rejection does not hold shop-01 back
    assert "failed: 1 app: audit rejected: 页面无法打开 (the page does not open) (shop-00)" in fleet_lines(stack), \
        fleet_lines(stack)
    calls = up(stack, emu)  # one failure, budget 1: the canary is done and wave 2 starts
    assert writes_by_app(calls, SUBMIT) == {a: 1 for a in ids(second)}

    calls = up(stack, emu)  # two of wave 2 rejected, budget 1: the fleet stops, nothing is written
    assert not writes_by_app(calls, RELEASE) and not writes_by_app(calls, SUBMIT) and not writes_by_app(calls, COMMIT)
    assert "STOPPED: wave-2 has 2 failed apps, over its budget of 1" in stack.text()
    plan = (tmp_path / "fleet-plan" / "partner.md").read_text()
    assert "> ⛔ **The fleet is stopped**: wave-2 has 2 failed apps, over its budget of 1" in plan
    assert "- **3 apps**: audit rejected: 页面无法打开 (the page does not open)" in plan  # the canary's too
    assert live_versions(emu, APPS) == {VERSION: 1, "1.0.0": APPS - 1}
    assert not ids(third) & set(writes_by_app(emu.calls(), SUBMIT))


def test_85085_with_audits_left_backs_the_fleet_off_and_the_next_up_submits_nothing(
        make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    """WeChat's other limit (too many mini-programs submitted in 7 days) shows in no API: the first
    85085 is WeChat's, and then the whole platform backs off for an hour instead of trying again."""
    seed_world(emu, APPS)
    emu.console(COMPONENT_APPID, "set_quota", recent_apps_limit=5)
    stack = fleet_stack(make_stack, emu, tmp_path, waves=[{"percent": 100}], audit_reserve=0)
    emu.clear_calls()
    with pytest.raises(auto.CommandError):  # the refused submissions are errors of this `up`
        stack.up()
    calls = emu.calls()
    assert len(writes_by_app(calls, SUBMIT)) == 5 and 85085 in errcodes(calls)
    assert "WeChat answered 85085 although queryquota showed audits left" in stack.text()

    emu.clear_calls()
    up(stack, emu)  # backing off: nothing is submitted, nothing fails
    assert not [call for call in emu.calls() if call["path"] == SUBMIT]
    assert "the fleet submits nothing for an hour" in fleet_lines(stack), fleet_lines(stack)
    assert emu.state(appid_of(0))["platforms"][0]["audit_quota"]["rest"] == 100 - 5
