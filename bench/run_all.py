"""Every benchmark, one after the other, each appending its section to bench/RESULTS.md.

    .venv/bin/python bench/run_all.py [--sizes 1,10,100] [--runs 5] [--seconds 5] [--no-save]

Order: emulator throughput (bench/emulator_throughput.py, its figure recorded here), API calls per
run, versus an imperative script, overhead and scale (the long one: about 15-30 minutes at
N = 100 on 2 cores), then overhead again with a WeChat round trip emulated (--latency-ms). Each
script runs as its own process, so a failure in one does not stop the others; the exit status is
non-zero if any failed. Measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import BENCH_DIR, ROOT
from bench._report import command_line, machine, report

TIMEOUT = 4 * 3600  # a bound for the longest script


def run(script: str, *args: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    proc = subprocess.run([sys.executable, str(BENCH_DIR / script), *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT, check=False)
    print(proc.stdout, flush=True)
    return proc.returncode, proc.stdout, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="emulator throughput duration")
    parser.add_argument("--latency-ms", type=float, default=50.0,
                        help="also measure overhead with this WeChat round trip (0: skip; default 50)")
    parser.add_argument("--latency-sizes", default="1,10", help="N for the latency run (default 1,10)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    save = [] if not args.no_save else ["--no-save"]
    failures = []

    info = machine()
    code, out, _ = run("emulator_throughput.py", "--seconds", str(args.seconds))
    line = next((x for x in out.splitlines() if x.startswith("emulator throughput:")), out.strip()[-500:])
    if code:
        failures.append("emulator_throughput.py")
    report("Emulator throughput", line, info, ".venv/bin/python bench/emulator_throughput.py "
           f"--seconds {args.seconds} (via {command_line()})", save=not args.no_save)

    scripts: list[tuple[str, list[str]]] = [
        ("api_calls.py", []), ("imperative.py", []),
        ("overhead.py", ["--sizes", args.sizes, "--runs", str(args.runs)]),
    ]
    if args.latency_ms:
        scripts.append(("overhead.py", ["--sizes", args.latency_sizes, "--runs", str(args.runs),
                                        "--latency-ms", f"{args.latency_ms:g}"]))
    for script, extra in scripts:
        code, _, seconds = run(script, *extra, *save)
        print(f"=== {script}: exit {code} after {seconds:.0f} s", flush=True)
        if code:
            failures.append(script)
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
