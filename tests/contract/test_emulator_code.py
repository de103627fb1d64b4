"""Template library (component token as access_token=), commit, get_page, get_qrcode."""

from __future__ import annotations

import json

import pytest

from emulator.testing import COMPONENT_APPID, DEV_APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract


def test_drafts_to_templates(emu: EmulatorControl, wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    draft_id = emu.land_draft(COMPONENT_APPID, "1.2.0", "search", DEV_APPID, pages=["pages/index/index"])
    drafts = assert_ok(wx.get("/wxa/gettemplatedraftlist", ctoken))["draft_list"]
    draft = next(d for d in drafts if d["draft_id"] == draft_id)
    assert draft["source_miniprogram_appid"] == DEV_APPID and draft["source_miniprogram"] == "Demo Shop Dev"
    assert_ok(wx.post("/wxa/addtotemplate", ctoken, {"draft_id": draft_id, "template_type": 0}))
    templates = assert_ok(wx.get("/wxa/gettemplatelist", ctoken))["template_list"]
    new = next(t for t in templates if t["draft_id"] == draft_id)
    assert new["template_id"] == 3 and new["user_version"] == "1.2.0" and new["template_type"] == 0
    assert wx.get("/wxa/gettemplatelist", ctoken, params={"template_type": "1"})["template_list"] == []
    assert_ok(wx.post("/wxa/deletetemplate", ctoken, {"template_id": new["template_id"]}))
    ids = [t["template_id"] for t in wx.get("/wxa/gettemplatelist", ctoken)["template_list"]]
    assert ids == [1, 2]


def test_template_errors(emu: EmulatorControl, wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    assert_err(wx.post("/wxa/addtotemplate", ctoken, {"draft_id": 999}), 85064, "template not found")
    assert_err(wx.post("/wxa/deletetemplate", ctoken, {"template_id": 999}), 85064, "not found")
    assert_err(wx.get("/wxa/gettemplatelist", ctoken, param="component_access_token"), 41001, "access_token missing")


def test_template_library_holds_200(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.seed({"platforms": [{"component_appid": COMPONENT_APPID, "component_appsecret": "demo-component-secret-0001",
                             "verify_ticket": "demo-verify-ticket-0001",
                             "templates": [{"template_id": i, "user_version": f"1.0.{i}"} for i in range(1, 201)],
                             "drafts": [{"draft_id": 7, "user_version": "9.9.9"}]}]})
    ctoken = wx.component_token()
    assert_err(wx.post("/wxa/addtotemplate", ctoken, {"draft_id": 7}), 85065, "template list is full")


def test_commit_sets_the_experience_version(wx: RawWeChat, token: str) -> None:
    ext = json.dumps({"extAppid": "wx2222222222222222", "ext": {"shop": "demo"}})
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 2, "ext_json": ext, "user_version": "1.1.0",
                                             "user_desc": "cart"}))
    info = assert_ok(wx.post("/wxa/getversioninfo", token))
    assert info["exp_info"]["exp_version"] == "1.1.0" and info["exp_info"]["exp_desc"] == "cart"
    pages = assert_ok(wx.get("/wxa/get_page", token))["page_list"]
    assert pages == ["pages/index/index", "pages/cart/cart", "pages/order/order", "pages/coupon/coupon"]
    assert_ok(wx.post("/wxa/commit", token, {"template_id": "1", "ext_json": "{}", "user_version": "1.0.1"}))
    assert wx.post("/wxa/getversioninfo", token)["exp_info"]["exp_version"] == "1.0.1"


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({"template_id": 99, "ext_json": "{}", "user_version": "1"}, 85014, "template not exist"),
    ({"template_id": '"1"', "ext_json": "{}", "user_version": "1"}, 85014, "template not exist"),
    ({"template_id": 1, "ext_json": {"ext": {}}, "user_version": "1"}, 85013, "invalid ext_json"),
    ({"template_id": 1, "ext_json": "{not json", "user_version": "1"}, 85013, "invalid ext_json"),
    ({"template_id": 1, "ext_json": '{"pages": ["pages/none/none"]}', "user_version": "1"}, 85045, "path"),
    ({"template_id": 1, "ext_json": "{}"}, 47001, "data format error"),
    ({"template_id": 1, "ext_json": "{}", "user_version": "v" * 65}, 40097, "invalid args"),
])
def test_commit_errors(wx: RawWeChat, token: str, body: dict[str, object], errcode: int, text: str) -> None:
    assert_err(wx.post("/wxa/commit", token, body), errcode, text)


def test_without_commit(wx: RawWeChat, token: str) -> None:
    assert_err(wx.get("/wxa/get_page", token), 86001, "experience version not exists")
    assert_err(wx.call("GET", "/wxa/get_qrcode", token), 86001, "experience version not exists")
    assert "exp_info" not in assert_ok(wx.post("/wxa/getversioninfo", token))


def test_qrcode_is_a_jpeg(wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
    response = wx.http.get("/wxa/get_qrcode", params={"access_token": token, "path": "pages/cart/cart?x=1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"] == 'attachment; filename="QRCode.jpg"'
    assert response.content[:3] == b"\xff\xd8\xff" and response.content[-2:] == b"\xff\xd9"
