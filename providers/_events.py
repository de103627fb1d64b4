"""How a provider tells the person running Pulumi what it plans and what it did.

Under the runner (`python -m runner …`, `make …`) the environment names a file
(`WECHAT_IAC_EVENTS`); each event is one JSON line appended to it, and the runner shows them: each
line once, in order, with no engine markup, and it reads the plans back to decide its exit code and
to write the review plan. Under bare `pulumi`, the same events are printed as plain lines, which the
engine shows among its diagnostics.

Events: `plan` (what diff() or a create's check() found: the whole `Plan`), `write` (a call `up`
made), `note` (progress, such as waiting for an audit), `error` (the live state could not be read)
and `unfinished` (a run stopped short of the target, e.g. an audit still in review: `reason`).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from providers._plan import Plan
from wechat.redact import scrub

EVENTS_ENV = "WECHAT_IAC_EVENTS"
_lock = threading.Lock()
_open: dict[str, int] = {}  # events file -> a descriptor opened for appending, kept for the process's life


def emit(event: str, appid: str, resource: str, lines: list[str], **data: Any) -> None:
    """Record one event; `lines` are its human form (printed as they are without the runner)."""
    lines = [scrub(line) for line in lines]
    path = os.environ.get(EVENTS_ENV)
    if not path:
        with _lock:
            for line in lines:
                print(line, flush=True)
        return
    record = {"event": event, "appid": appid, "resource": resource, "lines": lines, **data}
    text = scrub(json.dumps(record, ensure_ascii=False, default=str)) + "\n"
    with _lock:  # one provider host, many threads: one whole line per write, appended
        descriptor = _open.get(path)
        if descriptor is None:  # one open per file, not three system calls per event (each gives up the GIL)
            descriptor = _open[path] = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(descriptor, text.encode("utf-8"))


def planned(plan: Plan, op: str) -> None:
    """The plan diff() (op "update") or a create's check() (op "create") computed."""
    emit("plan", plan.appid, plan.resource, plan.lines(), op=op, plan=plan.to_json())


def say(appid: str, resource: str, text: str, event: str = "note") -> None:
    emit(event, appid, resource, [f"{appid} {resource}: {text}"])
