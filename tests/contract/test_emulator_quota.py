"""API call quotas: 45009 daily limits (seedable), 45011 minute limits, quota/get, clear_quota."""

from __future__ import annotations

import pytest

from emulator.testing import APPID, OWNER_APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract


def _limit(emu: EmulatorControl, path: str, **limits: int) -> None:
    emu.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002",
                                "categories": [{"first": 304, "second": 305}],
                                "api_limits": {path: limits}}]})


def test_daily_limit_is_45009_and_quota_get_reports_it(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    _limit(emu, "/wxa/queryquota", daily_limit=3)
    for _ in range(3):
        assert_ok(wx.get("/wxa/queryquota", token))
    assert_err(wx.get("/wxa/queryquota", token), 45009, "reach max api daily quota limit")
    quota = assert_ok(wx.post("/cgi-bin/openapi/quota/get", token, {"cgi_path": "/wxa/queryquota"}))["quota"]
    assert quota == {"daily_limit": 3, "used": 3, "remain": 0}
    emu.advance_clock(86400)
    token = wx.authorizer_token()
    assert_ok(wx.get("/wxa/queryquota", token))  # a new day


def test_minute_limit_is_45011(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    _limit(emu, "/wxa/getwxadevinfo", minute_limit=2)
    assert_ok(wx.post("/wxa/getwxadevinfo", token))
    assert_ok(wx.post("/wxa/getwxadevinfo", token))
    assert_err(wx.post("/wxa/getwxadevinfo", token), 45011, "api minute-quota reach limit")
    rate = wx.post("/cgi-bin/openapi/quota/get", token, {"cgi_path": "/wxa/getwxadevinfo"})["rate_limit"]
    assert rate == {"call_count": 2, "refresh_second": 60}
    emu.advance_clock(61)
    assert_ok(wx.post("/wxa/getwxadevinfo", token))


def test_refused_calls_still_count(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    wx.post("/wxa/release", token)  # 85019, but WeChat counts the call
    quota = wx.post("/cgi-bin/openapi/quota/get", token, {"cgi_path": "/wxa/release"})["quota"]
    assert quota["used"] == 1


def test_cgi_bin_token_has_2000_a_day(wx: RawWeChat) -> None:
    own = wx.own_token()
    quota = assert_ok(wx.post("/cgi-bin/openapi/quota/get", own, {"cgi_path": "/cgi-bin/token"}))["quota"]
    assert quota["daily_limit"] == 2000 and quota["used"] == 1


def test_quota_get_errors(wx: RawWeChat, token: str) -> None:
    assert_err(wx.post("/cgi-bin/openapi/quota/get", token, {"cgi_path": "/wxa/nothing"}), 76021, "cgi_path not found")
    own = wx.stable_token()
    assert_err(wx.post("/cgi-bin/openapi/quota/get", own, {"cgi_path": "/wxa/submit_audit"}),
               76022, "no permission")
    assert_err(wx.call("POST", "/cgi-bin/openapi/quota/get", token), 44002, "empty post data")


def test_clear_quota_resets_counters_ten_times_a_month(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    _limit(emu, "/wxa/queryquota", daily_limit=1)
    assert_ok(wx.get("/wxa/queryquota", token))
    assert_err(wx.get("/wxa/queryquota", token), 45009, "daily quota")
    assert_ok(wx.post("/cgi-bin/clear_quota", token, {"appid": APPID}))
    assert_ok(wx.get("/wxa/queryquota", token))
    for _ in range(9):
        assert_ok(wx.post("/cgi-bin/clear_quota", token, {"appid": APPID}))
    assert_err(wx.post("/cgi-bin/clear_quota", token, {"appid": APPID}), 48006, "reaching the limit")
    assert_err(wx.post("/cgi-bin/clear_quota", token, {"appid": OWNER_APPID}), 40013, "invalid appid")
    assert_err(wx.post("/cgi-bin/clear_quota", token, {}), 41002, "appid missing")
