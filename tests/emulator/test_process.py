"""The emulator as a process: CLI, file-backed state across restarts, seeds, the ctl command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from emulator.testing import (
    APPID,
    DEMO_SEED,
    PROJECT_ROOT,
    EmulatorControl,
    EmulatorError,
    RawWeChat,
    assert_ok,
    start_emulator,
)


def test_file_backed_state_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state" / "emulator.sqlite3")
    with start_emulator(DEMO_SEED, db=db) as emu:
        wx = RawWeChat(emu.base_url)
        token = wx.authorizer_token()
        userstr = assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": "persistent-pat"}))["userstr"]
        EmulatorControl(emu.base_url).advance_clock(120)
    with start_emulator(DEMO_SEED, db=db) as emu:  # the seed does not overwrite existing state
        wx = RawWeChat(emu.base_url)
        assert_ok(wx.get("/wxa/queryquota", token))  # even the token is still valid
        members = wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]
        assert {"userstr": userstr} in members
        assert EmulatorControl(emu.base_url).clock()["offset"] == 120


def test_dict_seed_and_memory_db() -> None:
    with start_emulator({"miniprograms": [{"appid": "wx7777777777777777", "secret": "s7"}]}) as emu:
        wx = RawWeChat(emu.base_url)
        assert_ok(wx.post("/wxa/getwxadevinfo", wx.own_token("wx7777777777777777", "s7")))
        assert emu.base_url.startswith("http://127.0.0.1:")


def test_no_seed_starts_empty() -> None:
    with start_emulator(None) as emu:
        assert EmulatorControl(emu.base_url).state()["miniprograms"] == []


def test_bad_seed_fails_to_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("miniprograms:\n  - appid: wx1\n    secret: s\n    colour: blue\n", encoding="utf-8")
    with pytest.raises(EmulatorError, match="unknown keys"):
        start_emulator(bad, timeout=15)


def test_ctl_approves_through_the_control_api() -> None:
    with start_emulator(DEMO_SEED) as emu:
        control = EmulatorControl(emu.base_url)
        control.console("wx1111111111111111", "set_audit", auto_decide_after_seconds=None)
        wx = RawWeChat(emu.base_url)
        token = wx.authorizer_token()
        assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
        assert_ok(wx.post("/wxa/submit_audit", token))
        result = subprocess.run(
            [sys.executable, "-m", "emulator", "ctl", "reject", "--appid", APPID, "--reason", "demo reason",
             "--url", emu.base_url], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        latest = wx.get("/wxa/get_latest_auditstatus", token)
        assert (latest["status"], latest["reason"]) == (1, "demo reason")
        again = subprocess.run(
            [sys.executable, "-m", "emulator", "ctl", "approve", "--appid", APPID, "--url", emu.base_url],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)
        assert again.returncode == 1 and "no audit is running" in again.stdout


def test_serve_help_lists_defaults() -> None:
    result = subprocess.run([sys.executable, "-m", "emulator", "serve", "--help"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and ".state/emulator.sqlite3" in result.stdout and "8787" in result.stdout


def test_stop_really_stops() -> None:
    emu = start_emulator(None)
    url = emu.base_url
    emu.stop()
    assert not emu.alive()
    with pytest.raises(httpx.HTTPError):
        httpx.get(url + "/_emulator/health", timeout=2)
