"""Audit results pushed by WeChat (`weapp_audit_success` / `_fail` / `_delay`), read from where the
platform's event receiver leaves them: a JSON-lines file or a command printing JSON lines.

WeChat pushes the events to the platform's 消息与事件接收 URL (reference §8); a receiver decrypts them
and appends one JSON object per line. Two shapes are read:
- the decrypted message itself, `{"Event": "weapp_audit_success", "ToUserName": "gh_…", "SuccTime": …}`,
  with the mini-program's `appid` added by the receiver (its URL carries `$APPID$`) or not;
- the emulator's forwarded lines, `{"appid": …, "time": …, "message": {…the message…}}`.

An event is a hint: it says when, and lets a waiting `up` read WeChat once instead of polling; every
decision still reads WeChat's live audit status. Unreadable lines are skipped, never fatal.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = {"weapp_audit_success": ("approved", "SuccTime"), "weapp_audit_fail": ("rejected", "FailTime"),
         "weapp_audit_delay": ("delayed", "DelayTime")}
MAX_BYTES = 4_000_000  # the tail of a long file is what matters
COMMAND_TIMEOUT = 20.0


class EventSourceError(Exception):
    """The events file or command could not be read."""


@dataclass(frozen=True)
class AuditEvent:
    outcome: str  # approved | rejected | delayed
    event: str  # WeChat's Event name
    at: float | None  # SuccTime / FailTime / DelayTime (else CreateTime), seconds since the epoch
    appid: str | None = None
    original_id: str | None = None  # ToUserName: the mini-program's gh_ id
    reason: str = ""

    def describe(self) -> str:
        when = "an unknown time" if self.at is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.at))
        reason = f": {' '.join(self.reason.split())}" if self.reason else ""
        return f"{self.outcome} at {when} ({self.event}{reason})"


def parse(line: str) -> AuditEvent | None:
    """One line as an audit event, or None (not JSON, not an audit event)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    message: dict[str, Any] = data["message"] if isinstance(data.get("message"), dict) else data
    kind = KINDS.get(str(message.get("Event") or ""))
    if kind is None:
        return None
    outcome, time_field = kind
    return AuditEvent(outcome, str(message["Event"]), _number(message.get(time_field)) or _number(
        message.get("CreateTime")) or _number(data.get("time")), _text(data.get("appid") or message.get("appid")),
        _text(message.get("ToUserName")), str(message.get("Reason") or ""))


def read(source: Mapping[str, Any], runner: Callable[..., Any] = subprocess.run) -> list[AuditEvent]:
    """Every audit event the source holds, oldest first. `source`: an AuditEventsSpec as dumped."""
    if source.get("file"):
        path = Path(str(source["file"])).expanduser()
        try:
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - MAX_BYTES))
                text = handle.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return []  # no event yet
        except OSError as error:
            raise EventSourceError(f"cannot read the audit events file {path}: {error.strerror or error}") from None
    else:
        command = [str(part) for part in source.get("command") or []]
        try:
            done = runner(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EventSourceError(f"the audit events command {command[:1]} failed: {error}") from None
        if done.returncode != 0:
            raise EventSourceError(f"the audit events command {command[:1]} exited with {done.returncode}")
        text = done.stdout
    return [event for event in map(parse, text.splitlines()) if event is not None]


def latest(events: Iterable[AuditEvent], appid: str, original_id: str | None = None) -> AuditEvent | None:
    """The newest event of one mini-program (by appid, or by its gh_ id when the line has no appid)."""
    mine = [event for event in events
            if event.appid == appid or (event.appid is None and original_id and event.original_id == original_id)]
    return mine[-1] if mine else None


class EventWatch:
    """A `sleep` for a waiting `up`: returns as soon as a new event of `appid` arrives (checked every
    `tick` seconds; a file is re-read only when it changed), else after the full time."""

    def __init__(self, source: Mapping[str, Any], appid: str, tick: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.source, self.appid, self.tick, self.clock, self._sleep = dict(source), appid, tick, clock, sleep
        self.seen = self._count()
        self._stamp = self._file_stamp()

    def sleep(self, seconds: float) -> None:
        end = self.clock() + seconds
        while self.clock() < end:
            self._sleep(min(self.tick, max(0.0, end - self.clock())))
            if self._arrived():
                return

    def _arrived(self) -> bool:
        stamp = self._file_stamp()
        if stamp is not None and stamp == self._stamp:
            return False
        self._stamp = stamp
        count = self._count()
        arrived, self.seen = count > self.seen, max(count, self.seen)
        return arrived

    def _count(self) -> int:
        try:
            # a line without an appid may be this mini-program's too: it is worth one read of WeChat
            return sum(1 for event in read(self.source) if event.appid in (self.appid, None))
        except EventSourceError:
            return self.seen if hasattr(self, "seen") else 0

    def _file_stamp(self) -> tuple[float, int] | None:
        if not self.source.get("file"):
            return None
        try:
            stat = os.stat(Path(str(self.source["file"])).expanduser())
        except OSError:
            return (0.0, 0)
        return (stat.st_mtime, stat.st_size)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
