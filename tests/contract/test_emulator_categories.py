"""Categories (getallcategories, getcategory, addcategory, deletecategory, wxa/get_category) and the
privacy guide (getprivacysetting, setprivacysetting)."""

from __future__ import annotations

import pytest

from emulator.testing import APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract
OWNER_SETTING = {"contact_email": "dpo@shop.example.com", "notice_method": "弹窗提示"}
SETTINGS = [{"privacy_key": "UserInfo", "privacy_text": "用于展示会员信息"},
            {"privacy_key": "Location", "privacy_text": "用于推荐附近门店"}]


def test_category_tree(wx: RawWeChat, token: str) -> None:
    tree = assert_ok(wx.get("/cgi-bin/wxopen/getallcategories", token))["categories_list"]["categories"]
    by_id = {c["id"]: c for c in tree}
    assert 304 in by_id[0]["children"] and by_id[305]["father"] == 304 and by_id[305]["level"] == 2


def test_getcategory_shows_limits(wx: RawWeChat, token: str) -> None:
    data = assert_ok(wx.get("/cgi-bin/wxopen/getcategory", token))
    assert data["categories"][0] | {} == {"first": 304, "first_name": "商家自营", "second": 305,
                                           "second_name": "服装/鞋/箱包", "audit_status": 3, "audit_reason": ""}
    assert (data["limit"], data["quota"], data["category_limit"]) == (5, 5, 20)


def test_add_and_delete(wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/cgi-bin/wxopen/addcategory", token, {"categories": [{"first": 287, "second": 616}]}))
    data = wx.get("/cgi-bin/wxopen/getcategory", token)
    assert {(c["first"], c["second"]) for c in data["categories"]} == {(304, 305), (287, 616)}
    assert data["quota"] == 4
    listed = assert_ok(wx.get("/wxa/get_category", token))["category_list"]
    assert {"first_class": "工具", "second_class": "信息查询", "first_id": 287, "second_id": 616} in listed
    assert_ok(wx.post("/cgi-bin/wxopen/deletecategory", token, {"first": 287, "second": 616}))
    assert len(wx.get("/cgi-bin/wxopen/getcategory", token)["categories"]) == 1


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({"categories": [{"first": 304, "second": 616}]}, 53303, "invalid category"),
    ({"categories": [{"first": 304, "second": 305}]}, 53304, "category already exists"),
    ({"categories": [{"first": 304, "second": 321}]}, 53311, "needs qualification"),
    ({"categories": []}, 47001, "data format error"),
])
def test_add_errors(wx: RawWeChat, token: str, body: dict[str, object], errcode: int, text: str) -> None:
    assert_err(wx.post("/cgi-bin/wxopen/addcategory", token, body), errcode, text)


def test_monthly_and_total_limits(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    pairs = [(287, 616), (287, 612), (287, 613), (150, 155), (217, 218)]
    for first, second in pairs:
        assert_ok(wx.post("/cgi-bin/wxopen/addcategory", token, {"categories": [{"first": first, "second": second}]}))
    assert_err(wx.post("/cgi-bin/wxopen/addcategory", token, {"categories": [{"first": 217, "second": 220}]}),
               53300, "category add quota")
    emu.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002",
                                "category_quota": {"limit": 10, "category_limit": 1},
                                "categories": [{"first": 304, "second": 305}]}]})
    assert_err(wx.post("/cgi-bin/wxopen/addcategory", token, {"categories": [{"first": 217, "second": 220}]}),
               53301, "category count exceeds")


