"""What a platform learns about an authorized account and what WeChat pushes to it: authorizer
details (api_get_authorizer_info), ICP filing status (get_icp_entrance_info), audit-result events
(audit_event), and the token-free quota reset (clear_quota/v2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.testing import (
    APP_SECRET,
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    OWNER_APPID,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    RawWeChat,
    assert_err,
    assert_ok,
)
from wechat import ComponentClient, ComponentCredentials, MiniProgramClient, PlatformTokenSource

pytestmark = pytest.mark.contract


def _authorizer_info(wx: RawWeChat, appid: str = APPID, param: str = "access_token") -> dict[str, object]:
    return wx.post("/cgi-bin/component/api_get_authorizer_info", wx.component_token(),
                   {"component_appid": COMPONENT_APPID, "authorizer_appid": appid}, param=param)


def test_authorizer_info(emu: EmulatorControl, wx: RawWeChat) -> None:
    """openApi/authorization-management/api_getauthorizerinfo: authorizer_info with MiniProgramInfo
    {network, categories, visit_status} and authorization_info.func_info; no errcode on success."""
    data = _authorizer_info(wx)
    assert set(data) == {"authorizer_info", "authorization_info"}
    info, auth = data["authorizer_info"], data["authorization_info"]
    assert isinstance(info, dict) and isinstance(auth, dict)
    assert info["nick_name"] == "Demo Shop" and info["principal_name"] == "Demo Shop Ltd"
    assert str(info["user_name"]).startswith("gh_") and info["verify_type_info"] == {"id": 0}
    network = info["MiniProgramInfo"]["network"]
    assert network["RequestDomain"] == ["https://api.shop.example.com"]
    assert set(network) == {"RequestDomain", "WsRequestDomain", "UploadDomain", "DownloadDomain", "UDPDomain"}
    categories = info["MiniProgramInfo"]["categories"]
    assert categories and set(categories[0]) == {"first", "second"}
    assert "visit_status" in info["MiniProgramInfo"]
    assert auth["authorizer_appid"] == APPID and auth["authorizer_refresh_token"] == "demo-refresh-token-0002"
    assert auth["func_info"] == [{"funcscope_category": {"id": p}} for p in (1, 18, 30)]
    assert "authorizer_info" in _authorizer_info(wx, param="component_access_token")  # the older name


def test_authorizer_info_errors(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    assert_err(_authorizer_info(wx, OWNER_APPID), 61003, "not authorized")
    assert_err(wx.post("/cgi-bin/component/api_get_authorizer_info", token,
                       {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID}), 61014, "component token")


def test_icp_entrance_info(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """openApi/miniprogram-management/record/api_geticpentranceinfo: status, available; audit_data
    only when rejected; sms_verify_status only in authority review (4); permission set 18 or 156."""
    assert assert_ok(wx.get("/wxa/icp/get_icp_entrance_info", token))["info"] == {
        "status": 6, "is_canceling": False, "available": 1}  # the demo world is filed
    emu.console(APPID, "set_icp", status=3, audit_data=[{"key_name": "主体名称", "error": "不一致", "suggest": "修改"}])
    info = wx.get("/wxa/icp/get_icp_entrance_info", token)["info"]
    assert info["status"] == 3 and info["audit_data"][0]["key_name"] == "主体名称"
    emu.console(APPID, "set_icp", status=4, sms_verify_status=1)
    assert wx.get("/wxa/icp/get_icp_entrance_info", token)["info"]["sms_verify_status"] == 1
    emu.console(APPID, "set_permissions", component_appid=COMPONENT_APPID, permissions=[156])
    token = wx.authorizer_token()
    assert wx.get("/wxa/icp/get_icp_entrance_info", token)["info"]["status"] == 4  # set 156 alone will do
    emu.console(APPID, "set_permissions", component_appid=COMPONENT_APPID, permissions=[30])
    assert_err(wx.get("/wxa/icp/get_icp_entrance_info", token), 61007, "unauthorized to component")


def test_icp_status_is_seedable(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.seed({"miniprograms": [{"appid": APPID, "secret": APP_SECRET, "icp": {"status": 1024, "available": 0}}]})
    info = wx.get("/wxa/icp/get_icp_entrance_info", wx.authorizer_token())["info"]
    assert (info["status"], info["available"]) == (1024, 0)


def _audit(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0"}))
    assert_ok(wx.post("/wxa/submit_audit", token))


def test_audit_result_events(emu: EmulatorControl, wx: RawWeChat, token: str, tmp_path: Path) -> None:
    """audit_event.html: weapp_audit_success (SuccTime), weapp_audit_fail (Reason, FailTime,
    ScreenShot), weapp_audit_delay (Reason, DelayTime); ToUserName is the mini-program's gh_ id."""
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    forward = tmp_path / "events.jsonl"
    emu.forward_events(COMPONENT_APPID, str(forward))
    _audit(emu, wx, token)
    emu.decide_audit(APPID, "delay", reason="需要补充材料")
    emu.decide_audit(APPID, "reject", reason="页面内容不完整", screenshots=["m1", "m2"])
    events = emu.events(COMPONENT_APPID)
    assert [e["message"]["Event"] for e in events] == ["weapp_audit_delay", "weapp_audit_fail"]
    delay, fail = (e["message"] for e in events)
    assert set(delay) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "Reason", "DelayTime"}
    assert (fail["Reason"], fail["ScreenShot"], fail["MsgType"]) == ("页面内容不完整", "m1|m2", "event")
    assert str(fail["ToUserName"]).startswith("gh_") and events[0]["appid"] == APPID
    assert emu.events(COMPONENT_APPID, since=events[-1]["seq"]) == []
    lines = [json.loads(line) for line in forward.read_text(encoding="utf-8").splitlines()]
    assert [line["seq"] for line in lines] == [e["seq"] for e in events]


