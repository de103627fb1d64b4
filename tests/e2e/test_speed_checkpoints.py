"""`pulumi up` SIGKILLed with Pulumi's per-step checkpoints skipped (PULUMI_SKIP_CHECKPOINTS, which
runner/env.py sets): the state then says nothing about the killed run, and the next `up` must
still finish the job from the live state alone. (The kills in test_faults_kill.py run under the
same default.)

Why skip them: the file (and PostgreSQL) backend rewrites the whole snapshot after every step, so
an `up` that writes is O(steps x state): a first `up` of 100 mini-programs took 318 s instead of
41 s, and 1,000 would take hours (bench/first_up.py). Why it is safe: every provider converges
from the live state (a create adopts what is there; a release never commits or submits a version
twice, because it re-reads before each). These tests hold the killed run at a write whose effect
has landed (`when: after`), kill it, and check what the rerun does.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import EmulatorControl
from tests.e2e.test_faults_kill import (  # the `runs` fixture is tests/e2e/conftest.py's
    COMMIT,
    RELEASE,
    SUBMIT,
    assert_the_killed_run_stopped,
    kill_while_held,
)
from tests.reliability.support import (
    APP,
    Loopback,
    deployment,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    workspace_env,
    write_paths,
)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

HOLD_SECONDS = 6.0
UPLOAD, AVATAR = "/cgi-bin/media/upload", "/cgi-bin/account/modifyheadimage"


def recorded(stack: Any) -> list[str]:
    """The dynamic resources the state records (none when no deployment was ever written)."""
    try:
        resources = deployment(stack).get("resources") or []
    except (FileNotFoundError, KeyError, TypeError):  # no state file, or a stack with no deployment yet
        return []
    return [str(r["urn"]).rsplit("::", 1)[-1] for r in resources if str(r["type"]).startswith("pulumi-python:")]


def test_checkpoints_are_skipped_by_default(make_stack: Any, emu: EmulatorControl,
                                            loopback_only: Loopback) -> None:  # noqa: F811
    stack = fault_stack(make_stack, emu, loopback_only, None)
    assert workspace_env(stack)["PULUMI_SKIP_CHECKPOINTS"] == "true"


def test_first_up_killed_at_the_release_records_nothing_and_the_rerun_adopts(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback, runs: Any  # noqa: F811
) -> None:
    """The demo spec's first `up` (every block, the release last), killed once its commit landed.
    Expected: the state records none of the resources that run created (checkpoints skipped); the
    rerun creates them again by adopting what is live: one commit, one submission, one release, and
    no other write repeated except the avatar's. The avatar is the one thing the live state cannot
    tell (WeChat reports only its URL; providers/profile.py keeps the file's hash in the outputs),
    so a kill that loses the record costs one more of the month's avatar changes; with checkpoints
    the same happens when the kill falls between the avatar's write and its step's checkpoint."""
    stack = fault_stack(make_stack, emu, loopback_only, None, config={"auditPollSeconds": "0.2"})
    emu.inject_fault(COMMIT, when="after", delay_seconds=HOLD_SECONDS)
    run = runs(stack)
    held = kill_while_held(emu, run, COMMIT, lambda: (emu.state(APP)["app"].get("exp") or {}).get("user_version"))
    assert_the_killed_run_stopped(emu, run, held)
    first = emu.calls()
    assert COMMIT in write_paths(first) and AVATAR in write_paths(first), write_paths(first)
    assert recorded(stack) == [], "a checkpoint was written mid-run: the setting is not in effect"

    result = stack.up()
    assert result.summary.result == "succeeded", stack.text()
    calls = emu.calls()
    rerun = calls[len(first):]
    assert write_paths(rerun) == [UPLOAD, AVATAR, SUBMIT, RELEASE], stack.text()
    assert [p for p in write_paths(calls) if p in (COMMIT, SUBMIT, RELEASE)] == [COMMIT, SUBMIT, RELEASE]
    assert emu.state(APP)["app"]["live"]["user_version"] == "1.1.0"
    assert len(recorded(stack)) >= 8
    # converged: a preview plans nothing (support.assert_converged cannot load the demo's asset files)
    after = stack.preview().change_summary
    assert set(after) == {"same"}, stack.text()
