"""The route table: each WeChat path declares its methods, token, permission set and body shape.

Services register handlers with `@route(...)`; the app looks paths up in `ROUTES` and applies the
declared gates (token kind, permission set, API quota) before calling the handler with a `Ctx`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator import errors
from emulator.state import Doc, Tx

OWN, STABLE, COMPONENT, AUTHORIZER = "own", "stable", "component", "authorizer"
OWNER_KINDS = frozenset({OWN, STABLE})
AUTHORIZER_ONLY = frozenset({AUTHORIZER})
COMPONENT_ONLY = frozenset({COMPONENT})
ANY_APP_TOKEN = frozenset({OWN, STABLE, AUTHORIZER})

# Permission sets (func_info ids) from the reference.
DEV_MANAGEMENT = 18
BASIC_INFO = 30
ICP_FILING = 156


@dataclass(frozen=True)
class Binary:
    """A non-JSON success answer (the QR-code JPEG)."""

    content: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    tx: Tx
    now: float
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]  # multipart field -> (filename, data, content type)
    appid: str | None = None  # the account the token belongs to (component appid for component tokens)
    token_kind: str | None = None
    component_appid: str | None = None  # the platform acting, for authorizer and component tokens

    def app(self) -> Doc:
        app = self.tx.get("app", self.appid or "")
        if app is None:  # a token for an account that a later seed removed
            raise errors.INVALID_CREDENTIAL()
        return app

    def platform(self) -> Doc:
        platform = self.tx.get("platform", self.component_appid or "")
        if platform is None:
            raise errors.INVALID_COMPONENT()
        return platform


Handler = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    handler: Handler
    token_param: str | None  # None: the endpoint issues tokens rather than taking one
    kinds: frozenset[str]
    perm: int | tuple[int, ...] | None  # a tuple: any one of these permission sets will do
    body: str  # "json" (empty body -> {}), "required" (empty body -> 44002), "none", "multipart"
    envelope: bool  # token endpoints answer without errcode/errmsg on success


ROUTES: dict[str, Route] = {}


def route(
    path: str,
    methods: tuple[str, ...] = ("POST",),
    *,
    token: str | None = "access_token",
    kinds: frozenset[str] = AUTHORIZER_ONLY,
    perm: int | tuple[int, ...] | None = None,
    body: str = "json",
    envelope: bool = True,
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[path] = Route(path, methods, fn, token, kinds, perm, body, envelope)
        return fn

    return register


# --- small body helpers; WeChat answers 47001 "data format error" for missing or mistyped fields ---
def field_str(body: dict[str, Any], name: str, required: bool = True, default: str = "") -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.DATA_FORMAT_ERROR()
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise errors.DATA_FORMAT_ERROR()
    return str(value)


def field_int(body: dict[str, Any], name: str, required: bool = True, default: int = 0) -> int:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.DATA_FORMAT_ERROR()
        return default
    if isinstance(value, bool):
        raise errors.DATA_FORMAT_ERROR()
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise errors.DATA_FORMAT_ERROR()


def field_list(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.DATA_FORMAT_ERROR()
    return value