def test_automatic_approval_pushes_success_once(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=3600)
    _audit(emu, wx, token)
    emu.inject_fault("/wxa/get_latest_auditstatus", omit=["user_version"])  # a rolled-back read ...
    emu.advance_clock(3601)
    wx.get("/wxa/get_latest_auditstatus", wx.authorizer_token())
    wx.get("/wxa/get_latest_auditstatus", wx.authorizer_token())  # ... and a real one: one event
    events = emu.events(COMPONENT_APPID)
    assert [e["message"]["Event"] for e in events] == ["weapp_audit_success"]
    assert events[0]["message"]["SuccTime"] == int(events[0]["time"])


def test_console_submissions_push_nothing_to_the_platform(emu: EmulatorControl) -> None:
    emu.console(APPID, "commit", user_version="2.0.0")
    emu.console(APPID, "submit_audit")  # the demo platform's setting approves at once
    assert emu.events(COMPONENT_APPID) == []


def test_clear_quota_v2_needs_no_token(emu: EmulatorControl, wx: RawWeChat) -> None:
    """clearQuotaByAppSecret: appid + appsecret, usable when cgi-bin/token itself is at 45009."""
    emu.seed({"miniprograms": [{"appid": OWNER_APPID, "secret": "demo-app-secret-0003",
                                "api_limits": {"/cgi-bin/token": {"daily_limit": 1}}}]})
    wx.own_token()
    assert_err(wx.get("/cgi-bin/token", params={"grant_type": "client_credential", "appid": OWNER_APPID,
                                                "secret": "demo-app-secret-0003"}), 45009, "daily quota")
    assert_err(wx.post("/cgi-bin/clear_quota/v2", body={"appid": OWNER_APPID, "appsecret": "wrong"}),
               40125, "invalid appsecret")
    assert_err(wx.post("/cgi-bin/clear_quota/v2", body={"appid": OWNER_APPID}), 41004, "appsecret missing")
    assert_ok(wx.post("/cgi-bin/clear_quota/v2", body={"appid": OWNER_APPID, "appsecret": "demo-app-secret-0003"}))
    assert wx.own_token()
    call = next(c for c in emu.calls() if c["path"] == "/cgi-bin/clear_quota/v2" and c["errcode"] == 0)
    assert call["body"]["appsecret"] == "***" and call["appid"] == OWNER_APPID


def test_clear_quota_v2_shares_the_ten_a_month(emu: EmulatorControl, wx: RawWeChat) -> None:
    body = {"appid": OWNER_APPID, "appsecret": "demo-app-secret-0003"}
    for _ in range(10):
        assert_ok(wx.post("/cgi-bin/clear_quota/v2", body=body))
    assert_err(wx.post("/cgi-bin/clear_quota/v2", body=body), 48006, "forbid to clear quota")


def test_our_client_reads_the_new_endpoints(emu: EmulatorControl) -> None:
    """wechat/ endpoint functions against the emulator over HTTP: authorizer info, ICP, effective
    business domains, the platform's business-domain list."""
    creds = ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET)
    with ComponentClient(creds, emu.base_url, max_retries=0) as platform:
        info = platform.get_authorizer_info(APPID)
        assert info["authorization_info"]["authorizer_appid"] == APPID
        jump = platform.modify_wxa_jump_domain("get")
        assert "h5.shop.example.com" in jump["published_wxa_jump_h5_domain"].split(";")
    source = PlatformTokenSource(creds, APPID, REFRESH_TOKEN, None)
    with MiniProgramClient(APPID, source, emu.base_url, max_retries=0) as client:
        assert client.get_icp_entrance_info()["status"] == 6
        assert client.get_effective_webview_domains()["effective_webviewdomain"] == ["https://h5.shop.example.com"]
