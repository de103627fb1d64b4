"""What fewer, coarser resources could buy: Pulumi's own floor for N mini-programs at K resources each.

    .venv/bin/python bench/floor_shapes.py [--apps 100] [--per-app 8,4,2,1] [--runs 3] [--no-save]

Every stack is the Noop floor of bench/overhead.py (N components of K `Noop` children: dynamic
resources that make no HTTP call), so the figures are the engine, the SDK and the dynamic-provider
host alone, before any WeChat read. K = 8 is today's shape (one resource per block); K = 2 would be
one resource for a mini-program's settings plus its Release; K = 1 one resource per mini-program.
Rounds alternate the shapes; medians of a no-op `preview` and a no-op `up`, and the CPU of the
CLI, the provider host and the program in one more no-op `up`. The ratio is to K = the first shape.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi import automation as auto

from bench._harness import FLOOR_PROGRAM, make_stack, no_op, scratch_dir
from bench._procs import Usage
from bench._report import command_line, load_average, machine, median, report, table, titled

OPERATIONS = ("preview", "up")



def measure(apps: int, shapes: list[int], runs: int) -> dict[str, Any]:
    roots = {k: scratch_dir(f"floor{apps}x{k}") for k in shapes}
    try:
        stacks = {}
        for k, root in roots.items():
            stacks[k] = make_stack(root, program=FLOOR_PROGRAM, config={
                "benchApps": auto.ConfigValue(str(apps)), "benchResourcesPerApp": auto.ConfigValue(str(k))})
            stacks[k].run("up")
            no_op(stacks[k], "preview")  # warm the OS caches; not counted
        counts = {k: sum(stack.resource_types().values()) for k, stack in stacks.items()}
        times: dict[tuple[int, str], list[float]] = {(k, op): [] for k in shapes for op in OPERATIONS}
        for round_ in range(runs):
            order = shapes if round_ % 2 == 0 else list(reversed(shapes))
            for operation in OPERATIONS:
                for k in order:
                    times[(k, operation)].append(no_op(stacks[k], operation).seconds)
        usage: dict[int, Usage] = {k: no_op(stacks[k], "up", measure=True).usage or Usage() for k in shapes}
    finally:
        for root in roots.values():
            shutil.rmtree(root, ignore_errors=True)
    return {"apps": apps, "shapes": shapes, "runs": runs, "load_after": load_average(),
            "times": {key: median(values) for key, values in times.items()}, "usage": usage, "counts": counts}


def render(result: dict[str, Any]) -> str:
    apps, shapes, t = result["apps"], result["shapes"], result["times"]
    base = shapes[0]
    rows = []
    for k in shapes:
        u = result["usage"][k]
        preview, up = t[(k, "preview")], t[(k, "up")]
        rows.append([k, result["counts"][k], f"{preview:.2f}", f"{preview / t[(base, 'preview')]:.2f}x",
                     f"{up:.2f}", f"{up / t[(base, 'up')]:.2f}x",
                     f"{u.seconds('cli'):.1f} / {u.seconds('host'):.1f} / {u.seconds('program'):.1f}"])
    return (f"No-op runs of {apps} mini-programs as Noop floors of K resources each (the resources column counts "
            f"the stack, the provider and one component per app too), medians of {result['runs']} alternating "
            f"rounds; ratios to K = {base}.\n\n"
            + table(["K per app", "resources", "preview s", "vs K=" + str(base), "up s", "vs K=" + str(base),
                     "CPU s in one no-op up (CLI / host / program)"], rows)
            + f"\n\nLoad average at the end: {result['load_after']}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--per-app", default="8,4,2,1", help="comma-separated K (default 8,4,2,1)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    shapes = [int(k) for k in args.per_app.split(",") if k.strip()]
    info = machine()
    result = measure(args.apps, shapes, args.runs)
    report(titled(f"Pulumi's floor by resources per mini-program (N = {args.apps})"), render(result), info,
           command_line(), save=not args.no_save)


if __name__ == "__main__":
    main()
