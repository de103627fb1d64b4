"""Emulator throughput: an authenticated read (wxa/queryquota) from a second process, a few threads,
about five seconds, loopback only. Prints requests per second. Not a timed test.

    .venv/bin/python bench/emulator_throughput.py [--seconds 5] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.testing import DEMO_SEED, RawWeChat, start_emulator

MAX_REQUESTS_PER_THREAD = 200_000  # a hard bound in case the clock misbehaves


def worker(base_url: str, token: str, seconds: float, threads: int) -> dict[str, float]:
    """Runs in the second process: hammer one endpoint until the deadline, count answers."""
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.monotonic() + seconds

    def loop(i: int) -> None:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            for _ in range(MAX_REQUESTS_PER_THREAD):
                if time.monotonic() >= deadline:
                    return
                data = client.get("/wxa/queryquota", params={"access_token": token}).json()
                if data.get("errcode") == 0:
                    counts[i] += 1
                else:
                    errors[i] += 1

    started = time.monotonic()
    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    return {"requests": sum(counts), "errors": sum(errors), "seconds": elapsed,
            "rps": sum(counts) / elapsed if elapsed else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker", nargs=2, metavar=("BASE_URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.seconds, args.threads)))
        return 0
    with start_emulator(DEMO_SEED) as emu:
        raw = RawWeChat(emu.base_url)
        token = raw.authorizer_token()
        raw.close()
        # The quota of this path would stop a long run; the daily limit is far above what 5 s reaches.
        result = subprocess.run(
            [sys.executable, __file__, "--seconds", str(args.seconds), "--threads", str(args.threads),
             "--worker", emu.base_url, token],
            capture_output=True, text=True, timeout=args.seconds + 60, check=True)
    stats = json.loads(result.stdout)
    print(f"emulator throughput: {stats['rps']:.0f} requests/s "
          f"({stats['requests']} ok, {stats['errors']} errors, {args.threads} threads, {stats['seconds']:.1f} s, "
          f"GET /wxa/queryquota with an authorizer token)")
    return 0 if stats["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
