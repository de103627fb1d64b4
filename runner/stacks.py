"""Stack safety: which stacks may be opened, and `python -m runner init STACK` to make a real one.

- Only the dev stack is created on first use. Any other unknown stack is refused with the list of
  stacks in the backend and the command that creates one: a typo in `--stack` must not create an
  empty stack aimed at real WeChat.
- The demo passphrase (runner.env.DEV_PASSPHRASE) opens the dev stack and nothing else.
- `init` creates a real stack: WeChat's real API by default, a passphrase (never the demo one) or
  another secrets provider, and the secrets the specs name, read from a prompt or from stdin as
  `KEY=VALUE` lines and handed to `pulumi config set --secret` on its stdin, never in argv.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

import yaml
from pulumi import automation as auto

from providers._settings import PROJECT, REAL_WECHAT
from providers.program import DEFAULT_SPECS
from runner.env import DEV_PASSPHRASE, DEV_STACK, PROJECT_DIR, PulumiEnv, RunnerError, display_backend, pulumi_env

SECRET_FIELDS = {  # credentials fields that name a secret config key, and what the secret is
    "component_secret_config": "the third-party platform's AppSecret (component_appsecret)",
    "verify_ticket_config": "the current component_verify_ticket",
    "refresh_token_config": "the mini-program's authorizer_refresh_token",
    "app_secret_config": "the mini-program's AppSecret",
    "upload_key_config": "the miniprogram-ci code-upload private key",
}
Printer = Callable[[str], None]


class StackError(RunnerError):
    """A stack that must not be opened or created as asked; the message says what to do."""


def stack_settings(project_dir: Path, stack: str) -> dict[str, Any]:
    path = project_dir / f"Pulumi.{stack.split('/')[-1]}.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return document if isinstance(document, dict) else {}


def stack_base_url(project_dir: Path, stack: str) -> str:
    """The stack's `baseUrl` as its settings file says (plain config: no CLI, no passphrase)."""
    config = stack_settings(project_dir, stack).get("config") or {}
    value = config.get(f"{PROJECT}:baseUrl") if isinstance(config, dict) else None
    return str(value).rstrip("/") if isinstance(value, str) and value else REAL_WECHAT


def effective_passphrase(variables: dict[str, str]) -> str | None:
    """The passphrase the CLI would use with these variables over this process's environment."""
    merged = {**os.environ, **variables}
    if "PULUMI_CONFIG_PASSPHRASE" in merged:
        return merged["PULUMI_CONFIG_PASSPHRASE"]
    if merged.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        try:
            return Path(merged["PULUMI_CONFIG_PASSPHRASE_FILE"]).read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return None


def check_secrets_provider(stack: str, project_dir: Path, variables: dict[str, str]) -> None:
    """Refuse the demo passphrase for any stack but dev (when that stack uses a passphrase)."""
    if stack.split("/")[-1] == DEV_STACK:
        return
    provider = str(stack_settings(project_dir, stack).get("secretsprovider") or "passphrase")
    if provider == "passphrase" and effective_passphrase(variables) == DEV_PASSPHRASE:
        raise StackError(
            f"stack {stack!r}: PULUMI_CONFIG_PASSPHRASE is the dev stack's demo passphrase, which is "
            "published in this repository and protects nothing; it is refused for every other stack. "
            "Set the stack's own passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)."
        )


def unknown_stack(stack: str, workspace: auto.LocalWorkspace, env: PulumiEnv, project_dir: Path) -> StackError:
    names = sorted(summary.name for summary in workspace.list_stacks())
    where = f"{display_backend(env.backend)} ({env.backend_source})"
    lines = [f"stack {stack!r} does not exist in the backend {where}.",
             f"Stacks there: {', '.join(names) if names else 'none yet'}."]
    close = difflib.get_close_matches(stack, names, n=1)
    if close:
        lines.append(f"Did you mean --stack {close[0]}?")
    if (project_dir / f"Pulumi.{stack}.yaml").exists():
        lines.append(f"Pulumi.{stack}.yaml is in this checkout, so the stack exists somewhere: is "
                     "PULUMI_BACKEND_URL (or `pulumi login`) pointing at the team's backend?")
    lines.append(f"To create it: make init STACK={stack}   (or: .venv/bin/python -m runner init {stack})")
    return StackError("\n".join(lines))


# --- init ----------------------------------------------------------------------------------------
def named_secrets(project_dir: Path, pattern: str) -> dict[str, str]:
    """Secret config keys the specs name -> what each holds (from the raw YAML: no validation,
    so that `init` works before the specs are complete)."""
    found: dict[str, str] = {}
    for path in sorted(project_dir.glob(pattern)):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        credentials = document.get("credentials") if isinstance(document, dict) else None
        for field, what in SECRET_FIELDS.items():
            key = credentials.get(field) if isinstance(credentials, dict) else None
            if isinstance(key, str) and key:
                found.setdefault(key, f"{what}, for {path.relative_to(project_dir)}")
    return found


