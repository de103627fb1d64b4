"""End-to-end harness: a throwaway copy of the project, driven by the real Pulumi CLI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from runner import engine
from runner.env import PROJECT_DIR, PulumiEnv, find_pulumi_cli, pulumi_env

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py")


@pytest.fixture(scope="session")
def pulumi_cli_dir() -> Path:
    return find_pulumi_cli()


class StackHarness:
    """One stack in a private project copy and file backend; records what the CLI printed."""

    def __init__(self, project_dir: Path, env: PulumiEnv, stack_name: str, extra_env: dict[str, str]):
        self.project_dir = project_dir
        self.output: list[str] = []
        self.stack = engine.open_stack(stack_name, project_dir=project_dir, env=env, extra_env=extra_env)

    def set_config(self, key: str, value: str, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def _run(self, operation: str, **kwargs: Any) -> Any:
        self.output.append(f"--- {operation} ---")
        return engine.run(operation, self.stack, on_output=self.output.append, **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self._run("preview", **kwargs)

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self._run("up", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self._run("refresh", **kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self._run("destroy", **kwargs)

    def text(self) -> str:
        return "\n".join(self.output)


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
