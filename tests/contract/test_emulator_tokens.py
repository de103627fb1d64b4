"""Tokens: own, stable, component and authorizer tokens; rotation and expiry on the emulator clock;
token kinds gating APIs (48001, 61014) and permission sets (61007)."""

from __future__ import annotations

import pytest

from emulator.testing import (
    APP_SECRET,
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    OWNER_APPID,
    OWNER_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    RawWeChat,
    assert_err,
    assert_ok,
)

pytestmark = pytest.mark.contract


def test_cgi_bin_token_answers_only_token_and_expiry(wx: RawWeChat) -> None:
    data = wx.get("/cgi-bin/token", params={"grant_type": "client_credential", "appid": OWNER_APPID,
                                            "secret": OWNER_SECRET})
    assert set(data) == {"access_token", "expires_in"}
    assert data["expires_in"] == 7200


@pytest.mark.parametrize(("params", "errcode", "text"), [
    ({"grant_type": "password", "appid": OWNER_APPID, "secret": OWNER_SECRET}, 40002, "invalid grant_type"),
    ({"grant_type": "client_credential", "secret": OWNER_SECRET}, 41002, "appid missing"),
    ({"grant_type": "client_credential", "appid": OWNER_APPID}, 41004, "appsecret missing"),
    ({"grant_type": "client_credential", "appid": "wx0000000000000000", "secret": "x"}, 40013, "invalid appid"),
    ({"grant_type": "client_credential", "appid": OWNER_APPID, "secret": "wrong"}, 40125, "invalid appsecret"),
])
def test_cgi_bin_token_errors(wx: RawWeChat, params: dict[str, str], errcode: int, text: str) -> None:
    assert_err(wx.get("/cgi-bin/token", params=params), errcode, text)


def test_cgi_bin_token_requires_get(wx: RawWeChat) -> None:
    assert_err(wx.post("/cgi-bin/token"), 43001, "require GET method")


