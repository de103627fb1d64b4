"""Run preview/up/refresh/destroy on a stack with the real Pulumi CLI.

The program is this project's `__main__.py`, run in-process through the Automation API's inline
mode: the CLI connects back to the Python SDK's own language server (`--client`). Bare `pulumi up`
in the project folder runs the same `__main__.py` through the project's language host
(`bin/pulumi-language-python`, runner/langhost.py).

Opening a stack is guarded (runner.stacks: only dev is created on first use; the demo passphrase
opens nothing else) and a file backend gets first aid before the CLI touches it
(runner.state_repair). An `up` that finds the stack locked by another run waits for it, up to
`lock_wait` seconds: two runs on one stack take turns on the backend's lock.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from providers._base import TYPE_PREFIX
from providers._events import EVENTS_ENV
from providers._executor import REVIEWED_PLAN_ENV
from providers._preflight_reads import READS_ENV
from providers.fleet.ledger import LEDGER_ENV
from runner.display import VERBS, Display, EventsFile, Outcome
from runner.env import DEV_STACK, PROJECT_DIR, PulumiEnv, pulumi_env
from runner.stacks import check_secrets_provider, unknown_stack
from runner.state_repair import first_aid

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
    stack_name: str = DEV_STACK,
    project_dir: Path = PROJECT_DIR,
    env: PulumiEnv | None = None,
    extra_env: dict[str, str] | None = None,
    create: bool | None = None,
    on_output: Printer = print,
) -> auto.Stack:
    """Select the stack in its backend, after first aid for a file backend (runner.state_repair).

    Only the dev stack is created on first use (`create` overrides that, for tests); any other
    unknown stack raises StackError naming the stacks that exist and how to create one."""
    env = env or pulumi_env(stack_name)
    variables = dict(env.variables)
    # The dynamic-provider host imports `providers` by reference, from wherever the project is.
    variables["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    # In inline mode the engine does not hand Pulumi.yaml's `virtualenv` option to the
    # dynamic-provider plugin, which would then run the system python3; use ours.
    variables["PULUMI_PYTHON_CMD"] = sys.executable
    variables.update(extra_env or {})
    if LEDGER_ENV in variables:  # the inline program runs in this process (providers/fleet/gate.py)
        os.environ[LEDGER_ENV] = variables[LEDGER_ENV]
    check_secrets_provider(stack_name, project_dir, variables)
    workspace = auto.LocalWorkspace(
        work_dir=str(project_dir),
        program=project_program(project_dir),
        env_vars=variables,
        pulumi_command=auto.PulumiCommand(root=str(env.cli_dir.parent)),
    )
    heal(workspace, stack_name, on_output)
    if create if create is not None else stack_name == DEV_STACK:
        return auto.Stack.create_or_select(stack_name, workspace)
    try:
        return auto.Stack.select(stack_name, workspace)
    except auto.StackNotFoundError:
        raise unknown_stack(stack_name, workspace, env, project_dir) from None


def heal(workspace: auto.Workspace, stack_name: str, on_output: Printer = print) -> None:
    """First aid for a file backend (runner.state_repair), before the CLI reads the stack."""
    backend = workspace.env_vars.get("PULUMI_BACKEND_URL", "")
    if backend.startswith("file://"):
        project = workspace.project_settings().name
        first_aid(Path(urlsplit(backend).path), project, stack_name.split("/")[-1], on_output)


# The file/DIY backends' answer when another run holds the stack (pkg/backend/diy/lock.go).
LOCKED_MARK = "the stack is currently locked"
LOCK_HOLDER = re.compile(r"created by (\S+) \(pid (\d+)\) at (\S+)")
LOCK_PAUSES = (2.0, 3.0, 5.0, 8.0, 13.0, 20.0)


def run(operation: str, stack: auto.Stack, on_output: Printer = print, lock_wait: float = 0.0,
        **kwargs: Any) -> Any:
    """One engine operation, streaming the CLI's output; waits up to `lock_wait` seconds for a
    stack another run holds (the operation is retried: the lock is taken before anything runs)."""
    deadline, attempt = time.monotonic() + lock_wait, 0
    while True:
        heal(stack.workspace, stack.name, on_output)
        held: list[str] = []
        try:
            return _run_once(operation, stack, on_output, held if lock_wait > 0 else None, **kwargs)
        except auto.CommandError as error:
            if not held:
                raise
            holders = ", ".join(f"{user} (pid {pid}) since {at}" for user, pid, at in LOCK_HOLDER.findall(str(error)))
            pause = LOCK_PAUSES[min(attempt, len(LOCK_PAUSES) - 1)]
            if time.monotonic() + pause > deadline:
                for line in held:
                    on_output(line)
                on_output(f"gave up waiting for the lock after {lock_wait:g} s. If that run is gone (a killed job "
                          f"on another machine), remove its lock: pulumi cancel --stack {stack.name} --yes")
                raise
            on_output(f"stack {stack.name!r} is locked by another run ({holders or 'see the backend'}); "
                      f"waiting for it (trying again in {pause:g} s)")
            time.sleep(pause)
            attempt += 1


class OperationFailed(auto.CommandError):
    """The operation ended short of its goal: blocked, refused, failed, or a wait that ended first.

    `reason` is the one line the run ends with. A CommandError, so callers that catch the engine's
    failures catch this too."""

    def __init__(self, reason: str, outcome: Outcome | None = None, result: Any = None) -> None:
        super().__init__(CommandResult(stdout="", stderr=reason, code=1))
        self.reason, self.outcome = reason, outcome
        self.result = result  # the engine's result when the engine itself succeeded (a blocked preview)

    def __str__(self) -> str:
        return self.reason


def _run_once(operation: str, stack: auto.Stack, on_output: Printer, held: list[str] | None, *,
              verbose: bool = False, reviewed_plan: Path | None = None,
              on_event: Callable[[Any], None] | None = None,
              on_provider_event: Callable[[dict[str, Any]], None] | None = None, **kwargs: Any) -> Any:
    """One engine operation, shown as `runner.display` describes: a line per change and per write.

    Raises `OperationFailed` (a CommandError) when the engine fails, and also when a preview plans a
    blocked change or cannot read a resource's live state: the exit code says the same as `up`
    would. `reviewed_plan` (`up --plan FILE`): every provider refuses writes that file does not list.
    When `held` is a list, the CLI's "stack is locked" error goes there instead of to the screen.
    """
    display = Display(operation, on_output, verbose, on_provider_event)
    interrupted = False

    def notice(text: str) -> None:
        nonlocal interrupted
        interrupted = interrupted or INTERRUPTED_MARK in text

    def engine_event(event: Any) -> None:
        diagnostic = getattr(event, "diagnostic_event", None)
        notice(str(getattr(diagnostic, "message", "")))
        display.engine_event(event)
        if on_event is not None:
            on_event(event)

    def engine_output(text: str) -> None:
        notice(text)
        display.engine_output(text)

    def engine_error(text: str) -> None:
        notice(text)
        if held is not None and (held or LOCKED_MARK in text):
            held.append(text.rstrip("\n"))
        else:
            display.engine_error(text)

    options: dict[str, Any] = {"on_output": engine_output, "on_error": engine_error,
                               "on_event": engine_event, "color": "never", **kwargs}
    if operation in ("preview", "up"):
        options.setdefault("diff", verbose)
    if operation == "up":  # a failed resource stops only what depends on it: the others make their planned writes
        options.setdefault("continue_on_error", True)
    methods: dict[str, Callable[..., Any]] = {
        "preview": stack.preview, "up": stack.up, "refresh": stack.refresh, "destroy": stack.destroy}
    if operation not in methods:
        raise ValueError(f"unknown operation {operation!r}")
    display.say(f"{VERBS[operation]} stack {stack.name.split('/')[-1]!r}…")
    env = cast(dict[str, str], stack.workspace.env_vars)  # a LocalWorkspace's: the CLI's environment
    with tempfile.TemporaryDirectory(prefix="wechat-iac-") as folder, \
            EventsFile(Path(folder) / "events.jsonl", display.provider_event) as events:
        env[EVENTS_ENV] = str(events.path)
        # preflight's answers, for the host's diffs (_preflight_reads); the inline program runs in this process
        env[READS_ENV] = os.environ[READS_ENV] = str(Path(folder) / "preflight-reads.json")
        if reviewed_plan is not None:
            env[REVIEWED_PLAN_ENV] = str(reviewed_plan.resolve())
        started = time.monotonic()
        try:
            result = methods[operation](**options)
        except auto.CommandError:
            if held:
                raise  # another run holds the stack: `run` waits for it and tries again
            failed = True
        else:
            failed = False
        finally:
            env.pop(EVENTS_ENV, None)
            env.pop(READS_ENV, None)
            os.environ.pop(READS_ENV, None)
            env.pop(REVIEWED_PLAN_ENV, None)
    reason = display.outcome.reason()
    if failed:
        reason = reason or f"{operation} failed (see the errors above)"
    if reason is not None:
        display.say(reason)
        raise OperationFailed(reason, display.outcome, None if failed else result)
    counts = result.change_summary if operation == "preview" else result.summary.resource_changes
    display.summary({_op(op): int(count) for op, count in (counts or {}).items()}, time.monotonic() - started)
    if operation == "up" and interrupted:
        clear_redone_creates(stack, on_output)
    return result


def _op(op: Any) -> str:
    return str(getattr(op, "value", op))


# How the engine starts its warning about operations a killed run left in the state.
INTERRUPTED_MARK = "pending operations from previous deployment"


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
        and str(op["resource"].get("type", "")).startswith(TYPE_PREFIX)
    ]
    if not redone or len(redone) != len(pending):
        return
    stack.refresh(clear_pending_creates=True)
    on_output(f"cleared {len(redone)} interrupted create(s) left by a killed run: this run created them again")
