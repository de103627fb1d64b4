"""providers._events: provider events appended to the runner's file, one whole line each."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from providers import _events


def test_events_appended_through_one_descriptor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One open per file, not one per event (each system call gives up the GIL the host's threads share);
    lines from many threads stay whole and all arrive."""
    path = tmp_path / "events.jsonl"
    monkeypatch.setenv(_events.EVENTS_ENV, str(path))
    opened: list[str] = []
    real_open = os.open

    def counted(file: str, *args: int) -> int:
        opened.append(file)
        return real_open(file, *args)

    monkeypatch.setattr(os, "open", counted)
    threads = [threading.Thread(target=lambda i=i: [_events.say(f"wx{i}", "testers", f"note {n}") for n in range(50)])
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 400 and opened == [str(path)]
