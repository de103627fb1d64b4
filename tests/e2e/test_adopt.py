"""Adoption: a spec written from a live mini-program validates, and the plan right after it (the
engine's preview and every provider's observe) shows no WeChat change for the adopted blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.testing import EmulatorControl
from providers._settings import Settings
from providers.models import load_spec_file
from runner import adopt as adopt_module
from runner.adopt import adopt

from .test_plan_support import APP, OWNER, OWNER_APP, OWNER_SECRET, PLATFORM, plan, up_matches_plan

pytestmark = pytest.mark.e2e

PRIVACY = {"owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示"},
           "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]}


@pytest.fixture(autouse=True)
def token_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path / "adopt-tokens"))


def settings_of(stack: Any) -> Settings:
    return Settings.from_config({key: item.value for key, item in stack.stack.get_all_config().items()})


def assert_no_wechat_change(stack: Any, emu: EmulatorControl, adopted: list[str]) -> None:
    report = plan(stack)
    planned = {resource.block: resource for _app, resource in report.resources()}
    assert set(adopted) <= set(planned), (adopted, sorted(planned))
    for block in adopted:
        resource = planned[block]
        assert resource.error is None, resource.error
        assert not resource.plan.changes and not resource.plan.calls and not resource.plan.manual, (
            block, resource.plan.lines())
        assert resource.op == "create"  # new to Pulumi state, nothing to do in WeChat
    assert up_matches_plan(stack, emu).counts().writes == 0
    assert set(stack.preview().change_summary) <= {"same"}, stack.text()


def test_adopting_a_platform_mini_program(make_stack: Any, emu: EmulatorControl) -> None:
    emu.console(APP, "set_privacy", **PRIVACY)
    stack = make_stack(specs={}, config={"baseUrl": emu.base_url})
    out = stack.project_dir / "specs" / "shop.yaml"
    text = adopt(APP, "shop", PLATFORM, settings_of(stack), out)
    out.write_text(text, encoding="utf-8")

    spec = load_spec_file(out)
    assert spec.server_domains is not None and spec.server_domains.request == ["https://api.shop.example.com"]
    assert spec.webview_domains is not None and spec.webview_domains.domains == ["https://h5.shop.example.com"]
    assert spec.profile is not None and spec.profile.nickname == "Demo Shop" and spec.profile.avatar is None
    assert spec.categories is not None and spec.categories.pairs() == [(304, 305)]
    assert spec.privacy is not None and spec.testers is None
    assert "# avatar: not adopted: WeChat reports only its URL (http://wx.qlogo.cn/mmhead/demo-shop/0)" in text
    assert "# testers: not adopted: WeChat lists 1 tester(s) only as opaque userstr values" in text
    for secret in ("demo-component-secret-0001", "demo-verify-ticket-0001", "demo-refresh-token-0002"):
        assert secret not in text
    blocks = [block for block in ("server_domains", "webview_domains", "profile", "categories", "privacy")
              if getattr(spec, block) is not None]
    assert_no_wechat_change(stack, emu, blocks)


def test_adopting_an_owner_mini_program_takes_what_an_owner_token_can_read(
    make_stack: Any, emu: EmulatorControl
) -> None:
    emu.console(OWNER_APP, "set_server_domains", requestdomain=["https://api.owner.example.com"])
    stack = make_stack(specs={}, config={"baseUrl": emu.base_url})
    stack.set_config("ownerAppSecret", OWNER_SECRET, secret=True)
    out = stack.project_dir / "specs" / "owner.yaml"
    out.write_text(adopt(OWNER_APP, "owner", OWNER, settings_of(stack), out), encoding="utf-8")
    text = out.read_text(encoding="utf-8")
    assert "# profile: not adopted: it could not be read with these credentials:" in text
    assert "errcode 48001" in text and OWNER_SECRET not in text
    spec = load_spec_file(out)
    assert spec.server_domains is not None and spec.server_domains.request == ["https://api.owner.example.com"]
    assert spec.profile is None and spec.categories is None
    assert_no_wechat_change(stack, emu, ["server_domains", "webview_domains"])


def test_the_adopt_command_writes_the_spec_and_refuses_to_overwrite(
    make_stack: Any, emu: EmulatorControl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack(specs={}, config={"baseUrl": emu.base_url})
    monkeypatch.setattr(adopt_module, "stack_settings", lambda _stack, _start: settings_of(stack))
    out: Path = stack.project_dir / "specs" / "shop.yaml"
    argv = ["--appid", APP, "--mode", "platform", "--out", str(out), "--component-appid", PLATFORM["component_appid"],
            "--component-secret-config", "componentSecret", "--verify-ticket-config", "componentVerifyTicket",
            "--refresh-token-config", "demoShopRefreshToken"]
    assert adopt_module.main(argv) == 0
    assert load_spec_file(out).name == "shop"
    assert f"wrote {out}: appid, name, credentials, server_domains" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        adopt_module.main(argv)
    assert adopt_module.main([*argv, "--force", "--name", "Bad Name"]) == 1
