"""Run preview/up/refresh/destroy on a stack with the real Pulumi CLI.

The program is this project's `__main__.py`, run in-process through the Automation API's inline
mode: the CLI connects back to the Python SDK's own language server (`--client`). That is how the
project runs without a separately built `pulumi-language-python` (the module proxy here does not
serve it); with a full Pulumi install, `pulumi up` in the project folder runs the same program.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from runner.env import PROJECT_DIR, PulumiEnv, pulumi_env

Printer = Callable[[str], None]


def project_program(project_dir: Path) -> Callable[[], None]:
    """The project's `__main__.py` as an inline program, exactly as the language host runs it."""
    main = str(project_dir / "__main__.py")

    def program() -> None:
        # The language host runs programs from the project folder; spec paths rely on it.
        previous = os.getcwd()
        os.chdir(project_dir)
        try:
            runpy.run_path(main, run_name="__main__")
        finally:
            os.chdir(previous)

    return program


def open_stack(
    stack_name: str = "dev",
    project_dir: Path = PROJECT_DIR,
    env: PulumiEnv | None = None,
    extra_env: dict[str, str] | None = None,
) -> auto.Stack:
    """Select the stack (creating it on first use) in the project's file backend."""
    env = env or pulumi_env()
    variables = dict(env.variables)
    # The dynamic-provider host imports `providers` by reference, from wherever the project is.
    variables["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    # In inline mode the engine does not hand Pulumi.yaml's `virtualenv` option to the
    # dynamic-provider plugin, which would then run the system python3; use ours.
    variables["PULUMI_PYTHON_CMD"] = sys.executable
    variables.update(extra_env or {})
    workspace = auto.LocalWorkspace(
        work_dir=str(project_dir),
        program=project_program(project_dir),
        env_vars=variables,
        pulumi_command=auto.PulumiCommand(root=str(env.cli_dir.parent)),
    )
    return auto.Stack.create_or_select(stack_name, workspace)


def run(operation: str, stack: auto.Stack, on_output: Printer = print, **kwargs: Any) -> Any:
    """One engine operation, streaming the CLI's output.

    The dynamic-provider host's own prints (each resource's plan lines: drift, calls, warnings,
    manual steps) reach the CLI's stderr, so that stream is shown too, without blank lines.
    """

    def on_error(text: str) -> None:
        if text.strip():
            on_output(text.rstrip("\n"))

    if operation == "preview":
        return stack.preview(diff=True, on_output=on_output, on_error=on_error, **kwargs)
    if operation == "up":
        return stack.up(diff=True, on_output=on_output, on_error=on_error, **kwargs)
    if operation == "refresh":
        return stack.refresh(on_output=on_output, on_error=on_error, **kwargs)
    if operation == "destroy":
        return stack.destroy(on_output=on_output, on_error=on_error, **kwargs)
    raise ValueError(f"unknown operation {operation!r}")
