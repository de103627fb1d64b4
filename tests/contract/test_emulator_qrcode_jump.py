"""Jump QR-code rules (wxopen/qrcodejump*): the confirm file, add/edit, publish, delete, and the
documented errcodes and limits (COVERAGE.md, "Jump QR-code rules")."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    RawWeChat,
    assert_err,
    assert_ok,
)
from wechat import ComponentCredentials, ConflictError, MiniProgramClient, PlatformTokenSource

pytestmark = pytest.mark.contract

PREFIX = "https://shop.example.com/q/"
OTHER_APPID = "wx5555555555555555"


def _rule(prefix: str = PREFIX, **fields: Any) -> dict[str, Any]:
    return {"prefix": prefix, "path": "pages/index/index", "open_version": 3, "permit_sub_rule": 1,
            "is_edit": 0, **fields}


def _rules(wx: RawWeChat, token: str) -> dict[str, Any]:
    return assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpget", token, {}))


def _serve(emu: EmulatorControl, prefix: str = PREFIX, appid: str = APPID) -> None:
    emu.console(appid, "serve_confirm_file", prefix=prefix)


def test_lifecycle_add_edit_publish_delete(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    empty = _rules(wx, token)
    assert empty["rule_list"] == [] and empty["list_size"] == 0 and empty["qrcodejump_pub_quota"] == 100
    assert "total_count" not in empty  # only the service-account variant documents it
    _serve(emu)
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(debug_url=[PREFIX + "a?x=1"])))
    listed = _rules(wx, token)
    assert listed["rule_list"] == [{"prefix": PREFIX, "permit_sub_rule": 1, "path": "pages/index/index",
                                    "open_version": 3, "debug_url": [PREFIX + "a?x=1"], "state": 1}]
    assert listed["qrcodejump_open"] == 1 and listed["list_size"] == 1
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(path="pages/cart/cart", is_edit=1)))
    assert _rules(wx, token)["rule_list"][0]["path"] == "pages/cart/cart"
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX}))
    published = _rules(wx, token)
    assert published["rule_list"][0]["state"] == 2 and published["qrcodejump_pub_quota"] == 99
    # "已经发布的规则，不支持修改": a published rule is deleted and added again to change it
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(is_edit=1)), 40097, "invalid args")
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpdelete", token, {"prefix": PREFIX}))
    assert _rules(wx, token)["rule_list"] == []
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpdelete", token, {"prefix": PREFIX}))  # absent: no error


def test_the_confirm_file_must_be_served_in_the_prefix_directory(emu: EmulatorControl, wx: RawWeChat,
                                                                 token: str) -> None:
    download = assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpdownload", token, {}))
    assert download["file_name"].endswith(".txt") and len(download["file_content"]) == 32
    again = assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpdownload", token, {}))
    assert again == download  # the same file every time
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()), 85069, "check confirm file fail")
    emu.console(APPID, "serve_confirm_file", dir="https://shop.example.com/")  # the root is not the directory
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()), 85069, "check confirm file fail")
    emu.console(APPID, "serve_confirm_file", prefix=PREFIX, file_name="stale.txt")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()), 85069, "check confirm file fail")
    _serve(emu)
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()))
    # "若无子目录，则放置于 host 所属服务器的顶层目录下"; a rule's last path segment is not a directory
    emu.console(APPID, "serve_confirm_file", dir="https://shop.example.com/")
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule("https://shop.example.com/scan")))
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule("https://shop.example.com?id=1")))


def test_add_errors(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    _serve(emu)
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule("ftp://shop.example.com/q/")), 85066, "链接错误")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule("https://10.0.0.1/q/")), 85066, "链接错误")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token,
                       _rule(debug_url=["https://shop.example.com/other"])), 85068, "test url is not the sub prefix")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token,
                       _rule(debug_url=[PREFIX + str(i) for i in range(6)])), 40097, "invalid args")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(open_version=4)), 40097, "invalid args")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(permit_sub_rule=0)), 40097, "invalid args")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(is_edit=1)), 40097, "invalid args")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, {"prefix": PREFIX}), 47001, "data format error")
    assert_err(wx.call("POST", "/cgi-bin/wxopen/qrcodejumpadd", token, content=b""), 44002, "empty post data")
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(open_version="3")))  # digits as text
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()), 85071, "链接重复")


def test_rules_of_other_accounts_occupy_prefixes(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.seed({"miniprograms": [{"appid": OTHER_APPID, "secret": "s", "qrcode_jump": {"rules": [
        {"prefix": "https://shop.example.com/taken", "path": "pages/a/a"},
        {"prefix": "https://shop.example.com/all/", "path": "pages/b/b", "permit_sub_rule": 2, "state": 2}]}}]})
    for prefix in ("https://shop.example.com/taken", "https://shop.example.com/all/x"):
        _serve(emu, prefix)
        assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(prefix)), 85072, "链接被占用")
    _serve(emu, "https://shop.example.com/taken/")  # a sub-rule of a rule that does not occupy them
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule("https://shop.example.com/taken/")))


def test_rule_limit_is_100(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002", "published": True,
                                "qrcode_jump": {"confirm_dirs": [PREFIX], "rules": [
                                    {"prefix": f"{PREFIX}{i}", "path": "pages/index/index"} for i in range(100)]}}]})
    assert _rules(wx, token)["list_size"] == 100
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule(PREFIX + "x")), 85073, "规则数已满")


def test_publish_needs_a_release_and_a_monthly_quota(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002", "published": True,
                                "qrcode_jump": {"rules": [{"prefix": PREFIX, "path": "pages/index/index"}]}}]})
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX}), 85074, "小程序未发布")
    emu.console(APPID, "release_in_console", user_version="1.0.0")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX + "nope"}), 40097, "invalid")
    for _ in range(100):
        assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX}))
    assert _rules(wx, token)["qrcodejump_pub_quota"] == 0
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX}), 886000, "本月发布次数达到上线")
    emu.advance_clock(32 * 86400)  # a new month (and a new token: the old one has expired)
    assert _rules(wx, wx.authorizer_token())["qrcodejump_pub_quota"] == 100


def test_personal_accounts_cannot_set_rules(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_account", account_type="personal")
    _serve(emu)
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpadd", token, _rule()), 85075, "can not access")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumppublish", token, {"prefix": PREFIX}), 85075, "can not access")
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpdelete", token, {"prefix": PREFIX}), 85075, "can not access")


def test_permission_set_18_or_3(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.console(APPID, "set_permissions", component_appid="wx1111111111111111", permissions=[30])
    token = wx.authorizer_token()
    assert_err(wx.post("/cgi-bin/wxopen/qrcodejumpget", token, {}), 61007, "unauthorized to component")
    emu.console(APPID, "set_permissions", component_appid="wx1111111111111111", permissions=[3])
    assert_ok(wx.post("/cgi-bin/wxopen/qrcodejumpget", token, {}))


def test_the_console_edits_rules_without_the_api_rules(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """An admin in the MP console (drift): no confirm file needed, a published rule can change."""
    emu.console(APPID, "set_qrcode_jump_rule", prefix=PREFIX, path="pages/a/a", publish=True)
    emu.console(APPID, "set_qrcode_jump_rule", prefix=PREFIX, path="pages/b/b")
    assert _rules(wx, token)["rule_list"] == [{"prefix": PREFIX, "permit_sub_rule": 1, "path": "pages/b/b",
                                               "open_version": 3, "debug_url": [], "state": 2}]
    emu.console(APPID, "set_qrcode_jump_rule", prefix=PREFIX, delete=True)
    assert _rules(wx, token)["rule_list"] == []


def test_the_client_drives_the_whole_lifecycle(emu: EmulatorControl) -> None:
    """wechat/endpoints/qrcode_jump.py against the emulator over HTTP: download the confirm file,
    serve it, add, publish, and the errcode of a refused edit as the client's error class."""
    source = PlatformTokenSource(ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET), APPID,
                                 REFRESH_TOKEN, None)
    with MiniProgramClient(APPID, source, emu.base_url, max_retries=0) as client:
        confirm = client.download_qrcode_jump_file()
        emu.console(APPID, "serve_confirm_file", prefix=PREFIX, file_name=confirm["file_name"])
        client.add_qrcode_jump_rule(PREFIX, "pages/index/index", 3, debug_url=[PREFIX + "1"])
        client.publish_qrcode_jump_rule(PREFIX)
        rules = client.get_qrcode_jump_rules()
        assert [(r["prefix"], r["state"]) for r in rules["rule_list"]] == [(PREFIX, 2)]
        with pytest.raises(ConflictError) as refused:
            client.add_qrcode_jump_rule(PREFIX, "pages/index/index", 3)
        assert refused.value.errcode == 85071
        client.delete_qrcode_jump_rule(PREFIX)
        client.delete_qrcode_jump_rule(PREFIX)  # safe to repeat
        assert client.get_qrcode_jump_rules()["rule_list"] == []
