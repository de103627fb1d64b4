"""API calls per run: one mini-program with every resource the registry registers, driven by the real
Pulumi CLI against the emulator; the calls come from the emulator's call log.

    .venv/bin/python bench/api_calls.py [--no-save]

Steps (each a real `preview`/`up`): the first `up` (creates), no-op `preview` with a cold and a
warm token cache, no-op `up`, one domain change, one tester change (if Testers is registered), one
release step (if Release is registered: commit, submit, release of the next version). The floor: a
no-op reads at most once per resource and writes nothing, and fetches at most one token per app
(plus the platform's own) with a cold cache, none with a warm one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._calls import CallCount, calls_during, count_calls
from bench._harness import BenchStack, changed, make_stack, scratch_dir
from bench._report import command_line, machine, report, table
from bench._world import TESTER, registered_blocks, stack_config, write_specs
from bench._world import bench_seed as make_seed
from emulator.testing import EmulatorControl, start_emulator

DYNAMIC = "pulumi-python:dynamic/"


def measure(keep: bool = False) -> tuple[str, dict[str, Any]]:
    registered = registered_blocks()
    root = scratch_dir("calls")
    rows: list[list[Any]] = []
    details: list[list[Any]] = []
    facts: dict[str, Any] = {"registered": registered}
    try:
        with start_emulator(make_seed(1)) as emu:
            control = EmulatorControl(emu.base_url)
            bench = make_stack(root, config=stack_config(emu.base_url))
            write_specs(bench.project_dir, 1)
            resources = 0

            def step(label: str, operation: str, cold: bool = False, floor: bool = False) -> CallCount:
                nonlocal resources
                if cold:
                    bench.clear_tokens()
                run, calls = calls_during(control, lambda: bench.run(operation))
                counts = count_calls(calls)
                if not resources:
                    resources = sum(n for t, n in bench.resource_types().items() if t.startswith(DYNAMIC))
                verdict = ""
                if floor:
                    above = [f"{name} reads {n}x" for name, n in sorted(counts.by_resource.items()) if n > 1]
                    if counts.writes:
                        above.append(f"{counts.writes} writes")
                    if counts.tokens > (2 if cold else 0):
                        above.append(f"{counts.tokens} token fetches")
                    verdict = "at the floor" if not above else "above the floor: " + ", ".join(above)
                rows.append([label, f"`{operation}`", counts.total, counts.tokens, counts.reads,
                             f"{counts.reads / resources:.2f}" if resources else "-", counts.writes,
                             _changes(run.changes), verdict])
                details.append([label, counts.paths("token"), counts.paths("read"), counts.paths("write")])
                return counts

            def settle(what: str) -> bool:
                """More ups (at most 2) while a preview still shows changes: each is a row."""
                for extra in (2, 3):
                    pending = bench.run("preview")
                    if not changed(pending):
                        return True
                    step(f"{what}, up {extra} (still pending: {_changes(changed(pending))})", "up")
                return not changed(bench.run("preview"))

            step("first up (creates every resource)", "up", cold=True)
            facts["converged"] = settle("first up")
            facts["resources"] = resources
            step("no-op preview, token cache cold", "preview", cold=True, floor=True)
            noop = step("no-op preview", "preview", floor=True)
            facts["reads by resource"] = dict(noop.by_resource)
            step("no-op up", "up", floor=True)
            write_specs(bench.project_dir, 1, extra_domain=True)
            step("one domain change (add a request domain)", "up")
            testers = [TESTER]
            if "testers" in registered:
                testers = [TESTER, "bench-tester-b"]
                write_specs(bench.project_dir, 1, extra_domain=True, testers=testers)
                step("one tester change (add a tester)", "up")
            if "release" in registered:
                write_specs(bench.project_dir, 1, extra_domain=True, testers=testers, version="1.1.0")
                step("release step (1.0.0 -> 1.1.0)", "up")
                facts["release converged"] = settle("release step")
            step("no-op preview after all that", "preview", floor=True)
            facts["types"] = dict(_short_types(bench))
            control.close()
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    body = (
        f"Registered resources ({len(registered)}): {', '.join(registered)}. "
        f"Dynamic resources in the stack: {facts.get('resources')} "
        f"({', '.join(f'{t} x{n}' for t, n in facts.get('types', {}).items())}); "
        f"converged (a preview shows no change) after the first up and its follow-ups: "
        f"{'yes' if facts.get('converged') else 'NO'}; after the release step: "
        f"{'yes' if facts.get('release converged', True) else 'NO'}. Release advances one phase per up "
        "when its provider stops there, so its follow-up ups are rows of their own.\n\n"
        "Reads of a no-op preview by resource: "
        + (", ".join(f"{name} {count}" for name, count in sorted(facts.get("reads by resource", {}).items()))
           or "-")
        + " (a resource not listed reads nothing: it has no API, e.g. Developers).\n\n"
        "Floor (no-op rows): writes = 0, reads <= 1 per resource, token fetches <= 2 with a cold cache "
        "(the platform's component token + the app's authorizer token), 0 with a warm one.\n\n"
        + table(["step", "op", "calls", "token fetches", "reads", "reads/resource", "writes", "engine changes",
                 "verdict"], rows)
        + "\n\nCalls by endpoint:\n\n"
        + table(["step", "token endpoints", "reads", "writes"], details)
    )
    return body, facts


def _changes(changes: dict[str, int]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in sorted(changes.items())) or "-"


def _short_types(bench: BenchStack) -> dict[str, int]:
    return {t.removeprefix(DYNAMIC).removeprefix("wechat:"): n
            for t, n in sorted(bench.resource_types().items()) if t.startswith(DYNAMIC)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the scratch project (its path is printed)")
    args = parser.parse_args()
    info = machine()
    body, _facts = measure(keep=args.keep)
    report("API calls per run (1 mini-program, every registered resource)", body, info, command_line(),
           save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
