"""Which backend a stack uses, what `runner env` prints, and how backends are shown (runner/env.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.env import (
    BACKEND_FROM_ENV,
    BACKEND_FROM_LOGIN,
    BACKEND_LOCAL_DEV,
    DEV_PASSPHRASE,
    EnvError,
    display_backend,
    pulumi_env,
    shell_exports,
)

CLI = Path("/opt/pulumi/bin")


def user_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PULUMI_HOME": str(tmp_path / "home"), **values}


def test_the_users_backend_wins_for_every_stack(tmp_path: Path) -> None:
    environ = user_env(tmp_path, PULUMI_BACKEND_URL="postgres://ci:pw@db:5432/state")
    for stack in ("dev", "prod"):
        env = pulumi_env(stack, cli_dir=CLI, environ=environ)
        assert (env.backend, env.backend_source) == ("postgres://ci:pw@db:5432/state", BACKEND_FROM_ENV)


def test_pulumi_login_counts_as_the_users_backend(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "credentials.json").write_text(json.dumps({"current": "s3://team-state/wechat"}))
    env = pulumi_env("prod", cli_dir=CLI, environ=user_env(tmp_path))
    assert (env.backend, env.backend_source) == ("s3://team-state/wechat", BACKEND_FROM_LOGIN)


def test_only_the_dev_stack_falls_back_to_the_checkouts_file_backend(tmp_path: Path) -> None:
    env = pulumi_env("dev", cli_dir=CLI, environ=user_env(tmp_path))
    assert env.backend_source == BACKEND_LOCAL_DEV and env.file_backend is not None
    assert env.variables["PULUMI_CONFIG_PASSPHRASE"] == DEV_PASSPHRASE
    with pytest.raises(EnvError, match="needs a backend the team shares"):
        pulumi_env("prod", cli_dir=CLI, environ=user_env(tmp_path))


def test_the_demo_passphrase_is_set_for_dev_only(tmp_path: Path) -> None:
    environ = user_env(tmp_path, PULUMI_BACKEND_URL="file:///x", PULUMI_CONFIG_PASSPHRASE="team-passphrase-123")
    assert "PULUMI_CONFIG_PASSPHRASE" not in pulumi_env("prod", cli_dir=CLI, environ=environ).variables
    # the dev stack's settings are committed, encrypted with the demo passphrase: nothing else opens them
    assert pulumi_env("dev", cli_dir=CLI, environ=environ).variables["PULUMI_CONFIG_PASSPHRASE"] == DEV_PASSPHRASE


def test_a_private_state_folder_ignores_the_callers_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "postgres://prod-db/state")
    env = pulumi_env("dev", state_dir=tmp_path / "state", cli_dir=CLI)
    assert env.backend == f"file://{tmp_path / 'state' / 'backend'}"
    assert env.variables["PULUMI_HOME"] == str(tmp_path / "state" / "pulumi-home")


def test_shell_exports_put_bin_and_the_cli_on_path_and_leave_the_users_backend_alone(tmp_path: Path) -> None:
    dev = pulumi_env("dev", cli_dir=CLI, environ=user_env(tmp_path))
    text = shell_exports(dev, "dev", {"WECHAT_EMULATOR_URL": "http://127.0.0.1:9000"})
    assert text.splitlines()[0].startswith("export PATH=") and "/bin:/opt/pulumi/bin" in text.splitlines()[0]
    assert f"export PULUMI_BACKEND_URL=file://{tmp_path}" not in text  # the checkout's .state, not tmp
    assert "export PULUMI_BACKEND_URL=file://" in text and f"export PULUMI_CONFIG_PASSPHRASE={DEV_PASSPHRASE}" in text
    assert "export WECHAT_EMULATOR_URL=http://127.0.0.1:9000" in text

    prod = pulumi_env("prod", cli_dir=CLI, environ=user_env(tmp_path, PULUMI_BACKEND_URL="postgres://u:pw@h/db"))
    text = shell_exports(prod, "prod")
    assert "export PULUMI_BACKEND_URL" not in text and "pw" not in text
    assert 'export WECHAT_IAC_FLEET_LEDGER="${WECHAT_IAC_FLEET_LEDGER:-$PULUMI_BACKEND_URL}"' in text  # the fleet's
    assert "export PULUMI_CONFIG_PASSPHRASE" not in text and "unset PULUMI_CONFIG_PASSPHRASE" in text


@pytest.mark.parametrize(("url", "shown"), [
    ("postgres://ci:s3cret@db.example.com:5432/state?sslmode=require",
     "postgres://ci:***@db.example.com:5432/state?sslmode=require"),
    ("s3://bucket/prefix?endpoint=minio:9000&secret_key=abc", "s3://bucket/prefix?endpoint=minio:9000&secret_key=***"),
    ("https://api.pulumi.com", "https://api.pulumi.com"),
])
def test_display_backend_never_shows_a_password(url: str, shown: str) -> None:
    assert display_backend(url) == shown


def test_display_backend_for_a_pull_request_hides_home_folders() -> None:
    project = Path("/work/project")
    assert display_backend("file:///work/project/.state/backend", project) == "file://.state/backend"
    assert display_backend("file:///home/someone/state", project) == "file://…/state"
