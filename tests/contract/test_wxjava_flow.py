"""WxJava (com.github.binarywang:weixin-java-open, the published jar, unmodified) against the emulator.

The Java driver in tests/contract/wxjava/ runs one WxJava call per step and prints what WxJava
returned (see Driver.java); these tests move the world between steps through the control API and
check each step against the emulator's state and call log. Its build (`mvn process-classes`) lands
in ~/.cache/wechat-iac/wxjava/<hash of the pom and sources>, so only the first run pays for it.

Routing: WxJava's `apiHostUrl` sends the mini-program calls to the emulator; the component calls
ignore it, so the driver overrides `WxOpenServiceImpl.get/post` (EmulatorRoutedOpenService.java).
WxJava's quirks that the tests pin down are listed in emulator/COVERAGE.md, "Client quirks".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    OWNER_APPID,
    REFRESH_TOKEN,
    RID,
    VERIFY_TICKET,
    EmulatorControl,
    EmulatorProcess,
    RawWeChat,
)
from tests.contract.wxjava.harness import WXJAVA_VERSION, WxJava, build_driver

pytestmark = pytest.mark.contract

ITEM = {"address": "pages/index/index", "tag": "商城", "first_class": "商家自营", "second_class": "服装/鞋/箱包",
        "first_id": 304, "second_id": 305, "title": "首页"}


@pytest.fixture(scope="module")
def driver(emulator: EmulatorProcess) -> Iterator[WxJava]:
    env = {"WXJAVA_EMULATOR_URL": emulator.base_url, "WXJAVA_COMPONENT_APPID": COMPONENT_APPID,
           "WXJAVA_COMPONENT_SECRET": COMPONENT_SECRET, "WXJAVA_VERIFY_TICKET": VERIFY_TICKET,
           "WXJAVA_AUTHORIZER_APPID": APPID, "WXJAVA_REFRESH_TOKEN": REFRESH_TOKEN,
           "WXJAVA_RETRY_SLEEP_MILLIS": "20"}
    with WxJava(build_driver(), {**os.environ, **env}) as process:
        yield process


@pytest.fixture
def wxjava(driver: WxJava, emu: EmulatorControl) -> WxJava:
    """The driver after a reset world: manual audits, and tokens WxJava fetched from this emulator."""
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    ok(driver("component_token"))
    ok(driver("authorizer_token"))
    return driver


def ok(answer: dict[str, Any]) -> Any:
    assert answer["ok"] and answer["errcode"] == 0, answer
    return answer["result"]


def failed(answer: dict[str, Any], errcode: int, text: str) -> dict[str, Any]:
    """A WxErrorException carrying WeChat's errcode and its English errmsg (WxJava keeps it as errmsg_en)."""
    assert not answer["ok"] and answer["errcode"] == errcode, answer
    assert text in answer["errmsg_en"] and RID.search(answer["errmsg_en"]), answer
    return answer


def submitted(wxjava: WxJava, template_id: int = 1, user_version: str = "1.0.0") -> int:
    """Commit a template and submit it for audit; the auditid."""
    ok(wxjava("commit", template_id=template_id, user_version=user_version, user_desc=user_version, ext={}))
    return int(ok(wxjava("submit_audit", item_list=[ITEM]))["auditid"])


def last_call(emu: EmulatorControl, path: str) -> dict[str, Any]:
    return [call for call in emu.calls() if call["path"] == path][-1]


def test_the_published_jar_is_the_one_running(driver: WxJava) -> None:
    jar = f"/weixin-java-open/{WXJAVA_VERSION}/weixin-java-open-{WXJAVA_VERSION}.jar"
    assert driver.ready["wxjava_jar"].endswith(jar)


