"""Overhead over Pulumi's floor, and scale: no-op `preview` and `up` of N mini-programs (every
registered resource) against N components of as many `Noop` resources (providers/noop.py: a dynamic
resource that makes no HTTP call), side by side with the real Pulumi CLI.

    .venv/bin/python bench/overhead.py [--sizes 1,10,100] [--runs 5] [--latency-ms L] [--parallel P]
        [--env KEY=VALUE] [--no-save]

For each N: a fresh emulator seeded with N authorized mini-programs, the real stack A (N generated
specs in a private project copy) brought to a no-op, the floor stack B of the same shape (N
components x K Noop children, K = A's dynamic resources per mini-program) created; then `runs`
rounds alternating A and B (ABBA order) of a no-op `preview` and a no-op `up`, wall time from
this process. Medians are reported; the ratio is A / B. One more no-op `up` of each samples the
peak memory and CPU of the provider host and the CLI (bench/_procs.py), and counts A's API calls.

With `--latency-ms`, every WeChat call is delayed in the emulator and A is also compared with the
wire floor: its no-op's calls / `--parallel` x latency, the time the calls alone would take on
that many connections.
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

from bench._calls import count_calls
from bench._harness import FLOOR_PROGRAM, converge, make_stack, no_op, scratch_dir
from bench._procs import Usage, cpu_seconds
from bench._report import command_line, load_average, machine, median, report, table, titled
from bench._world import add_latency, registered_blocks, stack_config, write_specs
from bench._world import bench_seed as make_seed
from emulator.testing import EmulatorControl, start_emulator

DYNAMIC = "pulumi-python:dynamic/"
OPERATIONS = ("preview", "up")



def measure_size(apps: int, runs: int, extra_env: dict[str, str] | None = None,
                 latency: float = 0.0, parallel: int | None = None) -> dict[str, Any]:
    """Everything for one N; scratch directories are removed afterwards."""
    roots = [scratch_dir(f"real{apps}"), scratch_dir(f"floor{apps}")]
    try:
        with start_emulator(make_seed(apps, live_version="1.0.0"), timeout=120) as emu:
            control = EmulatorControl(emu.base_url, timeout=60)
            started = time.perf_counter()
            real = make_stack(roots[0], config=stack_config(emu.base_url), extra_env=extra_env, parallel=parallel)
            write_specs(real.project_dir, apps)
            ups = converge(real)
            types = real.resource_types()
            dynamic = sum(n for t, n in types.items() if t.startswith(DYNAMIC))
            per_app = dynamic // apps
            floor = make_stack(roots[1], program=FLOOR_PROGRAM, extra_env=extra_env, parallel=parallel, config={
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
                        times[(name, operation)].append(no_op(bench, operation).seconds)
                        if name == "real":
                            emulator_cpu[operation].append(cpu_seconds(emu.pid) - before)
            usage: dict[str, Usage] = {}
            for name, bench in (("real", real), ("floor", floor)):  # memory, CPU, calls: one more no-op up
                control.clear_calls()
                usage[name] = no_op(bench, "up", measure=True).usage or Usage()
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
        "usage": usage, "calls": counts, "cold_calls": cold, "latency": latency,
        "parallel": real.effective_parallel(), "load_after": load_average(),
        "emulator_cpu": {op: median(values) for op, values in emulator_cpu.items()},
    }


def render(results: list[dict[str, Any]], registered: list[str]) -> str:
    rows, scale, calls, wire, cpu = [], [], [], [], []
    base = results[0]
    for r in results:
        t = {key: median(values) for key, values in r["times"].items()}
        real, floor = r["usage"]["real"], r["usage"]["floor"]
        rows.append([
            r["apps"], f"{r['resources']} ({r['dynamic']} dynamic)", f"{r['floor_resources']} ({r['floor_dynamic']})",
            t["real/preview"], t["floor/preview"], f"{t['real/preview'] / t['floor/preview']:.2f}x",
            t["real/up"], t["floor/up"], f"{t['real/up'] / t['floor/up']:.2f}x",
            f"{real.mb('host'):.0f} / {floor.mb('host'):.0f}", f"{real.mb('cli'):.0f} / {floor.mb('cli'):.0f}",
            f"{r['emulator_cpu']['preview']:.2f} / {r['emulator_cpu']['up']:.2f}",
        ])
        cpu.append([r["apps"], *(f"{u.seconds('cli'):.1f} / {u.seconds('host'):.1f} / {u.seconds('program'):.1f}"
                                 for u in (real, floor))])
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
                      f"{real.mb('host'):.0f} MB"])
        c, cold = r["calls"], r["cold_calls"]
        calls.append([r["apps"], r["dynamic"], c.total, c.tokens, c.reads, f"{c.reads / r['dynamic']:.2f}", c.writes,
                      f"{cold.tokens} ({len(cold.per_app)} accounts, at most {max(cold.per_app.values(), default=0)} "
                      "per account)"])
        if r["latency"]:
            floor_s = c.total / r["parallel"] * r["latency"]
            wire.append([r["apps"], c.total, r["parallel"], f"{r['latency'] * 1000:g} ms", floor_s,
                         t["real/preview"], f"{t['real/preview'] / floor_s:.2f}x", t["real/up"],
                         f"{t['real/up'] / floor_s:.2f}x",
                         f"{t['real/preview'] / max(floor_s, t['floor/preview']):.2f}x"])
    spread = "; ".join(
        f"N={r['apps']}: " + ", ".join(f"{key} {min(v):.2f}-{max(v):.2f} s" for key, v in r["times"].items())
        for r in results)
    setup = "; ".join(f"N={r['apps']}: {r['setup_seconds']:.0f} s ({r['ups_to_converge']} up(s) to converge)"
                      for r in results)
    text = (
        f"Registered resources: {', '.join(registered)} ({results[0]['per_app']} dynamic resources per "
        f"mini-program, plus its component). Floor: the same shape in `Noop` resources. Medians of "
        f"{results[0]['runs']} alternating runs per cell, wall time of the whole CLI run; engine "
        f"--parallel {results[0]['parallel']}.\n\n"
        "Overhead (A = the real stack, B = the Noop floor; ratio = A / B; memory = peak RSS of the provider "
        "host and of the `pulumi` CLI, A / B, in MB; emulator CPU = the emulator process's CPU time during A's "
        "preview / up, which WeChat's servers spend in production but shares this machine's cores here):\n\n"
        + table(["N", "A resources", "B resources", "A preview s", "B preview s", "preview ratio", "A up s",
                 "B up s", "up ratio", "host peak MB", "CLI peak MB", "emulator CPU s"], rows)
    )
    if wire:
        text += (
            "\n\nVersus the wire floor (every call of a no-op, one after another on `--parallel` connections: "
            "calls / parallel x latency; the last column divides by the larger of that and the Noop floor):\n\n"
            + table(["N", "calls", "parallel", "latency", "wire floor s", "A preview s", "preview / wire",
                     "A up s", "up / wire", "preview / max(wire, Noop)"], wire)
        )
    text += (
        "\n\nCPU seconds of one no-op `up` (CLI / provider host / program in the bench process):\n\n"
        + table(["N", "A: CLI / host / program", "B: CLI / host / program"], cpu)
        + "\n\nScale (the real stack; marginal = extra time per extra mini-program over N="
        + f"{base['apps']}):\n\n"
        + table(["N", "no-op preview s", "vs N=" + str(base["apps"]), "marginal per app", "no-op up s",
                 "vs N=" + str(base["apps"]), "marginal per app", "host peak"], scale)
        + "\n\nAPI calls of one no-op `up` (token cache warm), and token fetches of a no-op `preview` with the "
        "token cache emptied first (floor: one per mini-program plus one for the platform):\n\n"
        + table(["N", "dynamic resources", "calls", "token fetches", "reads", "reads/resource", "writes",
                 "token fetches, cold cache"], calls)
        + f"\n\nRange (min-max) per cell: {spread}.\n\nSet-up (not timed in the tables): {setup}. "
        f"Load average at the end: {results[-1]['load_after']}.\n"
    )
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100", help="comma-separated N (default 1,10,100)")
    parser.add_argument("--runs", type=int, default=5, help="alternating rounds per N (default 5)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for both stacks' CLI and provider host (repeatable), e.g. to "
                             "try an engine setting")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--parallel", type=int, default=None,
                        help="the engine's --parallel (default: PULUMI_PARALLEL as runner/env.py sets it)")
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
        results.append(measure_size(apps, args.runs, extra_env or None, args.latency_ms / 1000, args.parallel))
        t = {key: median(values) for key, values in results[-1]["times"].items()}
        print(f"N={apps}: " + ", ".join(f"{key} {value:.2f} s" for key, value in t.items()), flush=True)
    title = titled(f"Overhead over the Noop floor and scale (N = {', '.join(map(str, sizes))})", extra_env,
                   args.parallel, args.latency_ms)
    report(title,
           render(results, registered), info, command_line(), save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
