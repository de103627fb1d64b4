"""Where access tokens come from, and how they are shared, refreshed and cached.

Every source keeps its token in a :class:`_Slot`: threads share one token behind a lock, only one
of them refreshes (the others wait, then re-check), a token is refreshed ``TOKEN_REFRESH_BUFFER``
seconds before it expires, and :meth:`invalidate` drops a token only if it is still the current one
(so a late 42001 cannot wipe a token another thread just fetched). With a :class:`TokenCache` the
slot also reads and writes the disk, under a cross-process lock.

The command source (credential_process pattern) is in :mod:`wechat.command`.
``OwnerTokenSource`` uses ``cgi-bin/stable_token`` only: ``cgi-bin/token`` would rotate, and so
invalidate, the token the mini-program's production backend is using.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from ._constants import TOKEN_REFRESH_BUFFER
from .cache import TokenCache
from .errors import AmbiguousWriteError, APIError, TokenError, TokenSourceError
from .redact import register_secret

__all__ = [
    "TICKET_ERRCODES",
    "ComponentCredentials",
    "ComponentTokenSource",
    "OwnerTokenSource",
    "PlatformTokenSource",
    "RotatedRefreshToken",
    "TicketOrigin",
    "TokenHTTP",
    "TokenSource",
]

log = logging.getLogger("wechat")
Clock = Callable[[], float]


class TokenHTTP(Protocol):
    """What a token source needs from the transport (``wechat.http.HTTPCore`` provides it)."""

    @property
    def base_url(self) -> str: ...

    def token_request(
        self, path: str, *, kind: str, json: dict[str, Any], params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]: ...

    def note_token_fetch(self, kind: str) -> None: ...


class TokenSource(Protocol):
    """Gives the client a token for one appid. Implementations must be thread-safe.

    ``kind`` is "platform", "owner" or "command" (or "component" for the platform's own token).
    ``invalidate(used_token)`` forgets that token only if it is still the current one.
    """

    kind: str
    appid: str

    def token(self, http: TokenHTTP) -> str: ...

    def invalidate(self, used_token: str) -> None: ...


class RotatedRefreshToken(NamedTuple):
    """A refresh token WeChat handed back in place of the one sent; ``configured``: the id of the
    configured token it descends from."""

    token: str
    rotated_at: float
    configured: str


REFRESH_TOKEN_INVALID = 61023


class _Fetched(NamedTuple):
    token: str
    expires_in: float


class _Entry(NamedTuple):
    token: str
    refresh_at: float
    expires_at: float


def _parse_token(body: dict[str, Any], key: str, what: str) -> _Fetched:
    token, expires_in = body.get(key), body.get("expires_in")
    if not isinstance(token, str) or not token:
        raise TokenSourceError(f"{what} answered without {key}")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
        raise TokenSourceError(f"{what} answered without a positive expires_in")
    register_secret(token)
    return _Fetched(token, float(expires_in))


class _Slot:
    """One token: memory (per base URL) + optional disk, single-flight refresh."""

    def __init__(
        self, kind: str, appid: str, cache: TokenCache | None, clock: Clock,
        fetch: Callable[[TokenHTTP], _Fetched],
    ) -> None:
        self.kind, self.appid, self.cache, self.clock, self._fetch = kind, appid, cache, clock, fetch
        self._lock = threading.Lock()
        self._mem: dict[str, _Entry] = {}

    def get(self, http: TokenHTTP) -> str:
        base = http.base_url
        entry = self._mem.get(base)
        if entry is not None and self.clock() < entry.refresh_at:
            return entry.token
        with self._lock:  # single flight: the others wait here, then find the fresh token
            entry = self._mem.get(base)
            if entry is not None and self.clock() < entry.refresh_at:
                return entry.token
            cache = self.cache
            with cache.locked(base, self.appid, self.kind) if cache else contextlib.nullcontext():
                entry = self._from_disk(base)
                if entry is None:
                    fetched = self._fetch(http)
                    now = self.clock()
                    expires_at = now + fetched.expires_in
                    buffer = min(TOKEN_REFRESH_BUFFER, fetched.expires_in / 2)
                    entry = _Entry(fetched.token, expires_at - buffer, expires_at)
                    if self.cache:
                        self.cache.store(base, self.appid, self.kind, {
                            "kind": self.kind, "appid": self.appid, "access_token": entry.token,
                            "refresh_at": entry.refresh_at, "expires_at": entry.expires_at})
                    log.debug("fetched the %s token for %s (expires in %.0f s)", self.kind, self.appid,
                              fetched.expires_in)
                self._mem[base] = entry
                return entry.token

    def _from_disk(self, base: str) -> _Entry | None:
        if self.cache is None:
            return None
        raw = self.cache.load(base, self.appid, self.kind)
        if not raw:
            return None
        try:
            entry = _Entry(str(raw["access_token"]), float(raw["refresh_at"]), float(raw["expires_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        if not entry.token or self.clock() >= entry.refresh_at:
            return None
        register_secret(entry.token)
        log.debug("reusing the cached %s token for %s", self.kind, self.appid)
        return entry

    def invalidate(self, used_token: str) -> None:
        with self._lock:
            for base, entry in list(self._mem.items()):
                if entry.token == used_token:
                    del self._mem[base]
                    if self.cache:
                        self.cache.delete(base, self.appid, self.kind, only_token=used_token)
                    log.debug("dropped a rejected %s token for %s", self.kind, self.appid)


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


class OwnerTokenSource:
    """The mini-program's own token from ``cgi-bin/stable_token`` (never ``cgi-bin/token``).

    Doc: https://developers.weixin.qq.com/minigame/dev/api-backend/open-api/access-token/auth.getStableAccessToken.html
    """

    kind = "owner"

    def __init__(self, appid: str, secret: str, cache: TokenCache | None = None, *, clock: Clock = time.time):
        register_secret(secret)
        self.appid, self._secret = appid, secret
        self._slot = _Slot("owner", appid, cache, clock, self._fetch)

    def __repr__(self) -> str:
        return f"OwnerTokenSource(appid={self.appid!r}, secret=***)"

    def token(self, http: TokenHTTP) -> str:
        return self._slot.get(http)

    def invalidate(self, used_token: str) -> None:
        self._slot.invalidate(used_token)

    def _fetch(self, http: TokenHTTP) -> _Fetched:
        body = http.token_request("cgi-bin/stable_token", kind=self.kind, json={
            "grant_type": "client_credential", "appid": self.appid, "secret": self._secret,
            "force_refresh": False})  # forcing would invalidate the production backend's stable token
        return _parse_token(body, "access_token", "cgi-bin/stable_token")


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
