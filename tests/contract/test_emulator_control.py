"""The control API and the envelope: faults, the call log (redacted), clock, state, reset, seed,
unknown paths, malformed bodies, HTTP methods."""

from __future__ import annotations

import json

import httpx
import pytest

from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    EmulatorError,
    RawWeChat,
    assert_err,
    assert_ok,
)

pytestmark = pytest.mark.contract


def test_health(emu: EmulatorControl) -> None:
    assert emu.health()["status"] == "ok"


def test_unknown_path_is_40066(wx: RawWeChat) -> None:
    assert_err(wx.get("/wxa/no_such_api"), 40066, "invalid url")
    assert_err(wx.post("/cgi-bin/nothing/here"), 40066, "invalid url")


def test_wrong_method(wx: RawWeChat, token: str) -> None:
    assert_err(wx.get("/wxa/commit", token), 43002, "require POST method")
    assert_err(wx.post("/wxa/get_page", token), 43001, "require GET method")


def test_malformed_and_non_object_json_is_47001(wx: RawWeChat, token: str) -> None:
    assert_err(wx.call("POST", "/wxa/bind_tester", token, content=b"{oops"), 47001, "data format error")
    assert_err(wx.call("POST", "/wxa/bind_tester", token, content=b"[1, 2]"), 47001, "data format error")
    assert_err(wx.call("POST", "/wxa/bind_tester", token, content=b"\xff\xfe"), 47001, "data format error")


def test_success_envelope(wx: RawWeChat, token: str) -> None:
    response = wx.http.get("/wxa/queryquota", params={"access_token": token})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["errcode"] == 0 and data["errmsg"] == "ok"


def test_fault_before_has_no_effect(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/bind_tester", count=2, errcode=-1)
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "frank"}), -1, "system error")
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "frank"}), -1, "system error")
    assert len(wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]) == 1
    assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": "frank"}))  # the fault is used up


def test_fault_after_applies_the_effect_and_loses_the_answer(emu: EmulatorControl, wx: RawWeChat,
                                                            token: str) -> None:
    emu.inject_fault("/wxa/bind_tester", errcode=-1, when="after")
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "grace"}), -1, "system error")
    assert len(wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]) == 2
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "grace"}), 85004, "already bind")
    call = next(c for c in emu.calls() if c.get("fault"))
    assert call["errcode"] == -1 and call["applied_errcode"] == 0


def test_fault_drop_closes_the_connection(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/bind_tester", drop=True, when="after")
    with pytest.raises(httpx.HTTPError):
        wx.http.post("/wxa/bind_tester", params={"access_token": token}, json={"wechatid": "heidi"})
    assert len(wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]) == 2
    emu.inject_fault("/wxa/queryquota", drop=True)
    with pytest.raises(httpx.HTTPError):
        wx.http.get("/wxa/queryquota", params={"access_token": token})


