"""Server domains (modify_domain, _directly, getwxadevinfo), business domains (setwebviewdomain)
and the platform's own list (modify_wxa_server_domain)."""

from __future__ import annotations

import pytest

from emulator.testing import APPID, COMPONENT_APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract
TYPES = ("requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain", "tcpdomain")


def test_get_echoes_six_lists_and_invalid_fields(wx: RawWeChat, token: str) -> None:
    data = assert_ok(wx.post("/wxa/modify_domain", token, {"action": "get"}))
    assert data["requestdomain"] == ["https://api.shop.example.com"]
    assert data["wsrequestdomain"] == ["wss://ws.shop.example.com"]
    for t in TYPES:
        assert data[f"invalid_{t}"] == []
    assert data["no_icp_domain"] == []


def test_add_set_delete(wx: RawWeChat, token: str) -> None:
    added = assert_ok(wx.post("/wxa/modify_domain", token, {
        "action": "add", "requestdomain": ["https://api2.shop.example.com"],
        "udpdomain": ["udp://udp.shop.example.com"], "tcpdomain": ["tcp://tcp.shop.example.com:8080"]}))
    assert added["requestdomain"] == ["https://api.shop.example.com", "https://api2.shop.example.com"]
    assert added["tcpdomain"] == ["tcp://tcp.shop.example.com:8080"]
    deleted = assert_ok(wx.post("/wxa/modify_domain", token, {
        "action": "delete", "requestdomain": ["https://api.shop.example.com"]}))
    assert deleted["requestdomain"] == ["https://api2.shop.example.com"]
    replaced = assert_ok(wx.post("/wxa/modify_domain", token, {
        "action": "set", "requestdomain": ["https://api.shop.example.com"],
        "downloaddomain": ["https://img.shop.example.com"]}))
    assert replaced["requestdomain"] == ["https://api.shop.example.com"]
    assert replaced["downloaddomain"] == ["https://img.shop.example.com"]
    assert replaced["wsrequestdomain"] == []  # set overwrites every list; omitted ones become empty


@pytest.mark.parametrize(("field", "value"), [
    ("wsrequestdomain", "https://ws.shop.example.com"),  # wrong scheme for sockets
    ("requestdomain", "http://api.shop.example.com"),
    ("requestdomain", "https://10.0.0.1"),  # no IP addresses
    ("requestdomain", "https://api.weixin.qq.com"),  # forbidden
    ("udpdomain", "https://udp.shop.example.com"),
])
def test_rule_violations_are_85301_with_the_invalid_list(wx: RawWeChat, token: str, field: str, value: str) -> None:
    data = assert_err(wx.post("/wxa/modify_domain", token, {"action": "add", field: [value]}),
                      85301, "follows the rule of domains")
    assert data[f"invalid_{field}"] == [value]


def test_unregistered_domains_are_filtered_85017(wx: RawWeChat, token: str) -> None:
    data = assert_err(wx.post("/wxa/modify_domain", token, {
        "action": "add", "requestdomain": ["https://other.example.org"]}), 85017, "no domain to modify")
    assert data["invalid_requestdomain"] == ["https://other.example.org"]
    partial = assert_ok(wx.post("/wxa/modify_domain", token, {
        "action": "add", "requestdomain": ["https://other.example.org", "https://api2.shop.example.com"]}))
    assert "https://api2.shop.example.com" in partial["requestdomain"]
    assert partial["invalid_requestdomain"] == ["https://other.example.org"]


def test_nothing_new_is_85017(wx: RawWeChat, token: str) -> None:
    data = wx.post("/wxa/modify_domain", token, {"action": "add", "requestdomain": ["https://api.shop.example.com"]})
    assert_err(data, 85017, "no domain to modify after filtered")


def test_platform_without_domains_is_85018(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    ctoken = wx.component_token()
    assert_ok(wx.post("/cgi-bin/component/modify_wxa_server_domain", ctoken,
                      {"action": "set", "wxa_server_domain": "", "is_modify_published_together": True}))
    data = wx.post("/wxa/modify_domain", token, {"action": "add", "requestdomain": ["https://api2.shop.example.com"]})
    assert_err(data, 85018, "域名没有在第三方平台设置")


def test_200_per_type_is_85016(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    hosts = [f"h{i}.shop.example.com" for i in range(201)]
    ctoken = wx.component_token()
    assert_ok(wx.post("/cgi-bin/component/modify_wxa_server_domain", ctoken,
                      {"action": "add", "wxa_server_domain": ";".join(hosts)}))
    data = wx.post("/wxa/modify_domain", token, {"action": "set", "requestdomain": [f"https://{h}" for h in hosts]})
    assert_err(data, 85016, "exceed valid domain count")


def test_fifty_changes_a_month(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    for i in range(50):
        action = "add" if i % 2 == 0 else "delete"
        assert_ok(wx.post("/wxa/modify_domain", token, {"action": action,
                                                       "requestdomain": ["https://api2.shop.example.com"]}))
    assert_ok(wx.post("/wxa/modify_domain", token, {"action": "get"}))  # reads are free
    data = wx.post("/wxa/modify_domain", token, {"action": "add", "requestdomain": ["https://api2.shop.example.com"]})
    assert_err(data, 45009, "monthly quota limit for domain modification")
    emu.advance_clock(32 * 86400)
    token = wx.authorizer_token()  # the old one expired meanwhile
    assert_ok(wx.post("/wxa/modify_domain", token, {"action": "add",
                                                   "requestdomain": ["https://api2.shop.example.com"]}))


def test_bad_action_and_body(wx: RawWeChat, token: str) -> None:
    assert_err(wx.post("/wxa/modify_domain", token, {"action": "replace"}), 40097, "invalid args")
    assert_err(wx.post("/wxa/modify_domain", token, {"action": "add", "requestdomain": "https://x"}),
               47001, "data format error")


def test_directly_needs_no_registration_and_applies_on_commit(wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/wxa/modify_domain_directly", token, {
        "action": "add", "requestdomain": ["https://direct.example.org"]}))
    devinfo = assert_ok(wx.post("/wxa/getwxadevinfo", token, {"action": "getserverdomain"}))
    assert "https://direct.example.org" not in devinfo["requestdomain"]
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0",
                                             "user_desc": "d"}))
    devinfo = assert_ok(wx.post("/wxa/getwxadevinfo", token, {"action": "getserverdomain"}))
    assert "https://direct.example.org" in devinfo["requestdomain"]
    effective = assert_ok(wx.post("/wxa/get_effective_domain", token))
    assert effective["direct_domain"]["requestdomain"] == ["https://direct.example.org"]


