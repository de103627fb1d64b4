"""Profile, categories and privacy end to end: the real Pulumi CLI against the emulator.

Every test asserts on the write calls WeChat received (the emulator's call log), not only on exit
codes. Reads (getaccountbasicinfo, getcategory, getallcategories, getprivacysetting) are free.
"""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from runner.env import PROJECT_DIR

pytestmark = pytest.mark.e2e

APP = "wx2222222222222222"
OWNER_APP = "wx3333333333333333"
PLATFORM = {
    "mode": "platform",
    "component_appid": "wx1111111111111111",
    "component_secret_config": "componentSecret",
    "verify_ticket_config": "componentVerifyTicket",
    "refresh_token_config": "demoShopRefreshToken",
}
UPLOAD = "/cgi-bin/media/upload"
SIGNATURE = "/cgi-bin/account/modifysignature"
AVATAR = "/cgi-bin/account/modifyheadimage"
NICKNAME = "/wxa/setnickname"
ADD = "/cgi-bin/wxopen/addcategory"
DELETE = "/cgi-bin/wxopen/deletecategory"
PRIVACY = "/cgi-bin/component/setprivacysetting"
WRITE_PATHS = {UPLOAD, SIGNATURE, AVATAR, NICKNAME, ADD, DELETE, PRIVACY}

