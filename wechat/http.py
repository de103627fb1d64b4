"""The transport core: base URL, envelope decoding, retries, token injection and refresh.

One :class:`HTTPCore` per client. :meth:`HTTPCore.call` is the only road to WeChat:

1. get a token from the token source and put it in the query string (``access_token=`` or
   ``component_access_token=``, per endpoint);
2. send; decode WeChat's envelope (``errcode``/``errmsg`` in a JSON body, usually HTTP 200);
3. errcode 40001/40014/42001: invalidate the token that was used, fetch a new one, replay once;
4. errcode -1/45011 or a transport failure: back off and retry, but only if the call is safe to
   repeat. A write that may have reached WeChat is never resent: it raises AmbiguousWriteError.
   A connection that never opened sent nothing, so even a write is retried then;
5. any other errcode: raise the class the errcode table names.

A write answered without any ``errcode`` (say ``200 {"errmsg": "ok"}``) is not a success: WeChat
documents ``errcode`` in every write's answer, so such a body is ambiguous (AmbiguousWriteError),
to be settled by reading. The few writes documented without one (``media/upload``) opt out with
``errcode_required=False``. Answers are read up to ``MAX_RESPONSE_BYTES``; a longer one is refused
without being held in memory.
"""

from __future__ import annotations

import functools
import json as json_module
import logging
import os
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlencode

import httpx

from ._constants import (
    CONNECT_TIMEOUT,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    INITIAL_RETRY_DELAY,
    MAX_RESPONSE_BYTES,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
    RETRYABLE_ERRCODES,
    TOKEN_ERRCODES,
)
from .errcodes import api_error
from .errors import AmbiguousWriteError, RequestTimeoutError, TransportError
from .redact import install_log_filters, scrub
from .tokens import TokenSource

__all__ = ["HTTPCore", "Stats"]

log = logging.getLogger("wechat")

# These fail before a byte of the request reaches WeChat, so even a write may be sent again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# These are our own mistakes (bad URL or scheme): retrying cannot help.
_NOT_RETRYABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL)


