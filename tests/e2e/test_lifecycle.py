"""The dev stack's whole life with the real Pulumi CLI against a fresh emulator on a free port."""

from __future__ import annotations

import pytest

from emulator.testing import EmulatorControl

pytestmark = pytest.mark.e2e

WRITE_PATHS = {"/wxa/modify_domain"}


def writes(calls: list[dict]) -> list[dict]:
    """Calls that change WeChat state (modify_domain with action=get is a read)."""
    return [
        call for call in calls
        if call["path"] in WRITE_PATHS and (call.get("body") or {}).get("action") != "get"
    ]


def test_dev_stack_preview_up_noop_refresh_destroy(make_stack, emu: EmulatorControl) -> None:
    stack = make_stack(config={"baseUrl": emu.base_url})

    preview = stack.preview()
    assert preview.change_summary.get("create", 0) >= 2, stack.text()
    assert writes(emu.calls()) == [], "preview must not write"

    up = stack.up()
    assert up.summary.result == "succeeded", stack.text()
    assert writes(emu.calls()), "the first up must write the spec's domains"
    live = emu.state("wx2222222222222222")
    assert "https://api.shop.example.com" in str(live), live

    emu.clear_calls()
    again = stack.preview()
    assert set(again.change_summary) <= {"same"}, stack.text()
    noop = stack.up()
    assert set(noop.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert writes(emu.calls()) == [], "a no-op up makes no write call"

    refresh = stack.refresh()
    assert refresh.summary.result == "succeeded", stack.text()

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded", stack.text()
    # deleting forgets by default: WeChat keeps the domains
    assert "https://api.shop.example.com" in str(emu.state("wx2222222222222222"))