def test_frozen_secret_gives_40243(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.console(OWNER_APPID, "set_account", secret_frozen=True)
    data = wx.get("/cgi-bin/token", params={"grant_type": "client_credential", "appid": OWNER_APPID,
                                            "secret": OWNER_SECRET})
    assert_err(data, 40243, "AppSecret已被冻结")


def test_each_fetch_rotates_and_the_old_token_lives_five_minutes(emu: EmulatorControl, wx: RawWeChat) -> None:
    first = wx.own_token()
    second = wx.own_token()
    assert first != second
    assert_ok(wx.post("/wxa/getwxadevinfo", first))  # still inside the grace period
    emu.advance_clock(301)
    assert_err(wx.post("/wxa/getwxadevinfo", first), 40001, "access_token is invalid or not latest")
    assert_ok(wx.post("/wxa/getwxadevinfo", second))


def test_tokens_expire_after_7200_seconds(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    own = wx.stable_token()
    emu.advance_clock(7201)
    assert_err(wx.post("/wxa/getwxadevinfo", own), 42001, "access_token expired")
    assert_err(wx.get("/wxa/queryquota", token), 42001, "access_token expired")


def test_unknown_or_missing_token(wx: RawWeChat) -> None:
    assert_err(wx.post("/wxa/getwxadevinfo", "not-a-token"), 40014, "invalid access_token")
    assert_err(wx.post("/wxa/getwxadevinfo"), 41001, "access_token missing")


def test_stable_token_is_the_same_while_valid(emu: EmulatorControl, wx: RawWeChat) -> None:
    first = wx.stable_token()
    assert wx.stable_token() == first
    emu.advance_clock(7200 - 299)  # within the last five minutes a new one is handed out ...
    second = wx.stable_token()
    assert second != first
    assert_ok(wx.post("/wxa/getwxadevinfo", first))  # ... and the old one still works until expiry


def test_stable_and_cgi_bin_tokens_are_independent(wx: RawWeChat) -> None:
    stable = wx.stable_token()
    for _ in range(3):
        wx.own_token()
    assert wx.stable_token() == stable
    assert_ok(wx.post("/wxa/getwxadevinfo", stable))


def test_stable_force_refresh_invalidates_at_once_and_waits_30_seconds(emu: EmulatorControl,
                                                                        wx: RawWeChat) -> None:
    first = wx.stable_token()
    forced = wx.stable_token(force=True)
    assert forced != first
    assert_err(wx.post("/wxa/getwxadevinfo", first), 40001, "not latest")
    assert wx.stable_token(force=True) == forced  # inside 30 s: "will not refresh"
    emu.advance_clock(31)
    assert wx.stable_token(force=True) != forced


def test_stable_force_refresh_is_limited_to_20_a_day(emu: EmulatorControl, wx: RawWeChat) -> None:
    for _ in range(20):
        wx.stable_token(force=True)
        emu.advance_clock(31)
    data = wx.post("/cgi-bin/stable_token", body={"grant_type": "client_credential", "appid": OWNER_APPID,
                                                  "secret": OWNER_SECRET, "force_refresh": True})
    assert_err(data, 45009, "reach max api daily quota limit")


def test_stable_token_needs_a_json_body(wx: RawWeChat) -> None:
    assert_err(wx.call("POST", "/cgi-bin/stable_token"), 44002, "empty post data")
    assert_err(wx.call("POST", "/cgi-bin/stable_token", content=b"grant_type=client_credential"),
               47001, "data format error")


def _component_token(wx: RawWeChat, ticket: str) -> dict[str, object]:
    return wx.post("/cgi-bin/component/api_component_token", body={
        "component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
        "component_verify_ticket": ticket})


def test_component_token_needs_a_pushed_verify_ticket(emu: EmulatorControl, wx: RawWeChat) -> None:
    assert_err(_component_token(wx, "never-pushed"), 61006, "ticket is invalid")
    data = _component_token(wx, VERIFY_TICKET)
    assert set(data) == {"component_access_token", "expires_in"}
    emu.set_ticket(COMPONENT_APPID, "short-lived", expires_in=60)
    emu.advance_clock(61)
    assert_err(_component_token(wx, "short-lived"), 61005, "ticket is expired")


REALISTIC_PLATFORM = {"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
                      "verify_ticket": "seeded-ticket"}  # verify_ticket_pushes: fresh (the default)


def test_verify_tickets_live_12_hours_and_several_are_valid(emu: EmulatorControl, wx: RawWeChat) -> None:
    """component_verify_ticket.html: pushed every 10 minutes, valid 12 hours, keep the most recent
    usable one; an expired ticket is 61005, an unknown one 61006."""
    emu.seed({"platforms": [REALISTIC_PLATFORM]})
    assert emu.latest_ticket(COMPONENT_APPID)["verify_ticket"] == "seeded-ticket"
    emu.advance_clock(3600)
    first = emu.latest_ticket(COMPONENT_APPID)
    assert first["verify_ticket"] != "seeded-ticket" and first["expires_at"] - first["pushed_at"] == 12 * 3600
    emu.advance_clock(600)
    second = emu.latest_ticket(COMPONENT_APPID)
    assert second["verify_ticket"] != first["verify_ticket"]
    for ticket in ("seeded-ticket", first["verify_ticket"], second["verify_ticket"]):
        assert "component_access_token" in _component_token(wx, ticket)  # a newer push invalidates nothing
    emu.advance_clock(11 * 3600)  # the seeded ticket is now 12 h 10 min old, `first` 11 h 10 min
    assert_err(_component_token(wx, "seeded-ticket"), 61005, "ticket is expired")
    assert "component_access_token" in _component_token(wx, first["verify_ticket"])
    emu.advance_clock(3600)
    assert_err(_component_token(wx, first["verify_ticket"]), 61005, "ticket is expired")
    assert "component_access_token" in _component_token(wx, emu.latest_ticket(COMPONENT_APPID)["verify_ticket"])
    forged = first["verify_ticket"].rsplit("-", 1)[0] + "-" + "0" * 24
    assert_err(_component_token(wx, forged), 61006, "ticket is invalid")


def test_verify_ticket_without_pushes_lapses(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.seed({"platforms": [{**REALISTIC_PLATFORM, "verify_ticket_pushes": "none"}]})
    emu.advance_clock(12 * 3600 + 1)
    assert_err(_component_token(wx, "seeded-ticket"), 61005, "ticket is expired")
    assert emu.latest_ticket(COMPONENT_APPID)["verify_ticket"] == "seeded-ticket"


def test_demo_ticket_is_re_pushed_so_the_demo_works_days_later(emu: EmulatorControl, wx: RawWeChat) -> None:
    """The demo seed says verify_ticket_pushes: same (its stack config holds the ticket)."""
    emu.advance_clock(5 * 86400)
    assert "component_access_token" in _component_token(wx, VERIFY_TICKET)
    assert emu.latest_ticket(COMPONENT_APPID)["verify_ticket"] == VERIFY_TICKET


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({}, 41018, "missing component_appid"),
    ({"component_appid": "wx9999999999999999"}, 61011, "invalid component"),
    ({"component_appid": COMPONENT_APPID, "component_appsecret": "bad",
      "component_verify_ticket": VERIFY_TICKET}, 40125, "invalid appsecret"),
])
def test_component_token_errors(wx: RawWeChat, body: dict[str, str], errcode: int, text: str) -> None:
    assert_err(wx.post("/cgi-bin/component/api_component_token", body=body), errcode, text)


def test_authorizer_token_and_refresh_token_errors(wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    path, param = "/cgi-bin/component/api_authorizer_token", "component_access_token"
    data = wx.post(path, ctoken, {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID,
                                  "authorizer_refresh_token": "demo-refresh-token-0002"}, param=param)
    # documented without errcode/errmsg on success (api_authorizer_token.html)
    assert set(data) == {"authorizer_access_token", "expires_in", "authorizer_refresh_token"}
    assert data["expires_in"] == 7200 and data["authorizer_refresh_token"] == "demo-refresh-token-0002"
    bad = wx.post(path, ctoken, {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID,
                                 "authorizer_refresh_token": "nope"}, param=param)
    assert_err(bad, 61023, "refresh_token is invalid")
    unauthorized = wx.post(path, ctoken, {"component_appid": COMPONENT_APPID, "authorizer_appid": OWNER_APPID,
                                          "authorizer_refresh_token": "x"}, param=param)
    assert_err(unauthorized, 61003, "not authorized")
    assert_err(wx.post(path, ctoken, {"authorizer_appid": APPID}, param=param), 41018, "missing component_appid")


@pytest.mark.parametrize("param", ["access_token", "component_access_token"])
def test_component_apis_take_the_token_under_either_name(wx: RawWeChat, param: str) -> None:
    """The current pages show ?access_token=COMPONENT_ACCESS_TOKEN (api_create_preauthcode,
    api_query_auth, api_authorizer_token); the older ones ?component_access_token=."""
    ctoken = wx.component_token()
    data = wx.post("/cgi-bin/component/api_create_preauthcode", ctoken, {"component_appid": COMPONENT_APPID},
                   param=param)
    assert set(data) == {"pre_auth_code", "expires_in"} and data["expires_in"] == 600  # no errcode
    missing = wx.post("/cgi-bin/component/api_create_preauthcode", None, {"component_appid": COMPONENT_APPID})
    assert_err(missing, 41001, "access_token missing")


def test_refresh_token_rotation_keeps_the_old_one_five_minutes(emu: EmulatorControl, wx: RawWeChat) -> None:
    """Rotation (seed option rotate_refresh_token) and the old token's 5-minute transition, from a
    WeChat staff answer (community minihome/doc/000a4af6fa801858ff9cc263553c00): a lost answer then a
    retry with the old token gets the current one; after 5 minutes the old token is 61023."""
    emu.seed({"authorizations": [{"component_appid": COMPONENT_APPID, "authorizer_appid": APPID,
                                  "refresh_token": "rt-1", "permissions": [18, 30],
                                  "rotate_refresh_token": True}]})
    ctoken = wx.component_token()
    body = {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID, "authorizer_refresh_token": "rt-1"}
    path = "/cgi-bin/component/api_authorizer_token"
    first = wx.post(path, ctoken, body)
    rotated = first["authorizer_refresh_token"]
    assert rotated != "rt-1"
    retry = wx.post(path, ctoken, body)  # within 5 minutes: works, no second rotation
    assert retry["authorizer_refresh_token"] == rotated and "authorizer_access_token" in retry
    emu.advance_clock(301)
    ctoken = wx.component_token()
    assert_err(wx.post(path, ctoken, body), 61023, "refresh_token is invalid")
    assert "authorizer_access_token" in wx.post(path, ctoken, {**body, "authorizer_refresh_token": rotated})


def test_reauthorization_changes_the_refresh_token(emu: EmulatorControl, wx: RawWeChat) -> None:
    """"重新授权才会改变" (WeChat staff, community develop/doc/000c6c30848ed0ae9b2dd71fe56400)."""
    code = emu.authorization_code(COMPONENT_APPID, APPID, permissions=[18, 30])
    ctoken = wx.component_token()
    info = wx.post("/cgi-bin/component/api_query_auth", ctoken,
                   {"component_appid": COMPONENT_APPID, "authorization_code": code})["authorization_info"]
    assert info["authorizer_refresh_token"] != REFRESH_TOKEN
    emu.advance_clock(301)
    assert_err(wx.post("/cgi-bin/component/api_authorizer_token", wx.component_token(), {
        "component_appid": COMPONENT_APPID, "authorizer_appid": APPID, "authorizer_refresh_token": REFRESH_TOKEN}),
        61023, "refresh_token is invalid")


def test_query_auth_with_a_control_made_code(emu: EmulatorControl, wx: RawWeChat) -> None:
    code = emu.authorization_code(COMPONENT_APPID, OWNER_APPID, permissions=[18])
    ctoken = wx.component_token()
    body = {"component_appid": COMPONENT_APPID, "authorization_code": code}
    answer = wx.post("/cgi-bin/component/api_query_auth", ctoken, body, param="component_access_token")
    assert set(answer) == {"authorization_info"}  # documented without errcode/errmsg
    info = answer["authorization_info"]
    assert info["authorizer_appid"] == OWNER_APPID and info["expires_in"] == 7200
    assert info["func_info"] == [{"funcscope_category": {"id": 18}}]
    assert_ok(wx.post("/wxa/getwxadevinfo", info["authorizer_access_token"]))
    reused = wx.post("/cgi-bin/component/api_query_auth", ctoken, body, param="component_access_token")
    assert_err(reused, 40029, "invalid code")


def test_own_token_on_a_platform_only_api_is_48001(wx: RawWeChat) -> None:
    own = wx.stable_token(appid=APPID, secret=APP_SECRET)
    assert_err(wx.post("/wxa/bind_tester", own, {"wechatid": "someone"}), 48001, "api unauthorized")
    assert_err(wx.post("/wxa/submit_audit", own), 48001, "api unauthorized")
    assert_err(wx.post("/wxa/modify_domain", own, {"action": "get"}), 48001, "api unauthorized")
    assert_err(wx.get("/wxa/getgrayreleaseplan", own), 48001, "api unauthorized")
    assert_ok(wx.post("/wxa/getwxadevinfo", own))  # the documented read-only exception


def test_component_token_on_mini_program_api_and_back(wx: RawWeChat, token: str) -> None:
    ctoken = wx.component_token()
    assert_err(wx.post("/wxa/modify_domain", ctoken, {"action": "get"}), 48001, "api unauthorized")
    assert_err(wx.get("/wxa/gettemplatelist", token), 61014, "must use component token")


def test_missing_permission_set_is_61007(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.console(APPID, "set_permissions", component_appid=COMPONENT_APPID, permissions=[30])
    token = wx.authorizer_token()
    assert_err(wx.post("/wxa/modify_domain", token, {"action": "get"}), 61007, "api is unauthorized to component")
    assert_ok(wx.get("/cgi-bin/account/getaccountbasicinfo", token))  # set 30 is still there
    emu.console(APPID, "set_permissions", component_appid=COMPONENT_APPID, permissions=[18])
    assert_err(wx.get("/cgi-bin/account/getaccountbasicinfo", token), 61007, "unauthorized to component")


def test_revoked_authorization_fails_the_token(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_permissions", component_appid=COMPONENT_APPID, revoke=True)
    assert_err(wx.get("/wxa/queryquota", token), 61003, "not authorized")
