"""First aid for a file backend, run before any `pulumi` command opens the stack.

A `pulumi` killed at the wrong moment (SIGKILL, a power cut, a CI job cancelled hard) can leave
three things in a file backend, each of which stops every later run of that stack:

1. A lock naming a process that no longer exists. Pulumi then says "the stack is currently locked"
   forever. A lock whose process is provably gone (this host, no such process) is removed.
2. A lock file that is not a lock: empty, cut short, or a temp file of a write that never finished.
   Pulumi fails with "invalid character ... in string literal" and names no file. We stop with
   a message naming it, and leave it: only a person can tell that nothing is writing it.
3. An empty `.attrs` sidecar next to the checkpoint. The storage library (gocloud fileblob) saves a
   file by writing `<name>.<hex>.tmp` in full, then writing the sidecar in place (truncate, then
   JSON), then renaming the temp file over `<name>`; killed in between, the sidecar is empty and
   every command fails with "failed to load checkpoint: EOF". The sidecar holds only a content
   type and an MD5 that nothing checks on read, and a missing one is read as empty, so it is
   deleted; if the completed new checkpoint still waits in its temp file, it is moved into place,
   which is the rename the kill prevented (the previous checkpoint stays in `<name>.bak`).

Repairs 1 and 3 print what they did. Nothing is touched while a live process holds a lock.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runner.env import RunnerError

Printer = Callable[[str], None]
ORGANIZATION = "organization"  # the file backend's only organization
FRESH_SECONDS = 30.0  # a temp file younger than this may be a write in progress


class StateError(RunnerError):
    """The backend holds something only a person should remove; the message says which file."""


@dataclass(frozen=True)
class Lock:
    path: Path
    pid: int
    host: str
    user: str
    timestamp: str

    def stale(self) -> bool:
        return self.host == socket.gethostname() and not process_running(self.pid)


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a pid we cannot judge: keep the lock
    try:  # a killed process its parent has not reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def lock_folders(backend: Path, project: str, stack: str) -> list[Path]:
    """The stack's lock folders that exist (the project layout, and the legacy one)."""
    locks = backend / ".pulumi" / "locks"
    return [folder for folder in (locks / ORGANIZATION / project / stack, locks / stack) if folder.is_dir()]


def lock_files(backend: Path, project: str, stack: str) -> list[Path]:
    """Every file in the stack's lock folders, sidecars aside."""
    return sorted(p for folder in lock_folders(backend, project, stack) for p in folder.iterdir()
                  if p.is_file() and not p.name.endswith(".attrs"))


def read_lock(path: Path) -> Lock | None:
    """The lock's owner, or None when the file is not a lock Pulumi wrote."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
        return Lock(path, int(owner["pid"]), str(owner["hostname"]), str(owner.get("username", "")),
                    str(owner.get("timestamp", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def garbage_message(path: Path, stack: str) -> str:
    size = path.stat().st_size if path.exists() else 0
    return (
        f"stack {stack!r} has a lock file that is not a lock Pulumi wrote ({size} bytes): {path}\n"
        f"Pulumi cannot read it and would fail without naming it. If no `pulumi` is running on this "
        f"stack, delete it:\n  rm {path}\n"
        f"(or `pulumi cancel --stack {stack} --yes`, which removes every lock of the stack)"
    )


def clear_stale_locks(backend: Path, project: str, stack: str, on_output: Printer = print) -> list[Lock]:
    """Remove locks whose process is gone; raise StateError for a file that is not a lock.

    Returns the locks still held by live processes."""
    live: list[Lock] = []
    for path in lock_files(backend, project, stack):
        lock = read_lock(path)
        if lock is None:
            if path.name.endswith(".tmp") and time.time() - path.stat().st_mtime < FRESH_SECONDS:
                continue  # a lock being written right now
            raise StateError(garbage_message(path, stack))
        if not lock.stale():
            live.append(lock)
            continue
        for stale in (path, path.with_name(path.name + ".attrs")):
            stale.unlink(missing_ok=True)
        on_output(f"removed a stale lock on stack {stack!r}: pulumi (pid {lock.pid}) ended without releasing it")
    return live


def _broken_sidecar(path: Path) -> bool:
    try:
        if path.stat().st_size == 0:
            return True
        json.loads(path.read_text(encoding="utf-8"))
        return False
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True


def _complete_checkpoint(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and "checkpoint" in document


def repair_sidecars(backend: Path, project: str, stack: str, on_output: Printer = print) -> list[str]:
    """Delete empty or unreadable `.attrs` sidecars of the stack's files (and the backend's
    meta.yaml); move a completed checkpoint that never got renamed into place. Returns what was done."""
    done: list[str] = []
    stacks = backend / ".pulumi" / "stacks"
    checkpoints = [stacks / project / f"{stack}.json", stacks / f"{stack}.json"]
    sidecars = [backend / ".pulumi" / "meta.yaml.attrs"]
    for checkpoint in checkpoints:
        sidecars += [checkpoint.with_name(checkpoint.name + suffix) for suffix in (".attrs", ".bak.attrs")]
    for folder in lock_folders(backend, project, stack):
        sidecars += sorted(folder.glob("*.attrs"))
    for sidecar in sidecars:
        if not _broken_sidecar(sidecar):
            continue
        sidecar.unlink()
        done.append(f"deleted {sidecar} (an empty or cut-short metadata sidecar left by a killed pulumi; "
                    "it holds no state)")
        target = sidecar.with_name(sidecar.name.removesuffix(".attrs"))
        if target in checkpoints:
            done += _promote_pending_checkpoint(target)
    for line in done:
        on_output(f"repaired the state of stack {stack!r}: {line}")
    return done


def _promote_pending_checkpoint(target: Path) -> list[str]:
    """The newest complete `<stack>.json.<hex>.tmp` newer than the checkpoint: the write the kill
    interrupted just before its rename."""
    current = target.stat().st_mtime if target.exists() else 0.0
    pending = sorted(target.parent.glob(f"{target.name}.*.tmp"), key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in pending:
        if candidate.stat().st_mtime >= current and _complete_checkpoint(candidate):
            os.replace(candidate, target)
            return [f"moved the completed checkpoint {candidate.name} into place as {target.name}"]
    return []


def first_aid(backend: Path, project: str, stack: str, on_output: Printer = print) -> None:
    """Everything above, in order: locks first (a live one means someone is writing: hands off)."""
    if not (backend / ".pulumi").is_dir():
        return
    live = clear_stale_locks(backend, project, stack, on_output)
    if not live:
        repair_sidecars(backend, project, stack, on_output)