INTRO = "一个演示用的小商城，售卖示例商品"
OWNER_SETTING = {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示"}
SETTINGS = [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]


def spec(appid: str = APP, credentials: dict[str, Any] | None = None, **blocks: Any) -> str:
    default: dict[str, Any] = {
        "profile": {"nickname": "演示商城", "avatar": "assets/shop.png", "signature": INTRO},
        "categories": [{"first": 304, "second": 305}, {"first": 304, "second": 322}],
        "privacy": {"owner_setting": OWNER_SETTING, "settings": SETTINGS},
    }
    document = {"appid": appid, "name": "shop", "credentials": credentials or PLATFORM}
    document.update({name: value for name, value in {**default, **blocks}.items() if value is not None})
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def writes(emu: EmulatorControl) -> list[str]:
    """The paths of the write calls WeChat received, in order."""
    return [call["path"] for call in emu.calls() if call["path"] in WRITE_PATHS]


def app_state(emu: EmulatorControl, appid: str = APP) -> dict[str, Any]:
    return emu.state(appid)["app"]


@pytest.fixture
def shop(make_stack: Any, emu: EmulatorControl) -> Any:
    def factory(text: str, config: dict[str, str] | None = None) -> Any:
        stack = make_stack(specs={"shop.yaml": text}, config={"baseUrl": emu.base_url, **(config or {})})
        assets = stack.project_dir / "specs" / "assets"
        assets.mkdir(exist_ok=True)
        shutil.copy(PROJECT_DIR / "specs" / "assets" / "demo-shop.png", assets / "shop.png")
        return stack

    return factory


def test_create_converges_then_noop_then_repairs_console_drift(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec())
    stack.up()
    # within a resource the order is the plan's; resources run side by side
    assert [path for path in writes(emu) if path in (SIGNATURE, UPLOAD, AVATAR)] == [SIGNATURE, UPLOAD, AVATAR]
    assert Counter(writes(emu)) == Counter([SIGNATURE, UPLOAD, AVATAR, ADD, PRIVACY]), stack.text()
    assert "MANUAL STEP" in stack.text() and "rename to '演示商城'" in stack.text()  # no licence image: by hand
    app = app_state(emu)
    assert app["signature"] == INTRO and app["head_image_url"] != "http://wx.qlogo.cn/mmhead/demo-shop/0"
    assert {(c["first"], c["second"]) for c in app["categories"]} == {(304, 305), (304, 322)}
    assert app["privacy"]["dev"]["setting_list"] == SETTINGS and app["privacy"]["live"] is None

    emu.clear_calls()
    again = stack.up()
    assert set(again.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert writes(emu) == [], "a second up makes no write call"

    emu.console(APP, "set_profile", signature="控制台里改过的功能介绍", head_image_url="http://wx.qlogo.cn/mmhead/x/0")
    emu.console(APP, "delete_category", first=304, second=322)
    emu.console(
        APP, "set_privacy", privacy_ver=2, owner_setting={**OWNER_SETTING, "contact_qq": "12345"}, setting_list=SETTINGS
    )
    emu.clear_calls()
    stack.output.clear()
    preview = stack.preview()
    assert preview.change_summary.get("update", 0) == 3, stack.text()
    text = stack.text()
    assert "~ signature: '控制台里改过的功能介绍' -> '一个演示用的小商城，售卖示例商品' (drift" in text, text
    assert "~ avatar: 'http://wx.qlogo.cn/mmhead/x/0' -> " in text and "+ categories: 304/322" in text, text
    assert "- owner_setting.contact_qq: 12345 (drift" in text, text
    assert writes(emu) == [], "preview must not write"

    stack.up()
    assert Counter(writes(emu)) == Counter([SIGNATURE, UPLOAD, AVATAR, ADD, PRIVACY]), stack.text()
    app = app_state(emu)
    assert app["signature"] == INTRO and "contact_qq" not in app["privacy"]["dev"]["owner_setting"]
    assert (304, 322) in {(c["first"], c["second"]) for c in app["categories"]}


def test_a_spent_quota_is_refused_before_any_call(shop: Any, emu: EmulatorControl) -> None:
    emu.console(APP, "set_profile_quota", used={"signature": 5})
    stack = shop(spec(categories=None, privacy=None, profile={"signature": "换一个新的功能介绍文字"}))
    with pytest.raises(auto.errors.CommandError):
        stack.preview()  # a blocked plan fails the preview: its exit code says what `up` would
    assert "BLOCKED: the intro quota is spent: 5 of 5 changes used this month" in stack.text(), stack.text()
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.up()
    assert "the intro quota is spent: 5 of 5 changes used this month" in str(failure.value), failure.value
    assert writes(emu) == []
    assert app_state(emu)["signature"] != "换一个新的功能介绍文字"


def test_owner_mode_plans_manual_steps_and_writes_nothing(shop: Any, emu: EmulatorControl) -> None:
    owner = {"mode": "owner", "app_secret_config": "ownerAppSecret"}
    stack = shop(spec(appid=OWNER_APP, credentials=owner))
    stack.set_config("ownerAppSecret", "demo-app-secret-0003", secret=True)
    up = stack.up()
    assert up.summary.result == "succeeded", stack.text()
    text = stack.text()
    for item in (
        "基本设置: make sure signature is 一个演示用的小商城",
        "基本设置: make sure nickname is 演示商城",
        "基本设置: make sure avatar is specs/assets/shop.png",
        "基本设置 → 服务类目: make sure categories includes 304/322",
        "服务内容声明 → 用户隐私保护指引: make sure settings.UserInfo is",
    ):
        assert f"MANUAL STEP: in mp.weixin.qq.com → 设置 → {item}" in text, (item, text)
    assert writes(emu) == [], "owner credentials never write"
    assert [call["path"] for call in emu.calls() if call["appid"] == OWNER_APP] == [], "nor read: WeChat says 48001"


def test_a_rename_with_a_licence_is_submitted_once_and_converges_when_approved(shop: Any, emu: EmulatorControl) -> None:
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)  # the review waits for the control API
    profile = {"nickname": "演示商城", "license": "assets/licence.png"}
    stack = shop(spec(categories=None, privacy=None, profile=profile))
    assets = stack.project_dir / "specs" / "assets"
    shutil.copy(PROJECT_DIR / "specs" / "assets" / "demo-shop-license.png", assets / "licence.png")
    stack.up()
    assert writes(emu) == [UPLOAD, NICKNAME], stack.text()
    renames = [call for call in emu.calls() if call["path"] == NICKNAME]
    assert renames[0]["body"]["nick_name"] == "演示商城" and renames[0]["body"]["license"], renames
    app = app_state(emu)
    assert app["nickname"] == "Demo Shop" and app["nickname_audits"][-1]["audit_stat"] == 1, app

    emu.clear_calls()
    stack.output.clear()
    stack.up()
    assert writes(emu) == [], "a rename under review is not submitted again"
    assert "/wxa/api_wxa_querynickname" in [call["path"] for call in emu.calls()]
    audit_id = app["nickname_audits"][-1]["audit_id"]
    assert f"the rename to '演示商城' is under WeChat review (audit_id {audit_id})" in stack.text(), stack.text()

    emu.decide_audit(APP, "approve", target="nickname")
    assert app_state(emu)["nickname"] == "演示商城"
    emu.clear_calls()
    stack.output.clear()
    preview = stack.preview()
    assert set(preview.change_summary) <= {"same"}, stack.text()
    assert "under WeChat review" not in stack.text() and writes(emu) == [], stack.text()
