"""Where the Pulumi CLI, its state and its settings live; one place, used by every entry point.

The CLI is never downloaded: scripts/ensure-pulumi.sh builds it from the Go module proxy into a
cache outside the checkout. Settings keep Pulumi offline: no update checks, no plugin downloads.

The backend (where a stack's state lives) is the user's: `PULUMI_BACKEND_URL`, or the backend
`pulumi login` recorded in PULUMI_HOME (PostgreSQL, S3-compatible storage, Pulumi Cloud...). Only
the dev stack, which talks to the local emulator, falls back to a file backend in `.state/backend`
when the user has none; any other stack without a backend is refused, because a checkout is no
place for state a team shares (a CI machine would start from nothing on every run).

`python -m runner env` prints these settings for a shell, so that bare `pulumi` commands run in
exactly the environment the runner uses.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from providers.fleet.ledger import LEDGER_ENV, ledger_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = PROJECT_DIR / "bin"  # project-local executables: the Python language host (runner/langhost.py)
DEV_STACK = "dev"

# The dev stack talks only to the local emulator, so its passphrase protects nothing real; it
# is fixed so that a fresh clone can decrypt the committed Pulumi.dev.yaml. It is refused for
# every other stack (runner.stacks), which bring their own passphrase or secrets provider.
DEV_PASSPHRASE = "wechat-iac-dev-stack"

BACKEND_FROM_ENV = "PULUMI_BACKEND_URL"
BACKEND_FROM_LOGIN = "pulumi login"
BACKEND_LOCAL_DEV = "the dev stack's local file backend"
BACKEND_PRIVATE = "a private state folder"


class RunnerError(Exception):
    """A problem the user can fix, with a message saying how; shown without a traceback."""


class EnvError(RunnerError):
    """The environment cannot run this stack (no backend for a real stack, no CLI)."""


@dataclass(frozen=True)
class PulumiEnv:
    """Everything a Pulumi invocation needs: the CLI's folder and the environment variables."""

    cli_dir: Path
    state_dir: Path
    variables: dict[str, str]
    backend_source: str = BACKEND_LOCAL_DEV

    @property
    def backend(self) -> str:
        return self.variables["PULUMI_BACKEND_URL"]

    @property
    def file_backend(self) -> Path | None:
        """The folder of a file backend (None for any other kind)."""
        url = self.backend
        return Path(urlsplit(url).path) if url.startswith("file://") else None


