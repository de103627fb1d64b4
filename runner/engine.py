"""Run preview/up/refresh/destroy on a stack with the real Pulumi CLI.

The program is this project's `__main__.py`, run in-process through the Automation API's inline
mode: the CLI connects back to the Python SDK's own language server (`--client`). That is how the
project runs without a separately built `pulumi-language-python` (the module proxy here does not
serve it); with a full Pulumi install, `pulumi up` in the project folder runs the same program.
"""

from __future__ import annotations

import json
import os
import runpy
import socket
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


def clear_stale_locks(stack: auto.Stack, on_output: Printer = print) -> list[Path]:
    """Remove the file backend's locks on this stack that a killed `pulumi` left behind.

    The file backend locks a stack with a file naming the pid and host of the `pulumi` process
    holding it; a process killed with SIGKILL never removes it, and every later run then stops
    with "the stack is currently locked ... `pulumi cancel`". A lock whose process is provably
    gone (this host, no such process) is removed; any other lock is left for Pulumi to report.
    """
    url = stack.workspace.env_vars.get("PULUMI_BACKEND_URL", "")
    if not url.startswith("file://"):
        return []
    locks = Path(url.removeprefix("file://")) / ".pulumi" / "locks"
    name, project = stack.name.split("/")[-1], stack.workspace.project_settings().name
    removed = []
    for path in [*locks.glob(f"*/{project}/{name}/*.json"), *locks.glob(f"{name}/*.json")]:
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
            pid, host = int(owner["pid"]), str(owner["hostname"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if host != socket.gethostname() or _running(pid):
            continue
        for stale in (path, path.with_name(path.name + ".attrs")):
            stale.unlink(missing_ok=True)
        on_output(f"removed a stale lock on stack {name!r}: pulumi (pid {pid}) ended without releasing it")
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a pid we cannot judge: keep the lock
    try:  # a killed process its parent has not reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def run(operation: str, stack: auto.Stack, on_output: Printer = print, **kwargs: Any) -> Any:
    """One engine operation, streaming the CLI's output.

    The dynamic-provider host's own prints (each resource's plan lines: drift, calls, warnings,
    manual steps) reach the CLI's stderr, so that stream is shown too, without blank lines.
    """
    clear_stale_locks(stack, on_output)
    interrupted = False

    def show(text: str) -> None:
        nonlocal interrupted
        interrupted = interrupted or INTERRUPTED_MARK in text
        on_output(text)

    def on_error(text: str) -> None:
        if text.strip():
            show(text.rstrip("\n"))

    if operation == "preview":
        return stack.preview(diff=True, on_output=show, on_error=on_error, **kwargs)
    if operation == "up":
        result = stack.up(diff=True, on_output=show, on_error=on_error, **kwargs)
        if interrupted:
            clear_redone_creates(stack, on_output)
        return result
    if operation == "refresh":
        return stack.refresh(on_output=show, on_error=on_error, **kwargs)
    if operation == "destroy":
        return stack.destroy(on_output=show, on_error=on_error, **kwargs)
    raise ValueError(f"unknown operation {operation!r}")


# How the engine starts its warning about operations a killed run left in the state.
INTERRUPTED_MARK = "pending operations from previous deployment"
OUR_TYPES = "pulumi-python:dynamic/wechat:"


def clear_redone_creates(stack: auto.Stack, on_output: Printer = print) -> None:
    """After a successful `up`, drop the records of creates a killed run left pending, when this
    run created every one of those resources again.

    The engine keeps such records forever (only an interactive `pulumi refresh` clears them) and
    warns about them on every later run. For this project's resources the record is moot once the
    resource exists again: the id is `<appid>/<kind>`, and create converges from the live state,
    so there is no orphan to find. Records of any other kind are left alone.
    """
    deployment = stack.export_stack().deployment or {}
    pending = deployment.get("pending_operations") or []
    existing = {resource["urn"] for resource in deployment.get("resources") or []}
    redone = [
        op for op in pending
        if op.get("type") == "creating" and op["resource"]["urn"] in existing
        and str(op["resource"].get("type", "")).startswith(OUR_TYPES)
    ]
    if not redone or len(redone) != len(pending):
        return
    stack.refresh(clear_pending_creates=True)
    on_output(f"cleared {len(redone)} interrupted create(s) left by a killed run: this run created them again")
