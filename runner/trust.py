"""Credential sources a plan of an untrusted change may not use, checked before any is touched.

A pull request's plan runs `pulumi preview` with the stack's secrets in reach: the passphrase (or
KMS access) that decrypts the component secret and refresh tokens is in the job's environment, and
the provider host holds the decrypted config. Three credential sources make the provider run or
read something the spec itself names:

- `credentials.mode: command` runs a program (it inherits that environment, and can read
  /proc/<parent>/environ);
- `verify_ticket_file` reads any file (`/proc/self/environ`, a key on the runner);
- `verify_ticket_env` reads any environment variable (`PULUMI_CONFIG_PASSPHRASE`);
- a platform spec's `audit_events` runs a program (`command`) or reads a file (`file`).

A spec-only pull request could point them anywhere. A pull request that edits the stack's
settings could also point `baseUrl` at a server of its own, which would then receive the component
secret and tokens. So when the change is untrusted (`--untrusted`, or WECHAT_IAC_UNTRUSTED=1, which
the workflow sets for its whole pull-request job) the plan is refused before the engine starts if a
spec uses one of those sources or `baseUrl` is neither WeChat's API nor a loopback emulator, and
the plan document says why. Specs whose secrets are `*_config` keys (decrypted by Pulumi and sent
only to WeChat) are planned as usual. Merged changes are trusted: the `up` job and a maintainer's
own `make plan` use every source.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from providers._settings import REAL_WECHAT
from providers.program import DEFAULT_SPECS
from runner.local_emulator import is_loopback
from runner.render import MARKER
from runner.stacks import PROJECT, stack_base_url, stack_settings

SOURCES = {
    "command": "runs a program the spec names",
    "file": "reads a file the spec names",
    "verify_ticket_file": "reads a file the spec names",
    "verify_ticket_env": "reads an environment variable the spec names",
}
UNTRUSTED_VARIABLE = "WECHAT_IAC_UNTRUSTED"


def untrusted_by_environment() -> bool:
    """The pull-request job says so for every step, so a step added later cannot forget the flag."""
    return os.environ.get(UNTRUSTED_VARIABLE, "") not in ("", "0")


def spec_pattern(project_dir: Path, stack: str) -> str:
    config = stack_settings(project_dir, stack).get("config") or {}
    value = config.get(f"{PROJECT}:specs") if isinstance(config, dict) else None
    return value if isinstance(value, str) and value else DEFAULT_SPECS


def refused_sources(project_dir: Path, stack: str) -> list[str]:
    """`file: credentials.<field>: why` for every spec of the stack that uses a refused source.

    Read from the raw YAML, as the program will find it: the same files, no validation needed."""
    problems = []
    for path in sorted(project_dir.glob(spec_pattern(project_dir, stack))):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # the program rejects it before any credential is used
        name = path.relative_to(project_dir).as_posix()
        events = document.get("audit_events") if isinstance(document, dict) else None
        if isinstance(events, dict):  # a platform spec: preflight and a waiting `up` read them
            problems += [f"`{name}`: `audit_events.{field}` {SOURCES['command' if field == 'command' else 'file']}"
                         for field in ("command", "file") if events.get(field) is not None]
        credentials = document.get("credentials") if isinstance(document, dict) else None
        if not isinstance(credentials, dict):
            continue
        if credentials.get("mode") == "command" or credentials.get("command") is not None:
            problems.append(f"`{name}`: `credentials.command` {SOURCES['command']}")
        problems += [f"`{name}`: `credentials.{field}` {SOURCES[field]}"
                     for field in ("verify_ticket_file", "verify_ticket_env") if credentials.get(field) is not None]
    return problems


def refused_base_url(project_dir: Path, stack: str) -> list[str]:
    """The stack's baseUrl, if it is neither WeChat's API nor a loopback emulator."""
    url = stack_base_url(project_dir, stack)
    if url == REAL_WECHAT or is_loopback(url):
        return []
    return [f"`Pulumi.{stack}.yaml`: `baseUrl` is {url}, neither {REAL_WECHAT} nor a local emulator: it would "
            "receive the stack's secrets"]


def refusal_markdown(stack: str, problems: list[str], commit: str | None) -> str:
    lines = [
        MARKER,
        f"## ⛔ WeChat plan for stack `{stack}`: not made for an untrusted change",
        "",
        *([f"Commit `{commit}`.", ""] if commit else []),
        "This change points the stack's secrets somewhere the change itself chooses. A plan of a pull request "
        "runs with those secrets in reach, so it is not made:",
        "",
        *[f"- {problem}" for problem in problems],
        "",
        "Nothing was run and no credential was read. A maintainer who has checked these fields can make the "
        "plan with `make plan` on their own machine; once merged, the `up` job uses them. Specs whose secrets "
        "are stack config keys (`*_config`) are planned on every pull request.",
    ]
    return "\n".join(lines) + "\n"
