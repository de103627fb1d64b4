"""Whole copies of the repository, each standing for a separate machine (a CI runner, a laptop).

A clone holds the repository's files (tracked and untracked, not ignored), a link to this
checkout's virtualenv, and a machine folder of its own: PULUMI_HOME and the token cache. Clones
share only what a team shares: the backend they are pointed at, and files "committed" between them
with `push_file`. Commands run as a user types them, `python -m runner ...` or bare `pulumi`
after `eval "$(python -m runner env)"`, each in a process of its own.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from runner.env import PROJECT_DIR

TIMEOUT = 600
# The caller's own settings must not leak into a "machine": a developer's shell may point at a backend.
SCRUBBED_PREFIXES = ("PULUMI_", "WECHAT_", "VIRTUAL_ENV", "PYTHONPATH", "GITHUB_")


def repository_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=PROJECT_DIR,
                            capture_output=True, check=True).stdout.decode()
    return [name for name in listed.split("\0") if name and (PROJECT_DIR / name).is_file()]


@dataclass
class Clone:
    root: Path
    machine: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    def runner(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
               timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
        """`python -m runner ARGS` in the clone."""
        return subprocess.run([self.python, "-m", "runner", *args], cwd=self.root, input=stdin, text=True,
                              capture_output=True, env={**self.env, **(env or {})}, timeout=timeout, check=False)

    def start_runner(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([self.python, "-m", "runner", *args], cwd=self.root, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)

    def shell(self, script: str, stack: str = "dev", timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
        """A bash script run after `eval "$(.venv/bin/python -m runner env --stack STACK)"`."""
        setup = f'eval "$(.venv/bin/python -m runner env --stack {shlex.quote(stack)})"'
        return subprocess.run(["bash", "-euo", "pipefail", "-c", f"{setup}\n{script}"], cwd=self.root, text=True,
                              capture_output=True, env=self.env, timeout=timeout, check=False)

    def push_file(self, name: str, *others: Clone) -> None:
        """What `git push` + `git pull` would do for one file."""
        for other in others:
            shutil.copy2(self.root / name, other.root / name)


def make_clone(base: Path, name: str, environment: dict[str, str] | None = None) -> Clone:
    root, machine = base / name, base / f"{name}-machine"
    for relative in repository_files():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / relative, target)
    (root / ".venv").symlink_to(PROJECT_DIR / ".venv")
    machine.mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(SCRUBBED_PREFIXES)}
    env.update(PULUMI_HOME=str(machine / "pulumi-home"), WECHAT_IAC_TOKEN_CACHE=str(machine / "tokens"),
               **(environment or {}))
    return Clone(root, machine, env)
