"""The audit and release state machine (reference §5.7): submit, decide, withdraw, speed up, quota,
release, gray release, rollback, version info, visibility."""

from __future__ import annotations

import pytest

from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    OWNER_APPID,
    EmulatorControl,
    EmulatorError,
    RawWeChat,
    assert_err,
    assert_ok,
)

pytestmark = pytest.mark.contract


@pytest.fixture
def manual(emu: EmulatorControl) -> EmulatorControl:
    """Audits wait for the control API (the demo seed auto-approves)."""
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    return emu


def commit(wx: RawWeChat, token: str, version: str = "1.0.0", template_id: int = 1) -> None:
    assert_ok(wx.post("/wxa/commit", token, {"template_id": template_id, "ext_json": "{}",
                                             "user_version": version, "user_desc": f"v{version}"}))


def submit(wx: RawWeChat, token: str) -> int:
    return int(assert_ok(wx.post("/wxa/submit_audit", token))["auditid"])


def ship(emu: EmulatorControl, wx: RawWeChat, token: str, version: str) -> None:
    commit(wx, token, version)
    submit(wx, token)
    emu.decide_audit(APPID, "approve")
    assert_ok(wx.post("/wxa/release", token))


def test_submit_then_approve_then_release(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    auditid = submit(wx, token)
    latest = assert_ok(wx.get("/wxa/get_latest_auditstatus", token))
    assert (latest["auditid"], latest["status"], latest["user_version"]) == (auditid, 2, "1.0.0")
    # A captured answer in review carries no reason and no ScreenShot (reference §10)
    assert set(latest) == {"errcode", "errmsg", "auditid", "status", "user_version", "user_desc",
                           "submit_audit_time"}
    assert_err(wx.post("/wxa/release", token), 85020, "status not allowed")
    manual.decide_audit(APPID, "approve")
    assert assert_ok(wx.post("/wxa/get_auditstatus", token, {"auditid": auditid}))["status"] == 0
    # get_auditstatus of an approved audit is {"errcode":0,"errmsg":"ok","status":0} (reference §10)
    assert wx.post("/wxa/get_auditstatus", token, {"auditid": auditid}) == {"errcode": 0, "errmsg": "ok", "status": 0}
    assert_ok(wx.post("/wxa/release", token))
    info = assert_ok(wx.post("/wxa/getversioninfo", token))
    assert info["release_info"]["release_version"] == "1.0.0"
    assert_err(wx.post("/wxa/release", token), 85052, "app is already released")


def test_rejection_carries_reason_and_screenshots(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    auditid = submit(wx, token)
    manual.decide_audit(APPID, "reject", reason="页面内容不完整<br>", screenshots=["m1", "m2"])
    status = assert_ok(wx.post("/wxa/get_auditstatus", token, {"auditid": auditid}))
    assert status == {"errcode": 0, "errmsg": "ok", "status": 1, "reason": "页面内容不完整<br>",
                      "screenshot": "m1|m2"}
    assert wx.get("/wxa/get_latest_auditstatus", token)["ScreenShot"] == "m1|m2"
    assert_err(wx.post("/wxa/release", token), 85020, "status not allowed")


def test_delay_then_decision(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    submit(wx, token)
    auditid = manual.decide_audit(APPID, "delay", reason="需要补充材料")["audit"]["auditid"]
    latest = wx.get("/wxa/get_latest_auditstatus", token)
    # get_latest_auditstatus documents reason only for a rejection; get_auditstatus also for a delay
    assert latest["status"] == 4 and "reason" not in latest
    delayed = wx.post("/wxa/get_auditstatus", token, {"auditid": auditid})
    assert delayed == {"errcode": 0, "errmsg": "ok", "status": 4, "reason": "需要补充材料"}
    assert_err(wx.post("/wxa/submit_audit", token), 85009, "already submit a version under auditing")
    manual.decide_audit(APPID, "approve")
    assert wx.get("/wxa/get_latest_auditstatus", token)["status"] == 0


def test_auto_decision_after_n_seconds(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    emu.console(APPID, "set_audit", auto_decide_after_seconds=3600, decision="reject", reason="自动驳回")
    commit(wx, token)
    submit(wx, token)
    assert wx.get("/wxa/get_latest_auditstatus", token)["status"] == 2
    emu.advance_clock(3601)
    token = wx.authorizer_token()
    latest = wx.get("/wxa/get_latest_auditstatus", token)
    assert (latest["status"], latest["reason"]) == (1, "自动驳回")


@pytest.mark.parametrize(("setup", "errcode", "text"), [
    ("nothing", 85086, "must commit before submit audit"),
    ("running", 85009, "already submit a version under auditing"),
    ("no_quota", 85085, "submit audit reach limit"),
    ("not_init", 86002, "have not completed init procedure"),
    ("no_category", 85008, "category is in invalid format"),
])
def test_submit_errors(manual: EmulatorControl, wx: RawWeChat, token: str, setup: str, errcode: int,
                       text: str) -> None:
    if setup != "nothing":
        commit(wx, token)
    if setup == "running":
        submit(wx, token)
    elif setup == "no_quota":
        manual.console(APPID, "set_quota", rest=0)
    elif setup == "not_init":
        manual.console(APPID, "set_account", init_completed=False)
    elif setup == "no_category":
        manual.console(APPID, "delete_category", first=304, second=305)
    assert_err(wx.post("/wxa/submit_audit", token), errcode, text)


@pytest.mark.parametrize(("items", "errcode", "text"), [
    ([], 85023, "item size is not in valid range"),
    ([{"address": "pages/index/index"}] * 6, 85023, "item size is not in valid range"),
    ([{}], 85010, "item_list 有项目为空"),
    ([{"address": "pages/missing/missing"}], 85007, "页面路径错误"),
    ([{"address": "pages/index/index", "tag": " ".join(["t"] * 11)}], 85006, "标签格式错误"),
    ([{"address": "pages/index/index", "title": "x" * 33}], 85011, "标题填写错误"),
    ([{"address": "pages/index/index", "first_id": 287, "second_id": 616}], 85077, "小程序类目信息失效"),
])
def test_item_list_rules(manual: EmulatorControl, wx: RawWeChat, token: str, items: list[dict[str, object]],
                         errcode: int, text: str) -> None:
    commit(wx, token)
    assert_err(wx.post("/wxa/submit_audit", token, {"item_list": items}), errcode, text)


def test_item_list_valid(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    items = [{"address": "pages/index/index", "tag": "商城 购物", "first_class": "商家自营",
              "second_class": "服装/鞋/箱包", "first_id": 304, "second_id": 305, "title": "首页"}]
    assert_ok(wx.post("/wxa/submit_audit", token, {"item_list": items, "version_desc": "first"}))


def test_quota_is_shared_and_spent(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    quota = assert_ok(wx.get("/wxa/queryquota", token))
    assert (quota["rest"], quota["limit"], quota["speedup_rest"], quota["speedup_limit"]) == (20, 20, 10, 10)
    commit(wx, token)
    submit(wx, token)
    manual.seed({"authorizations": [{"component_appid": COMPONENT_APPID, "authorizer_appid": OWNER_APPID,
                                     "refresh_token": "rt-3"}]})
    other = wx.authorizer_token(OWNER_APPID, "rt-3")
    commit(wx, other)
    submit(wx, other)
    assert wx.get("/wxa/queryquota", token)["rest"] == 18  # one platform-wide monthly quota


def test_85085_also_when_too_many_apps_submitted_in_7_days(manual: EmulatorControl, wx: RawWeChat,
                                                            token: str) -> None:
    """Reference §10: 85085 answers when too many mini-programs were submitted recently, which
    queryquota does not show; the number is not published, so it is set here (recent_apps_limit)."""
    manual.console(COMPONENT_APPID, "set_quota", recent_apps_limit=1)
    manual.seed({"authorizations": [{"component_appid": COMPONENT_APPID, "authorizer_appid": OWNER_APPID,
                                     "refresh_token": "rt-3"}]})
    other = wx.authorizer_token(OWNER_APPID, "rt-3")
    commit(wx, token)
    first = submit(wx, token)
    commit(wx, other)
    assert_err(wx.post("/wxa/submit_audit", other), 85085, "submit audit reach limit")
    assert wx.get("/wxa/queryquota", token)["rest"] == 19  # the refusal spends nothing and shows nowhere
    manual.decide_audit(APPID, "reject", reason="r")
    commit(wx, token, "1.0.1")
    submit(wx, token)  # the same mini-program again is not another app
    assert first
    manual.advance_clock(7 * 86400 + 1)
    assert submit(wx, wx.authorizer_token(OWNER_APPID, "rt-3")) > 0  # a week later the window has moved


def test_undo_and_its_limits(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    assert_err(wx.get("/wxa/undocodeaudit", token), 85058, "no valid audit_id exist")
    for _ in range(5):
        submit(wx, token)
        assert_ok(wx.get("/wxa/undocodeaudit", token))
        assert wx.get("/wxa/get_latest_auditstatus", token)["status"] == 3
    submit(wx, token)
    assert_err(wx.get("/wxa/undocodeaudit", token), 87013, "no quota to undo code")
    manual.advance_clock(86400)
    token = wx.authorizer_token()
    for _ in range(5):
        assert_ok(wx.get("/wxa/undocodeaudit", token))
        submit(wx, token)
    assert_err(wx.get("/wxa/undocodeaudit", token), 87013, "no quota to undo code")  # 10 a month


def test_speedup(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    auditid = submit(wx, token)
    assert_ok(wx.post("/wxa/speedupaudit", token, {"auditid": auditid}))
    assert wx.get("/wxa/queryquota", token)["speedup_rest"] == 9
    assert_err(wx.post("/wxa/speedupaudit", token, {"auditid": auditid}), 89404, "本单已加速成功")
    assert_err(wx.post("/wxa/speedupaudit", token, {"auditid": 1}), 85012, "invalid audit id")
    manual.decide_audit(APPID, "approve")
    assert_err(wx.post("/wxa/speedupaudit", token, {"auditid": auditid}), 89402, "该小程序不在待审核队列")


def test_status_queries_errors(wx: RawWeChat, token: str) -> None:
    assert_err(wx.get("/wxa/get_latest_auditstatus", token), 85058, "no valid audit_id exist")
    unknown = assert_err(wx.post("/wxa/get_auditstatus", token, {"auditid": 42}), 85012, "invalid audit id")
    # as captured (community, reference C-85012): the error carries status 0, which means nothing here
    assert (unknown["status"], unknown["reason"], unknown["screenshot"]) == (0, "", "")


def test_release_without_any_audit(wx: RawWeChat, token: str) -> None:
    assert_err(wx.post("/wxa/release", token), 85019, "no version is under auditing")


@pytest.mark.parametrize("path", ["/wxa/release", "/wxa/getversioninfo", "/wxa/getvisitstatus"])
def test_empty_body_posts_are_44002(wx: RawWeChat, token: str, path: str) -> None:
    assert_err(wx.call("POST", path, token), 44002, "empty post data")


def test_gray_release_rises_then_completes(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token, "1.0.0")
    submit(wx, token)
    manual.decide_audit(APPID, "approve")
    assert_ok(wx.post("/wxa/grayrelease", token, {"gray_percentage": 10}))
    plan = assert_ok(wx.get("/wxa/getgrayreleaseplan", token))["gray_release_plan"]
    assert (plan["status"], plan["gray_percentage"]) == (1, 10)
    assert_err(wx.post("/wxa/grayrelease", token, {"gray_percentage": 10}), 85082, "gray percentage too low")
    assert_err(wx.get("/wxa/revertcoderelease", token), 87011, "gray release plan")
    assert_ok(wx.post("/wxa/grayrelease", token, {"gray_percentage": 50}))
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "0.9.0"
    assert_ok(wx.post("/wxa/grayrelease", token, {"gray_percentage": 100}))
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "1.0.0"
    assert wx.get("/wxa/getgrayreleaseplan", token)["gray_release_plan"]["status"] == 3


@pytest.mark.parametrize(("body", "errcode", "text"), [
    ({"gray_percentage": 101}, 85081, "invalid gray percentage"),
    ({"gray_percentage": 0}, 85081, "invalid gray percentage"),
    ({"gray_percentage": "10"}, 85081, "invalid gray percentage"),
])
def test_gray_percentage_rules(wx: RawWeChat, token: str, body: dict[str, object], errcode: int, text: str) -> None:
    assert_err(wx.post("/wxa/grayrelease", token, body), errcode, text)


def test_gray_needs_live_and_approved(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    manual.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002",
                                   "categories": [{"first": 304, "second": 305}]}]})  # nothing live
    commit(wx, token)
    assert_err(wx.post("/wxa/grayrelease", token, {"gray_percentage": 5}), 85079, "no online release")
    manual.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002", "release": {
        "user_version": "0.9.0"}, "categories": [{"first": 304, "second": 305}]}]})
    commit(wx, token)
    submit(wx, token)
    assert_err(wx.post("/wxa/grayrelease", token, {"gray_percentage": 5}), 85080, "not approved")


