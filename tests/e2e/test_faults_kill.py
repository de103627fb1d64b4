"""`pulumi up` SIGKILLed in the middle of a release, and two `up`s on one stack at once.

A kill is what a cancelled CI job or `kill -9` does: the process group running `pulumi up` (the
runner and the `pulumi` CLI) dies at once, with no clean-up. The tests hold the run at the exact
point with an emulator fault: the write takes effect and its answer is delayed (`when: after`),
so the run is killed after the commit (or the submission) and before the next step.

Expected, each time: nothing from the killed run reaches WeChat afterwards (its provider host
stops by itself, instead of finishing the release on its own); the next `up` needs no manual step
(no `pulumi cancel`), does only what is missing, and never commits or submits a second time.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from tests.reliability.support import (
    APP,
    CliProcess,
    Loopback,
    assert_converged,
    duplicate_writes,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    spec_text,
    wait_until,
    write_paths,
)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

COMMIT, SUBMIT, RELEASE = "/wxa/commit", "/wxa/submit_audit", "/wxa/release"
HOLD_SECONDS = 6.0  # how long the emulator sits on the answer; the killed run's host must be gone first


def release_spec(version: str = "1.1.0") -> str:
    return spec_text({"release": {
        "version": version,
        "description": f"version {version}",
        "source": {"template_id": 2},
        "audit": {"version_desc": f"what is new in {version}"},
        "rollout": {"gray_percentage": 100},
        "wait_for_audit_minutes": 1,  # the demo platform approves at once: one `up` goes all the way
    }})


@pytest.fixture
def release_stack(make_stack: Any, emu: EmulatorControl, loopback_only: Loopback) -> Any:  # noqa: F811
    return fault_stack(make_stack, emu, loopback_only, {"shop.yaml": release_spec()},
                       config={"auditPollSeconds": "0.2"})


def kill_while_held(emu: EmulatorControl, run: CliProcess, path: str, effect: Any) -> int:
    """Wait until the held call took effect, SIGKILL the run, then wait out the held answer.
    Returns the call-log sequence number of the held call."""
    wait_until(lambda: run.proc.poll() is not None or (not emu.faults() and effect()), 60,
               f"{path} to take effect under the hold")
    assert run.proc.poll() is None, f"the run ended before the kill:\n{run.text()}"
    run.remember_tree()
    run.kill_the_run()
    held = wait_until(lambda: [c for c in emu.calls() if c["path"] == path],
                      HOLD_SECONDS + 5, f"the held {path} answer")
    return int(held[-1]["seq"])


def assert_the_killed_run_stopped(emu: EmulatorControl, run: CliProcess, held_seq: int) -> None:
    # The provider host the CLI started is not in the killed process group; it must notice that its
    # engine is gone and exit rather than carry on with the release on its own.
    wait_until(lambda: not run.survivors(), 10, "the killed run's provider host to exit")
    late = [(c["seq"], c["path"]) for c in emu.calls(since=held_seq)]
    assert late == [], f"the killed run kept calling WeChat: {late}"


def test_sigkill_between_commit_and_submit(release_stack: Any, emu: EmulatorControl, runs: Any) -> None:
    """Expected: the rerun submits and releases; exactly one commit, one submission, one release."""
    emu.inject_fault(COMMIT, when="after", delay_seconds=HOLD_SECONDS)
    run = runs(release_stack)
    held = kill_while_held(emu, run, COMMIT, lambda: (emu.state(APP)["app"].get("exp") or {}).get("user_version"))
    assert write_paths(emu.calls()) == [COMMIT]
    assert_the_killed_run_stopped(emu, run, held)

    result = release_stack.up()  # no `pulumi cancel`, no refresh, no manual step
    assert result.summary.result == "succeeded", release_stack.text()
    calls = emu.calls()
    assert write_paths(calls) == [COMMIT, SUBMIT, RELEASE], release_stack.text()
    assert duplicate_writes(calls) == {}
    assert "removed a stale lock" in release_stack.text()  # the killed run's lock: no `pulumi cancel` needed
    assert "committed(1.1.0)" in release_stack.text() and "will call /wxa/commit" not in release_stack.text()
    assert emu.state(APP)["app"]["live"]["user_version"] == "1.1.0"
    assert_converged(release_stack)


def test_sigkill_between_submit_and_release(release_stack: Any, emu: EmulatorControl, runs: Any) -> None:
    """Expected: the rerun only releases; the audit is not submitted again (quota is monthly)."""
    emu.inject_fault(SUBMIT, when="after", delay_seconds=HOLD_SECONDS)
    run = runs(release_stack)
    held = kill_while_held(emu, run, SUBMIT, lambda: emu.state(APP)["app"].get("audits"))
    assert write_paths(emu.calls()) == [COMMIT, SUBMIT]
    assert_the_killed_run_stopped(emu, run, held)
    quota_after_submit = emu.state(APP)["platforms"][0]["audit_quota"]["rest"]

    result = release_stack.up()
    assert result.summary.result == "succeeded", release_stack.text()
    calls = emu.calls()
    assert write_paths(calls) == [COMMIT, SUBMIT, RELEASE], release_stack.text()
    assert duplicate_writes(calls) == {}
    assert len(emu.state(APP)["app"]["audits"]) == 1
    assert "will call /wxa/submit_audit" not in release_stack.text()
    assert emu.state(APP)["platforms"][0]["audit_quota"]["rest"] == quota_after_submit
    assert emu.state(APP)["app"]["live"]["user_version"] == "1.1.0"
    assert_converged(release_stack)


def test_two_ups_at_once_one_is_refused_by_the_stack_lock(
    release_stack: Any, emu: EmulatorControl, runs: Any
) -> None:
    """Expected: while one `up` is mid-release, a second `up` of the stack fails at once on the file
    backend's lock (a clear message, no call to WeChat); the first finishes; nothing is doubled."""
    emu.inject_fault(COMMIT, delay_seconds=10)  # holds the first run at its commit (then lets it through)
    first = runs(release_stack)
    wait_until(lambda: first.proc.poll() is not None or not emu.faults(), 60, "the first run to reach its commit")
    assert first.proc.poll() is None, first.text()
    before = len(emu.calls())

    with pytest.raises(auto.CommandError) as refused:
        release_stack.up()
    message = str(refused.value)
    assert "the stack is currently locked" in message, message
    assert "Traceback" not in message
    assert "removed a stale lock" not in release_stack.text(), "a live run's lock must be kept"
    # the first run is still held at its commit (not yet logged), so any call since is the refused run's
    window = emu.calls()[before:]
    assert not any(call["path"] == COMMIT for call in window), "the hold ended too early to tell"
    assert window == [], f"the refused run called WeChat: {window}"

    assert first.wait() == 0, first.text()
    calls = emu.calls()
    assert write_paths(calls) == [COMMIT, SUBMIT, RELEASE]
    assert duplicate_writes(calls) == {}
    assert_converged(release_stack)


def test_two_ups_started_together(release_stack: Any, emu: EmulatorControl, runs: Any) -> None:
    """Expected: the lock lets at most one through (both may be refused if they lock at the same
    instant); a refused run says why; a run after them finishes the release; nothing is doubled."""
    pair = [runs(release_stack), runs(release_stack)]
    codes = [run.wait() for run in pair]
    for run, code in zip(pair, codes, strict=True):
        assert code == 0 or "the stack is currently locked" in run.text(), run.text()
        assert "Traceback" not in run.text()
    assert codes.count(0) <= 1
    print(f"OBSERVED[two ups started together] exit codes {codes}")
    if 0 not in codes:
        assert release_stack.up().summary.result == "succeeded", release_stack.text()
    calls = emu.calls()
    assert write_paths(calls) == [COMMIT, SUBMIT, RELEASE]
    assert duplicate_writes(calls) == {}
    assert_converged(release_stack)
