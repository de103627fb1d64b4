"""Profile: getaccountbasicinfo, setnickname (+ review), media upload, avatar, intro, and quotas."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import APPID, OWNER_APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"


def upload(wx: RawWeChat, token: str, data: bytes = JPEG, kind: str = "image") -> dict[str, Any]:
    return wx.call("POST", "/cgi-bin/media/upload", token, params={"type": kind},
                   files={"media": ("head.jpg", data, "image/jpeg")})


def test_basic_info_by_get_and_post(wx: RawWeChat, token: str) -> None:
    got = assert_ok(wx.get("/cgi-bin/account/getaccountbasicinfo", token))
    posted = assert_ok(wx.call("POST", "/cgi-bin/account/getaccountbasicinfo", token))  # POST with no body
    assert got["appid"] == posted["appid"] == APPID
    assert got["principal_name"] == "Demo Shop Ltd" and got["nickname"] == "Demo Shop"
    assert got["nickname_info"] == {"nickname": "Demo Shop", "modify_used_count": 0, "modify_quota": 2}
    assert got["signature_info"]["modify_quota"] == 5 and got["head_image_info"]["modify_quota"] == 5
    assert got["wx_verify_info"]["qualification_verify"] is True and got["account_type"] == 3


def test_media_upload_and_head_image(wx: RawWeChat, token: str) -> None:
    media = upload(wx, token)
    # uploadTempMedia documents {type, media_id, created_at} without errcode/errmsg
    assert set(media) == {"type", "media_id", "created_at"}
    assert media["type"] == "image" and media["media_id"] and isinstance(media["created_at"], int)
    assert_ok(wx.post("/cgi-bin/account/modifyheadimage", token, {
        "head_img_media_id": media["media_id"], "x1": "0", "y1": "0", "x2": "1", "y2": "1"}))
    info = wx.get("/cgi-bin/account/getaccountbasicinfo", token)["head_image_info"]
    assert info["modify_used_count"] == 1 and info["head_image_url"].startswith("http://wx.qlogo.cn/")


def test_media_upload_errors(wx: RawWeChat, token: str) -> None:
    assert_err(upload(wx, token, kind="pdf"), 40004, "invalid media type")
    no_file = wx.call("POST", "/cgi-bin/media/upload", token, params={"type": "image"},
                      files={"other": ("x.jpg", JPEG, "image/jpeg")})
    assert_err(no_file, 41005, "media data missing")


def test_head_image_media_must_come_from_the_same_authorizer(emu: EmulatorControl, wx: RawWeChat,
                                                             token: str) -> None:
    own = wx.stable_token(appid=APPID, secret="demo-app-secret-0002")
    foreign = upload(wx, own)["media_id"]  # uploaded with the mini-program's own token
    assert_err(wx.post("/cgi-bin/account/modifyheadimage", token, {"head_img_media_id": foreign}),
               40007, "invalid media_id")
    assert_err(wx.post("/cgi-bin/account/modifyheadimage", token, {"head_img_media_id": "nope"}),
               40007, "invalid media_id")
    assert_err(wx.post("/cgi-bin/account/modifyheadimage", token, {}), 41006, "media_id missing")
    fresh = upload(wx, token)["media_id"]
    emu.advance_clock(3 * 86400 + 1)  # temporary media lasts three days
    token = wx.authorizer_token()
    assert_err(wx.post("/cgi-bin/account/modifyheadimage", token, {"head_img_media_id": fresh}),
               40007, "invalid media_id")


def test_head_image_quota_is_53202(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_profile_quota", used={"head_image": 5})
    media = upload(wx, token)["media_id"]
    assert_err(wx.post("/cgi-bin/account/modifyheadimage", token, {"head_img_media_id": media}),
               53202, "modify avatar quota limit exceed")


def test_signature_rules_and_quota(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/cgi-bin/account/modifysignature", token, {"signature": "新的商城功能介绍文字"}))
    info = wx.get("/cgi-bin/account/getaccountbasicinfo", token)
    assert info["signature_info"]["signature"] == "新的商城功能介绍文字"
    assert_err(wx.post("/cgi-bin/account/modifysignature", token, {"signature": "only latin text here"}),
               53204, "signature is invalid")
    assert_err(wx.post("/cgi-bin/account/modifysignature", token, {"signature": "中" * 121}),
               53204, "signature is invalid")
    emu.console(APPID, "set_profile_quota", signature=1)
    assert_err(wx.post("/cgi-bin/account/modifysignature", token, {"signature": "另一个功能介绍文字"}),
               53200, "modify signature quota limit exceed")


def test_nickname_equal_to_principal_name_is_immediate(wx: RawWeChat, token: str) -> None:
    license_id = upload(wx, token)["media_id"]
    data = assert_ok(wx.post("/wxa/setnickname", token, {"nick_name": "Demo Shop Ltd", "license": license_id}))
    assert "audit_id" not in data
    info = wx.get("/cgi-bin/account/getaccountbasicinfo", token)
    assert info["nickname"] == "Demo Shop Ltd" and info["nickname_info"]["modify_used_count"] == 1


def test_other_nicknames_are_reviewed(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_audit", auto_decide_after_seconds=None)
    license_id = upload(wx, token)["media_id"]
    data = assert_ok(wx.post("/wxa/setnickname", token, {"nick_name": "Shiny Shop", "license": license_id}))
    audit_id = data["audit_id"]
    status = assert_ok(wx.post("/wxa/api_wxa_querynickname", token, {"audit_id": audit_id}))
    assert status["audit_stat"] == 1 and status["nickname"] == "Shiny Shop"
    assert wx.get("/cgi-bin/account/getaccountbasicinfo", token)["nickname"] == "Demo Shop"
    emu.decide_audit(APPID, "approve", target="nickname")
    assert wx.post("/wxa/api_wxa_querynickname", token, {"audit_id": audit_id})["audit_stat"] == 3
    assert wx.get("/cgi-bin/account/getaccountbasicinfo", token)["nickname"] == "Shiny Shop"
    assert_err(wx.post("/wxa/api_wxa_querynickname", token, {"audit_id": 1}), 91011, "查不到昵称修改审核单信息")


@pytest.mark.parametrize(("name", "errcode", "text"), [
    ("好的小程序商城", 53010, "nickname invalid"),
    ("ab", 53010, "nickname invalid"),
    ("Demo Owner", 53013, "nickname has been occupied"),
])
def test_nickname_errors(wx: RawWeChat, token: str, name: str, errcode: int, text: str) -> None:
    license_id = upload(wx, token)["media_id"]
    assert_err(wx.post("/wxa/setnickname", token, {"nick_name": name, "license": license_id}), errcode, text)


def test_nickname_needs_material_and_quota(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    assert_err(wx.post("/wxa/setnickname", token, {"nick_name": "Demo Shop Ltd"}), 41006, "media_id missing")
    emu.console(APPID, "set_profile_quota", used={"nickname": 2})
    license_id = upload(wx, token)["media_id"]
    assert_err(wx.post("/wxa/setnickname", token, {"nick_name": "Demo Shop Ltd", "license": license_id}),
               91010, "其他错误")


def test_nickname_refused_while_code_is_audited(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_audit", auto_decide_after_seconds=None)
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
    assert_ok(wx.post("/wxa/submit_audit", token))
    license_id = upload(wx, token)["media_id"]
    assert_err(wx.post("/wxa/setnickname", token, {"nick_name": "Demo Shop Ltd", "license": license_id}),
               91019, "小程序正在审核中")


def test_console_profile_drift(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_profile", nickname="Console Name", signature="控制台修改的介绍")
    info = wx.get("/cgi-bin/account/getaccountbasicinfo", token)
    assert info["nickname"] == "Console Name" and info["signature_info"]["signature"] == "控制台修改的介绍"
    assert info["nickname_info"]["modify_used_count"] == 0  # console edits do not spend API quota


def test_owner_token_cannot_read_basic_info(wx: RawWeChat) -> None:
    own = wx.stable_token()
    assert_err(wx.get("/cgi-bin/account/getaccountbasicinfo", own), 48001, "api unauthorized")
    assert OWNER_APPID
