"""Audit events from a receiver's JSON lines: both shapes read, junk skipped, the newest per app, and a
waiting `up`'s sleep that wakes when one arrives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from providers import audit_events
from providers.audit_events import EventSourceError, EventWatch

APP = "wx2222222222222222"
SUCCESS = {"ToUserName": "gh_abc", "MsgType": "event", "Event": "weapp_audit_success", "SuccTime": 1767225600,
           "CreateTime": 1767225000}
FAIL = {"ToUserName": "gh_abc", "Event": "weapp_audit_fail", "Reason": "<br>1: 类目不符", "FailTime": 1767229200}


def test_both_shapes_and_junk() -> None:
    forwarded = audit_events.parse(json.dumps({"seq": 1, "time": 5.0, "appid": APP, "message": SUCCESS}))
    assert forwarded is not None and (forwarded.outcome, forwarded.appid, forwarded.at) == ("approved", APP, 1767225600)
    bare = audit_events.parse(json.dumps(FAIL))
    assert bare is not None and (bare.outcome, bare.appid, bare.original_id) == ("rejected", None, "gh_abc")
    assert bare.describe() == "rejected at 2026-01-01 01:00:00 UTC (weapp_audit_fail: <br>1: 类目不符)"
    for junk in ("", "not json", "[]", json.dumps({"Event": "unsubscribe"}), json.dumps({"message": "x"})):
        assert audit_events.parse(junk) is None


def test_the_newest_event_per_app_by_appid_or_original_id() -> None:
    events = [audit_events.parse(json.dumps({**SUCCESS, "appid": APP})), audit_events.parse(json.dumps(FAIL))]
    found = [event for event in events if event is not None]
    assert audit_events.latest(found, APP) is found[0]
    assert audit_events.latest(found, APP, "gh_abc") is found[1]
    assert audit_events.latest(found, "wx3333333333333333") is None


def test_read_a_file_or_a_command(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    assert audit_events.read({"file": str(path)}) == [], "no file yet: no event yet"
    path.write_text(json.dumps({**SUCCESS, "appid": APP}) + "\nbroken\n", encoding="utf-8")
    assert [event.outcome for event in audit_events.read({"file": str(path)})] == ["approved"]
    command = [sys.executable, "-c", f"print({json.dumps(json.dumps(FAIL))})"]
    assert [event.outcome for event in audit_events.read({"command": command})] == ["rejected"]
    with pytest.raises(EventSourceError):
        audit_events.read({"command": [sys.executable, "-c", "raise SystemExit(3)"]})


def test_a_watch_wakes_when_an_event_of_its_app_arrives(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({**SUCCESS, "appid": "wx3333333333333333"}) + "\n", encoding="utf-8")
    now = [0.0]

    def sleep(seconds: float) -> None:
        before, now[0] = now[0], now[0] + seconds
        if before < 3 <= now[0]:  # WeChat pushes the result 3 s into the wait
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({**SUCCESS, "appid": APP}) + "\n")

    watch = EventWatch({"file": str(path)}, APP, clock=lambda: now[0], sleep=sleep)
    watch.sleep(120)
    assert now[0] == 3, "woke at the event, not after 120 s"
    watch.sleep(10)
    assert now[0] == 13, "the same event does not wake it twice"
