"""`python -m runner up|preview|refresh|destroy|plan|adopt [--stack dev]`: the project's Pulumi entry point.

`plan` writes the reviewers' Markdown plan (runner.plan); `adopt` writes a spec from a live
mini-program (runner.adopt); each has its own --help.
"""

from __future__ import annotations

import argparse
import sys

from pulumi import automation as auto

from runner import engine, local_emulator
from runner.env import pulumi_env

DEV_EMULATOR_URL = "http://127.0.0.1:8787"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("plan", "adopt"):
        from runner import adopt, plan

        return {"plan": plan.main, "adopt": adopt.main}[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__)
    parser.add_argument("operation", choices=["preview", "up", "refresh", "destroy", "plan", "adopt"])
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
    except auto.CommandError:
        # the CLI's own output, diagnostics included, has already been streamed
        print(f"pulumi {args.operation} failed on stack {args.stack!r} (see the errors above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
