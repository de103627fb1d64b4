"""Testers and developers end to end: the real Pulumi CLI against the emulator, proven by its call log.

The demo seed already has one tester, "demo-tester-alice", bound to wx2222222222222222 in the
console: the specs here do not list it, so it is the tester bound outside Pulumi.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorControl

pytestmark = pytest.mark.e2e

APP = "wx2222222222222222"
CONSOLE_TESTER = "demo-tester-alice"
A, B = "alice_wx", "bob_wx"


def spec(**blocks: Any) -> str:
    return yaml.safe_dump({
        "appid": APP,
        "name": "shop",
        "credentials": {
            "mode": "platform",
            "component_appid": "wx1111111111111111",
            "component_secret_config": "componentSecret",
            "verify_ticket_config": "componentVerifyTicket",
            "refresh_token_config": "demoShopRefreshToken",
        },
        **blocks,
    }, sort_keys=False)


def member_writes(emu: EmulatorControl) -> list[tuple[str, str]]:
    """The tester writes WeChat received, in order: ("bind", wechat id) or ("unbind", userstr or id)."""
    out = []
    for call in emu.calls():
        body = call.get("body") or {}
        if call["path"] == "/wxa/bind_tester":
            out.append(("bind", body["wechatid"]))
        elif call["path"] == "/wxa/unbind_tester":
            out.append(("unbind", body.get("userstr") or body["wechatid"]))
    return out


def bound_testers(emu: EmulatorControl) -> dict[str, str]:
    """WeChat id -> userstr, as the emulator keeps it (WeChat itself never shows the ids)."""
    return dict(emu.state(APP)["app"].get("testers") or {})


def outputs(stack: Any, kind: str) -> dict[str, Any]:
    resources = stack.stack.export_stack().deployment["resources"]
    found = [r for r in resources if r["type"] == f"pulumi-python:dynamic/wechat:{kind}"]
    assert len(found) == 1, [r["type"] for r in resources]
    return dict(found[0].get("outputs") or {})


def test_testers_bind_noop_console_drift_and_rebind(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(specs={"demo-shop.yaml": spec(testers={"members": [A, B]})}, config={"baseUrl": emu.base_url})

    assert stack.up().summary.result == "succeeded", stack.text()
    assert member_writes(emu) == [("bind", A), ("bind", B)], "one bind per tester, the console tester kept"
    live = bound_testers(emu)
    assert set(live) == {CONSOLE_TESTER, A, B}
    assert outputs(stack, "Testers")["userstrs"] == {A: live[A], B: live[B]}
    assert "kept, because `authoritative` is false" in stack.text()

    emu.clear_calls()
    noop = stack.up()
    assert set(noop.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert member_writes(emu) == [], "a no-op up makes no write"

    emu.console(APP, "unbind_tester", wechatid=B)
    stack.output.clear()
    preview = stack.preview()
    assert preview.change_summary.get("update") == 1, stack.text()
    assert "+ members: bob_wx (drift: changed outside Pulumi)" in stack.text()

    emu.clear_calls()
    assert stack.up().summary.result == "succeeded", stack.text()
    assert member_writes(emu) == [("bind", B)], "only the tester unbound in the console is bound again"
    assert set(bound_testers(emu)) == {CONSOLE_TESTER, A, B}


def test_authoritative_unbinds_the_console_tester(make_stack: Any, emu: EmulatorControl) -> None:
    console_userstr = bound_testers(emu)[CONSOLE_TESTER]
    text = spec(testers={"members": [A], "authoritative": True})
    stack = make_stack(specs={"demo-shop.yaml": text}, config={"baseUrl": emu.base_url})

    assert stack.up().summary.result == "succeeded", stack.text()
    assert member_writes(emu) == [("unbind", console_userstr), ("bind", A)], "by userstr: its id is unknown"
    assert set(bound_testers(emu)) == {A}


def test_a_lost_bind_answer_is_re_read_not_resent(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(specs={"demo-shop.yaml": spec(testers={"members": [A]})}, config={"baseUrl": emu.base_url})
    emu.inject_fault("/wxa/bind_tester", drop=True, when="after")  # it lands, the answer is lost

    assert stack.up().summary.result == "succeeded", stack.text()
    paths = [call["path"] for call in emu.calls() if "tester" in call["path"] or "memberauth" in call["path"]]
    bind = paths.index("/wxa/bind_tester")
    assert paths[bind:] == ["/wxa/bind_tester", "/wxa/memberauth"], "bind once, then re-read; never resent"
    assert outputs(stack, "Testers")["userstrs"] == {A: bound_testers(emu)[A]}


def test_developers_are_a_checklist_and_never_call_wechat(make_stack: Any, emu: EmulatorControl) -> None:
    carol = {"wechat_id": "carol_wx", "roles": ["developer"]}
    stack = make_stack(specs={"demo-shop.yaml": spec(developers=[carol])}, config={"baseUrl": emu.base_url})

    assert stack.up().summary.result == "succeeded", stack.text()
    assert "MANUAL STEP: in mp.weixin.qq.com → 管理 → 成员管理 → 项目成员: make sure carol_wx" in stack.text()
    assert "not done by `pulumi up`" in stack.text()
    outs = outputs(stack, "Developers")
    assert outs["roster"] == {"carol_wx": ["developer"]} and len(outs["manual_steps"]) == 1

    erin = {"wechat_id": "erin_wx", "roles": ["operator"]}
    (stack.project_dir / "specs" / "demo-shop.yaml").write_text(spec(developers=[carol, erin]))
    assert stack.up().summary.result == "succeeded", stack.text()
    outs = outputs(stack, "Developers")
    where = "in mp.weixin.qq.com → 管理 → 成员管理 → 项目成员: "
    assert outs["manual_steps"] == [f"{where}make sure carol_wx is a project member with developer (开发者)",
                                    f"{where}make sure erin_wx is a project member with operator (运营者)"], (
        "nothing can read the roster: every declared member stays on the checklist")
    assert emu.calls() == [], "no API exists for project members: not one call, not even for a token"
