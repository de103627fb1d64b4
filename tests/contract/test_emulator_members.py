"""Experience members: bind_tester / unbind_tester / memberauth, limits, and concurrent binds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from emulator.testing import APPID, EmulatorControl, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract


def _members(wx: RawWeChat, token: str) -> list[str]:
    data = assert_ok(wx.post("/wxa/memberauth", token, {"action": "get_experiencer"}))
    assert all(set(m) == {"userstr"} for m in data["members"])  # never wechat ids
    return [m["userstr"] for m in data["members"]]


def test_bind_returns_a_stable_userstr_and_memberauth_lists_it(emu: EmulatorControl, wx: RawWeChat,
                                                               token: str) -> None:
    userstr = assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": "bob"}))["userstr"]
    assert userstr and "bob" not in userstr
    assert userstr in _members(wx, token)
    assert len(_members(wx, token)) == 2  # the seeded tester too
    assert_ok(wx.post("/wxa/unbind_tester", token, {"wechatid": "bob"}))
    assert userstr not in _members(wx, token)
    again = assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": "bob"}))["userstr"]
    assert again == userstr  # stable per (appid, wechat id)


def test_unbind_by_userstr(wx: RawWeChat, token: str) -> None:
    userstr = wx.post("/wxa/bind_tester", token, {"wechatid": "carol"})["userstr"]
    assert_ok(wx.post("/wxa/unbind_tester", token, {"userstr": userstr}))
    assert userstr not in _members(wx, token)
    assert_err(wx.post("/wxa/unbind_tester", token, {}), 47001, "data format error")


def test_bind_errors(wx: RawWeChat, token: str) -> None:
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "nonexistent-zed"}), 85001, "user not exist")
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "demo-tester-alice"}), 85004, "user already bind")
    assert_err(wx.post("/wxa/bind_tester", token, {}), 47001, "data format error")
    assert_err(wx.post("/wxa/memberauth", token, {"action": "get_developer"}), 40097, "invalid args")


def test_known_users_list_from_the_seed(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.seed({"known_users": ["dave"]})
    assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": "dave"}))
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "erin"}), 85001, "user cannot be searched")


def test_per_app_limit_personal_is_15(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_account", account_type="personal")
    for i in range(14):  # plus the seeded tester = 15
        assert_ok(wx.post("/wxa/bind_tester", token, {"wechatid": f"user{i}"}))
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "one-too-many"}), 85002, "reach bind limit")


def test_a_user_can_test_at_most_50_apps(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.seed({"miniprograms": [{"appid": f"wx9{i:015d}", "secret": "s", "testers": ["busy-user"]}
                               for i in range(50)]})
    assert_err(wx.post("/wxa/bind_tester", token, {"wechatid": "busy-user"}), 85003, "too many weapps")


def test_twenty_concurrent_binds_all_land(wx: RawWeChat, token: str) -> None:
    def bind(i: int) -> dict[str, object]:
        return wx.post("/wxa/bind_tester", token, {"wechatid": f"parallel-{i}"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(bind, range(20)))
    assert all(r["errcode"] == 0 for r in results), results
    members = _members(wx, token)
    assert len(members) == 21 and len(set(members)) == 21


def test_console_binds_are_visible_as_drift(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    userstr = emu.console(APPID, "bind_tester", wechatid="console-user")["userstr"]
    assert userstr in _members(wx, token)
    emu.console(APPID, "unbind_tester", userstr=userstr)
    assert userstr not in _members(wx, token)