def test_sensitive_category_is_reviewed(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_audit", auto_decide_after_seconds=None)
    body = {"categories": [{"first": 304, "second": 321, "certicates": [{"key": "食品经营许可证", "value": "m"}]}]}
    assert_ok(wx.post("/cgi-bin/wxopen/addcategory", token, body))
    item = next(c for c in wx.get("/cgi-bin/wxopen/getcategory", token)["categories"] if c["second"] == 321)
    assert item["audit_status"] == 1
    assert_err(wx.post("/cgi-bin/wxopen/deletecategory", token, {"first": 304, "second": 321}),
               53308, "under review")
    emu.decide_audit(APPID, "reject", reason="资质不全", target="category", first=304, second=321)
    item = next(c for c in wx.get("/cgi-bin/wxopen/getcategory", token)["categories"] if c["second"] == 321)
    assert (item["audit_status"], item["audit_reason"]) == (2, "资质不全")


def test_console_category_drift(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "add_category", first=217, second=220)
    emu.console(APPID, "delete_category", first=304, second=305)
    data = wx.get("/cgi-bin/wxopen/getcategory", token)
    assert [(c["first"], c["second"]) for c in data["categories"]] == [(217, 220)]
    assert data["quota"] == 5


def test_privacy_dev_version_roundtrip(wx: RawWeChat, token: str) -> None:
    empty = assert_ok(wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": 2}))
    assert empty["code_exist"] == 0 and empty["privacy_list"] == [] and empty["setting_list"] == []
    assert_ok(wx.post("/cgi-bin/component/setprivacysetting", token,
                      {"privacy_ver": 2, "owner_setting": OWNER_SETTING, "setting_list": SETTINGS}))
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
    got = assert_ok(wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": 2}))
    assert got["code_exist"] == 1 and got["privacy_list"] == ["UserInfo", "Location"]
    assert [s["privacy_key"] for s in got["setting_list"]] == ["UserInfo", "Location"]
    assert got["setting_list"][0]["privacy_label"] and got["owner_setting"] == OWNER_SETTING
    assert got["privacy_desc"]["privacy_desc_list"]


def test_privacy_ver1_needs_a_live_guide_and_goes_live_on_release(wx: RawWeChat, token: str) -> None:
    ver1 = {"privacy_ver": 1, "owner_setting": OWNER_SETTING}
    assert_err(wx.post("/cgi-bin/component/setprivacysetting", token, ver1), 86074, "no online privacy setting")
    assert_ok(wx.post("/cgi-bin/component/setprivacysetting", token,
                      {"owner_setting": OWNER_SETTING, "setting_list": SETTINGS}))  # ver defaults to 2
    assert wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": 1})["setting_list"] == []
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
    assert_ok(wx.post("/wxa/submit_audit", token))
    assert_ok(wx.post("/wxa/release", token))  # the demo platform auto-approves
    live = wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": 1})
    assert [s["privacy_key"] for s in live["setting_list"]] == ["UserInfo", "Location"]
    new_owner = {"contact_phone": "400-000-0000", "notice_method": "公告"}
    assert_ok(wx.post("/cgi-bin/component/setprivacysetting", token, {"privacy_ver": 1, "owner_setting": new_owner}))
    assert wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": 1})["owner_setting"] == new_owner


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({"privacy_ver": 3, "owner_setting": OWNER_SETTING, "setting_list": SETTINGS}, 86071, "privacy_ver参数无效"),
    ({"setting_list": SETTINGS}, 86069, "owner_setting必填字段字段缺失"),
    ({"owner_setting": {"contact_email": "a@b.c"}, "setting_list": SETTINGS}, 86069, "owner_setting必填字段字段缺失"),
    ({"owner_setting": {"notice_method": "弹窗"}, "setting_list": SETTINGS}, 86069, "owner_setting必填字段字段缺失"),
    ({"owner_setting": OWNER_SETTING}, 40097, "invalid args"),
    ({"owner_setting": OWNER_SETTING, "setting_list": [{"privacy_key": "Bogus", "privacy_text": "x"}]},
     40097, "invalid args"),
    ({"privacy_ver": 1, "owner_setting": OWNER_SETTING, "setting_list": SETTINGS}, 40097, "invalid args"),
])
def test_privacy_errors(wx: RawWeChat, token: str, body: dict[str, object], errcode: int, text: str) -> None:
    assert_err(wx.post("/cgi-bin/component/setprivacysetting", token, body), errcode, text)


def test_privacy_needs_body_and_platform_token(wx: RawWeChat, token: str) -> None:
    assert_err(wx.call("POST", "/cgi-bin/component/setprivacysetting", token), 44002, "empty post data")
    own = wx.stable_token(appid=APPID, secret="demo-app-secret-0002")
    assert_err(wx.post("/cgi-bin/component/setprivacysetting", own,
                       {"owner_setting": OWNER_SETTING, "setting_list": SETTINGS}), 48001, "api unauthorized")


def test_console_privacy_drift(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_privacy", owner_setting=OWNER_SETTING, setting_list=SETTINGS[:1])
    for ver in (1, 2):
        got = wx.post("/cgi-bin/component/getprivacysetting", token, {"privacy_ver": ver})
        assert [s["privacy_key"] for s in got["setting_list"]] == ["UserInfo"]
