"""What the runner's report commands (`plan`, `doctor`) share: the options that point them at a project
copy and a stack, opening that stack, and its decrypted config as provider Settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from pulumi import automation as auto

from providers._settings import Settings
from runner import engine, local_emulator
from runner.env import PROJECT_DIR, PulumiEnv, pulumi_env
from runner.stacks import stack_base_url
from wechat.redact import register_secret


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--stack, --start-emulator and the "another project copy" group (--project, --state, --cli)."""
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--start-emulator", action="store_true",
                        help="start the local WeChat emulator at the stack's baseUrl first if it is not running")
    where = parser.add_argument_group("another project copy (tests, CI)")
    where.add_argument("--project", type=Path, default=PROJECT_DIR, help="project folder (default: this one)")
    where.add_argument("--state", type=Path, help="state folder (default: the project's .state)")
    where.add_argument("--cli", type=Path, help="folder holding the pulumi CLI (default: found or built)")


def open_stack(args: argparse.Namespace) -> tuple[PulumiEnv, Path, auto.Stack]:
    """The environment, the resolved project folder and the stack the options name."""
    env = pulumi_env(args.stack, state_dir=args.state, cli_dir=args.cli)
    project_dir = args.project.resolve()
    if args.start_emulator:
        local_emulator.ensure_running(stack_base_url(project_dir, args.stack), env.state_dir)
    return env, project_dir, engine.open_stack(args.stack, project_dir=project_dir, env=env)


def stack_settings(stack: auto.Stack) -> Settings:
    """The stack's decrypted config as the providers see it; its secrets are registered for redaction."""
    raw = stack.get_all_config()
    for item in raw.values():
        if item.secret:
            register_secret(item.value)
    return Settings.from_config({key: item.value for key, item in raw.items()})
