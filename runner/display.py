"""What a person sees while the engine runs: a line per change and per write, each line once.

By default (concise) the engine's own display is not shown: it dumps every input of every resource
and attributes provider output to the stack. Instead:

- the providers' events (`providers._events`: their plans, the writes they make, progress) are read
  from the events file as they are written and shown as plain lines;
- the engine's errors and warnings (from its event stream) are shown once each, without markup;
- a last line counts resources, or, when the run ended short of its goal, says why.

`--verbose` adds the engine's own output (with the diff of inputs) as it comes.
The outcome (plans reported, blocked plans, errors) is kept for the caller: `Outcome.reason()`
is the one line a failed or blocked run ends with.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Printer = Callable[[str], None]

MARKUP = re.compile(r"<\{%[^%]*%\}>")  # the engine's colour markup, e.g. <{%fg 1%}>
UNHANDLED = "an unhandled error occurred: "
GENERIC_ERRORS = ("update failed", "preview failed", "refresh failed", "destroy failed")
# With continue_on_error the program still awaits a failed resource's outputs (the stack outputs) and
# the SDK reports that as a runtime error with a traceback: a consequence of the resource's own error.
FAILED_TO_REGISTER = re.compile(r"^python inline source runtime error: resource \S+ \[[^\]]+\] failed to register")
VERBS = {"preview": "Previewing", "up": "Updating", "refresh": "Refreshing", "destroy": "Destroying"}
PAST = {"create": "created", "update": "updated", "delete": "deleted", "same": "unchanged",
        "replace": "replaced", "read": "read", "refresh": "refreshed"}
FUTURE = {"create": "to create", "update": "to update", "delete": "to delete", "same": "unchanged",
          "replace": "to replace"}


def plain(text: str) -> str:
    return MARKUP.sub("", text).rstrip()


@dataclass
class Outcome:
    """What the providers and the engine reported during one operation."""

    operation: str
    events: list[dict[str, Any]] = field(default_factory=list)  # the providers' events, in order
    errors: list[str] = field(default_factory=list)  # the engine's error diagnostics, each once

    def plans(self) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("event") == "plan"]

    def blocked(self) -> list[str]:
        return [f"{event['appid']} {event['resource']}: {event['plan']['blocked']}"
                for event in self.plans() if event["plan"].get("blocked")]

    def unread(self) -> list[str]:
        return [f"{event['appid']} {event['resource']}: {event.get('error')}"
                for event in self.events if event.get("event") == "error"]

    def unfinished(self) -> list[str]:
        return [f"{event['appid']} {event['resource']}: {event.get('reason')}"
                for event in self.events if event.get("event") == "unfinished"]

    def reason(self) -> str | None:
        """Why the run did not reach its goal (the last line it ends with), or None."""
        if self.errors:
            first, *details = self.errors[0].splitlines()
            if details:
                first = f"{first.rstrip(': ')} ({len(details)} problem(s) above)"
            more = f" (and {len(self.errors) - 1} more error(s) above)" if len(self.errors) > 1 else ""
            return f"{self.operation} failed: {first}{more}"
        problems = [f"⛔ blocked: {text}" for text in self.blocked()]
        problems += [f"❌ {text}" for text in self.unread()]
        problems += [f"⏸ stopped short: {text}" for text in self.unfinished()]
        if problems:
            more = f" (and {len(problems) - 1} more above)" if len(problems) > 1 else ""
            return f"{self.operation}: {problems[0]}{more}"
        return None


class Display:
    """Receives the engine's output and events and the providers' events; prints each line once."""

    def __init__(self, operation: str, on_output: Printer, verbose: bool = False,
                 on_provider_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.outcome = Outcome(operation)
        self.on_output, self.verbose = on_output, verbose
        self.on_provider_event = on_provider_event
        self._lock = threading.Lock()
        self._seen: set[str] = set()

    def say(self, line: str) -> None:
        with self._lock:
            self.on_output(line)

    def once(self, line: str) -> None:
        key = " ".join(line.split())
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            self.on_output(line)

    # --- the engine -----------------------------------------------------------------------------
    def engine_output(self, line: str) -> None:
        if self.verbose:
            self.say(plain(line))

    def engine_error(self, line: str) -> None:
        """The CLI's stderr: shown (errors such as a locked stack come only this way), each once."""
        text = plain(line)
        if text.strip():
            self.once(text)

    def engine_event(self, event: Any) -> None:
        diagnostic = getattr(event, "diagnostic_event", None)
        if diagnostic is None:
            return
        message = plain(str(diagnostic.message)).strip()
        severity = str(diagnostic.severity)
        if severity == "error":
            message = message.removeprefix(UNHANDLED)
            if not message or message in GENERIC_ERRORS:
                return
            if FAILED_TO_REGISTER.match(message):
                if self.outcome.errors:
                    return  # the resource's own error is already shown
                message = message.splitlines()[0]
            if message not in self.outcome.errors:
                self.outcome.errors.append(message)
            self.once(f"error: {message}")
        elif severity == "warning":
            self.once(f"warning: {message}")
        elif self.verbose and message:
            self.say(message)

    # --- the providers --------------------------------------------------------------------------
    def provider_event(self, event: dict[str, Any]) -> None:
        self.outcome.events.append(event)
        if self.on_provider_event is not None:
            self.on_provider_event(event)
        for line in event.get("lines") or []:
            self.say(line)

    def summary(self, counts: dict[str, int], seconds: float | None = None) -> None:
        words = FUTURE if self.outcome.operation == "preview" else PAST
        parts = [f"{count} {words.get(op, op)}" for op, count in sorted(counts.items(), key=_op_order) if count]
        took = f" in {seconds:.0f}s" if seconds is not None else ""
        self.say(f"Resources: {', '.join(parts) or 'none'}{took}")


def _op_order(item: tuple[str, int]) -> tuple[int, str]:
    order = ("create", "update", "replace", "delete", "same")
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


class EventsFile:
    """The file the providers append their events to, read as it grows (a thread) and to the end."""

    def __init__(self, path: Path, receive: Callable[[dict[str, Any]], None]) -> None:
        self.path, self.receive = path, receive
        self._offset, self._partial = 0, b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="wechat-events", daemon=True)

    def __enter__(self) -> EventsFile:
        self.path.write_bytes(b"")
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()  # whatever came after the last poll

    def _follow(self) -> None:
        while not self._stop.wait(0.1):
            self._read()

    def _read(self) -> None:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for raw in lines:
            if raw.strip():
                try:
                    self.receive(json.loads(raw))
                except ValueError:
                    continue