def test_component_and_authorizer_tokens(wxjava: WxJava, emu: EmulatorControl) -> None:
    token_calls = [(c["method"], c["path"], c["token_kind"], c["errcode"]) for c in emu.calls()]
    assert token_calls == [("POST", "/cgi-bin/component/api_component_token", "component", 0),
                           ("POST", "/cgi-bin/component/api_authorizer_token", "component", 0)]
    assert last_call(emu, "/cgi-bin/component/api_authorizer_token")["body"]["authorizer_appid"] == APPID

    url = ok(wxjava("pre_auth_url", redirect_uri="https://shop.example.com/authorized"))
    assert (url["host"], url["path"], url["pre_auth_code_present"]) == ("mp.weixin.qq.com",
                                                                         "/cgi-bin/componentloginpage", True)
    assert last_call(emu, "/cgi-bin/component/api_create_preauthcode")["errcode"] == 0

    code = emu.authorization_code(COMPONENT_APPID, OWNER_APPID, permissions=[18, 30])
    auth = ok(wxjava("query_auth", authorization_code=code))
    assert auth["authorizer_appid"] == OWNER_APPID
    assert auth["access_token_present"] and auth["refresh_token_present"] and auth["expires_in"] == 7200
    assert sorted(auth["func_info"]) == [18, 30]
    # WxJava keeps the token api_query_auth handed over and uses it without another token call.
    before = len(emu.calls())
    assert ok(wxjava("account_basic_info", appid=OWNER_APPID))["appid"] == OWNER_APPID
    calls = emu.calls()[before:]
    assert [(c["path"], c["appid"], c["token_kind"]) for c in calls] == [
        ("/cgi-bin/account/getaccountbasicinfo", OWNER_APPID, "authorizer")]


def test_server_domains(wxjava: WxJava, emu: EmulatorControl) -> None:
    got = ok(wxjava("modify_domain", action="get"))
    assert got["requestdomain"] == emu.state(APPID)["app"]["domains"]["requestdomain"]
    assert last_call(emu, "/wxa/modify_domain")["body"] == {"action": "get"}

    added = ok(wxjava("modify_domain", action="add", requestdomain=["https://api2.shop.example.com"]))
    assert added["requestdomain"] == ["https://api.shop.example.com", "https://api2.shop.example.com"]
    assert emu.state(APPID)["app"]["domains"]["requestdomain"] == added["requestdomain"]
    # WxJava sends all six lists on a write, the ones it was not given as [].
    assert last_call(emu, "/wxa/modify_domain")["body"] == {
        "action": "add", "requestdomain": ["https://api2.shop.example.com"], "wsrequestdomain": [],
        "uploaddomain": [], "downloaddomain": [], "udpdomain": [], "tcpdomain": []}

    failed(wxjava("modify_domain", action="add", wsrequestdomain=["https://ws.shop.example.com"]), 85301,
           "follows the rule of domains")
    assert emu.state(APPID)["app"]["domains"]["wsrequestdomain"] == ["wss://ws.shop.example.com"]


