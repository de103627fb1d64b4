"""A release through the platform replaces the mini-program's own domains with the platform's.

Sources (emulator/COVERAGE.md, "Domains"):
- modifyServerDomain / modifyJumpDomain (openApi/miniprogram-management/domain-management/
  api_modifyserverdomain, api_modifyjumpdomain): "当小程序通过第三方平台发布代码上线后，小程序原先自己配置的
  服务器域名将被删除，只保留第三方平台的域名" (the same for business domains).
- Third-party_Platforms/2.0/product/domain (方式一): a domain configured before the authorization and
  not on the platform's list is deleted at release; one removed from the platform's list before the
  release is deleted too.
- getEffectiveServerDomain / getEffectiveJumpDomain: mp, third, direct and effective lists.
- modify_server_domain / modify_jump_domain: the platform's lists, 1,000 / 200, 50 changes a month,
  `invalid_*` only when something was invalid.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing import APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract
TYPES = ("requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain", "tcpdomain")


def _release_through_platform(emu: EmulatorControl, wx: RawWeChat, token: str, version: str = "1.0.0") -> None:
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 1, "ext_json": "{}", "user_version": version}))
    assert_ok(wx.post("/wxa/submit_audit", token))  # the demo platform approves at once
    assert_ok(wx.post("/wxa/release", token))


def _devinfo(wx: RawWeChat, token: str) -> dict[str, Any]:
    return assert_ok(wx.post("/wxa/getwxadevinfo", token, {}))


def test_effective_domain_has_four_sources_with_six_lists(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_server_domains", mp=True, requestdomain=["https://legacy.example.org"])
    data = assert_ok(wx.post("/wxa/get_effective_domain", token, {}))
    for source in ("mp_domain", "third_domain", "direct_domain", "effective_domain"):
        assert set(data[source]) == set(TYPES), source
    assert data["mp_domain"]["requestdomain"] == ["https://legacy.example.org"]
    assert data["third_domain"]["requestdomain"] == ["https://api.shop.example.com"]
    # legacy.example.org is not on the platform's list: a release would drop it
    assert data["effective_domain"]["requestdomain"] == ["https://api.shop.example.com"]
    assert "https://legacy.example.org" in _devinfo(wx, token)["requestdomain"]  # in force until then


def test_release_drops_unregistered_domains_and_keeps_registered_ones(emu: EmulatorControl, wx: RawWeChat,
                                                                     token: str) -> None:
    emu.console(APPID, "set_server_domains", mp=True,
                requestdomain=["https://legacy.example.org", "https://api2.shop.example.com"])
    emu.console(APPID, "set_webview_domains", mp=True,
                webviewdomain=["https://old-h5.example.org", "https://m.shop.example.com"])
    _release_through_platform(emu, wx, token)
    info = _devinfo(wx, token)
    assert info["requestdomain"] == ["https://api2.shop.example.com", "https://api.shop.example.com"]
    # business domains: a subdomain of a platform business domain (shop.example.com) survives
    assert info["bizdomain"] == ["https://m.shop.example.com", "https://h5.shop.example.com"]
    effective = assert_ok(wx.post("/wxa/get_effective_domain", token, {}))
    assert effective["mp_domain"]["requestdomain"] == ["https://api2.shop.example.com"]


def test_domain_removed_from_the_platform_before_release_is_dropped(emu: EmulatorControl, wx: RawWeChat,
                                                                    token: str) -> None:
    """方式一: b.com added to the platform, set on the mini-program, then removed from the platform."""
    ctoken = wx.component_token()
    assert_ok(wx.post("/cgi-bin/component/modify_wxa_server_domain", ctoken, {
        "action": "delete", "wxa_server_domain": "cdn.shop.example.com", "is_modify_published_together": True}))
    assert _devinfo(wx, token)["downloaddomain"] == ["https://cdn.shop.example.com"]  # still in force
    assert assert_ok(wx.post("/wxa/get_effective_domain", token, {}))["effective_domain"]["downloaddomain"] == []
    _release_through_platform(emu, wx, token)
    assert _devinfo(wx, token)["downloaddomain"] == []
    assert assert_ok(wx.post("/wxa/modify_domain", token, {"action": "get"}))["downloaddomain"] == []


def test_testing_only_registration_does_not_survive_a_release(emu: EmulatorControl, wx: RawWeChat,
                                                              token: str) -> None:
    """Choice (COVERAGE.md): the release keeps domains on the platform's published list."""
    ctoken = wx.component_token()
    assert_ok(wx.post("/cgi-bin/component/modify_wxa_server_domain", ctoken,
                      {"action": "add", "wxa_server_domain": "beta.shop.example.com"}))
    assert_ok(wx.post("/wxa/modify_domain", token, {"action": "add", "requestdomain": ["https://beta.shop.example.com"]}))
    _release_through_platform(emu, wx, token)
    assert "https://beta.shop.example.com" not in _devinfo(wx, token)["requestdomain"]


