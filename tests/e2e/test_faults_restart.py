"""The emulator (standing in for WeChat) crashes mid-run and comes back on the same port.

A file-backed emulator (`start_emulator(seed, db=<file>)`) keeps its state, tokens and call log
across the restart, as WeChat keeps its state across a network outage.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from emulator.testing import DEMO_SEED, EmulatorControl, EmulatorProcess, start_emulator
from tests.reliability.support import (
    APP,
    CliProcess,
    Loopback,
    assert_converged,
    domain_changes_used,
    duplicate_writes,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    spec_text,
    wait_until,
    write_paths,
)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

COMMIT, SUBMIT, RELEASE, DOMAINS = "/wxa/commit", "/wxa/submit_audit", "/wxa/release", "/wxa/modify_domain"
SPEC = spec_text({
    "server_domains": {"request": ["https://api.shop.example.com", "https://api2.shop.example.com"]},
    "release": {
        "version": "1.1.0",
        "source": {"template_id": 2},
        "audit": {"version_desc": "cart and coupons"},
        "rollout": {"gray_percentage": 100},
        "wait_for_audit_minutes": 1,
    },
})


class Restartable:
    """A file-backed emulator that can crash (SIGKILL) and start again on the same port."""

    def __init__(self, db: Path) -> None:
        self.db = str(db)
        self.process: EmulatorProcess = start_emulator(DEMO_SEED, db=self.db)
        self.base_url = self.process.base_url
        self.port = int(urlparse(self.base_url).port or 0)

    def crash(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)  # no graceful shutdown, connections cut mid-answer
        self.process.stop()

    def start_again(self) -> None:
        self.process = EmulatorProcess(DEMO_SEED, self.db, extra_args=["--port", str(self.port)])
        assert self.process.base_url == self.base_url

    def stop(self) -> None:
        self.process.stop()


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Restartable]:
    server = Restartable(tmp_path / "emulator" / "state.sqlite3")
    yield server
    server.stop()


def test_emulator_crash_mid_commit_then_restart_on_the_same_port(
    make_stack: Any, restartable: Restartable, loopback_only: Loopback, tmp_path: Path, pulumi_cli_dir: Path,  # noqa: F811
) -> None:
    """Expected: the run that loses WeChat mid-commit fails with a clear transport error (no
    traceback); after the restart, the next run finishes: domains set once, one commit, one
    submission, one release, and nothing set before the crash is lost."""
    emu = EmulatorControl(restartable.base_url)
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": SPEC}, config={"auditPollSeconds": "0.2"})
    emu.inject_fault(COMMIT, delay_seconds=30)  # the commit is in flight when WeChat goes away
    run = CliProcess(stack, "up", tmp_path / "crashed-up.log", pulumi_cli_dir)
    try:
        wait_until(lambda: run.proc.poll() is not None or not emu.faults(), 60, "the run to send its commit")
        restartable.crash()
        assert run.wait(60) == 1, run.text()
    finally:
        run.cleanup()
    failure = run.text()
    assert "Traceback" not in failure, failure
    assert "/wxa/commit" in failure and ("Error" in failure or "failed" in failure), failure

    restartable.start_again()
    emu = EmulatorControl(restartable.base_url)
    before = emu.calls()  # the call log survived the crash (it is in the same SQLite file)
    assert COMMIT not in write_paths(before), "the crashed commit must not have taken effect"

    result = stack.up()
    assert result.summary.result == "succeeded", stack.text()
    calls = emu.calls()
    assert write_paths(calls) == [DOMAINS, COMMIT, SUBMIT, RELEASE], stack.text()
    assert duplicate_writes(calls) == {}
    assert domain_changes_used(emu) == 1
    app = emu.state(APP)["app"]
    assert "https://api2.shop.example.com" in app["domains"]["requestdomain"]
    assert app["live"]["user_version"] == "1.1.0"
    assert_converged(stack)
