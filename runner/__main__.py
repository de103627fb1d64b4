"""`python -m runner up|preview|refresh|destroy [--stack dev]`: the project's Pulumi entry point."""

from __future__ import annotations

import argparse
import sys

from pulumi import automation as auto

from runner import engine, local_emulator
from runner.env import pulumi_env

DEV_EMULATOR_URL = "http://127.0.0.1:8787"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__)
    parser.add_argument("operation", choices=["preview", "up", "refresh", "destroy"])
    parser.add_argument("--stack", default="dev")
    parser.add_argument(
        "--start-emulator",
        action="store_true",
        help=f"start the local WeChat emulator at {DEV_EMULATOR_URL} first if it is not running",
    )
    args = parser.parse_args(argv)
    env = pulumi_env()
    if args.start_emulator:
        local_emulator.ensure_running(DEV_EMULATOR_URL, env.state_dir)
    stack = engine.open_stack(args.stack, env=env)
    try:
        engine.run(args.operation, stack)
    except auto.CommandError as error:
        # The CLI already printed the diagnostics through on_output; repeat only its stderr.
        stderr = getattr(error, "stderr", "") or ""
        print(stderr.strip() or str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
