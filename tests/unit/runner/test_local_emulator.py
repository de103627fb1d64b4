"""The runner starts the emulator at the stack's baseUrl and stops only what it started
(runner/local_emulator.py; `make clean` uses `python -m runner emulator stop`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.testing import DEMO_SEED, start_emulator
from runner import local_emulator
from runner.stacks import stack_base_url
from tests.postgres import free_port


def test_start_follows_the_base_url_and_stop_ends_only_what_was_started(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with start_emulator(DEMO_SEED) as foreign:  # someone else's emulator: never ours to stop
        local_emulator.ensure_running(url, tmp_path)
        record = json.loads((tmp_path / f"emulator-{url.rsplit(':', 1)[1]}.pid").read_text())
        assert local_emulator.is_up(url) and record["url"] == url

        assert local_emulator.stop(tmp_path) == [url]

        assert not local_emulator.is_up(url) and local_emulator.is_up(foreign.base_url)
        assert list(tmp_path.glob("*.pid")) == []


def test_a_pid_record_naming_another_process_is_not_signalled(tmp_path: Path) -> None:
    with start_emulator(DEMO_SEED) as other:
        # a record whose pid was reused by an unrelated process (here: another emulator, other command line)
        (tmp_path / "emulator-1.pid").write_text(json.dumps({"pid": other.pid, "url": "http://127.0.0.1:1",
                                                             "command": ["python", "-m", "emulator", "serve"]}))
        assert local_emulator.stop(tmp_path) == []
        assert other.alive() and not (tmp_path / "emulator-1.pid").exists()


def test_only_a_loopback_base_url_is_started(tmp_path: Path) -> None:
    with pytest.raises(local_emulator.EmulatorError, match="not a local emulator"):
        local_emulator.ensure_running("https://api.weixin.qq.com", tmp_path)


def test_the_stacks_base_url_comes_from_its_settings_file(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  wechat-iac:baseUrl: http://127.0.0.1:9100/\n")
    assert stack_base_url(tmp_path, "dev") == "http://127.0.0.1:9100"
    assert stack_base_url(tmp_path, "prod") == "https://api.weixin.qq.com"  # no settings: real WeChat
