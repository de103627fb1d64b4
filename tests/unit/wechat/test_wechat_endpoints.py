"""Each endpoint method sends the documented method, path, token parameter and body."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from wechat_fakes import COMPONENT_APPID, COMPONENT_SECRET, TICKET, FakeWeChat, Sleeps

from wechat import ComponentClient, ComponentCredentials, MiniProgramClient

MakeClient = Callable[..., MiniProgramClient]
Call = Callable[[MiniProgramClient], Any]

CASES: list[tuple[str, Call, str, str, Any, dict[str, str]]] = [
    ("get_domains", lambda c: c.get_domains(), "POST", "wxa/modify_domain", {"action": "get"}, {}),
    ("modify_domain", lambda c: c.modify_domain("set", requestdomain=["https://a.com"], udpdomain=[]), "POST",
     "wxa/modify_domain", {"action": "set", "requestdomain": ["https://a.com"], "udpdomain": []}, {}),
    ("getwxadevinfo", lambda c: c.getwxadevinfo("getbizdomain"), "POST", "wxa/getwxadevinfo",
     {"action": "getbizdomain"}, {}),
    ("getwxadevinfo all", lambda c: c.getwxadevinfo(), "POST", "wxa/getwxadevinfo", {}, {}),
    ("get_webview_domains", lambda c: c.get_webview_domains(), "POST", "wxa/setwebviewdomain",
     {"action": "get"}, {}),
    ("set_webview_domains", lambda c: c.set_webview_domains("add", ["https://h5.a.com"]), "POST",
     "wxa/setwebviewdomain", {"action": "add", "webviewdomain": ["https://h5.a.com"]}, {}),
    ("bind_tester", lambda c: c.bind_tester("wx-id"), "POST", "wxa/bind_tester", {"wechatid": "wx-id"}, {}),
    ("unbind_tester", lambda c: c.unbind_tester(userstr="u1"), "POST", "wxa/unbind_tester",
     {"userstr": "u1"}, {}),
    ("list_testers", lambda c: c.list_testers(), "POST", "wxa/memberauth", {"action": "get_experiencer"}, {}),
    ("get_account_basic_info", lambda c: c.get_account_basic_info(), "GET",
     "cgi-bin/account/getaccountbasicinfo", None, {}),
    ("set_nickname", lambda c: c.set_nickname("Shop", license="m1", naming_other_stuff=["m2"]), "POST",
     "wxa/setnickname", {"nick_name": "Shop", "license": "m1", "naming_other_stuff_1": "m2"}, {}),
    ("query_nickname", lambda c: c.query_nickname(1001), "POST", "wxa/api_wxa_querynickname",
     {"audit_id": 1001}, {}),
    ("modify_head_image", lambda c: c.modify_head_image("m1"), "POST", "cgi-bin/account/modifyheadimage",
     {"head_img_media_id": "m1", "x1": 0, "y1": 0, "x2": 1, "y2": 1}, {}),
    ("modify_signature", lambda c: c.modify_signature("这是一个测试简介"), "POST",
     "cgi-bin/account/modifysignature", {"signature": "这是一个测试简介"}, {}),
    ("get_category", lambda c: c.get_category(), "GET", "cgi-bin/wxopen/getcategory", None, {}),
    ("get_audit_categories", lambda c: c.get_audit_categories(), "GET", "wxa/get_category", None, {}),
    ("add_category", lambda c: c.add_category(1, 2, [("licence", "m9")]), "POST",
     "cgi-bin/wxopen/addcategory",
     {"categories": [{"first": 1, "second": 2, "certicates": [{"key": "licence", "value": "m9"}]}]}, {}),
    ("delete_category", lambda c: c.delete_category(1, 2), "POST", "cgi-bin/wxopen/deletecategory",
     {"first": 1, "second": 2}, {}),
    ("get_all_categories", lambda c: c.get_all_categories(), "GET", "cgi-bin/wxopen/getallcategories",
     None, {}),
    ("get_privacy_setting", lambda c: c.get_privacy_setting(), "POST", "cgi-bin/component/getprivacysetting",
     {"privacy_ver": 2}, {}),
    ("set_privacy_setting v1", lambda c: c.set_privacy_setting(1, {"notice_method": "弹窗"}), "POST",
     "cgi-bin/component/setprivacysetting",
     {"privacy_ver": 1, "owner_setting": {"notice_method": "弹窗"}}, {}),
    ("set_privacy_setting v2", lambda c: c.set_privacy_setting(2, {"contact_email": "a@b.c"}, [
        {"privacy_key": "Location", "privacy_text": "导航"}]), "POST", "cgi-bin/component/setprivacysetting",
     {"privacy_ver": 2, "owner_setting": {"contact_email": "a@b.c"},
      "setting_list": [{"privacy_key": "Location", "privacy_text": "导航"}]}, {}),
    ("commit", lambda c: c.commit("7", {"extAppid": "wx1", "ext": {"名": 1}}, "1.2.0", "desc"), "POST",
     "wxa/commit", {"template_id": 7, "ext_json": '{"extAppid": "wx1", "ext": {"名": 1}}',
                    "user_version": "1.2.0", "user_desc": "desc"}, {}),
    ("get_page", lambda c: c.get_page(), "GET", "wxa/get_page", None, {}),
    ("get_audit_status", lambda c: c.get_audit_status(12), "POST", "wxa/get_auditstatus",
     {"auditid": 12}, {}),
    ("get_latest_audit_status", lambda c: c.get_latest_audit_status(), "GET", "wxa/get_latest_auditstatus",
     None, {}),
    ("undo_audit", lambda c: c.undo_audit(), "GET", "wxa/undocodeaudit", None, {}),
    ("speedup_audit", lambda c: c.speedup_audit(12), "POST", "wxa/speedupaudit", {"auditid": 12}, {}),
    ("query_quota", lambda c: c.query_quota(), "GET", "wxa/queryquota", None, {}),
    ("release", lambda c: c.release(), "POST", "wxa/release", {}, {}),
    ("gray_release", lambda c: c.gray_release(0, support_experiencer_first=True), "POST", "wxa/grayrelease",
     {"gray_percentage": 0, "support_debuger_first": False, "support_experiencer_first": True}, {}),
    ("get_gray_release_plan", lambda c: c.get_gray_release_plan(), "GET", "wxa/getgrayreleaseplan", None, {}),
    ("revert_gray_release", lambda c: c.revert_gray_release(), "GET", "wxa/revertgrayrelease", None, {}),
    ("revert_code_release", lambda c: c.revert_code_release(), "GET", "wxa/revertcoderelease", None, {}),
    ("revert_code_release to", lambda c: c.revert_code_release(3), "GET", "wxa/revertcoderelease", None,
     {"app_version": "3"}),
    ("get_history_versions", lambda c: c.get_history_versions(), "GET", "wxa/revertcoderelease", None,
     {"action": "get_history_version"}),
    ("get_version_info", lambda c: c.get_version_info(), "POST", "wxa/getversioninfo", {}, {}),
    ("change_visit_status", lambda c: c.change_visit_status("close"), "POST", "wxa/change_visitstatus",
     {"action": "close"}, {}),
    ("get_visit_status", lambda c: c.get_visit_status(), "POST", "wxa/getvisitstatus", {}, {}),
    ("get_api_quota", lambda c: c.get_api_quota("/wxa/submit_audit"), "POST", "cgi-bin/openapi/quota/get",
     {"cgi_path": "/wxa/submit_audit"}, {}),
    ("clear_quota", lambda c: c.clear_quota(), "POST", "cgi-bin/clear_quota", {"appid": "wx_test_app"}, {}),
    ("get_effective_domain", lambda c: c.get_effective_domain(), "POST", "wxa/get_effective_domain", {}, {}),
    ("get_effective_webview_domains", lambda c: c.get_effective_webview_domains(), "POST",
     "wxa/get_effective_webviewdomain", {}, {}),
    ("get_icp_entrance_info", lambda c: c.get_icp_entrance_info(), "GET", "wxa/icp/get_icp_entrance_info", None, {}),
    ("get_qrcode_jump_rules", lambda c: c.get_qrcode_jump_rules(), "POST", "cgi-bin/wxopen/qrcodejumpget", {}, {}),
    ("add_qrcode_jump_rule", lambda c: c.add_qrcode_jump_rule("https://a.com/q/", "pages/a/a", 3,
                                                              debug_url=["https://a.com/q/1"], is_edit=True),
     "POST", "cgi-bin/wxopen/qrcodejumpadd", {"prefix": "https://a.com/q/", "path": "pages/a/a", "open_version": 3,
                                             "permit_sub_rule": 1, "debug_url": ["https://a.com/q/1"], "is_edit": 1},
     {}),
    ("publish_qrcode_jump_rule", lambda c: c.publish_qrcode_jump_rule("https://a.com/q/"), "POST",
     "cgi-bin/wxopen/qrcodejumppublish", {"prefix": "https://a.com/q/"}, {}),
    ("delete_qrcode_jump_rule", lambda c: c.delete_qrcode_jump_rule("https://a.com/q/"), "POST",
     "cgi-bin/wxopen/qrcodejumpdelete", {"prefix": "https://a.com/q/"}, {}),
    ("download_qrcode_jump_file", lambda c: c.download_qrcode_jump_file(), "POST",
     "cgi-bin/wxopen/qrcodejumpdownload", {}, {}),
]


@pytest.mark.parametrize(("call", "method", "path", "body", "params"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_request_shape(fake: FakeWeChat, make_client: MakeClient, call: Call, method: str, path: str,
                       body: Any, params: dict[str, str]) -> None:
    fake.defaults[path] = {"userstr": "u", "auditid": 1}
    call(make_client())
    request = fake.requests[-1]
    assert (request.method, request.url.path) == (method, "/" + path)
    assert request.url.params["access_token"] == fake.issued[0]
    assert {k: v for k, v in request.url.params.items() if k != "access_token"} == params
    assert (json.loads(request.content) if request.content else None) == body


def test_answers_are_unwrapped(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.defaults.update({
        "wxa/bind_tester": {"userstr": "abc"},
        "wxa/memberauth": {"members": [{"userstr": "u1"}, {"userstr": "u2"}]},
        "wxa/submit_audit": {"auditid": 1234},
        "wxa/get_latest_auditstatus": {"auditid": 1234, "status": 1, "reason": "r", "ScreenShot": "m1|m2"},
        "wxa/revertcoderelease": {"version_list": [{"app_version": 3, "user_version": "1.0"}]},
        "wxa/getgrayreleaseplan": {"gray_release_plan": {"status": 1, "gray_percentage": 10}},
        "wxa/setwebviewdomain": {"webviewdomain": ["https://h5.a.com"]},
        "wxa/modify_domain": {"requestdomain": ["https://a.com"]},
    })
    client = make_client()
    assert client.bind_tester("someone") == "abc"
    assert client.list_testers() == ["u1", "u2"]
    assert client.submit_audit(item_list=[]) == 1234
    assert client.get_latest_audit_status() == {
        "auditid": 1234, "status": 1, "reason": "r", "screenshot": "m1|m2"}
    assert client.get_history_versions() == [{"app_version": 3, "user_version": "1.0"}]
    assert client.get_gray_release_plan() == {"status": 1, "gray_percentage": 10}
    assert client.get_webview_domains() == ["https://h5.a.com"]
    assert client.get_domains() == {"requestdomain": ["https://a.com"]}  # errcode/errmsg stripped


@pytest.mark.parametrize(("answer", "listed"), [
    ({"members": [{"userstr": "u1"}]}, ["u1"]),
    ({"members": []}, []),
    ({}, None),  # no list: unknown, not "no testers"
    ({"members": [{"userstr": "u1"}, {}]}, None),  # a member WeChat does not name: who is bound is unknown
])
def test_list_testers_tells_an_absent_list_from_an_empty_one(fake: FakeWeChat, make_client: MakeClient,
                                                             answer: dict[str, Any], listed: list[str] | None) -> None:
    fake.defaults["wxa/memberauth"] = answer
    assert make_client().list_testers() == listed


@pytest.mark.parametrize(("answer", "listed"), [({"webviewdomain": []}, []), ({}, None)])
def test_get_webview_domains_tells_an_absent_list_from_an_empty_one(
        fake: FakeWeChat, make_client: MakeClient, answer: dict[str, Any], listed: list[str] | None) -> None:
    fake.defaults["wxa/setwebviewdomain"] = answer
    assert make_client().get_webview_domains() == listed


def test_upload_image_is_multipart_media(fake: FakeWeChat, make_client: MakeClient, tmp_path: Path) -> None:
    fake.defaults["cgi-bin/media/upload"] = {"type": "image", "media_id": "MEDIA1", "created_at": 1}
    image = tmp_path / "avatar.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    assert make_client().upload_image(image) == "MEDIA1"
    request = fake.requests[-1]
    assert request.url.params["type"] == "image"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="media"; filename="avatar.png"' in request.content
    assert b"Content-Type: image/png" in request.content and b"\x89PNG" in request.content


def test_query_nickname_is_a_read_retried_when_busy(fake: FakeWeChat, make_client: MakeClient) -> None:
    review = {"nickname": "演示商城", "audit_stat": 1, "fail_reason": "", "create_time": 1, "audit_time": 0}
    fake.script("wxa/api_wxa_querynickname", {"errcode": -1, "errmsg": "system error"},
                {"errcode": 0, "errmsg": "ok", **review})
    assert make_client().query_nickname(1001) == review
    assert fake.count("wxa/api_wxa_querynickname") == 2


def test_stats_count_calls_per_path(fake: FakeWeChat, make_client: MakeClient) -> None:
    client = make_client()
    client.get_page()
    client.get_page()
    client.query_quota()
    assert client.stats.snapshot() == {
        "calls": {"cgi-bin/stable_token": 1, "wxa/get_page": 2, "wxa/queryquota": 1},
        "token_fetches": {"owner": 1}, "errcodes": {}, "retries": 0, "token_refreshes": 0}
    assert client.stats.total_calls == 4


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.unbind_tester(), "exactly one of wechatid or userstr"),
    (lambda c: c.unbind_tester("a", "b"), "exactly one of wechatid or userstr"),
    (lambda c: c.gray_release(101), "within 0..100"),
    (lambda c: c.gray_release(0), "percentage 0 needs"),
    (lambda c: c.modify_domain("add", bizdomain=["x"]), "unknown domain lists ['bizdomain']"),
    (lambda c: c.modify_domain("get", requestdomain=["x"]), "takes no domain lists"),
    (lambda c: c.set_privacy_setting(1, {}, [{"privacy_key": "x"}]), "forbidden with ver=1"),
    (lambda c: c.set_privacy_setting(2, {}), "required with ver=2"),
    (lambda c: c.add_qrcode_jump_rule("https://a.com/", "p", 3, debug_url=["x"] * 6), "at most 5 debug_url"),
])
def test_argument_mistakes_raise_before_any_request(fake: FakeWeChat, make_client: MakeClient, call: Call,
                                                    message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
        call(make_client())
    assert fake.requests == []


def test_component_client(fake: FakeWeChat, sleeps: Sleeps) -> None:
    fake.defaults["wxa/gettemplatelist"] = {"template_list": [{"template_id": 7}]}
    creds = ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, TICKET)
    with ComponentClient(creds, "http://127.0.0.1:9", transport=fake.transport(), sleep=sleeps) as client:
        token = client.component_token()
        assert client.get_templates() == [{"template_id": 7}]
        client.get_template_drafts()
        client.add_to_template(5)
        client.delete_template(7)
        client.modify_wxa_server_domain("add", ["a.com", "b.com"])
        client.modify_wxa_jump_domain("add", ["h5.a.com"], is_modify_published_together=True)
        client.get_authorizer_info("wx_authorizer")
    assert fake.bodies("cgi-bin/component/api_component_token") == [
        {"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
         "component_verify_ticket": TICKET}]
    calls = [(r.method, r.url.path, dict(r.url.params), json.loads(r.content) if r.content else None)
             for r in fake.requests[1:]]
    assert calls == [
        ("GET", "/wxa/gettemplatelist", {"access_token": token}, None),
        ("GET", "/wxa/gettemplatedraftlist", {"access_token": token}, None),
        ("POST", "/wxa/addtotemplate", {"access_token": token}, {"draft_id": 5, "template_type": 0}),
        ("POST", "/wxa/deletetemplate", {"access_token": token}, {"template_id": 7}),
        ("POST", "/cgi-bin/component/modify_wxa_server_domain", {"access_token": token},
         {"action": "add", "is_modify_published_together": False, "wxa_server_domain": "a.com;b.com"}),
        ("POST", "/cgi-bin/component/modify_wxa_jump_domain", {"access_token": token},
         {"action": "add", "is_modify_published_together": True, "wxa_jump_h5_domain": "h5.a.com"}),
        ("POST", "/cgi-bin/component/api_get_authorizer_info", {"access_token": token},
         {"component_appid": COMPONENT_APPID, "authorizer_appid": "wx_authorizer"}),
    ]
