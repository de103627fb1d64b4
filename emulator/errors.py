"""WeChat errcodes with fixed errmsg templates; handlers raise these, the app shapes the envelope.

Messages are the English texts WeChat sends where the reference quotes them (global return-code
table, community captures); elsewhere they paraphrase the documented meaning. The app appends
" rid: xxxxxxxx-xxxxxxxx-xxxxxxxx" to every error message, as real responses do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any


class WxError(Exception):
    """An errcode answer: `extra` fields ride along in the JSON body (e.g. invalid_* lists)."""

    def __init__(self, code: int, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.extra = extra or {}


@dataclass(frozen=True)
class Err:
    code: int
    message: str

    def __call__(self, **extra: Any) -> WxError:
        return WxError(self.code, self.message, extra)


def new_rid() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def errmsg(message: str) -> str:
    return f"{message} rid: {new_rid()}"


# --- envelope, transport, tokens (global table) ---
SYSTEM_ERROR = Err(-1, "system error")
INVALID_CREDENTIAL = Err(40001, "invalid credential, access_token is invalid or not latest")
INVALID_GRANT_TYPE = Err(40002, "invalid grant_type")
INVALID_MEDIA_TYPE = Err(40004, "invalid media type")
INVALID_MEDIA_ID = Err(40007, "invalid media_id")
INVALID_IMAGE_SIZE = Err(40009, "invalid image size")
INVALID_APPID = Err(40013, "invalid appid")
INVALID_ACCESS_TOKEN = Err(40014, "invalid access_token")
INVALID_CODE = Err(40029, "invalid code")
INVALID_URL = Err(40066, "invalid url")
INVALID_ARGS = Err(40097, "invalid args")
INVALID_APPSECRET = Err(40125, "invalid appsecret")
APPSECRET_FROZEN = Err(40243, "AppSecret is frozen")
ACCESS_TOKEN_MISSING = Err(41001, "access_token missing")
APPID_MISSING = Err(41002, "appid missing")
SECRET_MISSING = Err(41004, "appsecret missing")
MEDIA_DATA_MISSING = Err(41005, "media data missing")
MEDIA_ID_MISSING = Err(41006, "media_id missing")
COMPONENT_APPID_MISSING = Err(41018, "missing component_appid")
ACCESS_TOKEN_EXPIRED = Err(42001, "access_token expired")
REQUIRE_GET = Err(43001, "require GET method")
REQUIRE_POST = Err(43002, "require POST method")
EMPTY_POST_DATA = Err(44002, "empty post data")
DAILY_QUOTA = Err(45009, "reach max api daily quota limit")
MINUTE_QUOTA = Err(45011, "api minute-quota reach limit, must slower, retry next minute")
DATA_FORMAT_ERROR = Err(47001, "data format error")
API_UNAUTHORIZED = Err(48001, "api unauthorized")
CLEAR_QUOTA_LIMIT = Err(48006, "forbid to clear quota because of reaching the limit")
# No errcode is documented for the 50-a-month domain change limit; see COVERAGE.md.
DOMAIN_MONTHLY_QUOTA = Err(45009, "reach max api monthly quota limit for domain modification")

# --- component (third-party platform) ---
TICKET_EXPIRED = Err(61005, "component ticket is expired")
TICKET_INVALID = Err(61006, "component ticket is invalid")
NOT_AUTHORIZED = Err(61003, "component is not authorized by this account")
API_UNAUTHORIZED_TO_COMPONENT = Err(61007, "api is unauthorized to component")
INVALID_COMPONENT = Err(61011, "invalid component")
MUST_USE_COMPONENT_TOKEN = Err(61014, "must use component token for component api")
REFRESH_TOKEN_INVALID = Err(61023, "refresh_token is invalid")

# --- domains ---
DOMAIN_COUNT_LIMIT = Err(85016, "exceed valid domain count")
NO_DOMAIN_TO_MODIFY = Err(
    85017,
    "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open",
)
DOMAIN_NOT_IN_COMPONENT = Err(85018, "domain is not set in the third-party platform")
DOMAIN_RULE = Err(
    85301,
    "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open, "
    "and follows the rule of domains",
)
WEBVIEW_NOT_CHANGE = Err(89019, "webview domain not change")
WEBVIEW_COMPONENT_EMPTY = Err(89020, "open's webview domain is empty")
WEBVIEW_NOT_OPEN = Err(89021, "request domain is not open's webview domain!")
WEBVIEW_DELETE_MISSING = Err(89022, "delete domain is not exist!")
WEBVIEW_COUNT_LIMIT = Err(89029, "webview domain count exceed limit")
WEBVIEW_PERSONAL = Err(89231, "personal miniprogram not support setwebviewdomain")

# --- members ---
USER_NOT_EXIST = Err(85001, "user not exist or user cannot be searched")
TESTER_LIMIT = Err(85002, "number of tester reach bind limit")
USER_TOO_MANY_APPS = Err(85003, "user already bind too many weapps")
USER_ALREADY_BOUND = Err(85004, "user already bind")

# --- profile ---
NICKNAME_FORMAT = Err(53010, "nickname format is invalid")
NICKNAME_DUPLICATE = Err(53013, "nickname is used by another mini program")
NICKNAME_QUOTA = Err(91010, "nickname modify quota of this year used up")
NICKNAME_AUDITING = Err(91019, "miniprogram is under auditing")
NICKNAME_AUDIT_NOT_FOUND = Err(91011, "nickname audit not found")
SIGNATURE_QUOTA = Err(53200, "signature modify quota of this month used up")
SIGNATURE_FORMAT = Err(53204, "signature is invalid")
HEAD_IMAGE_QUOTA = Err(53202, "head image modify quota of this month used up")

# --- categories ---
CATEGORY_MONTHLY_LIMIT = Err(53300, "category add quota of this month used up")
CATEGORY_TOTAL_LIMIT = Err(53301, "category count exceeds the limit")
CATEGORY_BAD_PARAMS = Err(53303, "invalid category")
CATEGORY_DUPLICATE = Err(53304, "category already exists")
CATEGORY_DELETE_AUDITING = Err(53308, "cannot delete a category under review")
CATEGORY_NEED_MATERIAL = Err(53311, "category needs qualification materials")

# --- privacy ---
PRIVACY_OWNER_SETTING = Err(86069, "owner_setting required fields are missing")
PRIVACY_VER_INVALID = Err(86071, "privacy_ver is invalid")
PRIVACY_NO_LIVE = Err(86074, "no online privacy setting exists, use privacy_ver=2")

# --- code, templates ---
EXT_JSON_INVALID = Err(85013, "invalid ext_json")
TEMPLATE_NOT_EXIST = Err(85014, "template not exist")
EXT_JSON_PATH = Err(85045, "some path in ext_json not exist")
TEMPLATE_OR_DRAFT_NOT_FOUND = Err(85064, "template or draft not found")
TEMPLATE_LIBRARY_FULL = Err(85065, "template list is full")
NO_EXP_VERSION = Err(86001, "component experience version not exists")

# --- audit ---
TAG_FORMAT = Err(85006, "tag format error")
PAGE_PATH = Err(85007, "page path error")
NO_APPROVED_CATEGORY = Err(85008, "category error, no approved category")
AUDIT_RUNNING = Err(85009, "already submit a version under auditing")
ITEM_EMPTY = Err(85010, "item_list has empty item")
TITLE_FORMAT = Err(85011, "title error")
INVALID_AUDIT_ID = Err(85012, "invalid audit id")
ITEM_COUNT = Err(85023, "item_list count not in 1-5")
NO_VALID_AUDIT = Err(85058, "no valid audit_id exist")
CATEGORY_INVALID = Err(85077, "category is invalid")
AUDIT_QUOTA = Err(85085, "submit audit reach limit, please try later")
MUST_COMMIT = Err(85086, "must commit before submit audit")
NOT_INITIALIZED = Err(86002, "miniprogram have not completed init procedure")
UNDO_QUOTA = Err(87013, "no quota to undo code")
SPEEDUP_NOT_QUEUED = Err(89402, "the audit is not waiting in the audit queue")
SPEEDUP_ALREADY = Err(89404, "the audit has already been sped up")
SPEEDUP_QUOTA = Err(89405, "speed up quota of this month is not enough")

# --- release ---
NO_APPROVED_VERSION = Err(85019, "no version is under auditing")
RELEASE_STATUS = Err(85020, "status not allowed")
ACTION_INVALID = Err(85022, "action is invalid")
ALREADY_RELEASED = Err(85052, "app is already released")
NO_LIVE_VERSION = Err(85079, "miniprogram has no online release")
GRAY_NOT_APPROVED = Err(85080, "miniprogram commit not approved")
GRAY_PERCENTAGE_INVALID = Err(85081, "invalid gray percentage")
GRAY_PERCENTAGE_LOW = Err(85082, "gray percentage too low")
REVERT_DURING_GRAY = Err(87011, "wxa has a gray release plan, forbid revert release")
REVERT_FORBIDDEN = Err(87012, "forbid revert this version release")

# --- API quota ---
CGI_PATH_NOT_FOUND = Err(76021, "cgi_path not found")
CGI_PATH_NO_PERMISSION = Err(76022, "could not use this cgi_path, no permission")
