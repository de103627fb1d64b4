"""Each preflight failure shows in `preview` and in the reviewers' plan, and stops `up` before any
WeChat write (real Pulumi CLI, emulator over HTTP). The same stack without the fault goes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulator.testing import EmulatorControl

from .test_plan_support import APP, PLATFORM, PLATFORM_APPID, made_writes, run_plan, spec_text

pytestmark = pytest.mark.e2e

RELEASE = {
    "version": "1.1.0",
    "source": {"template_id": 2, "ext_json": {"extAppid": APP}},
    "audit": {"item_list": [{"address": "pages/index/index", "tag": "商城", "first_class": "商家自营",
                             "second_class": "服装/鞋/箱包", "first_id": 304, "second_id": 305, "title": "首页"}]},
}
PRIVACY = {"owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示"},
           "settings": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]}


def commit_in_console(emu: EmulatorControl) -> None:
    """1.1.0 from template 2 is already the experience version: its privacy_list is readable."""
    emu.console(APP, "commit", user_version="1.1.0", template_id=2, component_appid=PLATFORM_APPID)


def audit_in_flight(emu: EmulatorControl) -> None:
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)
    emu.console(APP, "commit", user_version="1.0.9", template_id=1, component_appid=PLATFORM_APPID)
    emu.console(APP, "submit_audit")


# name: (what breaks, extra spec blocks, the check that must block, the errcode it avoids)
SCENARIOS: dict[str, tuple[Callable[[EmulatorControl], Any], dict[str, Any], str, int | None]] = {
    "permission set missing": (
        lambda emu: emu.console(APP, "set_permissions", component_appid=PLATFORM_APPID, permissions=[18]),
        {"privacy": PRIVACY}, "authorization", 61007),
    "profile incomplete": (lambda emu: emu.console(APP, "set_profile", signature=""), {}, "profile", 86002),
    "no approved category": (lambda emu: emu.console(APP, "delete_category", first=304, second=305), {},
                             "categories", 85008),
    "privacy guide short": (commit_in_console, {"privacy": PRIVACY}, "privacy", None),
    "not ICP-filed": (lambda emu: emu.console(APP, "set_icp", status=1024), {}, "icp", None),
    "audit quota spent": (lambda emu: emu.console(APP, "set_quota", rest=0), {}, "audit_quota", 85085),
    "template missing": (lambda emu: None, {"release": {**RELEASE, "source": {"template_id": 99}}}, "template", 85014),
    "another audit running": (audit_in_flight, {}, "in_flight_audit", 85009),
    "domain not on the platform": (lambda emu: None,
                                   {"server_domains": {"request": ["https://api.unregistered.example.com"]}},
                                   "domain_registration", 85017),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_preflight_failure_blocks_preview_plan_and_up_before_any_write(
    scenario: str, make_stack: Any, emu: EmulatorControl
) -> None:
    breaks, blocks, check, errcode = SCENARIOS[scenario]
    breaks(emu)
    text = spec_text(**{"release": RELEASE, **blocks})
    # the quota is the platform's (shared by its mini-programs): its findings name the platform
    account = PLATFORM_APPID if check == "audit_quota" else "shop"
    stack = make_stack(specs={"shop.yaml": text}, config={"baseUrl": emu.base_url})
    emu.clear_calls()

    with pytest.raises(Exception) as preview_failed:
        stack.preview()
    shown = str(preview_failed.value)
    assert "preflight: WeChat would refuse this change; nothing was written" in shown, shown
    assert f"⛔ {account} {check}:" in shown, shown
    if errcode is not None:
        assert f"avoids errcode {errcode}" in shown, shown

    completed, out, _data = run_plan(stack)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    document = out.read_text(encoding="utf-8")
    assert "### Preflight: will WeChat accept it?" in document
    assert f"| ⛔ | {check} | {account} |" in document, document
    assert "`up` stops before any write" in document
    assert "blocked" in completed.stdout, completed.stdout

    with pytest.raises(Exception) as up_failed:
        stack.up()
    assert f"⛔ {account} {check}:" in str(up_failed.value)
    assert made_writes(emu) == {}, "preflight stops `up` before any write"


def test_a_healthy_stack_passes_preflight_and_the_plan_says_so(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(specs={"shop.yaml": spec_text(release=RELEASE)}, config={"baseUrl": emu.base_url})
    completed, out, _data = run_plan(stack)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    document = out.read_text(encoding="utf-8")
    assert "Nothing blocks `up`." in document and "| ⛔ |" not in document
    assert "Live facts per mini-program" in document
    stack.up()
    assert any(call["path"] == "/wxa/submit_audit" for call in emu.calls())


def test_credentials_and_ticket_problems_block_at_the_platform(make_stack: Any, emu: EmulatorControl) -> None:
    """A verify ticket WeChat no longer accepts (older than 12 hours): 61005, before any write."""
    credentials = {**PLATFORM, "verify_ticket_config": "staleTicket"}
    emu.set_ticket(PLATFORM_APPID, verify_ticket="stale-ticket-0001", expires_in=60)
    emu.advance_clock(120)
    stack = make_stack(specs={"shop.yaml": spec_text(credentials=credentials, release=RELEASE)},
                       config={"baseUrl": emu.base_url, "staleTicket": "stale-ticket-0001"})
    emu.clear_calls()
    with pytest.raises(Exception) as failed:
        stack.up()
    shown = str(failed.value)
    assert "credentials: cannot get the component token" in shown and "61005" in shown, shown
    assert made_writes(emu) == {}
