"""Preflight's answers handed to check() and diff() of the same run (providers/_preflight_reads.py):
only to them, only from this run's file, only while young, never a mix, and read as WeChat sent them.

Against the emulator over HTTP through the real client; the file is the one the runner would name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import APPID, EmulatorControl
from providers import _preflight_reads
from providers._base import Context
from providers._preflight_reads import READS, READS_ENV, hand_over, preflight_read
from providers.categories import CategoriesProvider
from providers.privacy import PrivacySettingsProvider
from providers.profile import ProfileProvider
from providers.release import ReleaseProvider
from tests.unit.providers.test_optional_fields import PLATFORM, context
from tests.unit.providers.test_optional_fields import isolated as isolated
from wechat import APIError

PROVIDERS = (ReleaseProvider(), ProfileProvider(), CategoriesProvider(), PrivacySettingsProvider())


@pytest.fixture(autouse=True)
def run_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "run" / "preflight-reads.json"
    path.parent.mkdir()
    monkeypatch.setenv(READS_ENV, str(path))
    yield path
    _preflight_reads.forget()


def ctx_for(emu: EmulatorControl, planning: bool) -> Context:
    ctx = context(emu, APPID, PLATFORM)
    ctx.planning = planning
    return ctx


def preflight(emu: EmulatorControl, names: Any = READS) -> None:
    """What preflight reads for a release it submits and releases, handed over."""
    client = ctx_for(emu, False).client
    for name in names:
        preflight_read(APPID, client, name)
    hand_over()


def read_paths(emu: EmulatorControl) -> list[str]:
    return sorted(str(call["path"]) for call in emu.calls() if "token" not in str(call["path"]))


def live_of(emu: EmulatorControl, planning: bool) -> list[Any]:
    return [provider.read_live(ctx_for(emu, planning)) for provider in PROVIDERS]


def test_check_and_diff_take_preflights_answers_and_nothing_else_does(emu: EmulatorControl) -> None:
    preflight(emu)
    emu.clear_calls()
    planned = live_of(emu, planning=True)
    assert read_paths(emu) == ["/wxa/getgrayreleaseplan"], "only what preflight did not read"
    emu.clear_calls()
    assert live_of(emu, planning=False) == planned  # nothing changed: the same live state
    assert read_paths(emu) == ["/cgi-bin/account/getaccountbasicinfo", "/cgi-bin/component/getprivacysetting",
                               "/cgi-bin/wxopen/getcategory", "/wxa/get_latest_auditstatus",
                               "/wxa/getgrayreleaseplan", "/wxa/getversioninfo"], "update(), guards: read now"


def test_a_change_after_preflight_shows_to_a_guard_not_to_the_diff(emu: EmulatorControl) -> None:
    """The diff plans from preflight's read of this run; a guard's read (not `planning`) sees the change."""
    preflight(emu)
    emu.console(APPID, "commit", user_version="9.9.9", template_id=2)
    planned, fresh = (ReleaseProvider().read_live(ctx_for(emu, planning)) for planning in (True, False))
    assert planned is not None and fresh is not None
    assert planned["exp_version"] != "9.9.9" and fresh["exp_version"] == "9.9.9"


def test_an_answer_older_than_the_ttl_is_read_again(emu: EmulatorControl, run_file: Path) -> None:
    preflight(emu)
    answers = json.loads(run_file.read_text())
    for entry in answers[APPID].values():
        entry["read_at"] -= _preflight_reads.TTL + 1
    run_file.write_text(json.dumps(answers))
    emu.clear_calls()
    ProfileProvider().read_live(ctx_for(emu, planning=True))
    assert read_paths(emu) == ["/cgi-bin/account/getaccountbasicinfo"]


def test_another_runs_answers_are_never_handed(emu: EmulatorControl, run_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    client = ctx_for(emu, False).client
    preflight_read(APPID, client, "getaccountbasicinfo")  # kept for the run whose file is `run_file`
    later = run_file.parent / "later-run.json"
    monkeypatch.setenv(READS_ENV, str(later))  # the next engine run, in the same (inline program's) process
    hand_over()
    assert json.loads(later.read_text()) == {}
    emu.clear_calls()
    ProfileProvider().read_live(ctx_for(emu, planning=True))
    assert read_paths(emu) == ["/cgi-bin/account/getaccountbasicinfo"]


def test_without_the_runners_file_nothing_is_kept_or_handed(emu: EmulatorControl, run_file: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(READS_ENV)
    preflight(emu)
    assert not run_file.exists()
    emu.clear_calls()
    ProfileProvider().read_live(ctx_for(emu, planning=True))
    assert read_paths(emu) == ["/cgi-bin/account/getaccountbasicinfo"]


def test_the_version_and_the_audit_are_one_snapshot_never_a_mix(emu: EmulatorControl) -> None:
    """Which version an audit is of compares their times: both preflight's, or both read now."""
    preflight(emu, [name for name in READS if name != "get_latest_auditstatus"])
    emu.clear_calls()
    ReleaseProvider().read_live(ctx_for(emu, planning=True))
    assert read_paths(emu) == ["/wxa/get_latest_auditstatus", "/wxa/getgrayreleaseplan", "/wxa/getversioninfo"]


def test_a_read_that_failed_in_preflight_is_not_handed(emu: EmulatorControl, run_file: Path) -> None:
    emu.inject_fault("/cgi-bin/account/getaccountbasicinfo", errcode=48001, count=5)
    with pytest.raises(APIError):  # (preflight keeps it as a finding)
        preflight(emu, ["getaccountbasicinfo"])
    hand_over()
    assert "getaccountbasicinfo" not in json.loads(run_file.read_text()).get(APPID, {})


def test_answers_are_handed_as_sent_with_fields_left_out(emu: EmulatorControl, run_file: Path) -> None:
    """A field WeChat left out stays out (unknown to the provider), exactly as in a read made now; the
    file holds the answers of these reads alone (none carries a token)."""
    emu.inject_fault("/wxa/getversioninfo", omit=["release_info"], count=2)
    emu.inject_fault("/cgi-bin/account/getaccountbasicinfo", omit=["signature_info"], count=2)
    preflight(emu)
    assert set(json.loads(run_file.read_text())[APPID]) <= set(READS)
    handed = live_of(emu, planning=True)
    assert handed == live_of(emu, planning=False)
    assert handed[0]["release_version"] is None and handed[1]["signature"] is None