def read_passphrase(stdin: TextIO, prompt: Callable[[str], str]) -> str:
    passphrase = effective_passphrase({})
    if passphrase is None:
        if not stdin.isatty():
            raise StackError("a passphrase stack needs PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) "
                             "when no terminal can ask for it; or pass --secrets-provider awskms://... (gcpkms, "
                             "azurekeyvault, hashivault)")
        passphrase = prompt("passphrase for the new stack's secrets: ")
        if prompt("the same passphrase again: ") != passphrase:
            raise StackError("the two passphrases differ; nothing was created")
    if passphrase == DEV_PASSPHRASE:
        raise StackError("that is the dev stack's demo passphrase, published in this repository: choose another")
    if len(passphrase) < 12:
        raise StackError("a passphrase for real secrets needs at least 12 characters")
    return passphrase


def read_secret_values(keys: dict[str, str], stdin: TextIO, prompt: Callable[[str], str]) -> dict[str, str]:
    """From a terminal, one prompt per key (empty: skip); otherwise `KEY=VALUE` lines on stdin."""
    if stdin.isatty():
        return {key: value for key, what in keys.items() if (value := prompt(f"{key} ({what}; empty to skip): "))}
    values: dict[str, str] = {}
    for number, line in enumerate(stdin.read().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise StackError(f"stdin line {number}: expected KEY=VALUE (the value is not shown)")
        values[key.strip()] = value
    return values


def set_secret(env: PulumiEnv, variables: dict[str, str], stack: str, key: str, value: str,
               project_dir: Path) -> None:
    """`pulumi config set --secret KEY` with the value on stdin: argv is visible to every user."""
    done = subprocess.run([str(env.cli_dir / "pulumi"), "config", "set", "--secret", key, "--stack", stack,
                           "--non-interactive"], input=value, text=True, capture_output=True,
                          cwd=project_dir, env={**os.environ, **variables}, check=False)
    if done.returncode != 0:
        raise StackError(f"pulumi config set --secret {key} failed: {done.stderr.strip()}")


def init(stack: str, base_url: str, specs: str | None, secrets_provider: str, project_dir: Path = PROJECT_DIR,
         stdin: TextIO = sys.stdin, prompt: Callable[[str], str] = getpass.getpass,
         on_output: Printer = print) -> auto.Stack:
    if stack == DEV_STACK:
        raise StackError("the dev stack is created on first use (make up); init is for real stacks")
    env = pulumi_env(stack)
    variables = dict(env.variables)
    variables.pop("PULUMI_CONFIG_PASSPHRASE", None)
    if secrets_provider == "passphrase":
        variables["PULUMI_CONFIG_PASSPHRASE"] = read_passphrase(stdin, prompt)
    workspace = auto.LocalWorkspace(work_dir=str(project_dir), env_vars=variables, secrets_provider=secrets_provider,
                                    pulumi_command=auto.PulumiCommand(root=str(env.cli_dir.parent)))
    if stack in {summary.name for summary in workspace.list_stacks()}:
        raise StackError(f"stack {stack!r} already exists in {display_backend(env.backend)}; "
                         f"change its settings with `pulumi config set --stack {stack} KEY VALUE`")
    created = auto.Stack.create(stack, workspace)
    created.set_config("baseUrl", auto.ConfigValue(base_url))
    if specs:
        created.set_config("specs", auto.ConfigValue(specs))
    keys = named_secrets(project_dir, specs or DEFAULT_SPECS)
    values = read_secret_values(keys, stdin, prompt) if keys else {}
    for key, value in values.items():
        set_secret(env, variables, stack, key, value, project_dir)
    missing = [key for key in keys if key not in values]
    on_output(f"created stack {stack!r} in {display_backend(env.backend)} ({env.backend_source}); "
              f"secrets: {secrets_provider}; WeChat API: {base_url}")
    on_output(f"its settings are in Pulumi.{stack}.yaml (secrets only as ciphertext): commit that file")
    if values:
        on_output(f"secrets set: {', '.join(values)}")
    for key in missing:
        on_output(f"still to set ({keys[key]}): pulumi config set --secret --stack {stack} {key} < FILE")
    on_output(f"next: make preview STACK={stack}")
    return created


def init_main(argv: Iterable[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m runner init", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Create a stack for real WeChat (see the module docstring of runner/stacks.py).\n\n"
                    "Secrets come from prompts on a terminal, or as KEY=VALUE lines on stdin:\n"
                    "  .venv/bin/python -m runner init prod < secrets.env")
    parser.add_argument("stack")
    parser.add_argument("--base-url", default=REAL_WECHAT, help=f"WeChat API base URL (default {REAL_WECHAT})")
    parser.add_argument("--specs", help=f"glob of the stack's spec files (default {DEFAULT_SPECS})")
    parser.add_argument("--secrets-provider", default="passphrase",
                        help="passphrase (default; PULUMI_CONFIG_PASSPHRASE or a prompt), or awskms://..., "
                             "gcpkms://..., azurekeyvault://..., hashivault://...")
    args = parser.parse_args(list(argv))
    init(args.stack, args.base_url.rstrip("/"), args.specs, args.secrets_provider)
    return 0
