"""Fleet runners at once and runners killed (real Pulumi CLI, emulator over HTTP, real PostgreSQL):
two shard stacks racing on one audit quota through one ledger never overspend it, and a `pulumi up`
SIGKILLed in the middle of a wave leaves at most one commit and one submission per app; and
`python -m runner fleet` makes shard stacks from a base stack and runs them side by side."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import COMPONENT_SECRET, REFRESH_TOKEN, VERIFY_TICKET, EmulatorControl
from providers.fleet.shards import Shard
from runner import engine
from runner.env import PROJECT_DIR
from tests.e2e.fleet_world import appid_of, errcodes, fleet_specs, seed_world, writes_by_app
from tests.postgres import PostgresServer
from tests.reliability.support import deployment, wait_until

pytestmark = pytest.mark.e2e

APPS = 50
COMMIT, SUBMIT = "/wxa/commit", "/wxa/submit_audit"
PASSPHRASE = "fleet-shards-test-passphrase"  # shard stacks are not the dev stack: their own passphrase
ONE_WAVE = {"waves": [{"percent": 100}], "audit_reserve": 0}
RESERVE_TWO = {**ONE_WAVE, "audit_reserve": 2}


def shard_stack(make_stack: Any, emu: EmulatorControl, name: str, shard: str, ledger: str,
                fleet: dict[str, Any] = ONE_WAVE) -> Any:
    own = {"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **({"WECHAT_IAC_FLEET_LEDGER": ledger} if ledger else {})}
    project = make_stack(specs=fleet_specs(APPS, **fleet))  # the project copy (and its dev stack)
    engine.open_stack(name, project_dir=project.project_dir, env=project.env, extra_env=own, create=True,
                      on_output=lambda _line: None)  # a shard stack, as `runner fleet init` makes one
    stack = make_stack(specs=fleet_specs(APPS, **fleet), stack_name=name, extra_env=own)
    for key, value in {"componentSecret": COMPONENT_SECRET, "componentVerifyTicket": VERIFY_TICKET,
                       "demoShopRefreshToken": REFRESH_TOKEN}.items():
        stack.set_config(key, value, secret=True)
    stack.set_config("baseUrl", emu.base_url)
    stack.set_config("shard", shard)
    return stack


def race(runs: Any, stacks: list[Any]) -> list[str]:
    processes = [runs(stack) for stack in stacks]
    for process in processes:
        assert process.wait(600) == 0, process.text()
    return [process.text() for process in processes]


def test_two_shards_share_one_ledger_on_postgres_and_never_overspend(
        make_stack: Any, emu: EmulatorControl, postgres: PostgresServer, runs: Any) -> None:
    seed_world(emu, APPS, rest=10, limit=20)
    ledger = postgres.create_database("fleet_two_shards")
    first = shard_stack(make_stack, emu, "shard0", "0/2", ledger)
    second = shard_stack(make_stack, emu, "shard1", "1/2", ledger)
    emu.clear_calls()

    outputs = race(runs, [first, second])  # both `up`s at once, on one machine as on two CI jobs
    calls = emu.calls()
    submitted = writes_by_app(calls, SUBMIT)
    assert sum(submitted.values()) == 10 and set(submitted.values()) == {1}, outputs  # the whole quota, once each
    assert 85085 not in errcodes(calls)
    assert emu.state(appid_of(0))["platforms"][0]["audit_quota"]["rest"] == 0
    for stack, index in ((first, 0), (second, 1)):  # each shard declares its own apps, and only those
        assert declared_apps(stack) == {appid_of(i) for i in range(APPS) if Shard(index, 2).holds(appid_of(i))}

    emu.clear_calls()
    outputs = race(runs, [first, second])  # the quota is spent: both wait, neither submits
    assert not writes_by_app(emu.calls(), SUBMIT) and 85085 not in errcodes(emu.calls())
    assert all("waiting for audit quota: 0 of 20 left this month" in text for text in outputs), outputs


def declared_apps(stack: Any) -> set[str]:
    return {str(r["outputs"]["appid"]) for r in deployment(stack).get("resources", [])
            if r["type"].endswith("wechat:Release")}


def test_sigkill_mid_wave_then_rerun_never_commits_or_submits_twice(
        make_stack: Any, emu: EmulatorControl, runs: Any) -> None:
    seed_world(emu, APPS)
    stack = make_stack(specs=fleet_specs(APPS, **ONE_WAVE), config={"baseUrl": emu.base_url})
    # each submission takes effect, then its answer is slow: the kill lands mid-wave, with answers lost
    emu.inject_fault(SUBMIT, count=1000, delay_seconds=1.0, when="after")
    run = runs(stack)
    wait_until(lambda: len(writes_by_app(emu.calls(), SUBMIT)) >= 8 or run.proc.poll() is not None, 300,
               "a few submissions of the wave")
    assert run.proc.poll() is None, f"the run ended before the kill:\n{run.text()}"
    run.kill_the_run()
    wait_until(lambda: not run.survivors(), 30, "the killed run's provider host to exit")
    before = writes_by_app(emu.calls(), SUBMIT)
    assert 8 <= len(before) < APPS

    emu.clear_faults()
    result = stack.up()  # no `pulumi cancel`, no manual step
    assert result.summary.result == "succeeded", stack.text()
    calls = emu.calls()
    assert writes_by_app(calls, SUBMIT) == {appid_of(i): 1 for i in range(APPS)}
    assert set(writes_by_app(calls, COMMIT).values()) == {1} and len(writes_by_app(calls, COMMIT)) == APPS
    assert 85085 not in errcodes(calls)


def test_runner_fleet_makes_the_shard_stacks_and_runs_them_side_by_side(
        make_stack: Any, emu: EmulatorControl, postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch,
        pulumi_cli_dir: Path) -> None:
    """`python -m runner fleet init` copies a base stack's settings (secrets through stdin: here the
    ledger's URL too) into BASE-shard-I-of-N with `shard: I/N`; `fleet up` runs the shards at once,
    sharing one ledger on PostgreSQL, and reports each: 12 audits left, 2 in reserve, 10 submitted."""
    seed_world(emu, APPS, rest=12, limit=20)
    base = shard_stack(make_stack, emu, "fleet", "0/1", "", RESERVE_TWO)  # the base stack: every setting but the shard
    base.stack.remove_config("shard")
    base.set_config("fleetLedger", postgres.create_database("fleet_runner"), secret=True)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)  # inherited by the shard processes
    monkeypatch.delenv("WECHAT_IAC_FLEET_LEDGER", raising=False)  # the stacks' own setting names it
    where = ["--project", str(base.project_dir), "--state", str(base.env.state_dir), "--cli", str(pulumi_cli_dir)]

    def runner(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "runner", "fleet", *args, *where], capture_output=True,
                              text=True, cwd=str(PROJECT_DIR), timeout=900, check=False,
                              env={**os.environ, "WECHAT_IAC_TOKEN_CACHE": str(base.project_dir / "tokens")})

    made = runner("init", "fleet", "--shards", "2")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "created fleet-shard-1-of-2 (shard 1/2)" in made.stdout
    for index in range(2):
        shard = engine.open_stack(f"fleet-shard-{index}-of-2", project_dir=base.project_dir, env=base.env,
                                  extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
        config = shard.get_all_config()
        assert config["wechat-iac:shard"].value == f"{index}/2"
        assert config["wechat-iac:fleetLedger"].secret and config["wechat-iac:baseUrl"].value == emu.base_url
        assert config["wechat-iac:componentSecret"].value == COMPONENT_SECRET
        stack_file = (base.project_dir / f"Pulumi.fleet-shard-{index}-of-2.yaml").read_text()
        assert COMPONENT_SECRET not in stack_file and "fleet_runner" not in stack_file  # encrypted at rest
    assert COMPONENT_SECRET not in made.stdout + made.stderr

    emu.clear_calls()
    ran = runner("up", "fleet", "--shards", "2")
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr
    assert "fleet up: 2 of 2 shards succeeded" in ran.stdout
    assert "[fleet-shard-0-of-2] fleet partner 1.2.0:" in ran.stdout
    assert "[fleet-shard-1-of-2] fleet partner 1.2.0:" in ran.stdout
    calls = emu.calls()
    submitted = writes_by_app(calls, SUBMIT)
    assert len(submitted) == 10 and set(submitted.values()) == {1}, ran.stdout[-3000:]  # one wave, 12 - 2
    assert 85085 not in errcodes(calls)
    assert emu.state(appid_of(0))["platforms"][0]["audit_quota"]["rest"] == 2  # the reserve is untouched
