"""WeChat errcodes with fixed errmsg texts; handlers raise these, the app shapes the envelope.

Here: the codes every area shares (envelope, transport, tokens, the component APIs). The codes of
one area live at the top of its service module (moto's per-service exceptions), so a new area adds
its own; `ALL` lists every declared one (tests check each is in the client's errcode table).

Each `Err` carries WeChat's own errmsg and where it comes from (`source`), or `OURS` where no source
gives one (COVERAGE.md, "Error messages", lists those). Sources, best first: an answer captured from
WeChat (community posts, SDK comments quoting real bodies); the "6. 错误码" table of the endpoint's
openApi doc page, whose "错误描述" column is the errmsg (its rendering drops commas, so
"invalid credential  access_token isinvalid" is the captured "invalid credential, access_token is
invalid or not latest"; where a capture exists it wins). Some pages give the text in Chinese; so does
WeChat. The app appends " rid: xxxxxxxx-xxxxxxxx-xxxxxxxx" to every error message, as real
responses do. tests/emulator/test_errmsgs.py checks the wording against its sources.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

ALL: list[Err] = []


class WxError(Exception):
    """An errcode answer: `extra` fields ride along in the JSON body (e.g. invalid_* lists)."""

    def __init__(self, code: int, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.extra = extra or {}


OURS = ""  # no source gives WeChat's wording: the message paraphrases the documented meaning


@dataclass(frozen=True)
class Err:
    code: int
    message: str
    source: str = OURS

    def __post_init__(self) -> None:
        ALL.append(self)

    def __call__(self, **extra: Any) -> WxError:
        return WxError(self.code, self.message, extra)


def new_rid() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def errmsg(message: str) -> str:
    return f"{message} rid: {new_rid()}"


# Sources of the wording (doc pages: developers.weixin.qq.com/doc/oplatform/openApi/...; "6. 错误码").
CAPTURED_40001 = "captured answers (reference §1.3; the doc tables' '...  access_token isinvalid...')"
CAPTURED_40125 = "captured answers ('invalid appsecret, view more at http://t.cn/RAEkdVq hint: [...]')"
DOC_TOKEN = "doc mp-access-token/api_getaccesstoken"
DOC_CODE = "doc code-management pages (api_release, api_getauditstatus, api_getversioninfo)"
DOC_HEADIMAGE = "doc basic-info-management/setHeadImage"
DOC_UPLOADMEDIA = "doc code-management/uploadMediaToCodeAudit"
DOC_CODE2SESSION = "doc miniprogram-management/login/thirdpartyCode2Session"
DOC_TEMPMEDIA = "doc material/temporary/api_uploadtempmedia (as transcribed in Mud.Wechat MpErrorCodes)"
REF_TOKENS = "reference §1.3 (the global return-code table)"
REF_QUOTA = "reference §7 (the global return-code table)"

# --- envelope, transport, tokens (global table) ---
SYSTEM_ERROR = Err(-1, "system error", DOC_CODE)
INVALID_CREDENTIAL = Err(40001, "invalid credential, access_token is invalid or not latest", CAPTURED_40001)
INVALID_GRANT_TYPE = Err(40002, "invalid grant_type", DOC_TOKEN)
INVALID_MEDIA_TYPE = Err(40004, "invalid media type", DOC_TEMPMEDIA)
INVALID_MEDIA_ID = Err(40007, "invalid media_id", DOC_HEADIMAGE)
INVALID_IMAGE_SIZE = Err(40009, "invalid image size", DOC_HEADIMAGE)
INVALID_APPID = Err(40013, "invalid appid", DOC_TOKEN)
INVALID_ACCESS_TOKEN = Err(40014, "invalid access_token", DOC_CODE)
INVALID_CODE = Err(40029, "invalid code")
INVALID_URL = Err(40066, "invalid url")
INVALID_ARGS = Err(40097, "invalid args", "doc code-management/api_revertcoderelease; setHeadImage")
INVALID_APPSECRET = Err(40125, "invalid appsecret, view more at http://t.cn/RAEkdVq", CAPTURED_40125)
APPSECRET_FROZEN = Err(40243, "AppSecret已被冻结，请解冻后再次调用。", DOC_TOKEN)
ACCESS_TOKEN_MISSING = Err(41001, "access_token missing", REF_TOKENS)
APPID_MISSING = Err(41002, "appid missing")
SECRET_MISSING = Err(41004, "appsecret missing", DOC_TOKEN)
MEDIA_DATA_MISSING = Err(41005, "media data missing", DOC_UPLOADMEDIA)
MEDIA_ID_MISSING = Err(41006, "media_id missing", DOC_HEADIMAGE)
COMPONENT_APPID_MISSING = Err(41018, "missing component_appid", REF_TOKENS)
ACCESS_TOKEN_EXPIRED = Err(42001, "access_token expired", REF_TOKENS)
REQUIRE_GET = Err(43001, "require GET method")
REQUIRE_POST = Err(43002, "require POST method", DOC_UPLOADMEDIA)
EMPTY_POST_DATA = Err(44002, "empty post data", DOC_CODE)
DAILY_QUOTA = Err(45009, "reach max api daily quota limit", REF_QUOTA)
MINUTE_QUOTA = Err(45011, "api minute-quota reach limit, must slower, retry next minute",
                   REF_QUOTA + "; thirdpartyCode2Session's table has it without commas")
DATA_FORMAT_ERROR = Err(47001, "data format error", DOC_HEADIMAGE)
API_UNAUTHORIZED = Err(48001, "api unauthorized", REF_TOKENS)
CLEAR_QUOTA_LIMIT = Err(48006, "forbid to clear quota because of reaching the limit")

# --- component (third-party platform) ---
TICKET_EXPIRED = Err(61005, "component ticket is expired")
TICKET_INVALID = Err(61006, "component ticket is invalid")
NOT_AUTHORIZED = Err(61003, "component is not authorized by this account", DOC_CODE2SESSION)
API_UNAUTHORIZED_TO_COMPONENT = Err(61007, "api is unauthorized to component", REF_TOKENS)
INVALID_COMPONENT = Err(61011, "invalid component")
MUST_USE_COMPONENT_TOKEN = Err(61014, "must use component token for component api")
REFRESH_TOKEN_INVALID = Err(61023, "refresh_token is invalid", "reference §1.3 (C-61023, a captured answer)")


def by_code(code: int) -> Err | None:
    """The first declared error with this errcode (a fault that injects a bare code answers its text)."""
    return next((err for err in ALL if err.code == code), None)
