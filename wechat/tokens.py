"""Where access tokens come from, and how they are shared, refreshed and cached.

Every source keeps its token in a :class:`_Slot`: threads share one token behind a lock, only one
of them refreshes (the others wait, then re-check), a token is refreshed ``TOKEN_REFRESH_BUFFER``
seconds before it expires, and :meth:`invalidate` drops a token only if it is still the current one
(so a late 42001 cannot wipe a token another thread just fetched). With a :class:`TokenCache` the
slot also reads and writes the disk, under a cross-process lock.

The third-party platform's sources (component and authorizer tokens, the verify ticket, refresh-token
rotation) are in :mod:`wechat.platform_tokens`; the command source (credential_process pattern) is in
:mod:`wechat.command`.
``OwnerTokenSource`` uses ``cgi-bin/stable_token`` only: ``cgi-bin/token`` would rotate, and so
invalidate, the token the mini-program's production backend is using.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from ._constants import TOKEN_REFRESH_BUFFER
from .cache import TokenCache
from .errors import TokenSourceError
from .redact import register_secret

__all__ = ["Clock", "OwnerTokenSource", "TokenHTTP", "TokenSource"]

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


