"""`python -m runner fleet`: a fleet's shard stacks, made and run in parallel on this machine.

    fleet init STACK --shards N          create STACK-shard-I-of-N (I = 0..N-1) with STACK's settings
                                         (secrets re-encrypted through stdin) and `shard: I/N`
    fleet up|preview STACK --shards N [--jobs J] [--lock-wait S]
                                         one `python -m runner up|preview --stack STACK-shard-I-of-N`
                                         process per shard, J at once (default: all), each line of
                                         output prefixed with its shard; exit 1 if any shard failed

Why processes: each shard is a Pulumi stack with its own engine, CLI process and provider host (about
0.9 GB of CLI for 1,000 mini-programs); the Automation API drives each (`runner.engine`), and an
inline program must run in a process of its own (runner/drive.py says why). The shards share the
state backend and the fleet ledger, so they may run at once here, or on several machines as a CI
matrix, which is the engine this project uses beyond one machine (.github/workflows/wechat-fleet.yml):
one job per shard, nothing home-made in between.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pulumi import automation as auto

from providers.fleet.shards import SHARD_CONFIG, shard_stack
from runner import engine
from runner.env import PROJECT_DIR, RunnerError, find_pulumi_cli, pulumi_env
from runner.stacks import set_secret

Printer = Callable[[str], None]


@dataclass(frozen=True)
class ShardRun:
    stack: str
    returncode: int
    fleet_lines: tuple[str, ...]  # what the fleet planner printed (its summary and groups)


def shard_names(base: str, count: int) -> list[str]:
    if count < 1:
        raise RunnerError("--shards must be at least 1")
    return [shard_stack(base, index, count) for index in range(count)]


def init(base: str, count: int, on_output: Printer = print, project_dir: Path = PROJECT_DIR,
         state_dir: Path | None = None, cli_dir: Path | None = None) -> list[str]:
    """Create the shard stacks of `base` with its settings; the shard key says which slice each is."""
    env = pulumi_env(base, state_dir=state_dir, cli_dir=cli_dir)
    source = engine.open_stack(base, project_dir=project_dir, env=env, on_output=on_output)
    settings = source.get_all_config()
    existing = {summary.name for summary in source.workspace.list_stacks()}
    made = []
    for index, name in enumerate(shard_names(base, count)):
        if name in existing:
            raise RunnerError(f"stack {name!r} already exists; remove it first (pulumi stack rm {name}) or pick "
                              "another --shards")
        created = auto.Stack.create(name, source.workspace)
        plain = {key: value for key, value in settings.items() if not value.secret}
        created.set_all_config({**plain, f"wechat-iac:{SHARD_CONFIG}": auto.ConfigValue(f"{index}/{count}")})
        for key, value in settings.items():
            if value.secret:  # stdin, never argv
                set_secret(env, dict(source.workspace.env_vars), name, key, value.value, project_dir)
        made.append(name)
        on_output(f"created {name} (shard {index}/{count}) with the {len(settings)} settings of {base}")
    on_output(f"commit Pulumi.{base}-shard-*-of-{count}.yaml; run them with: python -m runner fleet up {base} "
              f"--shards {count}")
    return made


def run_shards(commands: Sequence[tuple[str, list[str]]], jobs: int, on_output: Printer = print) -> list[ShardRun]:
    """Run each (stack, argv) command, at most `jobs` at once, prefixing every line with its stack."""
    lock = threading.Lock()

    def one(item: tuple[str, list[str]]) -> ShardRun:
        stack, argv = item
        fleet: list[str] = []
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   cwd=str(PROJECT_DIR))
        assert process.stdout is not None
        for line in process.stdout:
            text = line.rstrip("\n")
            if text.startswith("fleet "):
                fleet.append(text)
            with lock:
                on_output(f"[{stack}] {text}")
        return ShardRun(stack, process.wait(), tuple(fleet))

    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="shard") as pool:
        return list(pool.map(one, commands))


def report(runs: Iterable[ShardRun], operation: str, on_output: Printer = print) -> int:
    runs = list(runs)
    failed = [run.stack for run in runs if run.returncode != 0]
    on_output(f"fleet {operation}: {len(runs) - len(failed)} of {len(runs)} shards succeeded"
              + (f"; failed: {', '.join(failed)}" if failed else ""))
    for run in runs:
        for line in run.fleet_lines[:1]:  # each shard's summary line
            on_output(f"  {run.stack}: {line}")
    return 1 if failed else 0


def commands(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """One command per shard: `python -m runner OP --stack SHARD`, or, for another project copy (tests),
    `python -m runner.drive OP --project P --state S --cli C --stack SHARD` (environment inherited)."""
    out = []
    for name in shard_names(args.stack, args.shards):
        if args.state is None:
            argv = [sys.executable, "-m", "runner", args.action, "--stack", name, "--lock-wait", str(args.lock_wait)]
        else:
            argv = [sys.executable, "-m", "runner.drive", args.action, "--project", str(args.project.resolve()),
                    "--state", str(args.state), "--cli", str(args.cli or find_pulumi_cli()), "--stack", name,
                    "--lock-wait", str(args.lock_wait)]
        out.append((name, argv))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner fleet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["init", "up", "preview"])
    parser.add_argument("stack", help="the base stack (its shards are STACK-shard-I-of-N)")
    parser.add_argument("--shards", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=0, help="shards run at once (default: all)")
    parser.add_argument("--lock-wait", type=float, default=600.0, metavar="SECONDS")
    where = parser.add_argument_group("another project copy (tests, CI)")
    where.add_argument("--project", type=Path, default=PROJECT_DIR, help="project folder (default: this one)")
    where.add_argument("--state", type=Path, help="state folder (default: the user's backend)")
    where.add_argument("--cli", type=Path, help="folder holding the pulumi CLI (default: found or built)")
    args = parser.parse_args(argv)
    if args.action == "init":
        init(args.stack, args.shards, project_dir=args.project.resolve(), state_dir=args.state, cli_dir=args.cli)
        return 0
    return report(run_shards(commands(args), args.jobs or args.shards), args.action)
