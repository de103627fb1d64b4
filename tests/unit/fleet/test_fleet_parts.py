"""The fleet's smaller parts: shards, the gate that cuts a member's Release plan, merging live reads
with other runners' reports, the rate limiter, and running shard processes side by side."""

from __future__ import annotations

import sys

import pytest

from providers._plan import ApiCall, Change
from providers.fleet.gate import HOLD, RELEASE_ONLY, SUBMIT_TOO, cut_to
from providers.fleet.observe import RateLimiter, cause_of
from providers.fleet.planner import ABSENT, AUDITING, BLOCKED, COMMITTED, FAILED, AppState
from providers.fleet.run import merge, with_preflight
from providers.fleet.shards import Shard, ShardError, shard_of, shard_stack
from providers.release_plan import COMMIT, RELEASE, SUBMIT, ReleasePlan
from runner.fleet import report, run_shards, shard_names


def test_shards_split_the_fleet_and_hold_each_app_once() -> None:
    appids = [f"wx{i:016x}" for i in range(2000)]
    counts = [sum(shard_of(a, 4) == i for a in appids) for i in range(4)]
    assert sum(counts) == 2000 and min(counts) > 400  # roughly even
    assert all(sum(Shard(i, 4).holds(a) for i in range(4)) == 1 for a in appids[:100])
    assert Shard.parse(None) == Shard() and Shard.parse(" 1/3 ") == Shard(1, 3)
    assert Shard(0, 3).manages_platform and not Shard(2, 3).manages_platform
    for bad in ("3/3", "a/2", "1", "-1/2"):
        with pytest.raises(ShardError, match="must be I/N"):
            Shard.parse(bad)
    assert shard_stack("prod", 2, 4) == "prod-shard-2-of-4" and shard_names("prod", 2)[1] == "prod-shard-1-of-2"


def release_plan() -> ReleasePlan:
    plan = ReleasePlan("release", "wx1", version="1.2.0")
    plan.changes.append(Change("phase", "update", old="absent", new="released(1.2.0, 100%)"))
    plan.calls += [ApiCall(COMMIT, "commit"), ApiCall(SUBMIT, "submit"), ApiCall(RELEASE, "release")]
    plan.warnings.append("submitting 1.2.0 for audit costs 1 of 20 monthly audits")
    plan.blocked = None
    return plan


def test_the_gate_cuts_the_release_engines_plan() -> None:
    assert [c.path for c in cut_to(release_plan(), SUBMIT_TOO, "w").calls] == [COMMIT, SUBMIT, RELEASE]
    released = cut_to(release_plan(), RELEASE_ONLY, "w")  # the release would wait for the audit it cut
    assert released.calls == [] and released.changes[0].after == "unchanged: not submitted in this `up`"
    assert released.warnings == ["not submitted in this `up`: the fleet admitted no audit for it (w)"]
    approved = release_plan()
    approved.calls = [ApiCall(RELEASE, "release")]
    assert [c.path for c in cut_to(approved, RELEASE_ONLY, "w").calls] == [RELEASE]
    held = release_plan()
    held.blocked = "WeChat rejected version 1.2.0"
    held = cut_to(held, HOLD, "wave-3")
    assert (held.calls, held.changes, held.blocked) == ([], [], None)  # no write, no diff, no failed resource
    assert not held.has_changes and held.warnings == [
        "held by the fleet (wave-3): no write in this `up`; the fleet plan says why"]


def test_live_reads_win_but_a_recorded_refusal_stays_until_an_audit_shows() -> None:
    recorded = {"a": AppState("a", FAILED, cause="submit_audit refused: 85077", local=False),
                "b": AppState("b", FAILED, cause="x", local=False), "c": AppState("c", AUDITING, local=False)}
    live = {"a": AppState("a", COMMITTED, committed=True), "b": AppState("b", AUDITING)}
    merged = merge(live, recorded)
    kept = merged["a"]
    assert (kept.phase, kept.cause, kept.committed) == (FAILED, "submit_audit refused: 85077", True)
    assert merged["b"].phase == AUDITING and merged["c"] == recorded["c"]


def test_preflight_blocks_only_apps_that_would_submit() -> None:
    states = {"a": AppState("a", ABSENT), "b": AppState("b", AUDITING)}
    out = with_preflight(states, {"a": "preflight privacy: missing PhoneNumber", "b": "preflight icp: not filed"})
    assert (out["a"].phase, out["a"].cause) == (BLOCKED, "preflight privacy: missing PhoneNumber")
    assert out["b"].phase == AUDITING


def test_release_engine_refusals_are_grouped_under_one_cause() -> None:
    first = cause_of("2.0.0 is under audit (audit 42), and WeChat audits one version at a time (85009). Wait ...")
    second = cause_of("2.1.0 is under audit (audit 77), and WeChat audits one version at a time (85009). Wait ...")
    assert first == second == "another version is under audit (WeChat audits one at a time)"


def test_the_rate_limiter_spaces_calls_evenly() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert slept == [0.25, 0.25, 0.25, 0.25]


def test_shards_run_side_by_side_and_a_failed_shard_fails_the_run() -> None:
    script = "import sys; print('fleet partner 1.2.0: 10 apps'); print('other'); sys.exit({})"
    commands = [(f"s{i}", [sys.executable, "-c", script.format(code)]) for i, code in enumerate((0, 3))]
    lines: list[str] = []
    runs = run_shards(commands, jobs=2, on_output=lines.append)
    assert [(r.stack, r.returncode, r.fleet_lines) for r in runs] == [
        ("s0", 0, ("fleet partner 1.2.0: 10 apps",)), ("s1", 3, ("fleet partner 1.2.0: 10 apps",))]
    assert "[s1] other" in lines
    printed: list[str] = []
    assert report(runs, "up", printed.append) == 1
    assert printed[0] == "fleet up: 1 of 2 shards succeeded; failed: s1"
