"""`python -m runner COMMAND`: the project's conveniences around the Pulumi CLI.

    up|preview|refresh|destroy [--stack dev] [--start-emulator] [--lock-wait S] [--verbose]   run the engine
    up --plan FILE   apply only a reviewed plan (`plan --json FILE`): refused, before any write,
                     when the writes `up` would make differ from the file's
    plan ...      the reviewers' Markdown plan (runner.plan; --help)
    adopt ...     write a spec from a live mini-program (runner.adopt; --help)
    doctor ...    every preflight check, read-only, as a table (runner.doctor; --help)
    init STACK    create a stack for real WeChat (runner.stacks; --help)
    fleet ...     a fleet's shard stacks: init, and up/preview in parallel (runner.fleet; --help)
    env [--stack dev]                      print the shell settings for bare `pulumi`:
                                           eval "$(.venv/bin/python -m runner env)"
    emulator start|stop [--stack dev]      the local emulator at the stack's baseUrl

Every failure ends with a message and a non-zero status, never a Python traceback
(WECHAT_IAC_DEBUG=1 shows one for failures that are bugs). preview, plan and up exit 0 when done
or nothing to do, 1 when something is blocked, refused, failed, or a wait ended first; the last
line says why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pulumi import automation as auto

from runner import engine, local_emulator
from runner.env import DEV_STACK, PROJECT_DIR, RunnerError, display_backend, pulumi_env, shell_exports
from runner.stacks import stack_base_url
from wechat.redact import scrub

OPERATIONS = ("preview", "up", "refresh", "destroy")
DEFAULT_LOCK_WAIT = 600.0


def operation_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("operation", choices=OPERATIONS)
    parser.add_argument("--stack", default=DEV_STACK)
    parser.add_argument("--start-emulator", action="store_true",
                        help="start the local WeChat emulator at the stack's baseUrl first if it is not running")
    parser.add_argument("--lock-wait", type=float, default=DEFAULT_LOCK_WAIT, metavar="SECONDS",
                        help="how long to wait for a stack another run holds (default %(default)g; 0: fail at once)")
    parser.add_argument("--verbose", action="store_true",
                        help="also show the engine's own output, with every resource's inputs")
    parser.add_argument("--plan", type=Path, metavar="FILE",
                        help="up only: refuse unless the writes are exactly those of this reviewed plan "
                             "(written by `plan --json FILE`)")
    args = parser.parse_args(argv)
    if args.plan is not None and args.operation != "up":
        parser.error("--plan goes with up")
    env = pulumi_env(args.stack)
    if args.start_emulator:
        local_emulator.ensure_running(stack_base_url(PROJECT_DIR, args.stack), env.state_dir)
    stack = engine.open_stack(args.stack, env=env)
    try:
        if args.plan is not None:
            from runner import plan

            if not plan.reviewed_plan_holds(stack, args.plan):
                return 1
        engine.run(args.operation, stack, lock_wait=args.lock_wait if args.operation != "preview" else 0,
                   verbose=args.verbose, reviewed_plan=args.plan)
    except engine.OperationFailed:
        return 1  # its reason is the last line already shown
    except auto.CommandError:
        # the CLI's own output, diagnostics included, has already been streamed
        print(f"pulumi {args.operation} failed on stack {args.stack!r} (see the errors above)", file=sys.stderr)
        return 1
    return 0


def env_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runner env",
        description="Print `export` lines that let bare `pulumi` commands run this project as the runner does, and "
                    "select the stack (the dev stack is created if needed). Use: "
                    'eval "$(.venv/bin/python -m runner env [--stack STACK])"')
    parser.add_argument("--stack", default=DEV_STACK)
    args = parser.parse_args(argv)
    env = pulumi_env(args.stack)
    engine.open_stack(args.stack, env=env, on_output=lambda line: print(f"# {line}"))
    extra = {}
    base_url = stack_base_url(PROJECT_DIR, args.stack)
    if args.stack == DEV_STACK and local_emulator.is_loopback(base_url):
        extra["WECHAT_EMULATOR_URL"] = base_url  # the default of `python -m emulator ctl --url`
    print(shell_exports(env, args.stack, extra))
    print(f"# stack {args.stack!r} selected; backend {display_backend(env.backend)} ({env.backend_source})")
    return 0


def emulator_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner emulator",
                                     description="Start the emulator at the stack's baseUrl, or stop every "
                                                 "emulator this runner started from this checkout.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--stack", default=DEV_STACK)
    args = parser.parse_args(argv)
    state_dir = PROJECT_DIR / ".state"
    if args.action == "start":
        local_emulator.ensure_running(stack_base_url(PROJECT_DIR, args.stack), state_dir)
        return 0
    stopped = local_emulator.stop(state_dir)
    print(f"stopped the emulator at {', '.join(stopped)}" if stopped else "no emulator this runner started is running")
    return 0


def dispatch(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "fleet":
        from runner import fleet

        return fleet.main(argv[1:])
    if command in ("plan", "adopt", "init", "doctor"):
        from runner import adopt, doctor, plan, stacks

        commands: dict[str, Callable[[list[str]], int]] = {"plan": plan.main, "adopt": adopt.main,
                                                           "init": stacks.init_main, "doctor": doctor.main}
        return commands[command](argv[1:])
    if command == "env":
        return env_main(argv[1:])
    if command == "emulator":
        return emulator_main(argv[1:])
    return operation_main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        return dispatch(argv)
    except RunnerError as error:
        print(f"error: {scrub(str(error))}", file=sys.stderr)
        return 1
    except auto.CommandError as error:  # a CLI command outside an operation (stack select, init, config)
        text = str(error).split("\n stderr: ", 1)[-1].strip()  # the CLI's own words, not the wrapper's
        print(scrub(text if text.startswith("error:") else f"error: {text}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("WECHAT_IAC_DEBUG"):
            raise
        print(f"error: {type(error).__name__}: {scrub(str(error))}\nThis is a bug in wechat-iac; "
              "WECHAT_IAC_DEBUG=1 shows where it happened.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
