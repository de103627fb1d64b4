"""Settings side by side: a no-op `preview` (or `up`) of N mini-programs under each setting, in
alternating rounds on one stack, medians of wall time and of the CPU of the CLI, the provider host
and the program; calls per run. One lever against another in one run, on the same load.

    .venv/bin/python bench/settings.py --variant NAME=KEY=VALUE[,KEY=VALUE] --variant ... [--apps 100]
        [--operation preview|up] [--runs 3] [--latency-ms L] [--parallel P] [--no-save]

E.g. `--variant shipped=WECHAT_IAC_SDK_TRIMS=0 --variant trimmed=` (an empty setting: as configured).
A variant's environment goes to the CLI and the provider host (the stack's environment) and to this
process, where the inline program runs. The stack is brought to a no-op first (not timed); each
round runs every variant once, in a rotating order, so a change in the machine's load spreads over all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._calls import count_calls
from bench._harness import BenchStack, Run, changed, converge, make_stack, scratch_dir
from bench._report import command_line, load_average, machine, median, report, table, titled
from bench._world import add_latency, bench_seed, stack_config, write_specs
from emulator.testing import EmulatorControl, start_emulator


def run_with(bench: BenchStack, operation: str, env: dict[str, str]) -> Run:
    """One measured no-op under `env` (the CLI's and host's environment, and this process's)."""
    variables = bench.stack.workspace.env_vars
    assert isinstance(variables, dict)
    saved = {key: (variables.get(key), os.environ.get(key)) for key in env}
    variables.update(env)
    os.environ.update(env)
    try:
        run = bench.run(operation, measure=True)
    finally:
        for key, (cli, here) in saved.items():
            for where, value in ((variables, cli), (os.environ, here)):
                if value is None:
                    where.pop(key, None)
                else:
                    where[key] = value
    if changed(run):
        raise RuntimeError(f"expected a no-op {operation}, got {run.changes}:\n{bench.tail()}")
    return run


def measure(apps: int, variants: dict[str, dict[str, str]], operation: str, runs: int, latency: float,
            parallel: int | None) -> dict[str, list[tuple[Run, int]]]:
    root = scratch_dir(f"settings{apps}")
    results: dict[str, list[tuple[Run, int]]] = {name: [] for name in variants}
    try:
        with start_emulator(bench_seed(apps, live_version="1.0.0"), timeout=120) as emu:
            control = EmulatorControl(emu.base_url, timeout=60)
            bench = make_stack(root, config=stack_config(emu.base_url), parallel=parallel)
            write_specs(bench.project_dir, apps)
            converge(bench)
            add_latency(control, latency)
            names = list(variants)
            for round_ in range(runs):
                for name in names[round_ % len(names):] + names[: round_ % len(names)]:
                    control.clear_calls()
                    run = run_with(bench, operation, variants[name])
                    results[name].append((run, count_calls(control.calls()).total))
                    print(f"round {round_ + 1} {name}: {run.seconds:.2f} s", flush=True)
            control.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return results


def render(results: dict[str, list[tuple[Run, int]]], variants: dict[str, dict[str, str]]) -> str:
    rows: list[list[Any]] = []
    first: float | None = None
    for name, runs in results.items():
        wall = median([run.seconds for run, _ in runs])
        first = first if first is not None else wall
        cpu = {who: median([run.usage.seconds(who) if run.usage else 0.0 for run, _ in runs])
               for who in ("cli", "host", "program")}
        setting = ", ".join(f"{k}={v}" for k, v in variants[name].items()) or "as configured"
        rows.append([f"`{name}`", setting, wall, f"{wall / first:.2f}x", cpu["cli"], cpu["host"], cpu["program"],
                     sum(cpu.values()), median([float(calls) for _, calls in runs]),
                     " / ".join(f"{run.seconds:.1f}" for run, _ in runs)])
    headers = ["variant", "setting", "wall s (median)", "vs first", "CLI CPU s", "host CPU s", "program CPU s",
               "CPU s, all three", "calls", "each run s"]
    return table(headers, rows) + f"\n\nLoad average at the end: {load_average()}.\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=KEY=VALUE[,KEY=VALUE]")
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--operation", choices=["preview", "up"], default="preview")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--parallel", type=int, default=None)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    variants: dict[str, dict[str, str]] = {}
    for item in args.variant:
        name, _, settings = item.partition("=")
        variants[name] = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    if len(variants) < 2:
        parser.error("give at least two --variant NAME=KEY=VALUE (an empty setting runs as configured)")
    info = machine()
    results = measure(args.apps, variants, args.operation, args.runs, args.latency_ms / 1000, args.parallel)
    title = titled(f"Settings side by side: no-op `{args.operation}` of {args.apps} mini-programs, "
                   f"medians of {args.runs}", None, args.parallel, args.latency_ms)
    report(title, render(results, variants), info, command_line(), save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
