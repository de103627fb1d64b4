"""A third-party platform's tokens: the component token (from its AppSecret and the verify ticket
WeChat pushes every 10 minutes) and each authorized mini-program's token (from its authorizer refresh
token, which WeChat may rotate: the rotated one is kept, and offered back by whoever recorded it).

Both keep their token in a :class:`wechat.tokens._Slot`, like every source (see :mod:`wechat.tokens`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .cache import TokenCache
from .errors import AmbiguousWriteError, APIError, TokenError, TokenSourceError
from .redact import register_secret
from .tokens import Clock, TokenHTTP, _Fetched, _parse_token, _Slot, log

__all__ = [
    "TICKET_ERRCODES",
    "ComponentCredentials",
    "ComponentTokenSource",
    "PlatformTokenSource",
    "RotatedRefreshToken",
    "TicketOrigin",
]


class RotatedRefreshToken(NamedTuple):
    """A refresh token WeChat handed back in place of the one sent; ``configured``: the id of the
    configured token it descends from."""

    token: str
    rotated_at: float
    configured: str


REFRESH_TOKEN_INVALID = 61023


@dataclass(frozen=True)
class TicketOrigin:
    """Where this process took the component_verify_ticket from, and how a person feeds a fresh one in
    (said when WeChat answers 61005/61006: a ticket lives 12 hours)."""

    where: str = "the configured component_verify_ticket"
    how_to_feed: str = "pass the newest ticket your platform's receiver stored"


@dataclass(frozen=True)
class ComponentCredentials:
    """A third-party platform's credentials. ``repr`` never shows the secret or the ticket."""

    component_appid: str
    component_appsecret: str = field(repr=False)
    verify_ticket: str = field(repr=False)
    ticket_origin: TicketOrigin = field(default_factory=TicketOrigin, compare=False)

    def __post_init__(self) -> None:
        register_secret(self.component_appsecret)
        register_secret(self.verify_ticket)


TICKET_ERRCODES = frozenset({61005, 61006})  # expired (older than 12 h), invalid


def ticket_error(error: APIError, origin: TicketOrigin) -> APIError:
    """61005/61006 with where this stack's ticket came from and how to feed a fresh one in."""
    state = "is older than 12 hours" if error.errcode == 61005 else "is not one WeChat issued to this platform"
    meaning = f"the component_verify_ticket from {origin.where} {state}"
    advice = (
        "WeChat pushes a fresh ticket every 10 minutes to the platform's authorization event URL "
        "(授权事件接收URL, encrypted XML with InfoType component_verify_ticket), and each lives 12 hours; "
        f"keep the newest one your receiver got and {origin.how_to_feed}"
    )
    return type(error)(error.errcode, error.errmsg, error.endpoint, error.rid, meaning=meaning, advice=advice)


class ComponentTokenSource:
    """A third-party platform's ``component_access_token`` (``api_component_token``), cached on disk.

    Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/component_access_token.html
    """

    kind = "component"

    def __init__(self, credentials: ComponentCredentials, cache: TokenCache | None = None, *,
                 clock: Clock = time.time):
        self.credentials = credentials
        self.appid = credentials.component_appid
        self._slot = _Slot("component", self.appid, cache, clock, self._fetch)

    def __repr__(self) -> str:
        return f"ComponentTokenSource(component_appid={self.appid!r})"

    def token(self, http: TokenHTTP) -> str:
        return self._slot.get(http)

    def invalidate(self, used_token: str) -> None:
        self._slot.invalidate(used_token)

    def _fetch(self, http: TokenHTTP) -> _Fetched:
        c = self.credentials
        try:
            body = http.token_request("cgi-bin/component/api_component_token", kind=self.kind, json={
                "component_appid": c.component_appid, "component_appsecret": c.component_appsecret,
                "component_verify_ticket": c.verify_ticket})
        except APIError as error:
            if error.errcode not in TICKET_ERRCODES:
                raise
            raise ticket_error(error, c.ticket_origin) from None
        return _parse_token(body, "component_access_token", "cgi-bin/component/api_component_token")


