"""The first `up` of N mini-programs: wall time, peak memory of the CLI and of the provider host, CPU,
API calls; one row per N and per setting, so settings compare side by side in one run.

    .venv/bin/python bench/first_up.py [--sizes 1,10,100] [--variant NAME=KEY=VALUE[,KEY=VALUE]]...
        [--parallel P] [--latency-ms L] [--no-save]

The world: N authorized mini-programs whose live state already matches their specs except what a
first `up` writes anyway (the privacy guide; testers it binds), live at the spec's release, so the
release resource adopts without a commit. The stack is new: every resource is created, and every
create is a step the backend records. A preview afterwards (not timed) must show no change.

`--variant` names a setting to measure (repeatable); without one, the stack runs as configured
(`runner/env.py`). E.g. `--variant checkpoints=PULUMI_SKIP_CHECKPOINTS=false --variant
skip=PULUMI_SKIP_CHECKPOINTS=true`. A variant is not run at an N where its time at the previous N,
scaled linearly, would pass `--budget` seconds (the file backend's checkpoints make a first `up`
quadratic: 318 s at N = 100 would be hours at N = 1,000).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._calls import count_calls
from bench._harness import changed, make_stack, scratch_dir
from bench._report import command_line, load_average, machine, report, table
from bench._world import add_latency, bench_seed, stack_config, write_specs
from emulator.testing import EmulatorControl, start_emulator

DYNAMIC = "pulumi-python:dynamic/"


def first_up(apps: int, env: dict[str, str], parallel: int | None, latency: float) -> dict[str, Any]:
    root = scratch_dir(f"first{apps}")
    try:
        with start_emulator(bench_seed(apps, live_version="1.0.0"), timeout=300) as emu:
            control = EmulatorControl(emu.base_url, timeout=300)
            bench = make_stack(root, config=stack_config(emu.base_url), extra_env=env, parallel=parallel)
            write_specs(bench.project_dir, apps)
            add_latency(control, latency)
            control.clear_calls()
            run = bench.run("up", measure=True)
            calls = count_calls(control.calls())
            state = root / "state" / "backend" / ".pulumi" / "stacks"
            state_mb = sum(p.stat().st_size for p in state.rglob("*.json")) / 1e6
            control.clear_faults()  # the check below is not timed
            check = bench.run("preview")
            dynamic = sum(n for t, n in bench.resource_types().items() if t.startswith(DYNAMIC))
            control.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"apps": apps, "run": run, "calls": calls, "converged": not changed(check), "dynamic": dynamic,
            "state_mb": state_mb}


def render(rows: list[tuple[str, dict[str, Any]]], variants: dict[str, dict[str, str]], skipped: list[str],
           latency: float) -> str:
    body = []
    for name, r in rows:
        run, c = r["run"], r["calls"]
        u = run.usage
        body.append([name, r["apps"], r["dynamic"], run.seconds, run.seconds / r["apps"] * 1000,
                     f"{u.mb('cli'):.0f}", f"{u.mb('host'):.0f}", f"{u.seconds('cli'):.1f}",
                     f"{u.seconds('host'):.1f}", f"{u.seconds('program'):.1f}", c.total, c.reads, c.writes,
                     c.tokens, f"{r['state_mb']:.1f}", "yes" if r["converged"] else "NO"])
    settings = "; ".join(f"`{name}`: {', '.join(f'{k}={v}' for k, v in env.items()) or 'as configured'}"
                         for name, env in variants.items())
    text = (f"Settings: {settings}. WeChat latency: {latency * 1000:g} ms per call.\n\n"
            + table(["setting", "N", "dynamic resources", "wall s", "ms per app", "CLI peak MB", "host peak MB",
                     "CLI CPU s", "host CPU s", "program CPU s", "calls", "reads", "writes", "token fetches",
                     "state MB", "converged"], body))
    if skipped:
        text += "\n\nNot run: " + "; ".join(skipped) + "."
    return text + f"\n\nLoad average at the end: {load_average()}.\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=KEY=VALUE[,KEY=VALUE]")
    parser.add_argument("--parallel", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--budget", type=float, default=900.0,
                        help="seconds: skip a variant at N if its previous time x N / previous N is more")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    sizes = sorted({int(n) for n in args.sizes.split(",") if n.strip()})
    if not sizes or min(sizes) < 1 or max(sizes) > 1000:
        parser.error("sizes must be 1..1000")
    variants: dict[str, dict[str, str]] = {}
    for item in args.variant:
        name, _, settings = item.partition("=")
        variants[name] = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    variants = variants or {"configured": {}}
    info = machine()
    rows: list[tuple[str, dict[str, Any]]] = []
    skipped: list[str] = []
    last: dict[str, tuple[int, float]] = {}
    for apps in sizes:
        for name, env in variants.items():
            if name in last and last[name][1] * apps / last[name][0] > args.budget:
                skipped.append(f"`{name}` at N={apps} ({last[name][1]:.0f} s at N={last[name][0]} would be over "
                               f"{args.budget:g} s even if linear)")
                continue
            print(f"N={apps} {name}...", flush=True)
            started = time.perf_counter()
            result = first_up(apps, env, args.parallel, args.latency_ms / 1000)
            rows.append((name, result))
            print(f"N={apps} {name}: {result['run'].seconds:.1f} s (with set-up {time.perf_counter() - started:.0f} s)",
                  flush=True)
            last[name] = (apps, result["run"].seconds)
    title = f"First `up` of N mini-programs (N = {', '.join(map(str, sizes))})"
    report(title, render(rows, variants, skipped, args.latency_ms / 1000), info, command_line(),
           save=not args.no_save)
    return 0 if all(r["converged"] for _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
