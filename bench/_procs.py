"""Peak memory and CPU time of the processes one engine operation runs: the `pulumi` CLI, the
provider host, and this process (where the inline program runs, as the Automation API does).

`Processes` samples /proc every `interval` seconds for this process's descendants; the CLI's CPU
comes from the kernel's accounting of reaped children (exact), the host's from its last sample
(short by at most one interval).
"""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass, field

HOST_MARKERS = (b"providers._host", b"pulumi.dynamic")  # our host, or Pulumi's own


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def role(pid: int) -> str | None:
    """'cli' (the pulumi binary), 'host' (the dynamic-provider host), or None (anything else)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return None
    if any(marker in arg for arg in argv for marker in HOST_MARKERS):
        return "host"
    if argv and os.path.basename(argv[0]) == b"pulumi":
        return "cli"
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    """What one operation's processes used (MB of peak resident set; CPU seconds)."""

    peak_mb: dict[str, float] = field(default_factory=dict)  # role -> largest peak of one process
    cpu: dict[str, float] = field(default_factory=dict)  # 'cli', 'host', 'program' -> seconds

    def mb(self, who: str) -> float:
        return self.peak_mb.get(who, 0.0)

    def seconds(self, who: str) -> float:
        return self.cpu.get(who, 0.0)


class Processes:
    """Context manager around one engine operation; `usage` is filled in on exit.

    Only descendants of this process are looked at, so other jobs on the machine do not count.
    Pass `exclude` (e.g. the emulator's pid) to leave a child and its descendants out.
    """

    def __init__(self, interval: float = 0.2, exclude: tuple[int, ...] = ()) -> None:
        self.interval = interval
        self.exclude = set(exclude)
        self.usage = Usage()
        self._peaks: dict[int, tuple[str, int]] = {}
        self._host_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="bench-processes")

    def _loop(self) -> None:
        roles: dict[int, str | None] = {}
        deadline = time.monotonic() + 4 * 3600  # bounded even if nobody stops it
        while not self._stop.is_set() and time.monotonic() < deadline:
            for pid in descendants(os.getpid()):
                if pid in self.exclude:
                    continue
                if pid not in roles:
                    roles[pid] = role(pid)
                who = roles[pid]
                if who is None:
                    continue
                kb = _status_kb(pid, "VmHWM")
                if kb:
                    self._peaks[pid] = (who, max(self._peaks.get(pid, (who, 0))[1], kb))
                if who == "host":
                    self._host_cpu[pid] = max(self._host_cpu.get(pid, 0.0), cpu_seconds(pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> Processes:
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._self = resource.getrusage(resource.RUSAGE_SELF)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        me = resource.getrusage(resource.RUSAGE_SELF)
        reaped = (children.ru_utime + children.ru_stime) - (self._children.ru_utime + self._children.ru_stime)
        host = sum(self._host_cpu.values())
        # the host is the CLI's child: reaped by it, its time is in the CLI's children total
        self.usage.cpu = {"host": host, "cli": max(reaped - host, 0.0),
                          "program": (me.ru_utime + me.ru_stime) - (self._self.ru_utime + self._self.ru_stime)}
        for who, kb in self._peaks.values():
            self.usage.peak_mb[who] = max(self.usage.peak_mb.get(who, 0.0), kb / 1024)