def find_pulumi_cli() -> Path:
    """Return the folder holding a `pulumi` of the pinned version, building it if needed."""
    result = subprocess.run(
        ["bash", str(PROJECT_DIR / "scripts" / "ensure-pulumi.sh")],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise EnvError("could not find or build the Pulumi CLI (see the messages above)")
    return Path(result.stdout.strip().splitlines()[-1])


def user_backend(environ: Mapping[str, str], pulumi_home: Path) -> tuple[str, str] | None:
    """The backend the user chose, and how: PULUMI_BACKEND_URL, else `pulumi login`'s record."""
    if environ.get("PULUMI_BACKEND_URL"):
        return environ["PULUMI_BACKEND_URL"], BACKEND_FROM_ENV
    try:
        credentials = json.loads((pulumi_home / "credentials.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = credentials.get("current") if isinstance(credentials, dict) else None
    return (str(current), BACKEND_FROM_LOGIN) if current else None


def pulumi_env(
    stack: str = DEV_STACK,
    state_dir: Path | None = None,
    cli_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> PulumiEnv:
    """Settings for one stack.

    With the default state folder (`.state/` in the checkout) the user's environment counts:
    their backend and PULUMI_HOME. An explicit `state_dir` is a private world (tests, benchmarks):
    its own PULUMI_HOME and file backend, and only the backend `environ` names explicitly, so a
    test never touches whatever backend the caller's shell points at.
    """
    private = state_dir is not None
    environ = ({} if private else os.environ) if environ is None else environ
    state = (state_dir or PROJECT_DIR / ".state").resolve()
    if environ.get("PULUMI_HOME"):
        home = Path(environ["PULUMI_HOME"])
    else:
        home = state / "pulumi-home" if private else Path.home() / ".pulumi"
    chosen = user_backend(environ, home)
    if chosen is not None:
        backend, source = chosen
    elif private or stack == DEV_STACK:
        (state / "backend").mkdir(parents=True, exist_ok=True)
        backend, source = f"file://{state / 'backend'}", BACKEND_PRIVATE if private else BACKEND_LOCAL_DEV
    else:
        raise EnvError(no_backend_message(stack))
    cli = cli_dir or find_pulumi_cli()  # after the cheap checks: it may build the CLI
    home.mkdir(parents=True, exist_ok=True)
    variables = {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_HOME": str(home),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_DIY_BACKEND_GZIP": "false",
        "PATH": os.pathsep.join([str(BIN_DIR), str(cli), os.environ.get("PATH", "")]),
    }
    # The engine calls Check and Diff one resource at a time unless told otherwise, and every Diff
    # here reads WeChat: with diffs in parallel a no-op preview of 10 mini-programs at 50 ms per
    # WeChat call went from 7.1 s to 3.2 s (bench/overhead.py --latency-ms 50). Our diffs only
    # read, and providers are thread-safe. PULUMI_PARALLEL_DIFF=false in the environment opts out.
    if "PULUMI_PARALLEL_DIFF" not in os.environ:
        variables["PULUMI_PARALLEL_DIFF"] = "true"
    # The file and PostgreSQL backends rewrite the whole state after every step, so an `up` that
    # writes is quadratic: a first `up` of 100 mini-programs 168 s, 20 s without (bench/first_up.py).
    # Safe because every provider converges from the live state after a crash (a kill loses the
    # run's records, not its effects: tests/e2e/test_speed_checkpoints.py). =false opts back in.
    if "PULUMI_SKIP_CHECKPOINTS" not in os.environ:
        variables["PULUMI_SKIP_CHECKPOINTS"] = "true"
    # Steps in flight (Pulumi's default: 4 x cores, 8 here). Ours wait on WeChat, not on a core, and
    # the provider host serves 32 at once (providers/_host.py): a release to 100 mini-programs at
    # 50 ms per call, 64 s at 8, 47 s at 32 (bench/release_fleet.py). PULUMI_PARALLEL or -p overrides.
    if "PULUMI_PARALLEL" not in os.environ:
        variables["PULUMI_PARALLEL"] = "32"
    # The fleet's audit ledger (providers/fleet/ledger.py): the CLI hands provider hosts no
    # PULUMI_BACKEND_URL, so the program and the providers both read the ledger's URL from here.
    ledger = ledger_url(environ.get(LEDGER_ENV), backend)
    if ledger:
        variables[LEDGER_ENV] = ledger
    if stack == DEV_STACK:
        # Pulumi.dev.yaml is committed, encrypted with the demo passphrase: nothing else opens it.
        variables["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
    return PulumiEnv(cli_dir=cli, state_dir=state, variables=variables, backend_source=source)


def no_backend_message(stack: str) -> str:
    return (
        f"stack {stack!r} needs a backend the team shares, and none is set: only the dev stack keeps its "
        "state in this checkout.\n"
        "Choose one (README, 'Going to production'):\n"
        "  export PULUMI_BACKEND_URL='postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require'   # PostgreSQL\n"
        "  export PULUMI_BACKEND_URL='s3://BUCKET/wechat-iac?endpoint=HOST&region=REGION'      # S3-compatible\n"
        "  pulumi login                                                # Pulumi Cloud (or: pulumi login URL)"
    )


_SECRET_PARAM = re.compile(r"pass|secret|token|key", re.IGNORECASE)


def display_backend(url: str, project_dir: Path | None = None) -> str:
    """The backend URL fit to print: no password; with `project_dir` (a pull-request comment), a
    local path relative to the project and no home folder."""
    parts = urlsplit(url)
    if parts.scheme == "file" and project_dir is not None:
        path = Path(parts.path)
        try:
            return "file://" + path.resolve().relative_to(project_dir.resolve()).as_posix()
        except ValueError:
            return "file://…/" + path.name  # no home folders in pull-request comments
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query)], safe="*:/,@")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def shell_exports(env: PulumiEnv, stack: str, extra: Mapping[str, str] | None = None) -> str:
    """`export` lines for `eval "$(python -m runner env)"`: PATH, PULUMI_HOME and the settings;
    the backend only when it is the dev stack's local one (a user's backend is already theirs),
    and the demo passphrase only for the dev stack."""
    lines = [f"export PATH={shlex.quote(f'{BIN_DIR}{os.pathsep}{env.cli_dir}')}:\"$PATH\""]
    for name, value in env.variables.items():
        if name == "PATH" or (name == "PULUMI_BACKEND_URL" and env.backend_source == BACKEND_FROM_ENV):
            continue
        if name == "PULUMI_BACKEND_URL" and env.backend_source == BACKEND_FROM_LOGIN:
            continue  # `pulumi login` already points the CLI there
        if name == LEDGER_ENV and env.backend_source in (BACKEND_FROM_ENV, BACKEND_FROM_LOGIN):
            if env.backend_source == BACKEND_FROM_ENV and value.startswith(("postgres://", "postgresql://")):
                lines.append(f'export {LEDGER_ENV}="${{{LEDGER_ENV}:-$PULUMI_BACKEND_URL}}"')  # no password here
            continue
        lines.append(f"export {name}={shlex.quote(value)}")
    if stack != DEV_STACK:  # a demo passphrase left in this shell by an earlier `runner env` opens nothing else
        lines.append(f'if [ "${{PULUMI_CONFIG_PASSPHRASE:-}}" = {DEV_PASSPHRASE} ]; then '
                     "unset PULUMI_CONFIG_PASSPHRASE; fi")
    lines += [f"export {name}={shlex.quote(value)}" for name, value in (extra or {}).items()]
    return "\n".join(lines)
