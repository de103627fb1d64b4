"""Run one engine operation on a stack in a process of its own; end with one JSON result line.

    python -m runner.drive up --project P --state S --cli C [--stack dev] [--env JSON]

The test harness runs every preview/up/refresh/destroy through this, never in the pytest
process: an inline program leaves Pulumi's coroutines for the garbage collector, and on CPython
3.11.7 a traceback printed from a collector pass during `ast.parse` corrupts the interpreter's AST
recursion counter for good (every later `ast.parse` then raises SystemError). A process per
operation is also how a person runs `make up`, and lets a test kill or race a run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from runner import engine
from runner.env import RunnerError, pulumi_env

RESULT_PREFIX = "DRIVER-RESULT: "


def summarize(operation: str, result: Any) -> dict[str, Any]:
    if operation == "preview":
        return {"change_summary": {str(k): v for k, v in (result.change_summary or {}).items()}}
    summary = result.summary
    data: dict[str, Any] = {
        "summary": {
            "result": summary.result,
            "resource_changes": dict(summary.resource_changes or {}),
        }
    }
    if operation == "up":
        data["outputs"] = {key: output.value for key, output in (result.outputs or {}).items()}
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.drive", description=__doc__)
    parser.add_argument("operation", choices=["preview", "up", "refresh", "destroy"])
    parser.add_argument("--project", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--env", default="{}", help="extra environment for the CLI, as JSON")
    parser.add_argument("--lock-wait", type=float, default=0.0, help="seconds to wait for a locked stack")
    args = parser.parse_args(argv)
    env = pulumi_env(args.stack, state_dir=Path(args.state), cli_dir=Path(args.cli))

    def say(text: str) -> None:
        print(text, flush=True)

    started = False
    extra_env = json.loads(args.env)
    os.environ.update(extra_env)  # the inline program runs in this process: it sees the same environment
    try:
        stack = engine.open_stack(args.stack, project_dir=Path(args.project), env=env, extra_env=extra_env,
                                  on_output=say)
        say(f"DRIVER: {args.operation} starting")
        started = True
        result = engine.run(args.operation, stack, on_output=say, lock_wait=args.lock_wait)
    except (RunnerError, auto.CommandError) as error:
        if isinstance(error, RunnerError) or not started:  # an operation's CLI errors were streamed already
            say(f"error: {error}")
        say(f"DRIVER: {args.operation} failed")
        say(RESULT_PREFIX + json.dumps({"failed": True}))
        return 1
    print(f"DRIVER: {args.operation} succeeded", flush=True)
    print(RESULT_PREFIX + json.dumps(summarize(args.operation, result), default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
