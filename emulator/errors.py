"""WeChat errcodes with fixed errmsg templates; handlers raise these, the app shapes the envelope.

Here: the codes every area shares (envelope, transport, tokens, the component APIs). The codes of
one area live at the top of its service module (moto's per-service exceptions), so a new area adds
its own; `ALL` lists every declared one (tests check each is in the client's errcode table).

Messages are the English texts WeChat sends where the reference quotes them (global return-code
table, community captures); elsewhere they paraphrase the documented meaning. The app appends
" rid: xxxxxxxx-xxxxxxxx-xxxxxxxx" to every error message, as real responses do.
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


@dataclass(frozen=True)
class Err:
    code: int
    message: str

    def __post_init__(self) -> None:
        ALL.append(self)

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

# --- component (third-party platform) ---
TICKET_EXPIRED = Err(61005, "component ticket is expired")
TICKET_INVALID = Err(61006, "component ticket is invalid")
NOT_AUTHORIZED = Err(61003, "component is not authorized by this account")
API_UNAUTHORIZED_TO_COMPONENT = Err(61007, "api is unauthorized to component")
INVALID_COMPONENT = Err(61011, "invalid component")
MUST_USE_COMPONENT_TOKEN = Err(61014, "must use component token for component api")
REFRESH_TOKEN_INVALID = Err(61023, "refresh_token is invalid")
