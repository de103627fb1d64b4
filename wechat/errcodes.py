"""The one errcode table: code -> (short name, meaning, what to do, exception class).

Sources: /work/shared/reference/wechat-api.md (every code in its tables) and the open-platform
return-code list it cites (mirrored in WxJava's WxOpenErrorMsgEnum). ``name`` is WeChat's own
English errmsg where one is known. Codes missing here still raise a clear :class:`APIError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from .errors import (
    APIError,
    AuthError,
    ConflictError,
    InvalidRequestError,
    NeedsPlatformError,
    NotFoundError,
    PermissionDeniedError,
    QuotaError,
    ServerBusyError,
    TokenError,
    split_rid,
)

__all__ = ["ERRCODES", "RETURN_CODES_URL", "Errcode", "api_error"]

RETURN_CODES_URL = (
    "https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html"
)


class Errcode(NamedTuple):
    name: str
    meaning: str
    advice: str
    error: type[APIError]


E = Errcode
_FIX = "fix the request (a spec value or a client bug) and run again"
_PLATFORM = (
    "use platform mode (component appid, secret, verify ticket and the authorizer refresh token). If you "
    "already do, the mini-program has not granted your platform permission set 18 (development) or 30 "
    "(basic info), or another platform holds set 18"
)
_TOKEN = (
    "the client already fetched a new token and retried once; make sure no other tool force-refreshes "
    "this account's token, and that the AppSecret/ticket is right"
)
_SECRET = "update the secret in the stack config (pulumi config set --secret ...) and run again"
_REREAD = "run pulumi refresh to see the live state, then run again"
_NAME = "choose another nickname, or wait for the protection to end"

ERRCODES: Mapping[int, Errcode] = MappingProxyType({
    # --- general and tokens (reference §1) ---
    -1: E("system busy", "WeChat reported a transient system error",
          "run again shortly; reads were retried already, writes were not (they may have applied), so "
          "re-read the state first", ServerBusyError),
    40001: E("invalid credential", "the access token is invalid or not the latest (on a token endpoint: "
             "the AppSecret is wrong)", _TOKEN, TokenError),
    40002: E("invalid grant_type", "the token request used a wrong grant_type", _FIX, InvalidRequestError),
    40004: E("invalid media type", "the upload's type is not image, voice, video or thumb", _FIX,
             InvalidRequestError),
    40007: E("invalid media_id", "the media_id is unknown, expired (3 days), or was uploaded with another "
             "token", "upload the file again with the same authorizer token", InvalidRequestError),
    40009: E("invalid image size", "the image is too large", "use an image under 2 MB", InvalidRequestError),
    40013: E("invalid appid", "the appid is not valid", "check the appid in the spec and stack config",
             AuthError),
    40014: E("invalid access_token", "the access token is not valid", _TOKEN, TokenError),
    40029: E("invalid code", "the authorization code is unknown, used or expired", "authorize again and "
             "use the new code at once", InvalidRequestError),
    40066: E("invalid url", "WeChat has no API at this path", "a client bug: check the path against the "
             "docs", InvalidRequestError),
    40097: E("invalid args", "a parameter is invalid", _FIX, InvalidRequestError),
    40125: E("invalid appsecret", "the AppSecret (or component_appsecret) is wrong", _SECRET, AuthError),
    40164: E("invalid ip, not in whitelist", "this machine's IP is not in the account's API IP whitelist",
             "add the egress IP to the IP whitelist in the console", AuthError),
    40243: E("AppSecret frozen", "the admin froze the AppSecret", "unfreeze it in the console, or use "
             "platform mode (calls through a third-party platform are not affected)", AuthError),
    41001: E("access_token missing", "the request carried no access token", _FIX, InvalidRequestError),
    41002: E("appid missing", "the request carried no appid", _FIX, InvalidRequestError),
    41004: E("appsecret missing", "the secret was empty", _SECRET, AuthError),
    41005: E("media data missing", "the upload carried no file", _FIX, InvalidRequestError),
    41006: E("media_id missing", "the request carried no media_id", _FIX, InvalidRequestError),
    41018: E("missing component_appid", "the request carried no component_appid", _FIX, InvalidRequestError),
    41033: E("invaid register type", "this API works only for mini-programs created through the platform's "
             "fast-registration API (historical restriction)", "make this change in the console",
             PermissionDeniedError),
    42001: E("access_token expired", "the access token has expired", _TOKEN, TokenError),
    43001: E("require GET method", "this API takes GET", "a client bug: check the method against the docs",
             InvalidRequestError),
    43002: E("require POST method", "this API takes POST", "a client bug: check the method against the "
             "docs", InvalidRequestError),
    44002: E("empty post data", "the POST body was missing; these endpoints need at least {}", _FIX,
             InvalidRequestError),
    45009: E("reach max api daily quota limit", "this API's daily call quota is spent for this account",
             "wait for the reset at midnight (Beijing time) or reset it once with clear_quota (10 resets a "
             "month); do not rerun in a loop", QuotaError),
    45011: E("api minute-quota reach limit", "too many calls this minute",
             "wait a minute and run again (reads were retried already)", QuotaError),
    47001: E("data format error", "the JSON body is malformed or misses a required field", _FIX,
             InvalidRequestError),
    48001: E("api unauthorized", "this call needs a third-party platform authorization "
             "(authorizer_access_token); an owner token cannot do it", _PLATFORM, NeedsPlatformError),
    48006: E("forbid to clear quota because of reaching the limit", "the account reset its API quotas 10 "
             "times this month", "wait for next month (Beijing time)", QuotaError),
    61003: E("component is not authorized by this account", "the mini-program has not authorized this "
             "third-party platform", "have the admin authorize the platform, then store the new "
             "authorizer_refresh_token", AuthError),
    61004: E("access clientip is not registered", "this machine's IP is not in the platform's whitelist",
             "add the egress IP to the platform's IP whitelist on open.weixin.qq.com", AuthError),
    61005: E("component ticket is expired", "the component_verify_ticket is older than 12 hours",
             "use the latest ticket WeChat pushed to your authorization event URL; " + _SECRET, AuthError),
    61006: E("component ticket is invalid", "the component_verify_ticket is not valid",
             "use the latest ticket WeChat pushed to your authorization event URL; " + _SECRET, AuthError),
    61007: E("api is unauthorized to component", "the mini-program did not grant this platform the "
             "permission set this API belongs to", "have the admin re-authorize the platform with sets 18 "
             "and 30", PermissionDeniedError),
    61014: E("must use component token for component api", "a component API was called with another "
             "token", "a client bug: use the component_access_token", AuthError),
    61011: E("invalid component", "the component appid is not a valid third-party platform",
             "check component_appid", AuthError),
    61023: E("refresh_token is invalid", "the authorizer_refresh_token is no longer valid (the admin "
             "re-authorized or cancelled the authorization)", "have the admin authorize again, take the new "
             "authorizer_refresh_token from api_query_auth; " + _SECRET, AuthError),
    76021: E("cgi_path not found", "get_api_quota does not know this cgi_path", "pass a path such as "
             "/wxa/submit_audit", InvalidRequestError),
    76022: E("could not use this cgi_path, no permission", "the token's account does not own this API",
             "use the token of the account that owns the API", PermissionDeniedError),
    # --- miniprogram-mp-ci manageProjectMember (reference §3.3) ---
    80601: E("member already exists", "the member already has that role", _REREAD, ConflictError),
    80602: E("member does not exist", "the member to delete does not have that role", _REREAD, NotFoundError),
    80603: E("wechatid list too long", "too many WeChat IDs in one call", "send fewer per call",
             InvalidRequestError),
    80604: E("wechatid does not exist", "a WeChat ID does not exist", "check the WeChat IDs", NotFoundError),
    80605: E("cannot operate on the admin", "the admin's roles cannot be changed this way",
             "change the admin in the console", InvalidRequestError),
    # --- testers (§3.1) ---
    85001: E("user not exist or user cannot be searched", "the WeChat ID does not exist or hides from search",
             "check the WeChat ID and ask the user to allow search by WeChat ID", NotFoundError),
    85002: E("number of tester reach bind limit", "the mini-program has as many testers as it may",
             "remove testers you no longer need", QuotaError),
    85003: E("user already bind too many weapps", "the user already tests 50 mini-programs",
             "ask the user to leave another mini-program's testers", QuotaError),
    85004: E("user already bind", "this WeChat ID is already a tester", "nothing to change; WeChat will not "
             "tell its userstr, so unbind and bind again if you need it recorded", ConflictError),
    # --- code, audit, release (§5) ---
    85006: E("tag format error", "an item_list tag is malformed (space separated, at most 10 of 20 chars)",
             _FIX, InvalidRequestError),
    85007: E("page path error", "an item_list address is not a page of the committed code",
             "use a path from get_page", InvalidRequestError),
    85008: E("category error", "the audit names no approved category", "add a category, wait for its "
             "approval, and use the ids from get_category", InvalidRequestError),
    85009: E("already submit a version under auditing", "another version of this mini-program is under "
             "audit", "wait for the audit result, or withdraw it with undo_audit (5 a day, 10 a month)",
             ConflictError),
    85010: E("item_list has an empty item", "an item_list entry is empty", _FIX, InvalidRequestError),
    85011: E("title error", "an item_list title is invalid (at most 32 chars)", _FIX, InvalidRequestError),
    85012: E("invalid audit id", "no audit has this auditid", "use the auditid submit_audit returned",
             NotFoundError),
    85013: E("invalid ext_json", "ext_json is not valid", "check ext_json against the template",
             InvalidRequestError),
    85014: E("template not exist", "no template has this template_id", "pick a template_id from "
             "get_templates and pass it as a number", NotFoundError),
    85015: E("not a mini-program account", "the appid is not a mini-program", "check the appid",
             InvalidRequestError),
    85016: E("domain count over limit", "a server-domain list is over its limit (200 per type)",
             "remove domains from the spec", QuotaError),
    85017: E("no domain to modify after filtered", "nothing new to change, or the domain is not in the "
             "platform's own server-domain list", "register the domain with modify_wxa_server_domain "
             "first, or drop it from the spec", InvalidRequestError),
    85018: E("domain not set on the third-party platform", "the domain is not in the platform's own list",
             "register it with modify_wxa_server_domain first", InvalidRequestError),
    85019: E("no version is under auditing", "there is no approved version to release",
             "submit a version and wait for its approval", ConflictError),
    85020: E("status not allowed", "the latest audit is not approved (still auditing or rejected)",
             "wait for the approval, or fix and resubmit after a rejection", ConflictError),
    85021: E("status not mutable", "the state cannot change this way", _REREAD, ConflictError),
    85022: E("invalid action", "the action value is not allowed", _FIX, InvalidRequestError),
    85023: E("item count not in 1-5", "item_list must hold 1 to 5 items", _FIX, InvalidRequestError),
    85043: E("template error", "the template is broken", "choose another template", InvalidRequestError),
    85044: E("code package too big", "the code package is over the size limit", "shrink the package or use "
             "subpackages", InvalidRequestError),
    85045: E("some path in ext_json not exist", "ext_json names a page that does not exist", _FIX,
             InvalidRequestError),
    85046: E("tabBar path missing", "a tabBar item has no pagePath", _FIX, InvalidRequestError),
    85047: E("pages empty", "the pages list is empty", _FIX, InvalidRequestError),
    85048: E("parse ext.json failed", "ext_json could not be parsed", "pass valid JSON", InvalidRequestError),
    85051: E("version_desc or preview_info too large", "version_desc or preview_info is too long", _FIX,
             InvalidRequestError),
    85052: E("app is already released", "that approved version is live already", "a new version needs a "
             "new commit and audit", ConflictError),
    85058: E("no valid audit_id exist", "there is no recent audit", "submit a version first", NotFoundError),
    85064: E("template not found", "no template or draft has this id", "list them with get_templates or "
             "get_template_drafts", NotFoundError),
    85065: E("template list is full", "the template library holds 200 templates", "delete old templates "
             "with delete_template", QuotaError),
    # --- jump QR-code rules (wxopen/qrcodejump*) ---
    85066: E("link error", "the QR-code rule's prefix is not a valid http(s) link", "fix the prefix in the "
             "spec", InvalidRequestError),
    85068: E("debug url is not a sub link", "a debug_url link does not match its rule's prefix",
             "make every debug_url start with the prefix", InvalidRequestError),
    85069: E("check confirm file fail", "WeChat could not fetch the confirm file under the prefix's "
             "directory", "serve the file download_qrcode_jump_file names from the last directory of the "
             "prefix (or the host's root), then run again", ConflictError),
    85070: E("url in blacklist", "WeChat refuses this link", "use another prefix", InvalidRequestError),
    85071: E("prefix already added", "this mini-program already has a rule with this prefix",
             "run pulumi refresh; the rule exists", ConflictError),
    85072: E("prefix occupied", "another account holds this prefix, or a rule occupying its sub-rules",
             "use another prefix, or have the other account release it", ConflictError),
    85073: E("qrcode jump rules full", "a mini-program has at most 100 QR-code rules",
             "delete rules you no longer use", QuotaError),
    85074: E("miniprogram not released", "a QR-code rule can be published only once a version is live",
             "release a version first", ConflictError),
    85075: E("can not access", "personal mini-programs cannot set QR-code rules", "use an organisation "
             "account, or remove qrcode_jump from the spec", PermissionDeniedError),
    886000: E("publish quota reached", "QR-code rules can be published 100 times a month",
              "wait for next month (Beijing time)", QuotaError),
    85077: E("category invalid", "a category was taken down by WeChat", "choose current categories and "
             "resubmit", InvalidRequestError),
    85079: E("no online version", "gray release needs a live version", "release a version first",
             ConflictError),
    85080: E("audit not approved", "gray release needs an approved audit", "wait for the approval",
             ConflictError),
    85081: E("invalid gray percentage", "gray_percentage must be 0..100", _FIX, InvalidRequestError),
    85082: E("gray percentage too low", "each gray step must be higher than the last", "raise the "
             "percentage, or revert_gray_release first to start over", ConflictError),
    85085: E("submit audit reach limit, please try later", "the platform's monthly audit quota (shared by "
             "all its mini-programs) is spent, or there were too many recent submissions",
             "check query_quota and wait for the quota to renew", QuotaError),
    85086: E("must commit before submit audit", "no code has been committed", "commit first", ConflictError),
    85087: E("navigateToMiniProgram appid list needed", "the code uses navigateToMiniProgram",
             "declare navigateToMiniProgramAppIdList in ext_json", InvalidRequestError),
    85092: E("preview_info format error", "preview_info is malformed", _FIX, InvalidRequestError),
    85093: E("preview_info count error", "preview_info has too many items", _FIX, InvalidRequestError),
    85094: E("need add ugc declare", "the audit needs ugc_declare", "add ugc_declare to the audit answers",
             InvalidRequestError),
    85301: E("domain format error", "a domain breaks the rules (wrong scheme, IP address, no ICP filing)",
             "use https:// (request/upload/download) or wss:// (socket) hostnames", InvalidRequestError),
    86000: E("should be called only from third party", "this call needs a third-party platform "
             "authorization (authorizer_access_token); an owner token cannot do it", _PLATFORM,
             NeedsPlatformError),
    86001: E("component experience version not exists", "the platform has committed no code here",
             "commit first", NotFoundError),
    86002: E("miniprogram have not completed init procedure", "nickname, avatar and intro are not all set",
             "set them first (Profile), then submit again", ConflictError),
    86007: E("mini-program banned from submitting", "WeChat bars this mini-program from audits",
             "see the notice in the console", PermissionDeniedError),
    86008: E("platform penalised", "the third-party platform is penalised", "see the notice on "
             "open.weixin.qq.com", PermissionDeniedError),
    86009: E("platform penalised", "the third-party platform is penalised", "see the notice on "
             "open.weixin.qq.com", PermissionDeniedError),
    86010: E("platform penalised", "the third-party platform is penalised", "see the notice on "
             "open.weixin.qq.com", PermissionDeniedError),
    87006: E("mini-games not allowed", "this API does not accept mini-games", "use the mini-game flow",
             InvalidRequestError),
    87011: E("wxa has a gray release plan, forbid revert release", "a gray rollout is running",
             "finish it or revert_gray_release first", ConflictError),
    87012: E("forbid revert this version release", "there is no previous version, or it is already a "
             "rollback, or it predates the feature", "check get_history_versions", ConflictError),
    87013: E("no quota to undo code", "audit withdrawals are used up (5 a day, 10 a month)",
             "wait for the quota to renew, or let the audit finish", QuotaError),
    # --- privacy (§4.6) ---
    61039: E("privacy detection still running", "WeChat is still scanning the committed code",
             "wait a few minutes and submit again; do not commit again", ConflictError),
    61040: E("privacy api not declared", "the code uses location APIs not declared in requiredPrivateInfos, "
             "or lacks the API permission", "declare requiredPrivateInfos in ext_json, commit and submit "
             "again", InvalidRequestError),
    86069: E("owner_setting required field missing", "owner_setting needs notice_method and one contact",
             "fill them in the privacy spec", InvalidRequestError),
    86071: E("invalid privacy_ver", "privacy_ver must be 1 (live) or 2 (dev)", _FIX, InvalidRequestError),
    86074: E("no live privacy setting", "ver=1 edits need a live privacy guide", "set ver=2 and release a "
             "version first", ConflictError),
    87072: E("invalid store_expire_timestamp", "store_expire_timestamp is malformed", _FIX,
             InvalidRequestError),
    # --- web-view (business) domains (§2.6) ---
    86103: E("check confirmfile fail!", "the confirm file is not served at the domain root",
             "serve get_webviewdomain_confirmfile's file at the domain root", InvalidRequestError),
    89019: E("webview domain not change", "the business domains are already as requested",
             "nothing to change", ConflictError),
    89020: E("no business domain on the platform", "the platform has no business domain set",
             "add them to the platform with modify_wxa_jump_domain first", InvalidRequestError),
    89021: E("request domain is not open's webview domain!", "the domain is not one of the platform's "
             "business domains or their subdomains", "register it on the platform first",
             InvalidRequestError),
    89022: E("delete domain is not exist!", "the domain to delete is not set", _REREAD, NotFoundError),
    89029: E("webview domain count over limit", "at most 300 business domains", "remove domains from the "
             "spec", QuotaError),
    89231: E("personal mini-programs not supported", "personal-type mini-programs have no business domains",
             "remove the web-view domains from this spec", PermissionDeniedError),
    # --- speed-up (§5.4) ---
    89401: E("system unstable", "the speed-up service is unstable", "run again later", ServerBusyError),
    89402: E("audit not in queue", "the audit is not waiting (not submitted or already done)", _REREAD,
             ConflictError),
    89403: E("speed-up not supported", "this kind of audit cannot be sped up", "wait for the normal audit",
             ConflictError),
    89404: E("already sped up", "this audit was already sped up", "nothing to do", ConflictError),
    89405: E("speed-up quota spent", "the monthly speed-up quota is spent", "wait for the normal audit",
             QuotaError),
    # --- nickname (§4.2) ---
    53010: E("nickname invalid", "the nickname format is invalid", "choose another nickname",
             InvalidRequestError),
    53011: E("check nickname too frequently", "too many nickname checks", "wait and run again", QuotaError),
    53012: E("nickname ban", "this nickname is forbidden", "choose another nickname", InvalidRequestError),
    53013: E("nickname has been occupied", "another mini-program uses this nickname", _NAME, ConflictError),
    53014: E("nickname reserved for its subject", "a name A+ exists; only its subject may take A", _NAME,
             ConflictError),
    53015: E("nickname used by an official account", "only the same subject may take it", _NAME,
             ConflictError),
    53016: E("nickname used by several official accounts", "it cannot be taken now", _NAME, ConflictError),
    53017: E("nickname reserved for its subject", "an official account holds name A+", _NAME, ConflictError),
    53018: E("nickname hits a WeChat ID", "the nickname equals a WeChat ID", "choose another nickname",
             InvalidRequestError),
    53019: E("nickname protected", "the nickname is in a protection period", _NAME, ConflictError),
    91001: E("not created by fast registration", "renaming this way needs a fast-registered mini-program",
             "rename in the console", PermissionDeniedError),
    91002: E("cannot rename after publish", "a published mini-program cannot be renamed this way",
             "rename in the console", ConflictError),
    91003: E("rename status invalid", "a rename is in a state that forbids this", _REREAD, ConflictError),
    91004: E("nickname invalid", "the nickname is not allowed", "choose another nickname",
             InvalidRequestError),
    91005: E("nickname 15-day subject protection", "the name is protected for its subject for 15 days", _NAME,
             ConflictError),
    91006: E("nickname hits a WeChat ID", "the nickname equals a WeChat ID", "choose another nickname",
             InvalidRequestError),
    91007: E("nickname already used", "another account uses this nickname", _NAME, ConflictError),
    91008: E("nickname 7-day infringement protection", "the name is in a 7-day protection period", _NAME,
             ConflictError),
    91009: E("materials needed", "the rename needs supporting documents", "pass license (organisations) or "
             "id_card (personal) media ids", InvalidRequestError),
    91010: E("other error", "WeChat refused the rename", "see errmsg; try in the console", APIError),
    91011: E("nickname audit not found", "no nickname audit has this audit_id", "check the audit_id",
             NotFoundError),
    91012: E("other error", "WeChat refused the rename", "see errmsg; try in the console", APIError),
    91013: E("too many names occupied", "the subject holds too many names", "release unused names",
             QuotaError),
    91014: E("'+' rule subject mismatch", "a related name of the same type belongs to another subject", _NAME,
             ConflictError),
    91015: E("original name subject mismatch", "the original name of another type has another subject", _NAME,
             ConflictError),
    91016: E("name held by two or more accounts", "the name is taken by several accounts", _NAME,
             ConflictError),
    91017: E("'+' rule subject mismatch", "a related name of another type belongs to another subject", _NAME,
             ConflictError),
    91019: E("小程序正在审核中", "the mini-program is under audit", "wait for the audit to end, then rename",
             ConflictError),
    # --- intro, avatar (§4.3, §4.4) ---
    53200: E("intro quota spent", "this month's intro (signature) changes are used up",
             "wait for next month; the quota is in get_account_basic_info", QuotaError),
    53201: E("intro hits a blocked keyword", "the intro contains a forbidden keyword", "reword the intro",
             InvalidRequestError),
    53202: E("avatar quota spent", "this month's avatar changes are used up", "wait for the quota to renew; "
             "it is in get_account_basic_info", QuotaError),
    53204: E("intro format invalid", "the intro needs 4-120 characters, at least 4 of them Chinese",
             "reword the intro", InvalidRequestError),
    # --- categories (§4.5) ---
    53300: E("category monthly limit exceeded", "category additions are used up for this cycle",
             "wait for the next cycle (see get_category quota)", QuotaError),
    53301: E("category total limit exceeded", "the account holds as many categories as it may",
             "delete a category first", QuotaError),
    53302: E("subject type not allowed", "the account's subject type may not use this category",
             "choose another category", PermissionDeniedError),
    53303: E("bad parameters", "the category request is malformed", _FIX, InvalidRequestError),
    53304: E("duplicate category", "the category is already set", "nothing to add", ConflictError),
    53305: E("ICP check failed", "the ICP filing does not allow this category", "check the filing",
             InvalidRequestError),
    53306: E("only the qualification may change", "this category allows qualification changes only", _FIX,
             InvalidRequestError),
    53307: E("only failed categories can be modified", "the category is not in a failed state", _REREAD,
             ConflictError),
    53308: E("cannot delete a category under review", "the category is being reviewed",
             "wait for the review to end", ConflictError),
    53309: E("cannot delete the social red-packet category", "WeChat keeps this category",
             "leave it in the spec", InvalidRequestError),
    53310: E("category limit reached", "over the limit, but apply_reason can request more",
             "apply for more categories in the console", QuotaError),
    53311: E("materials needed", "the category needs qualification documents", "pass certificates",
             InvalidRequestError),
})


def api_error(errcode: int, errmsg: str, endpoint: str) -> APIError:
    """Build the exception for one WeChat error answer, using :data:`ERRCODES`."""
    text, rid = split_rid(errmsg or "")
    row = ERRCODES.get(errcode)
    if row is None:
        return APIError(errcode, text, endpoint, rid, meaning="an errcode this client's table does not list",
                        advice=f"look it up at {RETURN_CODES_URL}")
    return row.error(errcode, text or row.name, endpoint, rid, meaning=row.meaning, advice=row.advice)
