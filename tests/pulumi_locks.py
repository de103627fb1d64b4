"""Pulumi file-backend locks as a killed `pulumi` leaves them, for the first-aid tests
(tests/unit/runner/test_state_repair.py, tests/e2e/test_production_recovery.py)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path


def lock_folder(backend: Path, project: str = "wechat-iac", stack: str = "dev") -> Path:
    """`.pulumi/locks/organization/<project>/<stack>` in a file backend (created)."""
    folder = backend / ".pulumi" / "locks" / "organization" / project / stack
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def write_lock(folder: Path, name: str, pid: int, host: str | None = None) -> Path:
    """A lock file as Pulumi writes it, naming `pid` on `host` (default: this machine)."""
    path = folder / name
    path.write_text(json.dumps({"pid": pid, "hostname": host or socket.gethostname(), "username": "ci",
                                "timestamp": "2026-12-01T00:00:00Z"}), encoding="utf-8")
    (folder / f"{name}.attrs").write_text("{}\n", encoding="utf-8")
    return path