class PlatformTokenSource:
    """An ``authorizer_access_token`` for one mini-program, through its authorized platform.

    The refresh token. WeChat may hand back a new ``authorizer_refresh_token`` (it does on
    re-authorization; some platforms see it rotate), and then the superseded one works only 5 more
    minutes, then answers 61023 for ever. So a rotated token must outlive this process and this
    machine:

    - it is kept in memory and in the disk cache at once, with the time it rotated, tied to the
      configured token it descends from (a newly configured token, after a re-authorization, wins);
    - ``on_rotate(base_url, record)`` is told (the provider records it, encrypted, in the stack's
      state, where the next run on any machine finds it, and says so loudly); ``recorded(base_url)``
      (or ``offer_refresh_token``) hands one back from there. The newest known token is used; on
      61023 the older ones are tried (a 61023 changed nothing, so that is safe);
    - ``api_authorizer_token`` is never retried blindly: when its answer is lost, it is asked again
      once, at once, with the same refresh token, well within WeChat's 5-minute grace for a
      superseded token, and the refresh token *that* answer carries is kept.

    Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/api_authorizer_token.html
    """

    kind = "platform"
    _PATH = "cgi-bin/component/api_authorizer_token"

    def __init__(self, component: ComponentCredentials | ComponentTokenSource, authorizer_appid: str,
                 authorizer_refresh_token: str, cache: TokenCache | None = None, *, clock: Clock = time.time,
                 on_rotate: Callable[[str, RotatedRefreshToken], None] | None = None,
                 recorded: Callable[[str], RotatedRefreshToken | None] | None = None):
        register_secret(authorizer_refresh_token)
        self._component = (component if isinstance(component, ComponentTokenSource)
                           else ComponentTokenSource(component, cache, clock=clock))
        self.appid = authorizer_appid
        self._configured = authorizer_refresh_token
        self.configured_id = hashlib.sha256(authorizer_refresh_token.encode()).hexdigest()[:16]
        self._cache = cache
        self._clock = clock
        self._on_rotate, self._recorded = on_rotate, recorded
        self._lock = threading.Lock()
        self._rotated: dict[str, RotatedRefreshToken] = {}  # base_url -> newest rotated token known
        self._slot = _Slot("authorizer", authorizer_appid, cache, clock, self._fetch)

    def __repr__(self) -> str:
        return f"PlatformTokenSource(appid={self.appid!r}, component_appid={self._component.appid!r})"

    def token(self, http: TokenHTTP) -> str:
        return self._slot.get(http)

    def invalidate(self, used_token: str) -> None:
        self._slot.invalidate(used_token)

    # --- the refresh token ---------------------------------------------------------------------
    def offer_refresh_token(self, base_url: str, record: RotatedRefreshToken) -> None:
        """A rotated token recorded elsewhere (the stack's state); kept if it is the newest known."""
        if record.configured != self.configured_id or not record.token:
            return  # recorded for an older configured token (the admin re-authorized since)
        register_secret(record.token)
        with self._lock:
            known = self._rotated.get(base_url.rstrip("/"))
            if known is None or record.rotated_at > known.rotated_at:
                self._rotated[base_url.rstrip("/")] = record

    def rotated_refresh_token(self, base_url: str) -> RotatedRefreshToken | None:
        """The newest rotated refresh token known for this base URL (None: it never rotated)."""
        self._load_cached(base_url.rstrip("/"))
        with self._lock:
            return self._rotated.get(base_url.rstrip("/"))

    def _load_cached(self, base: str) -> None:
        from_state = self._recorded(base) if self._recorded is not None else None
        if from_state is not None:
            self.offer_refresh_token(base, from_state)
        if self._cache is None:
            return
        raw = self._cache.load(base, self.appid, "authorizer_refresh") or {}
        token, rotated_at = raw.get("refresh_token"), raw.get("rotated_at", 0)
        if isinstance(token, str) and token and isinstance(rotated_at, int | float):
            self.offer_refresh_token(base, RotatedRefreshToken(token, float(rotated_at), str(raw.get("configured"))))

    def _candidates(self, base: str) -> list[str]:
        """Refresh tokens to try, newest first: the newest rotated one known, then the configured one."""
        rotated = self.rotated_refresh_token(base)
        return [rotated.token, self._configured] if rotated else [self._configured]

    def _keep(self, base: str, token: str) -> None:
        record = RotatedRefreshToken(token, self._clock(), self.configured_id)
        register_secret(token)
        with self._lock:
            self._rotated[base] = record
        if self._cache is not None:
            self._cache.store(base, self.appid, "authorizer_refresh", {
                "kind": "authorizer_refresh", "appid": self.appid, "refresh_token": token,
                "rotated_at": record.rotated_at, "configured": self.configured_id})
        log.warning("WeChat rotated the authorizer refresh token of %s", self.appid)
        if self._on_rotate is not None:
            self._on_rotate(base, record)

    def _fetch(self, http: TokenHTTP) -> _Fetched:
        base = http.base_url.rstrip("/")
        candidates = self._candidates(base)
        for index, refresh in enumerate(candidates):
            try:
                body = self._authorizer_token(http, refresh)
            except APIError as error:
                if error.errcode != REFRESH_TOKEN_INVALID or index == len(candidates) - 1:
                    raise
                continue  # 61023 changed nothing: an older candidate may still be the valid one
            rotated = body.get("authorizer_refresh_token")
            if isinstance(rotated, str) and rotated and rotated != refresh:
                self._keep(base, rotated)
            return _parse_token(body, "authorizer_access_token", self._PATH)
        raise AssertionError("unreachable")

    def _authorizer_token(self, http: TokenHTTP, refresh: str) -> dict[str, Any]:
        for attempt in (1, 2):  # a stale component token is replaced once
            component_token = self._component.token(http)
            try:
                return self._ask(http, component_token, refresh)
            except TokenError:
                if attempt == 2:
                    raise
                self._component.invalidate(component_token)
        raise AssertionError("unreachable")

    def _ask(self, http: TokenHTTP, component_token: str, refresh: str) -> dict[str, Any]:
        """api_authorizer_token, never retried by the transport: its answer may carry a new refresh token."""
        def ask() -> dict[str, Any]:
            return http.token_request(self._PATH, kind=self.kind, params={
                "component_access_token": component_token}, json={
                "component_appid": self._component.appid, "authorizer_appid": self.appid,
                "authorizer_refresh_token": refresh}, idempotent=False)

        try:
            return ask()
        except AmbiguousWriteError:
            log.warning("the answer to api_authorizer_token for %s was lost; asking again once with the same "
                        "refresh token (WeChat honours a superseded one for 5 minutes)", self.appid)
        try:
            return ask()
        except AmbiguousWriteError as error:
            raise TokenSourceError(
                f"{self._PATH} for {self.appid}: the answer was lost twice, so WeChat may have rotated the "
                "authorizer refresh token without this tool learning the new one. Run `pulumi up` again within "
                "5 minutes (a superseded refresh token keeps working that long and answers with the new one); "
                "after that WeChat answers 61023 and the admin must authorize the platform again. "
                f"({error})"
            ) from None