class Stats:
    """What a client did: HTTP requests per path (retries included), tokens fetched per kind,
    retries, tokens refreshed after an errcode, and errcodes seen. Thread-safe; never holds a token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.token_fetches: Counter[str] = Counter()
        self.errcodes: Counter[int] = Counter()
        self.retries = 0
        self.token_refreshes = 0

    def __repr__(self) -> str:
        return f"Stats({self.snapshot()!r})"

    def snapshot(self) -> dict[str, Any]:
        """A plain, JSON-ready copy."""
        with self._lock:
            return {"calls": dict(self.calls), "token_fetches": dict(self.token_fetches),
                    "errcodes": {str(k): v for k, v in self.errcodes.items()},
                    "retries": self.retries, "token_refreshes": self.token_refreshes}

    @property
    def total_calls(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def _bump(self, counter: str, key: Any = None) -> None:
        with self._lock:
            if key is None:
                setattr(self, counter, getattr(self, counter) + 1)
            else:
                getattr(self, counter)[key] += 1


class _Failure(NamedTuple):
    """Internal: one attempt got no usable answer."""

    error: TransportError
    maybe_sent: bool
    retryable: bool


class HTTPCore:
    """Sends requests to one WeChat base URL on behalf of one token source."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token_source: TokenSource | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        install_log_filters()
        self.base_url = base_url.rstrip("/")
        self.token_source = token_source
        self.max_retries = max_retries
        self.stats = Stats()
        self._sleep, self._jitter = sleep, jitter
        self._client = httpx.Client(base_url=self.base_url + "/", transport=transport, verify=_ssl_context(),
                                    timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)))

    def __repr__(self) -> str:
        return f"HTTPCore({self.base_url!r}, token_source={self.token_source!r})"

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        token_param: str | None = "access_token",
        errcode_required: bool | None = None,
    ) -> dict[str, Any]:
        """Send one API call and return the decoded body. ``idempotent`` = safe to send twice.

        ``errcode_required`` (default: ``not idempotent``): an answer without ``errcode`` is ambiguous.
        """
        if errcode_required is None:
            errcode_required = not idempotent
        refreshed, attempt = False, 0
        while True:
            token = None
            query = dict(params or {})
            if token_param is not None:
                if self.token_source is None:
                    raise ValueError(f"{path} needs a token, but this client has no token source")
                token = self.token_source.token(self)
                query[token_param] = token
            body, failure = self._send_once(method, path, query, json, files)
            if failure is not None:  # raised here, outside any except block, so nothing chains to httpx
                if failure.maybe_sent and not idempotent:
                    raise AmbiguousWriteError(
                        f"{failure.error} WeChat may or may not have applied this {path} call, so it was not "
                        "sent again: re-read the live state (pulumi refresh) before retrying", endpoint=path)
                if failure.retryable and attempt < self.max_retries:
                    attempt += 1
                    self._backoff(attempt, path, type(failure.error).__name__)
                    continue
                raise failure.error
            if errcode_required and "errcode" not in body:
                raise AmbiguousWriteError(
                    f"{path} answered without an errcode, so it is not known whether WeChat applied it; it "
                    "was not sent again: re-read the live state before retrying", endpoint=path)
            errcode = body.get("errcode", 0)
            if errcode == 0:
                return body
            self.stats._bump("errcodes", errcode)
            if token is not None and errcode in TOKEN_ERRCODES and not refreshed:
                refreshed = True  # once only: a second rejection is raised, never looped on
                self.stats._bump("token_refreshes")
                assert self.token_source is not None
                self.token_source.invalidate(token)
                log.debug("%s: errcode %s, refreshing the %s token and retrying once", path, errcode,
                          self.token_source.kind)
                continue
            if errcode in RETRYABLE_ERRCODES and idempotent and attempt < self.max_retries:
                attempt += 1
                self._backoff(attempt, path, f"errcode {errcode}")
                continue
            raise api_error(errcode, str(body.get("errmsg", "")), path)

    def token_request(
        self, path: str, *, kind: str, json: dict[str, Any], params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """POST to a token endpoint (no token injection, no refresh loop). ``idempotent=False``: a lost
        answer raises AmbiguousWriteError instead of being retried (the caller decides)."""
        body = self.call("POST", path, idempotent=idempotent, json=json, params=params, token_param=None,
                         errcode_required=False)  # token answers are documented without errcode
        self.note_token_fetch(kind)
        return body

    def note_token_fetch(self, kind: str) -> None:
        self.stats._bump("token_fetches", kind)

    def _send_once(
        self, method: str, path: str, query: dict[str, Any], json: Any, files: dict[str, Any] | None
    ) -> tuple[dict[str, Any], _Failure | None]:
        """One HTTP exchange: the decoded envelope, or the reason there is none."""
        shown = scrub(f"{path}?{urlencode(query)}" if query else path)
        self.stats._bump("calls", path)
        started = time.perf_counter()
        try:
            status, content = self._exchange(method, path, query, json, files)
        except httpx.HTTPError as exc:
            log.debug("%s %s -> %s after %.1f ms", method, shown, type(exc).__name__,
                      (time.perf_counter() - started) * 1000)
            return {}, _classify(exc, method, path)
        ms = (time.perf_counter() - started) * 1000
        if content is None:
            error = TransportError(f"{method} {path} answered more than {MAX_RESPONSE_BYTES} bytes; the answer "
                                   "was not read.", endpoint=path)
            return {}, _Failure(error, maybe_sent=True, retryable=False)
        try:
            body = json_module.loads(content)
        except ValueError:
            body = None
        raw = body.get("errcode", 0) if isinstance(body, dict) else None
        log.debug("%s %s -> HTTP %s errcode %s in %.1f ms", method, shown, status, raw, ms)
        if not isinstance(body, dict) or (status >= 400 and "errcode" not in body):
            error = TransportError(f"{method} {path} got HTTP {status} without a WeChat JSON envelope.",
                                   endpoint=path)
            return {}, _Failure(error, maybe_sent=True, retryable=status >= 500 or status == 429)
        if isinstance(raw, str) and raw.lstrip("-").isdigit():
            body["errcode"] = raw = int(raw)
        if not isinstance(raw, int) or isinstance(raw, bool):
            error = TransportError(f"{method} {path} answered a non-numeric errcode.", endpoint=path)
            return {}, _Failure(error, maybe_sent=True, retryable=False)
        return body, None

    def _exchange(self, method: str, path: str, query: dict[str, Any], json: Any,
                  files: dict[str, Any] | None) -> tuple[int, bytes | None]:
        """One request; the status and at most MAX_RESPONSE_BYTES of the answer (None: it was longer)."""
        with self._client.stream(method, path, params=query, json=json, files=files) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                return response.status_code, None
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    return response.status_code, None
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _backoff(self, attempt: int, path: str, reason: str) -> None:
        delay = min(INITIAL_RETRY_DELAY * 2 ** (attempt - 1), MAX_RETRY_DELAY)
        delay *= 1 - RETRY_JITTER * self._jitter()
        self.stats._bump("retries")
        log.debug("%s: %s, retry %d of %d in %.2f s", path, reason, attempt, self.max_retries, delay)
        self._sleep(delay)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every client (it is safe to share).

    httpx builds a new one per client by default, loading the CA bundle each time: about 30 ms,
    and the provider host makes a client per mini-program, so a 100-app preview spent seconds on it.
    Same settings as httpx's default (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR), plus the CA
    in WECHAT_IAC_CA_BUNDLE if set (the emulator's --tls test CA), trusted in addition.
    """
    context = httpx.create_ssl_context()
    if os.environ.get("WECHAT_IAC_CA_BUNDLE"):
        context.load_verify_locations(cafile=os.environ["WECHAT_IAC_CA_BUNDLE"])
    return context


def _classify(exc: httpx.HTTPError, method: str, path: str) -> _Failure:
    """Turn an httpx exception into our error, without its URL (it holds the token)."""
    detail = scrub(str(exc)) or type(exc).__name__
    cls = RequestTimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
    error = cls(f"{method} {path} failed: {type(exc).__name__}: {detail}.", endpoint=path)
    if isinstance(exc, _NOT_RETRYABLE):
        return _Failure(error, maybe_sent=False, retryable=False)
    return _Failure(error, maybe_sent=not isinstance(exc, _NOT_SENT), retryable=True)
