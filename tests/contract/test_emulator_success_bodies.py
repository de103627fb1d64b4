"""Every endpoint's success body carries its documented fields and no others.

`DOCUMENTED` is the table: for each path in `emulator.routing.ROUTES`, the fields the endpoint's doc
page shows in its "返回参数" table and example (or the reference section that quotes them), nested
objects and list items included; a trailing "?" marks a field the doc promises only in some states
(reference §10: "read every field as optional unless the doc promises it for that state"). The
envelope (`errcode`/`errmsg`) is part of every answer except the token endpoints and the media upload,
which the docs show without it. `CALLS` brings the demo mini-program into a state where the endpoint
succeeds and calls it over HTTP; the test checks the answer against the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from emulator import services as _services  # noqa: F401  (registers every route)
from emulator.routing import ROUTES
from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    OWNER_APPID,
    OWNER_SECRET,
    EmulatorControl,
    RawWeChat,
    assert_ok,
)

pytestmark = pytest.mark.contract

Shape = dict[str, "Shape | None"]  # field -> shape of the object (or of each list item), None: a value
SIX = {"requestdomain": None, "wsrequestdomain": None, "uploaddomain": None, "downloaddomain": None,
       "udpdomain": None, "tcpdomain": None}
INVALID_SIX = {f"invalid_{name}?": None for name in SIX}
FUNC_INFO: Shape = {"funcscope_category": {"id": None}}
QUOTA: Shape = {"quota": {"daily_limit": None, "used": None, "remain": None},
                "rate_limit?": {"call_count": None, "refresh_second": None},
                "component_rate_limit?": {"call_count": None, "refresh_second": None}}
NONE: Shape = {}


@dataclass(frozen=True)
class Documented:
    fields: Shape
    source: str
    envelope: bool = True


DOCUMENTED: dict[str, Documented] = {
    # tokens (reference §1; no errcode/errmsg on success)
    "/cgi-bin/token": Documented({"access_token": None, "expires_in": None}, "getAccessToken", False),
    "/cgi-bin/stable_token": Documented({"access_token": None, "expires_in": None}, "getStableAccessToken", False),
    "/cgi-bin/component/api_component_token": Documented(
        {"component_access_token": None, "expires_in": None}, "component_access_token.html", False),
    "/cgi-bin/component/api_create_preauthcode": Documented(
        {"pre_auth_code": None, "expires_in": None}, "pre_auth_code.html; reference §10", False),
    "/cgi-bin/component/api_query_auth": Documented({"authorization_info": {
        "authorizer_appid": None, "authorizer_access_token": None, "expires_in": None,
        "authorizer_refresh_token": None, "func_info": FUNC_INFO}}, "authorization_info.html; reference §1.3", False),
    "/cgi-bin/component/api_authorizer_token": Documented(
        {"authorizer_access_token": None, "expires_in": None, "authorizer_refresh_token": None},
        "api_authorizer_token.html; reference §1.3", False),
    "/cgi-bin/component/api_get_authorizer_info": Documented({
        "authorizer_info": {"nick_name": None, "head_img": None, "service_type_info": {"id": None},
                            "verify_type_info": {"id": None}, "user_name": None, "principal_name": None,
                            "signature": None, "qrcode_url": None, "business_info": None,
                            "MiniProgramInfo": {"network": {"RequestDomain": None, "WsRequestDomain": None,
                                                            "UploadDomain": None, "DownloadDomain": None,
                                                            "UDPDomain": None},
                                                "categories": {"first": None, "second": None},
                                                "visit_status": None},
                            "register_type": None, "account_status": None, "basic_config": None,
                            "alias?": None},  # alias, idc, channels: not modelled (COVERAGE.md)
        "authorization_info": {"authorizer_appid": None, "authorizer_refresh_token?": None, "func_info": FUNC_INFO},
    }, "authorization-management/api_getauthorizerinfo", False),
    "/cgi-bin/media/upload": Documented({"type": None, "media_id": None, "created_at": None},
                                        "api_uploadtempmedia", False),
    # quota (reference §7)
    "/cgi-bin/openapi/quota/get": Documented(QUOTA, "get_api_quota"),
    "/cgi-bin/clear_quota": Documented(NONE, "clearQuota"),
    "/cgi-bin/clear_quota/v2": Documented(NONE, "api_clearquotabyappsecret"),
    "/wxa/queryquota": Documented({"rest": None, "limit": None, "speedup_rest": None, "speedup_limit": None},
                                  "code-management/setCodeAuditQuota"),
    # domains (reference §2)
    "/wxa/modify_domain": Documented({**SIX, **INVALID_SIX, "no_icp_domain?": None}, "modifyServerDomain; C-85301"),
    "/wxa/modify_domain_directly": Documented({**SIX, **INVALID_SIX, "no_icp_domain?": None},
                                              "modifyServerDomainDirectly"),
    "/wxa/get_effective_domain": Documented({"mp_domain": SIX, "third_domain": SIX, "direct_domain": SIX,
                                             "effective_domain": SIX}, "getEffectiveServerDomain"),
    "/wxa/getwxadevinfo": Documented({"requestdomain": None, "wsrequestdomain": None, "uploaddomain": None,
                                      "downloaddomain": None, "udpdomain": None, "bizdomain": None},
                                     "operation/api_getdomaininfo"),
    "/wxa/setwebviewdomain": Documented({"webviewdomain?": None}, "modifyJumpDomain (returned for get)"),
    "/wxa/get_effective_webviewdomain": Documented(
        {"mp_webviewdomain": None, "third_webviewdomain": None, "direct_webviewdomain": None,
         "effective_webviewdomain": None}, "api_geteffectivejumpdomain"),
    "/cgi-bin/component/modify_wxa_server_domain": Documented(
        {"published_wxa_server_domain": None, "testing_wxa_server_domain": None, "invalid_wxa_server_domain?": None},
        "thirdparty-management/domain-mgnt/modifyThirdpartyServerDomain"),
    "/cgi-bin/component/modify_wxa_jump_domain": Documented(
        {"published_wxa_jump_h5_domain": None, "testing_wxa_jump_h5_domain": None,
         "invalid_wxa_jump_h5_domain?": None}, "thirdparty-management/domain-mgnt/modifyThirdpartyJumpDomain"),
    # members (reference §3)
    "/wxa/bind_tester": Documented({"userstr": None}, "bindTester"),
    "/wxa/unbind_tester": Documented(NONE, "unbindTester"),
    "/wxa/memberauth": Documented({"members": {"userstr": None}}, "getTester"),
    # profile, categories, privacy (reference §4)
    "/cgi-bin/account/getaccountbasicinfo": Documented({
        "appid": None, "account_type": None, "principal_type": None, "principal_name": None,
        "realname_status": None, "credential": None, "customer_type": None, "registered_country": None,
        "wx_verify_info": {"qualification_verify": None, "naming_verify": None, "annual_review": None,
                           "annual_review_begin_time?": None, "annual_review_end_time?": None},
        "signature_info": {"signature": None, "modify_used_count": None, "modify_quota": None},
        "head_image_info": {"head_image_url": None, "modify_used_count": None, "modify_quota": None},
        "nickname": None, "nickname_info": {"nickname": None, "modify_used_count": None, "modify_quota": None},
    }, "api_getaccountbasicinfo"),
    "/wxa/setnickname": Documented({"wording?": None, "audit_id?": None}, "api_setnickname"),
    "/wxa/api_wxa_querynickname": Documented({"nickname": None, "audit_stat": None, "fail_reason": None,
                                              "create_time": None, "audit_time": None}, "api_wxa_querynickname"),
    "/cgi-bin/account/modifyheadimage": Documented(NONE, "api_setheadimage"),
    "/cgi-bin/account/modifysignature": Documented(NONE, "setSignature"),
    "/cgi-bin/wxopen/getallcategories": Documented({"categories_list": {"categories": {
        "id": None, "name": None, "level": None, "father": None, "children": None, "sensitive_type": None,
        "qualify?": None, "type?": None, "is_hidden?": None, "available_api_list?": None, "apis?": None,
        "available_for_plugin?": None}}}, "getAllCategories; WxJava WxFastMaCanSetCategoryResultTest"),
    "/cgi-bin/wxopen/getcategory": Documented({
        "categories": {"first": None, "first_name": None, "second": None, "second_name": None,
                       "audit_status": None, "audit_reason": None},
        "limit": None, "quota": None, "category_limit": None}, "api_getsettingcategories"),
    "/cgi-bin/wxopen/addcategory": Documented(NONE, "addCategory"),
    "/cgi-bin/wxopen/deletecategory": Documented(NONE, "deleteCategory"),
    "/wxa/get_category": Documented({"category_list": {"first_class": None, "second_class": None,
                                                       "third_class?": None, "first_id": None, "second_id": None,
                                                       "third_id?": None}}, "get_category.html"),
    "/cgi-bin/component/setprivacysetting": Documented(NONE, "set_privacy_setting.html"),
    "/cgi-bin/component/getprivacysetting": Documented({
        "code_exist": None, "privacy_list": None,
        "setting_list": {"privacy_key": None, "privacy_text": None, "privacy_label": None},
        "update_time": None, "owner_setting": None, "privacy_desc": {"privacy_desc_list": {
            "privacy_key": None, "privacy_desc": None}}}, "get_privacy_setting.html; reference §4.6"),
    "/wxa/icp/get_icp_entrance_info": Documented({"info": {"status": None, "is_canceling": None,
                                                           "available": None, "audit_data?": None,
                                                           "sms_verify_status?": None}}, "api_geticpentranceinfo"),
    # code, audit, release (reference §5; the code-management pages)
    "/wxa/gettemplatedraftlist": Documented({"draft_list": {
        "draft_id": None, "user_version": None, "user_desc": None, "create_time": None,
        "source_miniprogram_appid?": None, "source_miniprogram?": None, "developer?": None}}, "getTemplatedRaftList"),
    "/wxa/addtotemplate": Documented(NONE, "addToTemplate"),
    "/wxa/gettemplatelist": Documented({"template_list": {
        "template_id": None, "draft_id": None, "user_version": None, "user_desc": None, "create_time": None,
        "template_type": None, "audit_scene?": None, "audit_status?": None, "reason?": None}}, "getTemplateList"),
    "/wxa/deletetemplate": Documented(NONE, "deleteTemplate"),
    "/wxa/commit": Documented(NONE, "api_commit"),
    "/wxa/get_page": Documented({"page_list": None}, "getCodePage"),
    "/wxa/submit_audit": Documented({"auditid": None}, "api_submitaudit"),
    "/wxa/get_auditstatus": Documented({"status": None, "reason?": None, "screenshot?": None}, "api_getauditstatus"),
    "/wxa/get_latest_auditstatus": Documented({
        "auditid": None, "status": None, "reason?": None, "ScreenShot?": None, "user_version": None,
        "user_desc": None, "submit_audit_time": None}, "api_getlatestauditstatus"),
    "/wxa/undocodeaudit": Documented(NONE, "undoAudit"),
    "/wxa/speedupaudit": Documented(NONE, "speedupCodeAudit"),
    "/wxa/release": Documented(NONE, "api_release"),
    "/wxa/grayrelease": Documented(NONE, "grayRelease"),
    "/wxa/getgrayreleaseplan": Documented({"gray_release_plan": {
        "status": None, "create_timestamp": None, "gray_percentage": None, "support_debuger_first": None,
        "support_experiencer_first": None}}, "getGrayReleasePlan"),
    "/wxa/revertgrayrelease": Documented(NONE, "revertGrayRelease"),
    "/wxa/revertcoderelease": Documented({"version_list?": {"app_version": None, "user_version": None,
                                                            "user_desc": None, "commit_time": None}},
                                         "api_revertcoderelease (version_list: action=get_history_version)"),
    "/wxa/getversioninfo": Documented({
        "exp_info?": {"exp_time": None, "exp_version": None, "exp_desc": None},
        "release_info?": {"release_time": None, "release_version": None, "release_desc": None}},
        "api_getversioninfo"),
    "/wxa/change_visitstatus": Documented(NONE, "setVisitStatus"),
    "/wxa/getvisitstatus": Documented({"status": None}, "getVisitStatus"),
    # jump QR-code rules (COVERAGE.md's sources)
    "/cgi-bin/wxopen/qrcodejumpget": Documented({
        "rule_list": {"prefix": None, "permit_sub_rule": None, "path": None, "open_version": None,
                      "debug_url": None, "state": None},
        "qrcodejump_open": None, "qrcodejump_pub_quota": None, "list_size": None}, "getJumpQRCode"),
    "/cgi-bin/wxopen/qrcodejumpadd": Documented(NONE, "addJumpQRCode"),
    "/cgi-bin/wxopen/qrcodejumppublish": Documented(NONE, "publishJumpQRCode"),
    "/cgi-bin/wxopen/qrcodejumpdelete": Documented(NONE, "deleteJumpQRCode"),
    "/cgi-bin/wxopen/qrcodejumpdownload": Documented({"file_name": None, "file_content": None}, "downloadQRCodeText"),
}
BINARY = {"/wxa/get_qrcode": "image/jpeg"}  # get_qrcode.html: the JPEG itself, errors as JSON


def check(value: Any, shape: Shape, where: str) -> list[str]:
    """Every problem of `value` against `shape`: a missing promised field, an undocumented one."""
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in check(item, shape, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: expected an object"]
    problems = []
    allowed = {key.rstrip("?"): sub for key, sub in shape.items()}
    for key in shape:
        if not key.endswith("?") and key not in value:
            problems.append(f"{where}.{key}: documented, missing")
    for key, item in value.items():
        if key not in allowed:
            problems.append(f"{where}.{key}: not documented")
        elif allowed[key] is not None and item is not None:
            problems.extend(check(item, allowed[key], f"{where}.{key}"))  # type: ignore[arg-type]
    return problems


# --- the calls: each brings the demo world into a state where the endpoint succeeds ---
class World:
    def __init__(self, emu: EmulatorControl, wx: RawWeChat) -> None:
        self.emu, self.wx = emu, wx
        self.token = wx.authorizer_token()
        self.ctoken = wx.component_token()
        emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)  # audits wait for us

    def post(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self.wx.post(path, self.token, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.wx.get(path, self.token, **kwargs)

    def cpost(self, path: str, body: Any = None) -> dict[str, Any]:
        return self.wx.post(path, self.ctoken, body)

    def commit(self, version: str = "1.0.0") -> None:
        assert_ok(self.post("/wxa/commit", {"template_id": 1, "ext_json": "{}", "user_version": version,
                                            "user_desc": f"v{version}"}))

    def audit(self, version: str = "1.0.0", decide: bool = True) -> int:
        self.commit(version)
        auditid = int(assert_ok(self.post("/wxa/submit_audit"))["auditid"])
        if decide:
            self.emu.decide_audit(APPID, "approve")
        return auditid

    def ship(self, version: str) -> None:
        self.audit(version)
        assert_ok(self.post("/wxa/release"))

    def upload(self) -> dict[str, Any]:
        jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"
        return self.wx.call("POST", "/cgi-bin/media/upload", self.token, params={"type": "image"},
                            files={"media": ("head.jpg", jpeg, "image/jpeg")})


PREFIX = "https://shop.example.com/q/"
RULE = {"prefix": PREFIX, "path": "pages/index/index", "open_version": 3, "permit_sub_rule": 1, "is_edit": 0}


def _jump_rule(w: World, publish: bool = False) -> None:
    w.emu.console(APPID, "serve_confirm_file", prefix=PREFIX)
    assert_ok(w.post("/cgi-bin/wxopen/qrcodejumpadd", RULE))
    if publish:
        w.ship("1.0.0")
        assert_ok(w.post("/cgi-bin/wxopen/qrcodejumppublish", {"prefix": PREFIX}))


def _speedup(w: World) -> dict[str, Any]:
    return w.post("/wxa/speedupaudit", {"auditid": w.audit(decide=False)})


def _undo(w: World) -> dict[str, Any]:
    w.audit(decide=False)
    return w.get("/wxa/undocodeaudit")


def _nickname_review(w: World) -> dict[str, Any]:
    audit = assert_ok(w.post("/wxa/setnickname", {"nick_name": "Shiny Shop", "license": w.upload()["media_id"]}))
    return w.post("/wxa/api_wxa_querynickname", {"audit_id": audit["audit_id"]})


def _query_auth(w: World) -> dict[str, Any]:
    code = w.emu.authorization_code(COMPONENT_APPID, APPID, permissions=[18, 30])
    return w.cpost("/cgi-bin/component/api_query_auth", {"component_appid": COMPONENT_APPID,
                                                         "authorization_code": code})


def _gray(w: World) -> dict[str, Any]:
    w.ship("1.0.0")
    w.audit("1.1.0")
    return w.post("/wxa/grayrelease", {"gray_percentage": 10})


def _gray_plan(w: World) -> dict[str, Any]:
    _gray(w)
    return w.get("/wxa/getgrayreleaseplan")


def _revert_gray(w: World) -> dict[str, Any]:
    _gray(w)
    return w.get("/wxa/revertgrayrelease")


def _history(w: World) -> dict[str, Any]:
    w.ship("1.0.0")
    w.ship("1.1.0")
    return w.get("/wxa/revertcoderelease", params={"action": "get_history_version"})


def _rollback(w: World) -> dict[str, Any]:
    w.ship("1.0.0")
    w.ship("1.1.0")
    return w.get("/wxa/revertcoderelease")


def _version_info(w: World) -> dict[str, Any]:
    w.ship("1.0.0")
    w.commit("1.1.0")
    return w.post("/wxa/getversioninfo")


def _add_template(w: World) -> dict[str, Any]:
    draft = w.emu.land_draft(COMPONENT_APPID, "2.0.0")
    return w.cpost("/wxa/addtotemplate", {"draft_id": draft, "template_type": 0})


def _get_templates(w: World) -> dict[str, Any]:
    assert_ok(_add_template(w))
    return w.wx.get("/wxa/gettemplatelist", w.ctoken)


def _delete_template(w: World) -> dict[str, Any]:
    assert_ok(_add_template(w))
    templates = w.wx.get("/wxa/gettemplatelist", w.ctoken)["template_list"]
    return w.cpost("/wxa/deletetemplate", {"template_id": templates[-1]["template_id"]})


def _latest_rejected(w: World) -> dict[str, Any]:
    w.audit(decide=False)
    w.emu.decide_audit(APPID, "reject", reason="页面内容不完整", screenshots=["m1"])
    return w.get("/wxa/get_latest_auditstatus")


def _status_rejected(w: World) -> dict[str, Any]:
    auditid = w.audit(decide=False)
    w.emu.decide_audit(APPID, "reject", reason="页面内容不完整", screenshots=["m1"])
    return w.post("/wxa/get_auditstatus", {"auditid": auditid})


DOMAINS = {"action": "add", "requestdomain": ["https://api2.shop.example.com"]}
CALLS: dict[str, Callable[[World], dict[str, Any]]] = {
    "/cgi-bin/token": lambda w: w.wx.get("/cgi-bin/token", params={
        "grant_type": "client_credential", "appid": OWNER_APPID, "secret": OWNER_SECRET}),
    "/cgi-bin/stable_token": lambda w: w.wx.post("/cgi-bin/stable_token", body={
        "grant_type": "client_credential", "appid": OWNER_APPID, "secret": OWNER_SECRET}),
    "/cgi-bin/component/api_component_token": lambda w: w.wx.post(
        "/cgi-bin/component/api_component_token", body={
            "component_appid": COMPONENT_APPID, "component_appsecret": "demo-component-secret-0001",
            "component_verify_ticket": "demo-verify-ticket-0001"}),
    "/cgi-bin/component/api_create_preauthcode": lambda w: w.cpost(
        "/cgi-bin/component/api_create_preauthcode", {"component_appid": COMPONENT_APPID}),
    "/cgi-bin/component/api_query_auth": _query_auth,
    "/cgi-bin/component/api_authorizer_token": lambda w: w.cpost("/cgi-bin/component/api_authorizer_token", {
        "component_appid": COMPONENT_APPID, "authorizer_appid": APPID,
        "authorizer_refresh_token": "demo-refresh-token-0002"}),
    "/cgi-bin/component/api_get_authorizer_info": lambda w: w.cpost(
        "/cgi-bin/component/api_get_authorizer_info", {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID}),
    "/cgi-bin/media/upload": lambda w: w.upload(),
    "/cgi-bin/openapi/quota/get": lambda w: w.post("/cgi-bin/openapi/quota/get", {"cgi_path": "/wxa/commit"}),
    "/cgi-bin/clear_quota": lambda w: w.post("/cgi-bin/clear_quota", {"appid": APPID}),
    "/cgi-bin/clear_quota/v2": lambda w: w.wx.post("/cgi-bin/clear_quota/v2", body={
        "appid": OWNER_APPID, "appsecret": OWNER_SECRET}),
    "/wxa/queryquota": lambda w: w.get("/wxa/queryquota"),
    "/wxa/modify_domain": lambda w: w.post("/wxa/modify_domain", DOMAINS),
    "/wxa/modify_domain_directly": lambda w: w.post("/wxa/modify_domain_directly", DOMAINS),
    "/wxa/get_effective_domain": lambda w: w.post("/wxa/get_effective_domain"),
    "/wxa/getwxadevinfo": lambda w: w.post("/wxa/getwxadevinfo"),
    "/wxa/setwebviewdomain": lambda w: w.post("/wxa/setwebviewdomain", {"action": "get"}),
    "/wxa/get_effective_webviewdomain": lambda w: w.post("/wxa/get_effective_webviewdomain"),
    "/cgi-bin/component/modify_wxa_server_domain": lambda w: w.cpost(
        "/cgi-bin/component/modify_wxa_server_domain", {"action": "add", "wxa_server_domain": "new.example.com"}),
    "/cgi-bin/component/modify_wxa_jump_domain": lambda w: w.cpost(
        "/cgi-bin/component/modify_wxa_jump_domain", {"action": "add", "wxa_jump_h5_domain": "h5.example.com"}),
    "/wxa/bind_tester": lambda w: w.post("/wxa/bind_tester", {"wechatid": "tester-one"}),
    "/wxa/unbind_tester": lambda w: w.post("/wxa/unbind_tester", {"wechatid": "tester-one"}),
    "/wxa/memberauth": lambda w: (assert_ok(w.post("/wxa/bind_tester", {"wechatid": "tester-one"})),
                                  w.post("/wxa/memberauth", {"action": "get_experiencer"}))[1],
    "/cgi-bin/account/getaccountbasicinfo": lambda w: w.post("/cgi-bin/account/getaccountbasicinfo"),
    "/wxa/setnickname": lambda w: w.post("/wxa/setnickname", {"nick_name": "Shiny Shop",
                                                             "license": w.upload()["media_id"]}),
    "/wxa/api_wxa_querynickname": _nickname_review,
    "/cgi-bin/account/modifyheadimage": lambda w: w.post("/cgi-bin/account/modifyheadimage", {
        "head_img_media_id": w.upload()["media_id"], "x1": 0, "y1": 0, "x2": 1, "y2": 1}),
    "/cgi-bin/account/modifysignature": lambda w: w.post("/cgi-bin/account/modifysignature",
                                                         {"signature": "一家卖好东西的小店铺"}),
    "/cgi-bin/wxopen/getallcategories": lambda w: w.get("/cgi-bin/wxopen/getallcategories"),
    "/cgi-bin/wxopen/getcategory": lambda w: w.get("/cgi-bin/wxopen/getcategory"),
    "/cgi-bin/wxopen/addcategory": lambda w: w.post("/cgi-bin/wxopen/addcategory",
                                                    {"categories": [{"first": 287, "second": 616}]}),
    "/cgi-bin/wxopen/deletecategory": lambda w: (
        assert_ok(w.post("/cgi-bin/wxopen/addcategory", {"categories": [{"first": 287, "second": 616}]})),
        w.post("/cgi-bin/wxopen/deletecategory", {"first": 287, "second": 616}))[1],
    "/wxa/get_category": lambda w: w.get("/wxa/get_category"),
    "/cgi-bin/component/setprivacysetting": lambda w: w.post("/cgi-bin/component/setprivacysetting", {
        "owner_setting": {"contact_email": "dpo@shop.example.com", "notice_method": "弹窗提示"},
        "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "用于展示会员信息"}]}),
    "/cgi-bin/component/getprivacysetting": lambda w: (w.commit(), w.post(
        "/cgi-bin/component/getprivacysetting", {"privacy_ver": 2}))[1],
    "/wxa/icp/get_icp_entrance_info": lambda w: w.get("/wxa/icp/get_icp_entrance_info"),
    "/wxa/gettemplatedraftlist": lambda w: (w.emu.land_draft(COMPONENT_APPID, "2.0.0"),
                                            w.wx.get("/wxa/gettemplatedraftlist", w.ctoken))[1],
    "/wxa/addtotemplate": _add_template,
    "/wxa/gettemplatelist": _get_templates,
    "/wxa/deletetemplate": _delete_template,
    "/wxa/commit": lambda w: w.post("/wxa/commit", {"template_id": 1, "ext_json": "{}", "user_version": "1.0.0",
                                                    "user_desc": "v1"}),
    "/wxa/get_page": lambda w: (w.commit(), w.get("/wxa/get_page"))[1],
    "/wxa/submit_audit": lambda w: (w.commit(), w.post("/wxa/submit_audit"))[1],
    "/wxa/get_auditstatus": _status_rejected,
    "/wxa/get_latest_auditstatus": _latest_rejected,
    "/wxa/undocodeaudit": _undo,
    "/wxa/speedupaudit": _speedup,
    "/wxa/release": lambda w: (w.audit(), w.post("/wxa/release"))[1],
    "/wxa/grayrelease": _gray,
    "/wxa/getgrayreleaseplan": _gray_plan,
    "/wxa/revertgrayrelease": _revert_gray,
    "/wxa/revertcoderelease": _rollback,
    "/wxa/getversioninfo": _version_info,
    "/wxa/change_visitstatus": lambda w: (w.ship("1.0.0"), w.post("/wxa/change_visitstatus",
                                                                  {"action": "close"}))[1],
    "/wxa/getvisitstatus": lambda w: w.post("/wxa/getvisitstatus"),
    "/cgi-bin/wxopen/qrcodejumpget": lambda w: (_jump_rule(w), w.post("/cgi-bin/wxopen/qrcodejumpget"))[1],
    "/cgi-bin/wxopen/qrcodejumpadd": lambda w: (w.emu.console(APPID, "serve_confirm_file", prefix=PREFIX),
                                                w.post("/cgi-bin/wxopen/qrcodejumpadd", RULE))[1],
    "/cgi-bin/wxopen/qrcodejumppublish": lambda w: (_jump_rule(w), w.ship("1.0.0"), w.post(
        "/cgi-bin/wxopen/qrcodejumppublish", {"prefix": PREFIX}))[2],
    "/cgi-bin/wxopen/qrcodejumpdelete": lambda w: (_jump_rule(w, publish=True), w.post(
        "/cgi-bin/wxopen/qrcodejumpdelete", {"prefix": PREFIX}))[1],
    "/cgi-bin/wxopen/qrcodejumpdownload": lambda w: w.post("/cgi-bin/wxopen/qrcodejumpdownload", {}),
}
EXTRA: dict[str, Callable[[World], dict[str, Any]]] = {  # a second documented state of one endpoint
    "revertcoderelease?action=get_history_version": _history,
    "get_auditstatus approved": lambda w: w.post("/wxa/get_auditstatus", {"auditid": w.audit()}),
    "get_latest_auditstatus in review": lambda w: (w.audit(decide=False),
                                                   w.get("/wxa/get_latest_auditstatus"))[1],
    "getversioninfo before any commit": lambda w: w.post("/wxa/getversioninfo"),
    "modify_domain get": lambda w: w.post("/wxa/modify_domain", {"action": "get"}),
    "setwebviewdomain set": lambda w: w.post("/wxa/setwebviewdomain", {"action": "set", "webviewdomain": []}),
}


def test_the_table_covers_every_route() -> None:
    assert sorted(set(ROUTES) - set(DOCUMENTED) - set(BINARY)) == []
    assert sorted(set(DOCUMENTED) - set(ROUTES)) == []
    assert sorted(set(ROUTES) - set(CALLS) - set(BINARY)) == []
    assert all(ROUTES[path].envelope == doc.envelope for path, doc in DOCUMENTED.items())


def _assert_documented(path: str, answer: dict[str, Any]) -> None:
    doc = DOCUMENTED[path]
    body = dict(answer)
    if doc.envelope:
        assert (body.pop("errcode", None), body.pop("errmsg", None)) == (0, "ok"), answer
    else:
        assert "errcode" not in body and "errmsg" not in body, answer
    assert check(body, doc.fields, path) == [], f"{answer} (documented: {doc.source})"


@pytest.mark.parametrize("path", sorted(CALLS))
def test_success_body_is_as_documented(emu: EmulatorControl, wx: RawWeChat, path: str) -> None:
    _assert_documented(path, CALLS[path](World(emu, wx)))


@pytest.mark.parametrize("case", sorted(EXTRA))
def test_success_body_in_another_state(emu: EmulatorControl, wx: RawWeChat, case: str) -> None:
    path = "/wxa/" + case.split("?")[0].split(" ")[0]
    _assert_documented(path, EXTRA[case](World(emu, wx)))


def test_the_test_qrcode_is_a_jpeg(emu: EmulatorControl, wx: RawWeChat) -> None:
    w = World(emu, wx)
    w.commit()
    response = wx.http.get("/wxa/get_qrcode", params={"access_token": w.token})
    assert response.headers["content-type"] == BINARY["/wxa/get_qrcode"]
    assert response.content[:2] == b"\xff\xd8"


def test_the_check_finds_missing_and_undocumented_fields() -> None:
    shape: Shape = {"a": None, "b?": {"c": None}}
    assert check({"a": 1, "b": [{"c": 1}]}, shape, "x") == []
    assert check({"b": [{"d": 1}], "e": 2}, shape, "x") == [
        "x.a: documented, missing", "x.b[0].c: documented, missing", "x.b[0].d: not documented",
        "x.e: not documented"]