def test_getwxadevinfo_actions(wx: RawWeChat, token: str) -> None:
    biz = assert_ok(wx.post("/wxa/getwxadevinfo", token, {"action": "getbizdomain"}))
    assert biz["bizdomain"] == ["https://h5.shop.example.com"] and "requestdomain" not in biz
    server = assert_ok(wx.post("/wxa/getwxadevinfo", token, {"action": "getserverdomain"}))
    assert "bizdomain" not in server and "tcpdomain" not in server
    both = assert_ok(wx.post("/wxa/getwxadevinfo", token))
    assert "bizdomain" in both and "udpdomain" in both


def test_webview_get_add_delete_set(wx: RawWeChat, token: str) -> None:
    path = "/wxa/setwebviewdomain"
    assert assert_ok(wx.post(path, token, {"action": "get"}))["webviewdomain"] == ["https://h5.shop.example.com"]
    assert_ok(wx.post(path, token, {"action": "add", "webviewdomain": ["https://m.shop.example.com"]}))  # subdomain
    assert_ok(wx.post(path, token, {"action": "delete", "webviewdomain": ["https://h5.shop.example.com"]}))
    assert wx.post(path, token, {"action": "get"})["webviewdomain"] == ["https://m.shop.example.com"]
    assert_ok(wx.post(path, token, {"action": "set", "webviewdomain": ["https://shop.example.com"]}))
    assert wx.post(path, token, {"action": "get"})["webviewdomain"] == ["https://shop.example.com"]


def test_webview_without_action_adds_all_platform_domains(wx: RawWeChat, token: str) -> None:
    assert_ok(wx.post("/wxa/setwebviewdomain", token, {}))
    got = wx.post("/wxa/setwebviewdomain", token, {"action": "get"})["webviewdomain"]
    assert sorted(got) == ["https://h5.shop.example.com", "https://shop.example.com"]


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({"action": "add", "webviewdomain": ["https://h5.shop.example.com"]}, 89019, "webview domain not change"),
    ({"action": "add", "webviewdomain": ["https://evil.example.org"]}, 89021, "not open's webview domain"),
    ({"action": "add", "webviewdomain": ["https://h5.shop.example.com:8443"]}, 89021, "not open's webview"),
    ({"action": "add", "webviewdomain": ["http://h5.shop.example.com"]}, 89021, "not open's webview domain"),
    ({"action": "delete", "webviewdomain": ["https://shop.example.com"]}, 89022, "delete domain is not exist"),
])
def test_webview_errors(wx: RawWeChat, token: str, body: dict[str, object], errcode: int, text: str) -> None:
    assert_err(wx.post("/wxa/setwebviewdomain", token, body), errcode, text)


def test_webview_limits_and_personal_accounts(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    many = [f"https://s{i}.shop.example.com" for i in range(301)]
    assert_err(wx.post("/wxa/setwebviewdomain", token, {"action": "set", "webviewdomain": many}),
               89029, "业务域名数量超过限制")
    emu.console(APPID, "set_account", account_type="personal")
    assert_err(wx.post("/wxa/setwebviewdomain", token, {"action": "get"}), 89231, "not support single")


def test_webview_platform_without_business_domains_is_89020(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.seed({"platforms": [{"component_appid": COMPONENT_APPID, "component_appsecret": "demo-component-secret-0001",
                             "verify_ticket": "demo-verify-ticket-0001",
                             "server_domains": ["api.shop.example.com"]}]})
    token = wx.authorizer_token()
    assert_err(wx.post("/wxa/setwebviewdomain", token, {}), 89020, "open's webview domain is null!")


def test_platform_server_domain_list(wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    path = "/cgi-bin/component/modify_wxa_server_domain"
    got = assert_ok(wx.post(path, ctoken, {"action": "get"}))
    assert "api.shop.example.com" in got["published_wxa_server_domain"].split(";")
    added = assert_ok(wx.post(path, ctoken, {"action": "add", "wxa_server_domain": "new.shop.example.com;1.2.3.4"}))
    assert "new.shop.example.com" in added["testing_wxa_server_domain"].split(";")
    assert "new.shop.example.com" not in added["published_wxa_server_domain"].split(";")
    assert added["invalid_wxa_server_domain"] == "1.2.3.4"
    assert_ok(wx.post(path, ctoken, {"action": "delete", "wxa_server_domain": "absent.example.org"}))
    token = wx.authorizer_token()
    assert_err(wx.post(path, token, {"action": "get"}), 61014, "must use component token")
