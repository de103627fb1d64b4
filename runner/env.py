"""Where the Pulumi CLI, its state and its settings live; one place, used by every entry point.

The CLI is never downloaded: scripts/ensure-pulumi.sh builds it from the Go module proxy into a
cache outside the checkout. Settings keep Pulumi offline: a file backend under `.state/`, no
update checks, no plugin downloads, and a PULUMI_HOME of its own so nothing leaks into ~/.pulumi.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The dev stack talks only to the local emulator, so its passphrase protects nothing real; it
# is fixed so that a fresh clone can decrypt the committed Pulumi.dev.yaml. Real stacks set
# PULUMI_CONFIG_PASSPHRASE (or _FILE) themselves, or use another secrets provider.
DEV_PASSPHRASE = "wechat-iac-dev-stack"


@dataclass(frozen=True)
class PulumiEnv:
    """Everything a Pulumi invocation needs: the CLI's folder and the environment variables."""

    cli_dir: Path
    state_dir: Path
    variables: dict[str, str]


def find_pulumi_cli() -> Path:
    """Return the folder holding a `pulumi` of the pinned version, building it if needed."""
    result = subprocess.run(
        ["bash", str(PROJECT_DIR / "scripts" / "ensure-pulumi.sh")],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("could not find or build the Pulumi CLI (see the messages above)")
    return Path(result.stdout.strip().splitlines()[-1])


def pulumi_env(state_dir: Path | None = None, cli_dir: Path | None = None) -> PulumiEnv:
    """Settings for one project state folder (default `.state/` in the checkout)."""
    state = (state_dir or PROJECT_DIR / ".state").resolve()
    cli = cli_dir or find_pulumi_cli()
    (state / "backend").mkdir(parents=True, exist_ok=True)
    (state / "pulumi-home").mkdir(parents=True, exist_ok=True)
    variables = {
        "PULUMI_BACKEND_URL": f"file://{state / 'backend'}",
        "PULUMI_HOME": str(state / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_DIY_BACKEND_GZIP": "false",
        "PATH": f"{cli}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # The engine calls Check and Diff one resource at a time unless told otherwise, and every Diff
    # here reads WeChat: with diffs in parallel a no-op preview of 10 mini-programs at 50 ms per
    # WeChat call went from 7.1 s to 3.2 s (bench/overhead.py --latency-ms 50). Our diffs only
    # read, and providers are thread-safe. PULUMI_PARALLEL_DIFF=false in the environment opts out.
    if "PULUMI_PARALLEL_DIFF" not in os.environ:
        variables["PULUMI_PARALLEL_DIFF"] = "true"
    if "PULUMI_CONFIG_PASSPHRASE" not in os.environ and "PULUMI_CONFIG_PASSPHRASE_FILE" not in os.environ:
        variables["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
    return PulumiEnv(cli_dir=cli, state_dir=state, variables=variables)
