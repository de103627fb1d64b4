"""`python -m runner` ends every failure with a message and a non-zero status, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runner import __main__ as cli
from runner.env import PROJECT_DIR, EnvError


def test_a_problem_the_user_can_fix_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "dispatch", lambda argv: (_ for _ in ()).throw(EnvError("no backend: set one")))
    assert cli.main(["up"]) == 1
    assert capsys.readouterr().err == "error: no backend: set one\n"


def test_a_bug_is_reported_without_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("WECHAT_IAC_DEBUG", raising=False)
    monkeypatch.setattr(cli, "dispatch", lambda argv: {}["missing"])
    assert cli.main(["up"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: KeyError: 'missing'") and "Traceback" not in err and "WECHAT_IAC_DEBUG=1" in err


def test_a_real_stack_without_a_backend_from_the_command_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PULUMI_HOME": str(tmp_path / "pulumi-home")}
    done = subprocess.run([sys.executable, "-m", "runner", "preview", "--stack", "prod"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "needs a backend the team shares" in done.stderr