def test_direct_domains_take_effect_at_commit(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """modifyServerDomainDirectly: in force after the next commit or release, not on the platform's list."""
    assert_ok(wx.post("/wxa/modify_domain_directly", token,
                      {"action": "add", "requestdomain": ["https://direct.example.org"]}))
    effective = assert_ok(wx.post("/wxa/get_effective_domain", token, {}))
    assert effective["direct_domain"]["requestdomain"] == ["https://direct.example.org"]
    assert "https://direct.example.org" in effective["effective_domain"]["requestdomain"]
    assert "https://direct.example.org" not in _devinfo(wx, token)["requestdomain"]
    _release_through_platform(emu, wx, token)
    assert "https://direct.example.org" in _devinfo(wx, token)["requestdomain"]


def test_console_release_does_not_apply_the_platform_domains(emu: EmulatorControl, wx: RawWeChat,
                                                             token: str) -> None:
    emu.console(APPID, "set_server_domains", mp=True, requestdomain=["https://legacy.example.org"])
    emu.console(APPID, "commit", user_version="2.0.0")
    emu.console(APPID, "submit_audit")  # the demo platform's setting approves at once
    emu.console(APPID, "release_in_console")
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "2.0.0"
    assert "https://legacy.example.org" in _devinfo(wx, token)["requestdomain"]


@pytest.mark.parametrize("how", ["gray", "rollback"])
def test_gray_release_and_rollback_are_platform_releases(emu: EmulatorControl, wx: RawWeChat, token: str,
                                                         how: str) -> None:
    """Choice (COVERAGE.md): the first gray step and a rollback apply the platform's domains too."""
    _release_through_platform(emu, wx, token, "1.0.0")
    assert_ok(wx.post("/wxa/commit", token, {"template_id": 2, "ext_json": "{}", "user_version": "1.1.0"}))
    assert_ok(wx.post("/wxa/submit_audit", token))
    if how == "rollback":
        assert_ok(wx.post("/wxa/release", token))
    emu.console(APPID, "set_server_domains", mp=True, requestdomain=["https://legacy.example.org"])
    if how == "gray":
        assert_ok(wx.post("/wxa/grayrelease", token, {"gray_percentage": 10}))
    else:
        assert_ok(wx.get("/wxa/revertcoderelease", token))
    assert "https://legacy.example.org" not in _devinfo(wx, token)["requestdomain"]


def test_effective_webviewdomain(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_webview_domains", mp=True, webviewdomain=["https://old-h5.example.org"])
    data = assert_ok(wx.post("/wxa/get_effective_webviewdomain", token, {}))
    assert data["mp_webviewdomain"] == ["https://old-h5.example.org"]
    assert data["third_webviewdomain"] == ["https://h5.shop.example.com"]
    assert data["direct_webviewdomain"] == []
    assert data["effective_webviewdomain"] == ["https://h5.shop.example.com"]


def test_platform_jump_domain_list(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    ctoken = wx.component_token()
    path = "/cgi-bin/component/modify_wxa_jump_domain"
    got = assert_ok(wx.post(path, ctoken, {"action": "get"}))
    assert got["published_wxa_jump_h5_domain"].split(";") == ["h5.shop.example.com", "shop.example.com"]
    assert "invalid_wxa_jump_h5_domain" not in got  # only when something was invalid
    added = assert_ok(wx.post(path, ctoken, {"action": "add", "wxa_jump_h5_domain": "pay.example.net;1.2.3.4",
                                             "is_modify_published_together": True}))
    assert "pay.example.net" in added["published_wxa_jump_h5_domain"].split(";")
    assert added["invalid_wxa_jump_h5_domain"] == "1.2.3.4"
    assert_ok(wx.post("/wxa/setwebviewdomain", token, {"action": "add", "webviewdomain": ["https://pay.example.net"]}))
    assert_err(wx.post(path, token, {"action": "get"}), 61014, "must use component token")


def test_platform_lists_limits_and_monthly_quota(emu: EmulatorControl, wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    jump, server = "/cgi-bin/component/modify_wxa_jump_domain", "/cgi-bin/component/modify_wxa_server_domain"
    many = ";".join(f"s{i}.example.net" for i in range(201))
    assert_err(wx.post(jump, ctoken, {"action": "set", "wxa_jump_h5_domain": many}), 85016, "exceed valid domain")
    assert_ok(wx.post(server, ctoken, {"action": "add", "wxa_server_domain": many}))  # 1,000 for servers
    for i in range(49):
        assert_ok(wx.post(server, ctoken, {"action": "add", "wxa_server_domain": f"m{i}.example.net"}))
    assert_err(wx.post(server, ctoken, {"action": "add", "wxa_server_domain": "late.example.net"}),
               45009, "monthly quota")
    assert_ok(wx.post(server, ctoken, {"action": "get"}))  # reading is free
    assert_ok(wx.post(jump, ctoken, {"action": "add", "wxa_jump_h5_domain": "late.example.net"}))  # its own quota
