"""End-to-end harness: a throwaway copy of the project, driven by the real Pulumi CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from runner import engine
from runner.drive import RESULT_PREFIX
from runner.env import PROJECT_DIR, PulumiEnv, find_pulumi_cli, pulumi_env

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py")
OPERATION_TIMEOUT = 600


@pytest.fixture(scope="session")
def pulumi_cli_dir() -> Path:
    return find_pulumi_cli()


class StackHarness:
    """One stack in a private project copy and file backend; records what the CLI printed.

    preview/up/refresh/destroy run in a process of their own through `python -m runner.drive`
    (see its docstring for why never in the pytest process); config and state exports, which run
    no program, use the Automation API here. Results keep the Automation API's attribute names.
    """

    def __init__(self, project_dir: Path, env: PulumiEnv, stack_name: str, extra_env: dict[str, str]):
        self.project_dir = project_dir
        self.env = env
        self.stack_name = stack_name
        self.extra_env = extra_env
        self.output: list[str] = []
        self.after_operation: Any = None  # called after each CLI operation (the fault suite's ledger)
        self.stack = engine.open_stack(stack_name, project_dir=project_dir, env=env, extra_env=extra_env)

    def set_config(self, key: str, value: str, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def _run(self, operation: str, *extra: str) -> Any:
        self.output.append(f"--- {operation} ---")
        command = [
            sys.executable, "-m", "runner.drive", operation,
            "--project", str(self.project_dir), "--state", str(self.env.state_dir),
            "--cli", str(self.env.cli_dir), "--stack", self.stack_name, "--env", json.dumps(self.extra_env), *extra,
        ]
        try:
            completed = subprocess.run(
                command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=OPERATION_TIMEOUT, check=False
            )
        finally:
            if self.after_operation is not None:
                self.after_operation()
        result: dict[str, Any] = {}
        for line in completed.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                result = json.loads(line[len(RESULT_PREFIX):])
            elif line.strip() and not line.startswith("DRIVER: "):
                self.output.append(line)
        if completed.stderr.strip():
            self.output.append(completed.stderr.rstrip())
        if completed.returncode != 0 or result.get("failed"):
            raise auto.CommandError(CommandResult(self.text(), completed.stderr, completed.returncode or 1))
        return _namespace(result)

    def preview(self, *extra: str) -> Any:
        return self._run("preview", *extra)

    def up(self, *extra: str) -> Any:
        """`up`; extra arguments as `python -m runner up` takes them (`--plan FILE`, `--verbose`)."""
        return self._run("up", *extra)

    def refresh(self) -> Any:
        return self._run("refresh")

    def destroy(self) -> Any:
        return self._run("destroy")

    def text(self) -> str:
        return "\n".join(self.output)


def _namespace(value: Any) -> Any:
    """JSON result -> attribute access (`up().summary.result`); plain dicts stay dicts inside."""
    if isinstance(value, dict) and set(value) & {"summary", "change_summary", "outputs", "failed"}:
        return SimpleNamespace(**{key: _namespace(item) if key == "summary" else item for key, item in value.items()})
    if isinstance(value, dict) and "result" in value:
        return SimpleNamespace(**value)
    return value


@pytest.fixture
def make_stack(tmp_path: Path, pulumi_cli_dir: Path) -> Iterator[Any]:
    """Factory: make_stack(specs={name: yaml_text}, config={key: value}) -> StackHarness (dev stack)."""

    def factory(
        specs: dict[str, str] | None = None,
        config: dict[str, str] | None = None,
        extra_env: dict[str, str] | None = None,
        stack_name: str = "dev",
    ) -> StackHarness:
        project = tmp_path / "project"
        project.mkdir(exist_ok=True)
        for name in PROJECT_FILES:
            shutil.copy(PROJECT_DIR / name, project / name)
        if not (project / "bin").exists():  # Pulumi.yaml's `plugins` names bin/ (the provider host)
            (project / "bin").symlink_to(PROJECT_DIR / "bin")
        if specs is None:
            shutil.copytree(PROJECT_DIR / "specs", project / "specs", dirs_exist_ok=True)
        else:
            (project / "specs").mkdir(exist_ok=True)
            for name, text in specs.items():
                (project / "specs" / name).write_text(text)
        env = pulumi_env(state_dir=tmp_path / "state", cli_dir=pulumi_cli_dir)
        environment = {"WECHAT_IAC_TOKEN_CACHE": str(tmp_path / "tokens"), **(extra_env or {})}
        harness = StackHarness(project, env, stack_name, environment)
        for key, value in (config or {}).items():
            harness.set_config(key, value)
        return harness

    yield factory


@pytest.fixture
def shop(make_stack: Any, emu: Any) -> Any:
    """Factory: shop(yaml_text) -> a StackHarness whose only spec is specs/shop.yaml, against `emu`."""

    def factory(text: str) -> Any:
        return make_stack(specs={"shop.yaml": text}, config={"baseUrl": emu.base_url})

    return factory
@pytest.fixture(autouse=True)
def _fault_suite_invariant(request: pytest.FixtureRequest) -> Iterator[None]:
    """tests/e2e/test_faults*: never a second commit or submission per app and version (see
    tests/reliability/support.py); other e2e tests are not checked here."""
    if not request.module.__name__.rsplit(".", 1)[-1].startswith("test_faults"):
        yield
        return
    yield from _invariant(request)


def _invariant(request: pytest.FixtureRequest) -> Iterator[None]:
    from tests.reliability import support

    support._watched.clear()
    support._snapshots.clear()
    yield
    table = support.check_one_commit_one_submission(request.node.nodeid)
    if table:
        print(f"WRITES[{request.node.nodeid}] {table}")


@pytest.fixture
def runs(tmp_path: Path, pulumi_cli_dir: Path) -> Iterator[Any]:
    """Factory: runs(stack, operation="up") starts `python -m runner.drive` in a process group of its
    own (tests/reliability/support.CliProcess), so a test can race or SIGKILL it; whatever is left
    running is killed, by id, at the end."""
    from tests.reliability.support import CliProcess

    started: list[CliProcess] = []

    def start(stack: Any, operation: str = "up") -> CliProcess:
        log = tmp_path / f"{stack.stack_name}-{operation}-{len(started)}.log"
        process = CliProcess(stack, operation, log, pulumi_cli_dir)
        started.append(process)
        return process

    yield start
    for process in started:
        process.cleanup()
