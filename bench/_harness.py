"""Private project copies driven by the real Pulumi CLI (as tests/e2e/conftest.py does, without
pytest): one stack each, with its own file backend and token cache.

The rest of the machinery sits beside it: the generated world (`_world`), the emulator's call log
(`_calls`), process memory and CPU (`_procs`), tables and the results file (`_report`). Nothing
here is timed by itself; the scripts next to it are the benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi import automation as auto  # noqa: E402

from bench._procs import Processes, Usage  # noqa: E402
from runner import engine  # noqa: E402
from runner.env import PulumiEnv, find_pulumi_cli, pulumi_env  # noqa: E402

BENCH_DIR = ROOT / "bench"
HOOKS_DIR = BENCH_DIR / "hooks"  # sitecustomize for the provider host (profiling), opt-in by env var
PROJECT_FILES = ("Pulumi.yaml", "__main__.py")
STACK = "bench"

# --- a private project copy and its stack ----------------------------------------------------------
FLOOR_PROGRAM = '''"""Benchmark floor: the real stack's shape (N components of K children) in Noop resources."""

import pulumi

from providers.noop import Noop

config = pulumi.Config()
for i in range(config.require_int("benchApps")):
    name = f"app-{i:03d}"
    parent = pulumi.ComponentResource("wechat:index:MiniProgram", name, None)
    children = pulumi.ResourceOptions(parent=parent)
    for j in range(config.require_int("benchResourcesPerApp")):
        Noop(f"{name}-r{j}", "steady", children)
    parent.register_outputs({"appid": name})
    pulumi.export(name, name)
'''


_CLI_DIR: Path | None = None


def cli_dir() -> Path:
    global _CLI_DIR
    if _CLI_DIR is None:
        _CLI_DIR = find_pulumi_cli()
    return _CLI_DIR


@dataclass
class Run:
    """One engine operation: how long it took (wall, from the bench process) and what it reported."""

    operation: str
    seconds: float
    changes: dict[str, int]
    usage: Usage | None = None  # memory and CPU of the CLI, provider host and program, if measured


@dataclass
class BenchStack:
    """One stack in a private project copy with its own file backend and token cache."""

    root: Path
    project_dir: Path
    env: PulumiEnv
    stack: auto.Stack
    token_dir: Path
    parallel: int | None = None  # the engine's --parallel for every run (None: Pulumi's default)
    output: list[str] = field(default_factory=list)

    def run(self, operation: str, measure: bool = False, **kwargs: Any) -> Run:
        """One operation; `measure` samples the processes' memory and CPU (bench/_procs.py)."""
        self.output.append(f"--- {operation} ---")
        if self.parallel and operation in ("preview", "up", "destroy", "refresh"):
            kwargs.setdefault("parallel", self.parallel)
        sampler = Processes() if measure else None
        started = time.perf_counter()
        with sampler or contextlib.nullcontext():
            result = engine.run(operation, self.stack, on_output=self.output.append, **kwargs)
        seconds = time.perf_counter() - started
        if operation == "preview":
            changes = dict(result.change_summary or {})
        else:
            changes = dict(result.summary.resource_changes or {})
        return Run(operation, seconds, {str(k): int(v) for k, v in changes.items()},
                   sampler.usage if sampler else None)

    def effective_parallel(self) -> int:
        """The CLI's --parallel: ours, else PULUMI_PARALLEL (runner/env.py sets it), else Pulumi's 4 x cores."""
        value = self.parallel or self.stack.workspace.env_vars.get("PULUMI_PARALLEL") or os.environ.get(
            "PULUMI_PARALLEL")
        return int(value) if value else 4 * (os.cpu_count() or 1)

    def resource_types(self) -> Counter[str]:
        deployment = self.stack.export_stack().deployment or {}
        return Counter(str(r["type"]) for r in deployment.get("resources", []))

    def clear_tokens(self) -> None:
        shutil.rmtree(self.token_dir, ignore_errors=True)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output[-lines:])


class EventClock:
    """Arrival time of the CLI's engine events (the Automation API tails the event log)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, event: Any) -> None:
        now = time.perf_counter() - self.started
        for kind in ("prelude_event", "resource_pre_event", "res_outputs_event", "diagnostic_event",
                     "summary_event", "cancel_event", "policy_event"):
            if getattr(event, kind, None) is not None:
                self.counts[kind] = self.counts.get(kind, 0) + 1
                self.marks.setdefault(f"first {kind}", now)
                self.marks[f"last {kind}"] = now

    def timeline(self) -> str:
        """The marks in order: 'first resource_pre_event +1.23 s, ...'."""
        return ", ".join(f"{key} +{value:.1f} s" for key, value in sorted(self.marks.items(), key=lambda kv: kv[1]))


def make_stack(root: Path, *, program: str | None = None, config: dict[str, auto.ConfigValue] | None = None,
               extra_env: dict[str, str] | None = None, parallel: int | None = None) -> BenchStack:
    """A project copy under `root` (project files; `program` replaces __main__.py), a file backend
    and token cache of its own, and the stack `bench` in it with `config` set."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, project / name)
    if not (project / "bin").exists():  # Pulumi.yaml's `plugins` names bin/ (the provider host)
        (project / "bin").symlink_to(ROOT / "bin")
    if program is not None:
        (project / "__main__.py").write_text(program, encoding="utf-8")
    env = pulumi_env(STACK, state_dir=root / "state", cli_dir=cli_dir())
    token_dir = root / "tokens"
    # not the dev stack, so not its demo passphrase (runner.stacks refuses it for any other stack)
    environment = {"WECHAT_IAC_TOKEN_CACHE": str(token_dir), "PULUMI_CONFIG_PASSPHRASE": "bench-only-passphrase",
                   **(extra_env or {})}
    stack = engine.open_stack(STACK, project_dir=project, env=env, extra_env=environment, create=True)
    if config:
        stack.set_all_config(config)
    return BenchStack(root, project, env, stack, token_dir, parallel)


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"wechat-iac-bench-{prefix}-"))


def converge(bench: BenchStack, attempts: int = 3) -> int:
    """`up` until a preview shows no change (bounded); returns how many ups it took.

    Set-up is never timed, so these ups skip the file backend's per-step checkpoints (a first `up`
    of 100 mini-programs: 41 s instead of 318 s); the state written at the end is the same.
    """
    variables = bench.stack.workspace.env_vars  # the dict open_stack passed: the CLI's environment
    assert isinstance(variables, dict)
    before = variables.get("PULUMI_SKIP_CHECKPOINTS")
    variables["PULUMI_SKIP_CHECKPOINTS"] = "true"
    try:
        for attempt in range(1, attempts + 1):
            bench.run("up")
            preview = bench.run("preview")
            if not changed(preview):
                return attempt
    finally:
        if before is None:
            variables.pop("PULUMI_SKIP_CHECKPOINTS", None)
        else:
            variables["PULUMI_SKIP_CHECKPOINTS"] = before
    raise RuntimeError(f"the stack did not converge after {attempts} ups:\n{bench.tail()}")


def changed(run: Run) -> dict[str, int]:
    return {kind: count for kind, count in run.changes.items() if kind != "same" and count}


def no_op(bench: BenchStack, operation: str, measure: bool = False) -> Run:
    """One operation that must change nothing (the stack was converged first); raises otherwise."""
    run = bench.run(operation, measure=measure)
    if changed(run):
        raise RuntimeError(f"expected a no-op {operation}, got {run.changes}:\n{bench.tail()}")
    return run


