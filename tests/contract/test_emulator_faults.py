"""Faults that shape an answer (omit fields, replace the body) and faults where another party acts
between two of our calls (a console action right before or after a call). CONTROL.md documents
them; they exist because WeChat's answers carry only what the docs promise for a state (reference
§10: captured audit answers without `reason`, `ScreenShot`, even `user_version`) and because the
MP console and other tools act on the same mini-program."""

from __future__ import annotations

import pytest

from emulator.testing import APPID, COMPONENT_APPID, EmulatorControl, EmulatorError, RawWeChat, assert_err, assert_ok

pytestmark = pytest.mark.contract


def _commit(wx: RawWeChat, token: str, version: str, template_id: int = 1) -> dict[str, object]:
    return wx.post("/wxa/commit", token, {"template_id": template_id, "ext_json": "{}",
                                          "user_version": version, "user_desc": f"v{version}"})


def _exp_version(wx: RawWeChat, token: str) -> str:
    return str(wx.post("/wxa/getversioninfo", token)["exp_info"]["exp_version"])


def test_omit_after_applies_the_effect_and_drops_fields(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    assert_ok(_commit(wx, token, "1.0.0"))
    emu.inject_fault("/wxa/submit_audit", when="after", omit=["auditid"])
    answer = wx.post("/wxa/submit_audit", token)
    assert answer == {"errcode": 0, "errmsg": "ok"}  # the audit started, the answer lacks its id
    assert emu.state(APPID)["app"]["audits"][-1]["status"] == 2
    emu.inject_fault("/wxa/get_latest_auditstatus", omit=["user_version", "user_desc"], count=2)
    for _ in range(2):
        latest = assert_ok(wx.get("/wxa/get_latest_auditstatus", token))
        assert "user_version" not in latest and "user_desc" not in latest and latest["status"] == 2
    assert wx.get("/wxa/get_latest_auditstatus", token)["user_version"] == "1.0.0"  # used up


def test_omit_before_answers_without_the_effect(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/bind_tester", omit=["userstr"])
    assert wx.post("/wxa/bind_tester", token, {"wechatid": "frank"}) == {"errcode": 0, "errmsg": "ok"}
    assert len(wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]) == 1
    call = next(c for c in emu.calls() if c["path"] == "/wxa/bind_tester")
    assert call["fault"]["omit"] == ["userstr"] and call["errcode"] == 0


def test_omit_reaches_nested_fields(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/getgrayreleaseplan", omit=["gray_release_plan.create_timestamp"])
    plan = wx.get("/wxa/getgrayreleaseplan", token)["gray_release_plan"]
    assert "create_timestamp" not in plan and plan["status"] == 0


def test_body_after_is_a_write_answered_without_errcode(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/commit", when="after", body={"errmsg": "ok"})
    assert _commit(wx, token, "1.2.0") == {"errmsg": "ok"}
    assert _exp_version(wx, token) == "1.2.0"  # the commit happened
    call = next(c for c in emu.calls() if c["path"] == "/wxa/commit")
    assert call["errcode"] is None and call["applied_errcode"] == 0 and call["fault"]["body"] == {"errmsg": "ok"}


def test_body_before_has_no_effect(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/commit", body={"errcode": 0, "errmsg": "ok"})
    assert_ok(_commit(wx, token, "1.3.0"))
    assert "exp_info" not in wx.post("/wxa/getversioninfo", token)  # nothing was committed


def test_console_after_another_tool_commits_right_after_ours(emu: EmulatorControl, wx: RawWeChat,
                                                             token: str) -> None:
    emu.inject_fault("/wxa/commit", when="after",
                     console={"appid": APPID, "action": "commit", "user_version": "9.9.9", "template_id": 2})
    assert_ok(_commit(wx, token, "1.0.0"))  # our answer is fine ...
    assert _exp_version(wx, token) == "9.9.9"  # ... but someone else committed before our next call
    call = next(c for c in emu.calls() if c["path"] == "/wxa/commit")
    assert call["fault"]["console_result"]["exp"]["user_version"] == "9.9.9"


def test_console_before_someone_submits_first(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    assert_ok(_commit(wx, token, "1.0.0"))
    emu.inject_fault("/wxa/submit_audit", console={"appid": APPID, "action": "submit_audit"})
    assert_err(wx.post("/wxa/submit_audit", token), 85009, "already submit a version under auditing")
    assert wx.get("/wxa/queryquota", token)["rest"] == 20  # the console submission spent no platform quota


def test_console_and_a_lost_answer_together(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.inject_fault("/wxa/commit", when="after", drop=True,
                     console={"appid": APPID, "action": "commit", "user_version": "9.9.9"})
    with pytest.raises(Exception):  # noqa: B017 - any transport error: the connection was dropped
        _commit(wx, token, "1.0.0")
    assert _exp_version(wx, token) == "9.9.9"


def test_fault_validation(emu: EmulatorControl) -> None:
    for bad in ({"path": "/wxa/commit"},
                {"path": "/wxa/commit", "errcode": -1, "omit": ["x"]},
                {"path": "/wxa/commit", "omit": "user_version"},
                {"path": "/wxa/commit", "console": {"appid": APPID, "action": "no_such_action"}},
                {"path": "/wxa/commit", "console": {"appid": "wx0000000000000000", "action": "commit"}},
                {"path": "/wxa/commit", "errcode": -1, "typo": 1}):
        with pytest.raises(EmulatorError):
            emu._call("POST", "/faults", bad)
    assert emu.faults() == []


def test_fault_listing_shows_the_new_shapes(emu: EmulatorControl) -> None:
    emu.inject_fault("/wxa/get_auditstatus", omit=["reason"], count=3)
    (listed,) = emu.faults()
    assert listed["omit"] == ["reason"] and listed["count"] == 3 and listed["body"] is None


def test_applied_errcode_says_whether_a_faulted_call_kept_its_effect(emu: EmulatorControl, wx: RawWeChat,
                                                                     token: str) -> None:
    """CONTROL.md: a faulted call took effect exactly when applied_errcode == 0."""
    emu.inject_fault("/wxa/bind_tester", when="after", delay_seconds=0.05)  # slow answer, kept
    emu.inject_fault("/wxa/bind_tester", delay_seconds=0.05)  # slow before, handled for real
    emu.inject_fault("/wxa/bind_tester", omit=["userstr"])  # answered, rolled back
    emu.inject_fault("/wxa/bind_tester", body={"errcode": 0, "errmsg": "ok"})  # not handled
    for name in ("after-delay", "before-delay", "omit", "body"):
        wx.post("/wxa/bind_tester", token, {"wechatid": name})
    calls = [c for c in emu.calls() if c["path"] == "/wxa/bind_tester"]
    assert [c["applied_errcode"] for c in calls] == [0, 0, None, None]
    members = wx.post("/wxa/memberauth", token, {"action": "get_experiencer"})["members"]
    assert len(members) == 3  # the seeded tester and the two delayed binds


def test_a_bare_errcode_answers_wechats_text_for_it(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """A fault that names only the code answers as WeChat would: the code's errmsg from the errcode
    table (api_submitaudit's 85009, a Chinese one from speedupCodeAudit), never a made-up text."""
    emu.inject_fault("/wxa/submit_audit", errcode=85009)
    assert_err(wx.post("/wxa/submit_audit", token), 85009, "already submit a version under auditing")
    emu.inject_fault("/wxa/queryquota", errcode=89405)
    assert_err(wx.get("/wxa/queryquota", token), 89405, "本月加急额度已用完")
    emu.inject_fault("/wxa/queryquota", errcode=12345)  # a code the emulator never declares
    assert_err(wx.get("/wxa/queryquota", token), 12345, "fault injected by the emulator")