def test_udp_and_tcp_domains_are_dropped_by_wxjava(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: WxOpenMaDomainResult maps four of the six documented lists; udp and tcp are lost."""
    emu.console(APPID, "set_server_domains", udpdomain=["udp://udp.shop.example.com"],
                tcpdomain=["tcp://tcp.shop.example.com"])
    got = ok(wxjava("modify_domain", action="get"))
    assert "udpdomain" not in got and "tcpdomain" not in got
    assert emu.state(APPID)["app"]["domains"]["udpdomain"] == ["udp://udp.shop.example.com"]


def test_platform_server_domain_call_does_not_follow_the_docs(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: WxOpenComponentServiceImpl.modifyWxaServerDomain sends the mini-program body and token name.

    The doc: `?access_token=COMPONENT_TOKEN`, body {action, wxa_server_domain: "a;b",
    is_modify_published_together}. WxJava: `?component_access_token=`, body {action, requestdomain, ...}.
    """
    path = "/cgi-bin/component/modify_wxa_server_domain"
    before = emu.state()["platforms"][0]["server_domains"]
    assert not wxjava("platform_server_domain", action="add", requestdomain=["https://new.shop.example.com"])["ok"]
    assert set(last_call(emu, path)["query"]) == {"component_access_token"}
    assert emu.state()["platforms"][0]["server_domains"] == before
    # The call log keeps the body of a call refused before it is handled: the fault shows what WxJava sends.
    emu.inject_fault(path, errcode=-1)
    assert not wxjava("platform_server_domain", action="add", requestdomain=["https://new.shop.example.com"])["ok"]
    body = last_call(emu, path)["body"]
    assert "wxa_server_domain" not in body and body["requestdomain"] == ["https://new.shop.example.com"]


def test_webview_domains(wxjava: WxJava, emu: EmulatorControl) -> None:
    assert ok(wxjava("webview_domain", action="get"))["webviewdomain"] == ["https://h5.shop.example.com"]
    ok(wxjava("webview_domain", action="add", webviewdomain=["https://shop.example.com"]))
    assert emu.state(APPID)["app"]["webview_domains"] == ["https://h5.shop.example.com", "https://shop.example.com"]
    failed(wxjava("webview_domain", action="add", webviewdomain=["https://shop.example.com"]), 89019,
           "webview domain not change")
    failed(wxjava("webview_domain", action="add", webviewdomain=["https://elsewhere.example.org"]), 89021,
           "not open's webview domain")


def test_testers(wxjava: WxJava, emu: EmulatorControl) -> None:
    userstr = ok(wxjava("bind_tester", wechatid="wxjava-user"))["userstr"]
    assert emu.state(APPID)["app"]["testers"]["wxjava-user"] == userstr
    members = ok(wxjava("tester_list"))["members"]
    assert {"userstr": userstr} in members and len(members) == 2
    again = failed(wxjava("bind_tester", wechatid="wxjava-user"), 85004, "user already bind")
    assert again["errmsg"] != again["errmsg_en"]  # quirk: getErrorMsg() is WxJava's own text for the code
    # Quirk: WxJava logs the failed request's URL, token and all, at WARN.
    assert any("access_token=" in line for line in wxjava.stderr if line)
    ok(wxjava("unbind_tester", wechatid="wxjava-user"))
    assert "wxjava-user" not in emu.state(APPID)["app"]["testers"]


def test_basic_info_is_read_with_get(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: the doc says POST with no body; WxOpenMaBasicServiceImpl.getAccountBasicInfo sends GET."""
    app = emu.state(APPID)["app"]
    info = ok(wxjava("account_basic_info"))
    assert (info["appid"], info["nickname"], info["principal_name"]) == (APPID, app["nickname"], app["principal_name"])
    assert info["signature_info"]["signature"] == app["signature"]
    assert info["nickname_info"] == {"nickname": app["nickname"], "modify_used_count": 0, "modify_quota": 2}
    assert last_call(emu, "/cgi-bin/account/getaccountbasicinfo")["method"] == "GET"


def test_categories(wxjava: WxJava, emu: EmulatorControl) -> None:
    got = ok(wxjava("get_category"))
    assert [(c["first"], c["second"], c["audit_status"]) for c in got["categories"]] == [(304, 305, 3)]
    assert (got["limit"], got["quota"], got["category_limit"]) == (5, 5, 20)
    ok(wxjava("add_category", categories=[{"first": 304, "second": 322}]))
    assert last_call(emu, "/cgi-bin/wxopen/addcategory")["body"] == {"categories": [{"first": 304, "second": 322}]}
    assert (304, 322) in [(c["first"], c["second"]) for c in emu.state(APPID)["app"]["categories"]]
    failed(wxjava("add_category", categories=[{"first": 304, "second": 305}]), 53304, "")
    audit_categories = ok(wxjava("audit_category_list"))["category_list"]
    assert [(c["first_id"], c["second_id"]) for c in audit_categories] == [(304, 305), (304, 322)]
    assert audit_categories[0]["second_class"] == "服装/鞋/箱包"


def test_privacy(wxjava: WxJava, emu: EmulatorControl) -> None:
    owner = {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗"}
    settings = [{"privacy_key": "UserInfo", "privacy_text": "用于展示会员信息"},
                {"privacy_key": "Location", "privacy_text": "用于推荐附近门店"}]
    ok(wxjava("commit", template_id=1, user_version="1.0.0", user_desc="privacy", ext={}))
    ok(wxjava("set_privacy_setting", privacy_ver=2, owner_setting=owner, setting_list=settings))
    assert last_call(emu, "/cgi-bin/component/setprivacysetting")["body"] == {
        "privacy_ver": 2, "owner_setting": owner, "setting_list": settings}
    got = ok(wxjava("get_privacy_setting", privacy_ver=2))
    assert got["code_exist"] == 1 and got["privacy_list"] == ["UserInfo", "Location"]
    assert [(s["privacy_key"], s["privacy_text"]) for s in got["setting_list"]] == [
        (s["privacy_key"], s["privacy_text"]) for s in settings]
    assert got["owner_setting"]["contact_email"] == owner["contact_email"]
    failed(wxjava("set_privacy_setting", privacy_ver=2, owner_setting={"contact_email": "a@b.example"},
                  setting_list=settings), 86069, "")
    failed(wxjava("set_privacy_setting", privacy_ver=1, owner_setting=owner), 86074, "")


def test_commit_audit_release(wxjava: WxJava, emu: EmulatorControl) -> None:
    draft_id = emu.land_draft(COMPONENT_APPID, "2.0.0", "via WxJava", "wx4444444444444444",
                              pages=["pages/index/index", "pages/shop/shop"], privacy_list=["UserInfo"])
    assert draft_id in [d["draftId"] for d in ok(wxjava("template_draft_list"))]
    assert ok(wxjava("add_to_template", draft_id=draft_id)) is None
    template = next(t for t in ok(wxjava("template_list")) if t["draftId"] == draft_id)
    assert template["userVersion"] == "2.0.0"

    failed(wxjava("release"), 85019, "")  # no audit at all yet
    ok(wxjava("commit", template_id=template["templateId"], user_version="2.0.0", user_desc="via WxJava",
              ext={"extAppid": APPID, "ext": {"shop": "demo"}}))
    commit = last_call(emu, "/wxa/commit")["body"]  # ext_json goes out as a JSON string, as documented
    assert json.loads(commit["ext_json"]) == {"extAppid": APPID, "ext": {"shop": "demo"}}
    assert commit["template_id"] == template["templateId"]
    assert ok(wxjava("page_list"))["page_list"] == ["pages/index/index", "pages/shop/shop"]
    assert ok(wxjava("version_info"))["exp_info"]["exp_version"] == "2.0.0"
    qrcode = ok(wxjava("test_qrcode"))
    assert qrcode["jpeg"] and qrcode["bytes"] > 1000
    assert ok(wxjava("query_quota"))["rest"] == 20

    auditid = ok(wxjava("submit_audit", item_list=[ITEM], version_desc="WxJava contract"))["auditid"]
    assert last_call(emu, "/wxa/submit_audit")["body"]["item_list"] == [ITEM]
    latest_audit = emu.state(APPID)["app"]["audits"][-1]
    assert (latest_audit["auditid"], latest_audit["status"], latest_audit["user_version"]) == (auditid, 2, "2.0.0")
    failed(wxjava("submit_audit", item_list=[ITEM]), 85009, "already submit a version under auditing")
    failed(wxjava("release"), 85020, "status not allowed")
    assert ok(wxjava("audit_status", auditid=auditid))["status"] == 2
    assert ok(wxjava("query_quota"))["rest"] == 19

    emu.decide_audit(APPID, "approve")
    latest = ok(wxjava("latest_audit_status"))
    assert (latest["auditid"], latest["status"], latest["user_version"]) == (auditid, 0, "2.0.0")
    ok(wxjava("release"))
    assert emu.state(APPID)["app"]["live"]["user_version"] == "2.0.0"
    assert ok(wxjava("version_info"))["release_info"]["release_version"] == "2.0.0"
    failed(wxjava("release"), 85052, "")
    history = ok(wxjava("history_version"))["version_list"]
    assert [v["user_version"] for v in history] == ["0.9.0"]

    ok(wxjava("change_visit_status", action="close"))
    assert ok(wxjava("visit_status"))["status"] == 0


def test_gray_release_and_rollback(wxjava: WxJava, emu: EmulatorControl) -> None:
    submitted(wxjava)
    emu.decide_audit(APPID, "approve")
    ok(wxjava("release"))
    submitted(wxjava, template_id=2, user_version="1.1.0")
    emu.decide_audit(APPID, "approve")

    failed(wxjava("gray_release", gray_percentage=101), 85081, "")
    ok(wxjava("gray_release", gray_percentage=10))
    plan = ok(wxjava("gray_release_plan"))["gray_release_plan"]
    assert (plan["status"], plan["gray_percentage"]) == (1, 10)
    failed(wxjava("gray_release", gray_percentage=5), 85082, "")
    failed(wxjava("revert_code_release"), 87011, "")
    ok(wxjava("revert_gray_release"))
    assert ok(wxjava("gray_release_plan"))["gray_release_plan"]["status"] == 4
    assert emu.state(APPID)["app"]["live"]["user_version"] == "1.0.0"

    ok(wxjava("revert_code_release"))  # back to the seeded 0.9.0
    assert emu.state(APPID)["app"]["live"]["user_version"] == "0.9.0"
    failed(wxjava("revert_code_release"), 87012, "")


def test_rejected_audit_screenshot_is_lost_on_the_latest_status(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: WxOpenMaQueryAuditResult reads `screenshot`; get_latest_auditstatus documents `ScreenShot`."""
    auditid = submitted(wxjava)
    emu.decide_audit(APPID, "reject", reason="页面内容不完整", screenshots=["media-1", "media-2"])
    by_id = ok(wxjava("audit_status", auditid=auditid))
    assert (by_id["status"], by_id["reason"], by_id["screenshot"]) == (1, "页面内容不完整", "media-1|media-2")
    latest = ok(wxjava("latest_audit_status"))
    assert (latest["auditid"], latest["status"], latest["reason"]) == (auditid, 1, "页面内容不完整")
    assert "screenshot" not in latest  # WxJava did not read it...
    raw = RawWeChat(emu.base_url)
    try:  # ...though the answer carries it under the documented key
        assert raw.get("/wxa/get_latest_auditstatus", raw.authorizer_token())["ScreenShot"] == "media-1|media-2"
    finally:
        raw.close()
    failed(wxjava("release"), 85020, "status not allowed")


def test_undo_and_speed_up(wxjava: WxJava, emu: EmulatorControl) -> None:
    auditid = submitted(wxjava)
    assert ok(wxjava("speedup_audit", auditid=auditid)) is True
    assert ok(wxjava("query_quota"))["speedup_rest"] == 9
    ok(wxjava("undo_code_audit"))
    assert ok(wxjava("latest_audit_status"))["status"] == 3
    assert emu.state(APPID)["app"]["audits"][-1]["status"] == 3


def test_test_qrcode_error_comes_back_as_a_jpg(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: MaQrCodeHttpComponentsRequestExecutor treats only a text/plain answer as an error."""
    qrcode = ok(wxjava("test_qrcode"))  # nothing committed: the emulator answers 86001 in JSON
    assert not qrcode["jpeg"] and qrcode["head"].startswith('{"errcode": 86001')
    assert last_call(emu, "/wxa/get_qrcode")["errcode"] == 86001


def test_expired_tokens_are_refreshed_by_wxjava(wxjava: WxJava, emu: EmulatorControl) -> None:
    emu.advance_clock(7201)  # the emulator's clock only: WxJava still thinks both tokens are fresh
    emu.clear_calls()
    assert ok(wxjava("modify_domain", action="get"))["requestdomain"]
    assert [(c["path"], c["errcode"]) for c in emu.calls()] == [
        ("/wxa/modify_domain", 42001),
        ("/cgi-bin/component/api_authorizer_token", 42001),
        ("/cgi-bin/component/api_component_token", 0),
        ("/cgi-bin/component/api_authorizer_token", 0),
        ("/wxa/modify_domain", 0)]


def test_system_busy_is_retried_and_quota_errors_are_not(wxjava: WxJava, emu: EmulatorControl) -> None:
    emu.inject_fault("/wxa/queryquota", errcode=-1, errmsg="system error")
    emu.clear_calls()
    assert ok(wxjava("query_quota"))["rest"] == 20
    assert [(c["path"], c["errcode"]) for c in emu.calls()] == [("/wxa/queryquota", -1), ("/wxa/queryquota", 0)]

    emu.inject_fault("/wxa/queryquota", errcode=45009, errmsg="reach max api daily quota limit")
    emu.clear_calls()
    failed(wxjava("query_quota"), 45009, "reach max api daily quota limit")
    assert [c["path"] for c in emu.calls()] == ["/wxa/queryquota"]


def test_a_write_answered_system_busy_is_sent_again(wxjava: WxJava, emu: EmulatorControl) -> None:
    """Quirk: BaseWxMaServiceImpl.executeWithRetry resends any call answered -1, writes included.

    A -1 that comes after the effect (a lost answer) makes WxJava submit the audit twice; the
    second submission is refused with 85009, which is what WxJava's caller sees.
    """
    ok(wxjava("commit", template_id=1, user_version="1.0.0", user_desc="x", ext={}))
    emu.inject_fault("/wxa/submit_audit", errcode=-1, when="after")
    emu.clear_calls()
    failed(wxjava("submit_audit", item_list=[ITEM]), 85009, "already submit a version under auditing")
    assert [(c["path"], c["errcode"], c.get("applied_errcode")) for c in emu.calls()] == [
        ("/wxa/submit_audit", -1, 0), ("/wxa/submit_audit", 85009, None)]
    assert [a["status"] for a in emu.state(APPID)["app"]["audits"]] == [2]


def test_component_token_errors_are_retried_each_time(wxjava: WxJava, emu: EmulatorControl) -> None:
    """WxOpenComponentServiceImpl.post drops the component token and retries on 40001/40014/42001, with no bound."""
    emu.inject_fault("/cgi-bin/component/api_authorizer_token", errcode=40001, count=3)
    emu.clear_calls()
    assert ok(wxjava("authorizer_token"))["present"]
    paths = [(c["path"].rsplit("/", 1)[1], c["errcode"]) for c in emu.calls()]
    assert paths == [("api_authorizer_token", 40001), ("api_component_token", 0)] * 3 + [("api_authorizer_token", 0)]


def test_no_history_after_a_rollback(wxjava: WxJava, emu: EmulatorControl) -> None:
    submitted(wxjava)
    emu.decide_audit(APPID, "approve")
    ok(wxjava("release"))
    ok(wxjava("revert_code_release"))
    assert emu.state(APPID)["app"]["live"]["user_version"] == "0.9.0"
    assert not ok(wxjava("history_version")).get("version_list")


def test_an_approved_audit_answers_without_reason(wxjava: WxJava, emu: EmulatorControl) -> None:
    auditid = submitted(wxjava)
    emu.decide_audit(APPID, "approve")
    by_id = ok(wxjava("audit_status", auditid=auditid))
    assert by_id["status"] == 0 and "reason" not in by_id and "screenshot" not in by_id
    latest = ok(wxjava("latest_audit_status"))
    assert latest["status"] == 0 and "reason" not in latest
