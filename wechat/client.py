"""The two clients: one per mini-program, one for the third-party platform itself."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from types import TracebackType

import httpx

from ._constants import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from .cache import TokenCache
from .endpoints import CodeAPI, ComponentAPI, DomainsAPI, MembersAPI, ProfileAPI, QRCodeJumpAPI
from .http import HTTPCore, Stats
from .platform_tokens import ComponentCredentials, ComponentTokenSource
from .tokens import TokenSource

__all__ = ["ComponentClient", "MiniProgramClient"]


class _Client:
    """Holds the transport; a context manager that closes its connections."""

    _http: HTTPCore
    appid: str

    def _connect(self, token_source: TokenSource, base_url: str, timeout: float, max_retries: int,
                 transport: httpx.BaseTransport | None, sleep: Callable[[float], None],
                 jitter: Callable[[], float]) -> None:
        self.token_source = token_source
        self._http = HTTPCore(base_url, token_source=token_source, timeout=timeout, max_retries=max_retries,
                              transport=transport, sleep=sleep, jitter=jitter)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def check_token(self) -> None:
        """Get a token now (from memory, the disk cache or WeChat): wrong credentials fail here, not at a write."""
        self.token_source.token(self._http)

    @property
    def stats(self) -> Stats:
        """HTTP requests per path, token fetches, retries, refreshes and errcodes seen so far."""
        return self._http.stats

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(appid={self.appid!r}, base_url={self.base_url!r}, {self.token_source!r})"


class MiniProgramClient(_Client, DomainsAPI, MembersAPI, ProfileAPI, CodeAPI, QRCodeJumpAPI):
    """Calls WeChat for one mini-program, with the token its ``token_source`` provides.

    ``base_url`` is real WeChat by default; pass ``http://127.0.0.1:PORT`` for the local emulator.
    ``transport`` is for tests (``httpx.MockTransport``); ``sleep``/``jitter`` make backoff testable.
    Thread-safe: one instance may serve the provider host's four threads.
    """

    def __init__(self, appid: str, token_source: TokenSource, base_url: str = DEFAULT_BASE_URL, *,
                 timeout: float = DEFAULT_TIMEOUT, max_retries: int = DEFAULT_MAX_RETRIES,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        if token_source.appid != appid:
            raise ValueError(f"the token source is for {token_source.appid!r}, not {appid!r}")
        self.appid = appid
        self._connect(token_source, base_url, timeout, max_retries, transport, sleep, jitter)

    def __enter__(self) -> MiniProgramClient:
        return self


class ComponentClient(_Client, ComponentAPI):
    """Calls WeChat as the third-party platform (``component_access_token``, cached in ``cache``)."""

    def __init__(self, credentials: ComponentCredentials, base_url: str = DEFAULT_BASE_URL,
                 cache: TokenCache | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.time) -> None:
        self.appid = credentials.component_appid
        source = ComponentTokenSource(credentials, cache, clock=clock)
        self._connect(source, base_url, timeout, max_retries, transport, sleep, jitter)
        self._component_source = source

    def component_token(self) -> str:
        """The current ``component_access_token`` (from memory, disk cache or ``api_component_token``)."""
        return self._component_source.token(self._http)

    def __enter__(self) -> ComponentClient:
        return self