def test_fault_delay(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/queryquota", delay_seconds=1.0)
    with pytest.raises(httpx.TimeoutException):
        wx.http.get("/wxa/queryquota", params={"access_token": token}, timeout=0.3)
    assert_ok(wx.get("/wxa/queryquota", token))


def test_fault_list_clear_and_validation(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/release", errcode=45009, count=3)
    assert emu.faults()[0]["count"] == 3
    emu.clear_faults()
    assert emu.faults() == []
    with pytest.raises(EmulatorError):
        emu.inject_fault("/wxa/release")  # neither errcode, drop nor delay
    emu.inject_fault("/wxa/queryquota", errcode=42001, errmsg="access_token expired")
    assert_err(wx.get("/wxa/queryquota", token), 42001, "access_token expired")


def test_call_log_is_redacted(emu: EmulatorControl, wx: RawWeChat) -> None:
    token = wx.authorizer_token()
    own = wx.own_token(appid=APPID, secret="demo-app-secret-0002")
    wx.post("/wxa/bind_tester", token, {"wechatid": "ivan"})
    calls = emu.calls()
    dump = json.dumps(calls)
    for secret in (token, own, COMPONENT_SECRET, VERIFY_TICKET, REFRESH_TOKEN, "demo-app-secret-0002"):
        assert secret not in dump
    bind = calls[-1]
    assert (bind["method"], bind["path"], bind["appid"], bind["token_kind"], bind["errcode"]) == \
        ("POST", "/wxa/bind_tester", APPID, "authorizer", 0)
    assert bind["body"] == {"wechatid": "ivan"} and bind["query"] == {"access_token": "***"}
    component = next(c for c in calls if c["path"] == "/cgi-bin/component/api_component_token")
    assert component["body"]["component_appsecret"] == "***" and component["appid"] == COMPONENT_APPID
    assert all("/_emulator" not in c["path"] for c in calls)


def test_call_log_since_and_clear(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    seq = emu.calls()[-1]["seq"]
    wx.get("/wxa/queryquota", token)
    newer = emu.calls(since=seq)
    assert [c["path"] for c in newer] == ["/wxa/queryquota"]
    emu.clear_calls()
    assert emu.calls() == []


def test_clock(emu: EmulatorControl) -> None:
    before = emu.clock()
    after = emu.advance_clock(3600)
    assert after["offset"] == before["offset"] + 3600 and after["now"] >= before["now"] + 3600
    emu.reset()
    assert emu.clock()["offset"] == 0


def test_state_dump(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    wx.post("/wxa/bind_tester", token, {"wechatid": "judy"})
    state = emu.state(APPID)
    assert "judy" in state["app"]["testers"]
    assert state["authorizations"][0]["component_appid"] == COMPONENT_APPID
    assert {a["appid"] for a in emu.state()["miniprograms"]} >= {APPID}
    with pytest.raises(EmulatorError):
        emu.state("wx0000000000000000")


def test_reset_with_a_seed_and_back(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.reset({"miniprograms": [{"appid": "wx5555555555555555", "secret": "s5"}]})
    assert_ok(wx.post("/wxa/getwxadevinfo", wx.own_token("wx5555555555555555", "s5")))
    assert [a["appid"] for a in emu.state()["miniprograms"]] == ["wx5555555555555555"]
    emu.reset()
    assert APPID in [a["appid"] for a in emu.state()["miniprograms"]]


def test_bad_seed_is_refused_clearly(emu: EmulatorControl) -> None:
    with pytest.raises(EmulatorError, match="unknown keys"):
        emu.seed({"miniprograms": [{"appid": "wx1", "secret": "s", "nick": "typo"}]})
    with pytest.raises(EmulatorError, match="missing"):
        emu.seed({"platforms": [{"component_appid": "wx1"}]})


def test_console_unknown_action_and_appid(emu: EmulatorControl) -> None:
    with pytest.raises(EmulatorError, match="unknown console action"):
        emu.console(APPID, "explode")
    with pytest.raises(EmulatorError, match="unknown appid"):
        emu.console("wx0000000000000000", "set_profile", nickname="x")


def test_console_domain_drift(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_server_domains", requestdomain=["https://console.example.org"])
    data = wx.post("/wxa/modify_domain", token, {"action": "get"})
    assert data["requestdomain"] == ["https://console.example.org"]
    assert data["wsrequestdomain"] == ["wss://ws.shop.example.com"]  # untouched
    emu.console(APPID, "set_webview_domains", webviewdomain=[])
    assert wx.post("/wxa/setwebviewdomain", token, {"action": "get"})["webviewdomain"] == []
    assert [c["path"] for c in emu.calls() if c["path"] == "/wxa/modify_domain"] == ["/wxa/modify_domain"]


def test_control_errors_are_json(emulator_url: str) -> None:
    response = httpx.post(emulator_url + "/_emulator/audit", content=b"{bad")
    assert response.status_code == 400 and "malformed JSON" in response.json()["error"]
    response = httpx.post(emulator_url + "/_emulator/audit", json={"appid": APPID, "decision": "approve"})
    assert response.status_code == 409  # nothing is under audit


@pytest.fixture
def emulator_url(emu: EmulatorControl) -> str:
    return emu.base_url


def test_component_token_in_log_is_redacted_in_query(emu: EmulatorControl, wx: RawWeChat) -> None:
    ctoken = wx.component_token()
    wx.get("/wxa/gettemplatelist", ctoken)
    call = emu.calls()[-1]
    assert call["query"] == {"access_token": "***"} and call["token_kind"] == "component"
    assert ctoken not in json.dumps(emu.calls())


def test_a_bad_reset_seed_leaves_the_state_alone(emu: EmulatorControl) -> None:
    with pytest.raises(EmulatorError, match="unknown keys"):
        emu.reset({"platform": []})
    assert APPID in [a["appid"] for a in emu.state()["miniprograms"]]


def test_every_call_log_entry_has_the_same_keys(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """CONTROL.md, "The call log": the same keys on every entry, null when absent."""
    emu.inject_fault("/wxa/bind_tester", errcode=-1)
    emu.inject_fault("/wxa/queryquota", drop=True)
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "frank"}), -1, "system error")  # fault before
    with pytest.raises(httpx.HTTPError):
        wx.http.get("/wxa/queryquota", params={"access_token": token})  # dropped
    wx.get("/wxa/no_such_api")  # unknown path: no token, no appid
    wx.get("/wxa/get_page", token)  # an error from the handler (86001)
    wx.call("POST", "/wxa/bind_tester", token, content=b"{oops")  # unparseable body
    calls = emu.calls()
    keys = {"seq", "time", "method", "path", "query", "appid", "token_kind", "body", "errcode", "fault",
            "applied_errcode"}
    assert calls and all(set(call) == keys for call in calls), [sorted(c) for c in calls]
    unknown = next(c for c in calls if c["path"] == "/wxa/no_such_api")
    assert (unknown["appid"], unknown["token_kind"], unknown["body"], unknown["fault"]) == (None, None, None, None)
    refused = next(c for c in calls if c["path"] == "/wxa/bind_tester" and c["fault"])
    assert refused["body"] == {"wechatid": "frank"} and refused["errcode"] == -1
