"""The emulator answers every errcode with WeChat's own errmsg where a source gives it.

`SOURCED` is this test's own transcription of the sources, one row per errcode, each citing where
the wording comes from (doc pages: developers.weixin.qq.com/doc/oplatform/openApi/..., their
"6. 错误码" table, whose "错误描述" column is the errmsg; "C-..." are captured answers, see
shared/reference/wechat-api.md's sources). Where the doc table drops commas that a captured answer
keeps, the capture wins. `OURS` lists the codes no source words: COVERAGE.md names each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import services as _services  # noqa: F401  (registers every service's errcodes)
from emulator.errors import ALL, Err
from emulator.errors import OURS as OURS_SOURCE

COVERAGE = (Path(__file__).resolve().parents[2] / "emulator" / "COVERAGE.md").read_text(encoding="utf-8")

SUBMIT = "api_submitaudit"
SOURCED: list[tuple[int, str, str]] = [
    # envelope, tokens
    (-1, "system error", "api_release, api_getauditstatus, api_getversioninfo"),
    (40001, "invalid credential, access_token is invalid or not latest", "captured (reference §1.3)"),
    (40002, "invalid grant_type", "mp-access-token/api_getaccesstoken"),
    (40004, "invalid media type", "api_uploadtempmedia (Mud.Wechat MpErrorCodes)"),
    (40007, "invalid media_id", "setHeadImage"),
    (40009, "invalid image size", "setHeadImage"),
    (40013, "invalid appid", "api_getaccesstoken"),
    (40014, "invalid access_token", "api_release"),
    (40097, "invalid args", "api_revertcoderelease"),
    (40125, "invalid appsecret, view more at http://t.cn/RAEkdVq", "captured 40125 bodies in SDK comments"),
    (40243, "AppSecret已被冻结，请解冻后再次调用。", "api_getaccesstoken"),
    (41001, "access_token missing", "reference §1.3"),
    (41004, "appsecret missing", "api_getaccesstoken"),
    (41005, "media data missing", "uploadMediaToCodeAudit"),
    (41006, "media_id missing", "setHeadImage"),
    (41018, "missing component_appid", "reference §1.3"),
    (42001, "access_token expired", "reference §1.3"),
    (43002, "require POST method", "uploadMediaToCodeAudit"),
    (44002, "empty post data", "api_release (注意事项), api_getversioninfo"),
    (45009, "reach max api daily quota limit", "reference §1.1, §7"),
    (45011, "api minute-quota reach limit, must slower, retry next minute", "reference §7"),
    (47001, "data format error", "setHeadImage"),
    (48001, "api unauthorized", "reference §1.3"),
    (61003, "component is not authorized by this account", "thirdpartyCode2Session"),
    (61007, "api is unauthorized to component", "reference §1.3"),
    (61023, "refresh_token is invalid", "C-61023"),
    # audit
    (85006, "标签格式错误", SUBMIT),
    (85007, "页面路径错误", SUBMIT),
    (85008, "category is in invalid format", SUBMIT),
    (85009, "already submit a version under auditing", SUBMIT + ", C-85009"),
    (85010, "item_list 有项目为空", SUBMIT),
    (85011, "标题填写错误", SUBMIT),
    (85012, "invalid audit id", "api_getauditstatus"),
    (85023, "item size is not in valid range", SUBMIT),
    (85058, "no valid audit_id exist", "reference §5.3"),
    (85077, "小程序类目信息失效（类目中含有官方下架的类目，请重新选择类目）", SUBMIT),
    (85085, "submit audit reach limit, please try later", "reference §5.2, C-85085"),
    (85086, "must commit before submit audit", SUBMIT),
    (86002, "miniprogram have not completed init procedure", SUBMIT),
    (87013, "no quota to undo code", "api_undocodeaudit"),
    (89402, "该小程序不在待审核队列，请检查是否已提交审核或已审完", "speedupCodeAudit"),
    (89404, "本单已加速成功，请勿重复提交", "speedupCodeAudit"),
    (89405, "本月加急额度已用完，请提高提审质量以获取更多额度", "speedupCodeAudit"),
    # code and templates
    (85013, "invalid ext_json, parse fail or containing invalid path", "api_commit"),
    (85014, "template not exist", "api_commit"),
    (85045, "some path in ext_json not exist", "api_commit"),
    (85064, "template not found", "addToTemplate, deleteTemplate"),
    (85065, "template list is full", "addToTemplate"),
    (86001, "component experience version not exists", "getCodePage, api_getauditstatus"),
    # domains
    (85016, "exceed valid domain count", "modifyServerDomainDirectly"),
    (85017, "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open",
     "C-85017"),
    (85018, "域名没有在第三方平台设置", "modifyServerDomain"),
    (85301, "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open, "
            "and follows the rule of domains", "C-85301"),
    (89019, "webview domain not change", "modifyJumpDomain"),
    (89020, "open's webview domain is null! Need to set open's webview domain first!", "modifyJumpDomain"),
    (89021, "request domain is not open's webview domain!", "modifyJumpDomain"),
    (89022, "delete domain is not exist!", "reference §2.6"),
    (89029, "业务域名数量超过限制，最多可以添加100个业务域名", "modifyJumpDomain"),
    (89231, "not support single", "modifyJumpDomain"),
    # members
    (85001, "user not exist or user cannot be searched", "bindTester"),
    (85002, "number of tester reach bind limit", "bindTester"),
    (85003, "user already bind too many weapps", "bindTester"),
    (85004, "user already bind", "bindTester"),
    # privacy
    (86069, "owner_setting必填字段字段缺失", "C-86069"),
    (86071, "privacy_ver参数无效", "C-86071"),
    # profile
    (53010, "nickname invalid", "checkNickName"),
    (53013, "nickname has been occupied", "checkNickName"),
    (53200, "modify signature quota limit exceed", "setSignature"),
    (53202, "modify avatar quota limit exceed", "setHeadImage"),
    (91010, "其他错误", "setNickName"),
    (91011, "查不到昵称修改审核单信息", "getNickNameStatus"),
    (91019, "小程序正在审核中", "C-91019"),
    # jump QR-code rules
    (85066, "链接错误", "addJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85068, "test url is not the sub prefix", "addJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85069, "check confirm file fail", "a captured answer (community)"),
    (85071, "链接重复", "addJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85072, "链接被占用", "addJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85073, "规则数已满", "addJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85074, "小程序未发布", "publishJumpQRCode (Mud.Wechat MpErrorCodes)"),
    (85075, "can not access", "jumpqrcode-config pages"),
    (886000, "本月发布次数达到上线（100次）", "Third-party_Platforms qrcodejumppublish"),
    # quota
    (76021, "cgi_path not found", "reference §7"),
    (76022, "could not use this cgi_path, no permission", "reference §7"),
    # release
    (85019, "no version is under auditing", "api_release"),
    (85020, "status not allowed", "api_release"),
    (85052, "app is already released", "C-85052"),
    (85079, "miniprogram has no online release", "grayRelease"),
    (85080, "miniprogram commit not approved", "grayRelease"),
    (85081, "invalid gray percentage", "grayRelease"),
    (85082, "gray percentage too low", "grayRelease"),
    (87011, "wxa has a gray release plan, forbid revert release", "reference §5.5"),
    (87012, "forbid revert this version release", "api_revertcoderelease"),
]

# No source words these: the message paraphrases the documented meaning (COVERAGE.md, "Error messages").
OURS = {40029, 40066, 41002, 43001, 48006, 61005, 61006, 61011, 61014, 53300, 53301, 53303, 53304, 53308,
        53311, 86074, 53204, 85022}
OURS_DUPLICATES = {45009}  # the domain changes' monthly limit reuses 45009 with a message of ours


def _declared(code: int) -> list[Err]:
    return [err for err in ALL if err.code == code]


def test_every_errcode_the_emulator_can_answer_has_a_message() -> None:
    assert [err for err in ALL if not err.message.strip() or "rid:" in err.message] == []


@pytest.mark.parametrize(("code", "message", "source"), SOURCED, ids=[str(row[0]) for row in SOURCED])
def test_sourced_wording_matches_its_source(code: int, message: str, source: str) -> None:
    declared = _declared(code)
    assert declared, f"{code} ({source}) is not declared"
    assert declared[0].message == message, source
    assert declared[0].source != OURS_SOURCE  # the declaration says where the wording comes from


def test_every_declared_errcode_is_sourced_or_marked_ours() -> None:
    sourced = {code for code, _, _ in SOURCED}
    for err in ALL:
        if err.source == OURS_SOURCE:
            assert err.code in OURS | OURS_DUPLICATES, err
        else:
            assert err.code in sourced, err
    assert {err.code for err in ALL} == sourced | OURS
    assert len(sourced) == len(SOURCED)  # one row a code


def test_the_codes_worded_by_us_are_listed_in_the_coverage() -> None:
    section = COVERAGE[COVERAGE.index("## Error messages"):]
    section = section[:section.index("\n## ", 4)]
    assert sorted(code for code in OURS | OURS_DUPLICATES if str(code) not in section) == []
