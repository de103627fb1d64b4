"""What a service declares, in three tables the rest of the emulator reads:

- `ROUTES` (`@route`): each WeChat path with its methods, token, permission set and body shape. The
  app looks paths up here and applies the declared gates (token kind, permission set, API quota)
  before calling the handler with a `Ctx`.
- `CONSOLE_ACTIONS` (`@console_action`): what an admin or another tool does in the MP console
  (`POST /_emulator/console`, CONTROL.md), calling the service's state functions.
- `SEED_SECTIONS` (`@seed_section`): the seed keys a service owns and the function that writes them
  (CONTROL.md "Seed format"); `emulator.seed` derives its key whitelist from these.

A service module (moto's shape) keeps its state functions (typed arguments, WeChat's rules, no
request parsing) apart from its handlers (parse the body, call a state function, shape the answer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator import errors
from emulator.state import Doc, Tx

APP, PLATFORM = "miniprogram", "platform"  # the two kinds of account a seed or console action targets

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


# --- the console's actions: direct state edits that skip API rules and quotas (drift) ---
class ConsoleError(Exception):
    """A console action refused (HTTP 4xx from the control API, never a WeChat errcode)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


ConsoleFn = Callable[[Tx, Doc, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ConsoleAction:
    name: str
    fn: ConsoleFn
    targets: frozenset[str]  # APP and/or PLATFORM: which account `appid` may name


CONSOLE_ACTIONS: dict[str, ConsoleAction] = {}


def console_action(name: str, *, targets: frozenset[str] = frozenset({APP})) -> Callable[[ConsoleFn], ConsoleFn]:
    def register(fn: ConsoleFn) -> ConsoleFn:
        if name in CONSOLE_ACTIONS:
            raise RuntimeError(f"console action {name!r} is declared twice")
        CONSOLE_ACTIONS[name] = ConsoleAction(name, fn, targets)
        return fn

    return register


# --- seed sections: the seed keys a service owns, written into a new platform or mini-program ---
class SeedError(ValueError):
    """The seed does not have the documented shape."""


SeedFn = Callable[[Tx, Doc, dict[str, Any], str], None]  # (tx, account doc, the seed item, where)


@dataclass(frozen=True)
class SeedSection:
    kind: str  # APP or PLATFORM
    keys: frozenset[str]
    apply: SeedFn
    after_put: bool  # False: fills the document before it is stored; True: needs it stored


SEED_SECTIONS: list[SeedSection] = []


def seed_section(kind: str, *keys: str, after_put: bool = False) -> Callable[[SeedFn], SeedFn]:
    """Declare the seed keys of `kind` this service owns; the function runs for every seeded
    account (with or without those keys), so it also sets the service's defaults."""
    def register(fn: SeedFn) -> SeedFn:
        SEED_SECTIONS.append(SeedSection(kind, frozenset(keys), fn, after_put))
        return fn

    return register


def seed_keys(where: str, item: Any, allowed: set[str] | frozenset[str],
              required: tuple[str, ...] = ()) -> dict[str, Any]:
    """`item` as a mapping with only `allowed` keys and every `required` one (SeedError otherwise)."""
    if not isinstance(item, dict):
        raise SeedError(f"{where}: expected a mapping")
    unknown = sorted(set(item) - set(allowed))
    if unknown:
        raise SeedError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")
    missing = [k for k in required if not item.get(k)]
    if missing:
        raise SeedError(f"{where}: missing {missing}")
    return item


def bare_host(value: Any) -> str:
    """A host name from a seed entry that may carry a scheme, a path or a port."""
    return str(value).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


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
