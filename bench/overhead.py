"""Overhead over Pulumi's floor, and scale: no-op `preview` and `up` of N mini-programs (every
registered resource) against N components of as many `Noop` resources (providers/noop.py: a dynamic
resource that makes no HTTP call), side by side with the real Pulumi CLI.

    .venv/bin/python bench/overhead.py [--sizes 1,10,100] [--runs 5] [--no-save]

For each N: a fresh emulator seeded with N authorized mini-programs, the real stack A (N generated
specs in a private project copy) brought to a no-op, the floor stack B of the same shape (N
components x K Noop children, K = A's dynamic resources per mini-program) created; then `runs`
rounds alternating A and B (ABBA order) of a no-op `preview` and a no-op `up`, wall time from
this process. Medians are reported; the ratio is A / B. One more no-op `up` of each samples the
provider host's peak memory (VmHWM of `python -m pulumi.dynamic`), and counts A's API calls.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi import automation as auto

from bench._harness import (
    FLOOR_PROGRAM,
    BenchStack,
    HostMemory,
    changed,
    command_line,
    converge,
    count_calls,
    cpu_seconds,
    machine,
    make_stack,
    median,
    registered_blocks,
    report,
    scratch_dir,
    stack_config,
    table,
    write_specs,
)
from bench._harness import bench_seed as make_seed
from emulator.testing import EmulatorControl, start_emulator

DYNAMIC = "pulumi-python:dynamic/"
OPERATIONS = ("preview", "up")
LATENCY_FAULT_COUNT = 1_000_000  # "the next N calls": more than any run here makes


def no_op(bench: BenchStack, operation: str) -> float:
    run = bench.run(operation)
    if changed(run):
        raise RuntimeError(f"expected a no-op {operation}, got {run.changes}:\n{bench.tail()}")
    return run.seconds


def add_latency(control: EmulatorControl, seconds: float) -> list[str]:
    """Slow every path the last run called by `seconds` (the emulator sleeps without blocking
    other requests), standing in for the round trip to api.weixin.qq.com. Returns the paths."""
    paths = sorted({str(call["path"]) for call in control.calls()})
    for path in paths:
        control.inject_fault(path, count=LATENCY_FAULT_COUNT, delay_seconds=seconds)
    return paths


def measure_size(apps: int, runs: int, extra_env: dict[str, str] | None = None,
                 latency: float = 0.0) -> dict[str, Any]:
    """Everything for one N; scratch directories are removed afterwards."""
    roots = [scratch_dir(f"real{apps}"), scratch_dir(f"floor{apps}")]
    try:
        with start_emulator(make_seed(apps, live_version="1.0.0"), timeout=120) as emu:
            control = EmulatorControl(emu.base_url, timeout=60)
            started = time.perf_counter()
            real = make_stack(roots[0], config=stack_config(emu.base_url), extra_env=extra_env)
            write_specs(real.project_dir, apps)
            ups = converge(real)
            types = real.resource_types()
            dynamic = sum(n for t, n in types.items() if t.startswith(DYNAMIC))
            per_app = dynamic // apps
            floor = make_stack(roots[1], program=FLOOR_PROGRAM, extra_env=extra_env, config={
                "benchApps": auto.ConfigValue(str(apps)), "benchResourcesPerApp": auto.ConfigValue(str(per_app))})
            floor.run("up")
            floor_types = floor.resource_types()
            setup = time.perf_counter() - started
            control.clear_calls()
            for bench in (real, floor):  # warm the OS caches and the token cache; not counted
                no_op(bench, "preview")
            if latency:
                add_latency(control, latency)
            times: dict[tuple[str, str], list[float]] = {(s, op): [] for s in ("real", "floor") for op in OPERATIONS}
            emulator_cpu: dict[str, list[float]] = {op: [] for op in OPERATIONS}
            for round_ in range(runs):
                order = [("real", real), ("floor", floor)]
                if round_ % 2:
                    order.reverse()
                for operation in OPERATIONS:
                    for name, bench in order:
                        before = cpu_seconds(emu.pid)
                        times[(name, operation)].append(no_op(bench, operation))
                        if name == "real":
                            emulator_cpu[operation].append(cpu_seconds(emu.pid) - before)
            memory: dict[str, float] = {}
            for name, bench in (("real", real), ("floor", floor)):
                control.clear_calls()
                with HostMemory() as sampler:
                    no_op(bench, "up")
                memory[name] = sampler.peak_mb
                if name == "real":
                    counts = count_calls(control.calls())
            real.clear_tokens()  # one more preview with a cold token cache: token fetches only
            control.clear_calls()
            no_op(real, "preview")
            cold = count_calls(control.calls())
            control.close()
    finally:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)
    return {
        "apps": apps, "runs": runs, "ups_to_converge": ups, "setup_seconds": setup,
        "resources": sum(types.values()), "dynamic": dynamic, "per_app": per_app,
        "floor_resources": sum(floor_types.values()),
        "floor_dynamic": sum(n for t, n in floor_types.items() if t.startswith(DYNAMIC)),
        "times": {f"{s}/{op}": values for (s, op), values in times.items()},
        "memory_mb": memory, "calls": counts, "cold_calls": cold, "latency": latency,
        "emulator_cpu": {op: median(values) for op, values in emulator_cpu.items()},
    }


def render(results: list[dict[str, Any]], registered: list[str]) -> str:
    rows, scale, calls = [], [], []
    base = results[0]
    for r in results:
        t = {key: median(values) for key, values in r["times"].items()}
        rows.append([
            r["apps"], f"{r['resources']} ({r['dynamic']} dynamic)", f"{r['floor_resources']} ({r['floor_dynamic']})",
            t["real/preview"], t["floor/preview"], f"{t['real/preview'] / t['floor/preview']:.2f}x",
            t["real/up"], t["floor/up"], f"{t['real/up'] / t['floor/up']:.2f}x",
            f"{r['memory_mb']['real']:.0f} / {r['memory_mb']['floor']:.0f}",
            f"{r['emulator_cpu']['preview']:.2f} / {r['emulator_cpu']['up']:.2f}",
        ])
        b = {key: median(values) for key, values in base["times"].items()}
        marginal = []
        for op in OPERATIONS:
            if r["apps"] > base["apps"]:
                per = (t[f"real/{op}"] - b[f"real/{op}"]) / (r["apps"] - base["apps"])
                marginal.append(f"{per * 1000:.0f} ms")
            else:
                marginal.append("-")
        scale.append([r["apps"], t["real/preview"], f"{t['real/preview'] / b['real/preview']:.1f}x", marginal[0],
                      t["real/up"], f"{t['real/up'] / b['real/up']:.1f}x", marginal[1],
                      f"{r['memory_mb']['real']:.0f} MB"])
        c, cold = r["calls"], r["cold_calls"]
        calls.append([r["apps"], r["dynamic"], c.total, c.tokens, c.reads, f"{c.reads / r['dynamic']:.2f}", c.writes,
                      f"{cold.tokens} ({len(cold.per_app)} accounts, at most {max(cold.per_app.values(), default=0)} "
                      "per account)"])
    spread = "; ".join(
        f"N={r['apps']}: " + ", ".join(f"{key} {min(v):.2f}-{max(v):.2f} s" for key, v in r["times"].items())
        for r in results)
    setup = "; ".join(f"N={r['apps']}: {r['setup_seconds']:.0f} s ({r['ups_to_converge']} up(s) to converge)"
                      for r in results)
    return (
        f"Registered resources: {', '.join(registered)} ({results[0]['per_app']} dynamic resources per "
        f"mini-program, plus its component). Floor: the same shape in `Noop` resources. Medians of "
        f"{results[0]['runs']} alternating runs per cell, wall time of the whole CLI run.\n\n"
        "Overhead (A = the real stack, B = the Noop floor; ratio = A / B; memory = the provider host's "
        "peak RSS, A / B; emulator CPU = the emulator process's CPU time during A's preview / up, which "
        "WeChat's servers spend in production but shares this machine's cores here):\n\n"
        + table(["N", "A resources", "B resources", "A preview s", "B preview s", "preview ratio", "A up s",
                 "B up s", "up ratio", "host peak MB", "emulator CPU s"], rows)
        + "\n\nScale (the real stack; marginal = extra time per extra mini-program over N="
        + f"{base['apps']}):\n\n"
        + table(["N", "no-op preview s", "vs N=" + str(base["apps"]), "marginal per app", "no-op up s",
                 "vs N=" + str(base["apps"]), "marginal per app", "host peak"], scale)
        + "\n\nAPI calls of one no-op `up` (token cache warm), and token fetches of a no-op `preview` with the "
        "token cache emptied first (floor: one per mini-program plus one for the platform):\n\n"
        + table(["N", "dynamic resources", "calls", "token fetches", "reads", "reads/resource", "writes",
                 "token fetches, cold cache"], calls)
        + f"\n\nRange (min-max) per cell: {spread}.\n\nSet-up (not timed in the tables): {setup}.\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100", help="comma-separated N (default 1,10,100)")
    parser.add_argument("--runs", type=int, default=5, help="alternating rounds per N (default 5)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for both stacks' CLI and provider host (repeatable), e.g. to "
                             "try an engine setting")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="delay every WeChat call by this much in the emulator (a WAN round trip; default 0)")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    sizes = sorted({int(n) for n in args.sizes.split(",") if n.strip()})
    if not sizes or min(sizes) < 1 or args.runs < 1 or max(sizes) > 1000:
        parser.error("sizes must be 1..1000 and runs >= 1")
    info = machine()
    registered = registered_blocks()
    results = []
    for apps in sizes:
        print(f"N={apps}: setting up and measuring ({args.runs} rounds)...", flush=True)
        results.append(measure_size(apps, args.runs, extra_env or None, args.latency_ms / 1000))
        t = {key: median(values) for key, values in results[-1]["times"].items()}
        print(f"N={apps}: " + ", ".join(f"{key} {value:.2f} s" for key, value in t.items()), flush=True)
    title = f"Overhead over the Noop floor and scale (N = {', '.join(map(str, sizes))})"
    if extra_env:
        title += f" with {', '.join(f'{k}={v}' for k, v in extra_env.items())}"
    if args.latency_ms:
        title += f", {args.latency_ms:g} ms per WeChat call"
    report(title,
           render(results, registered), info, command_line(), save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