def test_revert_gray_release(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    commit(wx, token)
    submit(wx, token)
    manual.decide_audit(APPID, "approve")
    assert_ok(wx.post("/wxa/grayrelease", token, {"gray_percentage": 0, "support_debuger_first": True}))
    assert_ok(wx.get("/wxa/revertgrayrelease", token))
    assert wx.get("/wxa/getgrayreleaseplan", token)["gray_release_plan"]["status"] == 4
    assert_ok(wx.post("/wxa/release", token))  # the approved version can still be released fully


def test_rollback_history(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    manual = emu
    manual.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        ship(manual, wx, token, version)
    history = assert_ok(wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"}))
    assert [v["user_version"] for v in history["version_list"]] == ["1.1.0", "1.0.0", "0.9.0"]
    assert_ok(wx.get("/wxa/revertcoderelease", token))
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "1.1.0"
    assert_err(wx.get("/wxa/revertcoderelease", token), 87012, "forbid revert this version release")
    # "当前版本回退后，不能再调用版本回退接口，也不会再查到版本信息"
    assert wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"})["version_list"] == []
    ship(manual, wx, token, "1.3.0")
    versions = wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"})["version_list"]
    target = next(v for v in versions if v["user_version"] == "1.0.0")
    assert_ok(wx.get("/wxa/revertcoderelease", token, params={"app_version": str(target["app_version"])}))
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "1.0.0"


def test_history_keeps_five(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    for i in range(7):
        ship(manual, wx, token, f"2.0.{i}")
    versions = wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"})["version_list"]
    assert len(versions) == 5 and versions[0]["user_version"] == "2.0.5"


def test_revert_without_history(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    assert_err(wx.get("/wxa/revertcoderelease", token), 87012, "forbid revert")


def test_visit_status(wx: RawWeChat, token: str) -> None:
    assert assert_ok(wx.post("/wxa/getvisitstatus", token, {}))["status"] == 1
    assert_ok(wx.post("/wxa/change_visitstatus", token, {"action": "close"}))
    assert wx.post("/wxa/getvisitstatus", token, {})["status"] == 0
    assert_err(wx.post("/wxa/change_visitstatus", token, {"action": "pause"}), 85022, "action is invalid")


def test_full_demo_flow_auto_approves(emu: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """The demo seed approves at once, so commit -> submit -> release works without the control API."""
    commit(wx, token, "1.0.0")
    submit(wx, token)
    assert wx.get("/wxa/get_latest_auditstatus", token)["status"] == 0
    assert_ok(wx.post("/wxa/release", token))


def test_versions_released_in_the_console_before_authorization_are_never_listed(
        manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """api_revertcoderelease: versions released in the MP console before the authorization are not
    listed (the console action release_in_console with a user_version stands for one)."""
    manual.console(APPID, "release_in_console", user_version="0.9.5", user_desc="console")
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "0.9.5"
    ship(manual, wx, token, "1.0.0")
    listed = wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"})["version_list"]
    assert [v["user_version"] for v in listed] == ["0.9.0"]  # the seeded 0.9.0 is listed, 0.9.5 is not
    assert_ok(wx.get("/wxa/revertcoderelease", token))  # the previous *listed* version
    assert wx.post("/wxa/getversioninfo", token)["release_info"]["release_version"] == "0.9.0"


def test_seeded_versions_marked_before_authorization(emu: EmulatorControl, wx: RawWeChat) -> None:
    emu.seed({"miniprograms": [{"appid": APPID, "secret": "demo-app-secret-0002",
                                "categories": [{"first": 304, "second": 305}],
                                "release": {"user_version": "0.9.0", "before_authorization": True},
                                "release_history": [{"user_version": "0.8.0", "before_authorization": True}]}]})
    token = wx.authorizer_token()
    assert wx.get("/wxa/revertcoderelease", token, params={"action": "get_history_version"})["version_list"] == []
    assert_err(wx.get("/wxa/revertcoderelease", token), 87012, "forbid revert")


def test_console_release_of_an_approved_audit(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    """Someone releases our approved version in the console: our own release then answers 85052."""
    commit(wx, token, "1.4.0")
    submit(wx, token)
    manual.decide_audit(APPID, "approve")
    manual.console(APPID, "release_in_console")
    assert_err(wx.post("/wxa/release", token), 85052, "app is already released")
    with pytest.raises(EmulatorError):  # nothing left to release: 409
        manual.console(APPID, "release_in_console")


def test_console_commit_and_submit(manual: EmulatorControl, wx: RawWeChat, token: str) -> None:
    manual.console(APPID, "commit", user_version="9.9.9", template_id=2)
    assert wx.get("/wxa/get_page", token)["page_list"][-1] == "pages/coupon/coupon"  # template 2's pages
    auditid = manual.console(APPID, "submit_audit")["auditid"]
    latest = wx.get("/wxa/get_latest_auditstatus", token)
    assert (latest["auditid"], latest["user_version"], latest["status"]) == (auditid, "9.9.9", 2)
    with pytest.raises(EmulatorError):  # 409: an audit is already running
        manual.console(APPID, "submit_audit")
