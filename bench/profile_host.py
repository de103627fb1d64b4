"""Where a no-op run's time goes: the provider host profiled (gRPC call timings and stack samples,
bench/hooks/sitecustomize.py), the Pulumi program timed in this process, and the CLI's event
stream timed as it arrives.

    .venv/bin/python bench/profile_host.py [--apps 10] [--operation preview|up] [--interval-ms 2]

Prints the report; nothing is appended to bench/RESULTS.md (it is a diagnosis, not a figure).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import HOOKS_DIR, ROOT, EventClock, changed, converge, make_stack, scratch_dir
from bench._world import bench_seed as make_seed
from bench._world import stack_config, write_specs
from emulator.testing import start_emulator


def timed_program() -> dict[str, float]:
    """Wrap providers.program.declare_stack to time the program body (spec loading + declaring)."""
    import providers.program as program

    spent: dict[str, float] = {"seconds": 0.0, "runs": 0}
    original = program.declare_stack

    def declare(project_dir: Path) -> None:
        started = time.perf_counter()
        try:
            original(project_dir)
        finally:
            spent["seconds"] += time.perf_counter() - started
            spent["runs"] += 1

    program.declare_stack = declare
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=10)
    parser.add_argument("--operation", choices=["preview", "up"], default="preview")
    parser.add_argument("--interval-ms", type=float, default=2.0)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the CLI and provider host (repeatable)")
    args = parser.parse_args()
    if not 1 <= args.apps <= 1000:
        parser.error("--apps must be 1..1000")
    root = scratch_dir(f"profile{args.apps}")
    profile_dir = root / "profile"
    profile_dir.mkdir()
    try:
        with start_emulator(make_seed(args.apps, live_version="1.0.0"), timeout=120) as emu:
            env = {
                "PYTHONPATH": os.pathsep.join([str(HOOKS_DIR), str(ROOT)]),
                "WECHAT_IAC_BENCH_PROFILE": str(profile_dir),
                "WECHAT_IAC_BENCH_PROFILE_INTERVAL": str(args.interval_ms / 1000),
                **dict(item.split("=", 1) for item in args.env),
            }
            bench = make_stack(root, config=stack_config(emu.base_url), extra_env=env)
            write_specs(bench.project_dir, args.apps)
            converge(bench)
            for old in profile_dir.iterdir():
                old.unlink()
            spent = timed_program()
            clock = EventClock()
            run = bench.run(args.operation, on_event=clock)
            if changed(run):
                print(f"warning: not a no-op: {run.changes}")
        time.sleep(0.5)
        print(f"no-op {args.operation} of {args.apps} mini-programs: {run.seconds:.2f} s wall "
              f"(from this process; the engine's own timing is in the CLI output)")
        print(f"program body (load + validate specs, declare resources): {spent['seconds']:.3f} s")
        print("engine events (arrival, s after the operation started): " + ", ".join(
            f"{key} {value:.2f}" for key, value in sorted(clock.marks.items(), key=lambda kv: kv[1])))
        print(f"event counts: {clock.counts}\n")
        reports = sorted(profile_dir.glob("host-*.txt"))
        if not reports:
            print("no provider-host profile was written (is bench/hooks on the host's PYTHONPATH?)")
        for path in reports:
            print(path.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
