"""Audit results by event (real Pulumi CLI, emulator over HTTP): the emulator forwards what WeChat
pushes as JSON lines to the file the platform spec names; a waiting `up` wakes on the event and reads
WeChat once instead of polling, and the plan shows when the audit passed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorControl

from .test_plan_support import APP, PLATFORM_APPID, plan

pytestmark = pytest.mark.e2e

POLL = 5  # auditPollSeconds: without events a 20 s review costs about five reads


def test_a_waiting_up_wakes_on_the_audit_event(make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    events = tmp_path / "audit-events.jsonl"
    emu.forward_events(PLATFORM_APPID, str(events))
    emu.console(APP, "set_audit", auto_decide_after_seconds=20)
    platform = {"kind": "platform", "name": "partner", "component_appid": PLATFORM_APPID,
                "credentials": {"component_secret_config": "componentSecret",
                                "verify_ticket_config": "componentVerifyTicket"},
                "audit_events": {"file": str(events)}}
    owner = {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗"}
    emu.console(APP, "set_privacy", owner_setting=owner, setting_list=[
        {"privacy_key": key, "privacy_text": "用于下单"} for key in ("UserInfo", "Location", "PhoneNumber")])
    app = {"appid": APP, "name": "shop", "platform": "partner",
           "credentials": {"mode": "platform", "refresh_token_config": "demoShopRefreshToken"},
           "release": {"version": "1.1.0", "source": {"template_id": 2}, "wait_for_audit_minutes": 2}}
    stack = make_stack(specs={"partner.yaml": yaml.safe_dump(platform), "shop.yaml": yaml.safe_dump(app)},
                       config={"baseUrl": emu.base_url, "auditPollSeconds": str(POLL)})
    emu.clear_calls()
    stack.up()

    calls = emu.calls()
    submitted = next(call["seq"] for call in calls if call["path"] == "/wxa/submit_audit")
    released = next(call["seq"] for call in calls if call["path"] == "/wxa/release")
    reads = [call for call in calls if submitted < call["seq"] < released
             and call["path"] == "/wxa/get_latest_auditstatus"]
    # the submission's own check, the wait's first look, one read on the event, the release's guard;
    # polling every 5 s for 20 s would have made at least 7
    assert len(reads) <= 4, f"{len(reads)} reads during a 20 s review: it polled instead of waiting for the event"
    assert emu.state(APP)["app"]["live"]["user_version"] == "1.1.0"
    assert "weapp_audit_success" in events.read_text(encoding="utf-8")

    report = plan(stack)
    notes = (report.preflight or {}).get("notes", {}).get(APP, [])
    assert any(note.startswith("audit event: approved at ") for note in notes), report.preflight
