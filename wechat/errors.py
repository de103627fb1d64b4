"""The exceptions this client raises. The whole model at a glance::

    WeChatError                    root: catch this to catch anything from wechat/
    ├── TransportError             no usable answer (connection refused, timeout, HTTP 5xx, not JSON)
    │   ├── RequestTimeoutError    the request timed out
    │   └── AmbiguousWriteError    a write was sent but its outcome is unknown: re-read, do not resend
    ├── TokenSourceError           a token could not be obtained outside WeChat's own API
    │   └── TokenCommandError      the token command failed, timed out or printed no token
    └── APIError                   WeChat answered errcode != 0 (.errcode .errmsg .endpoint .rid)
        ├── AuthError              wrong credentials: AppSecret, appid, verify ticket, refresh token, IP
        ├── TokenError             the access token is invalid or expired even after one refresh
        ├── PermissionDeniedError  this token may not call this API (61007, 76022, 86007 ...)
        │   └── NeedsPlatformError 48001/86000: needs an authorizer_access_token (platform mode)
        ├── QuotaError             a minute/daily/monthly quota is spent (45009, 45011, 85085, 87013 ...)
        ├── ConflictError          the live state forbids it now (85009 auditing, 85004 already bound ...)
        ├── NotFoundError          the object does not exist (85012 audit id, 85064 template ...)
        ├── InvalidRequestError    the request is malformed or breaks a rule (47001, 85013, 85301 ...)
        └── ServerBusyError        -1: WeChat is busy (repeatable calls were retried already)

Which errcode raises which class, and what it means and what to do about it, is the one table in
:mod:`wechat.errcodes`. Client-side argument mistakes raise plain :class:`ValueError`.

Every message is scrubbed (:func:`wechat.redact.scrub`) and no exception chains to the httpx
exception it replaces, because httpx requests carry the token in their URL.
"""

from __future__ import annotations

import re
from typing import Any

from .redact import scrub

__all__ = [
    "APIError",
    "AmbiguousWriteError",
    "AuthError",
    "ConflictError",
    "InvalidRequestError",
    "NeedsPlatformError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaError",
    "RequestTimeoutError",
    "ServerBusyError",
    "TokenCommandError",
    "TokenError",
    "TokenSourceError",
    "TransportError",
    "WeChatError",
]

# "... rid: 619476dc-0f37484a-046e354d" (current) or "... hint: [xxxx]" (older responses).
_RID_RE = re.compile(r"\s*(?:rid:\s*(?P<rid>[0-9A-Za-z-]+)|hint:\s*\[(?P<hint>[^\]]*)\])\s*$")


def split_rid(errmsg: str) -> tuple[str, str | None]:
    """Split WeChat's errmsg into (text, request id)."""
    match = _RID_RE.search(errmsg)
    if not match:
        return errmsg.strip(), None
    return errmsg[: match.start()].strip(), match.group("rid") or match.group("hint")


class WeChatError(Exception):
    """Root of every error raised by this package."""


class TransportError(WeChatError):
    """No usable answer came back: connection failure, timeout, HTTP 5xx or a body that is not JSON."""

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        super().__init__(scrub(message))
        self.endpoint = endpoint

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), {"endpoint": self.endpoint}))


class RequestTimeoutError(TransportError):
    """The request timed out."""


class AmbiguousWriteError(TransportError):
    """A non-repeatable write (commit, submit_audit, release ...) was sent, but no answer arrived.

    WeChat may or may not have applied it and offers no idempotency key, so the client does not
    resend. Re-read the live state (the provider's ``read``/``diff``) before deciding what to do.
    """


class TokenSourceError(WeChatError):
    """A token could not be obtained by a source outside WeChat's own API."""


class TokenCommandError(TokenSourceError):
    """The token command failed, timed out, or printed something that is not a token."""


class APIError(WeChatError):
    """WeChat answered with ``errcode != 0``.

    ``str(e)`` reads: ``"<endpoint> failed: errcode <n> (<errmsg>): <meaning>. What to do: <advice>.
    rid: <rid>"``. ``errmsg`` is WeChat's own text without the request id, which is in ``rid``.
    """

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        endpoint: str,
        rid: str | None = None,
        *,
        meaning: str = "",
        advice: str = "",
    ) -> None:
        self.errcode = errcode
        self.errmsg = scrub(errmsg)
        self.endpoint = endpoint
        self.rid = rid
        self.meaning = meaning
        self.advice = advice
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.endpoint} failed: errcode {self.errcode}"
        if self.errmsg:
            text += f" ({self.errmsg})"
        if self.meaning:
            text += f": {self.meaning.rstrip('.')}"
        text += "."
        if self.advice:
            text += f" What to do: {self.advice.rstrip('.')}."
        if self.rid:
            text += f" rid: {self.rid}"
        return scrub(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(errcode={self.errcode}, endpoint={self.endpoint!r}, rid={self.rid!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        state = {"meaning": self.meaning, "advice": self.advice}
        return (_rebuild_api, (type(self), self.errcode, self.errmsg, self.endpoint, self.rid, state))


class AuthError(APIError):
    """The credentials are wrong: AppSecret, appid, verify ticket, refresh token or IP whitelist."""


class TokenError(APIError):
    """The access token is invalid or expired, even after the one refresh the client makes."""


class PermissionDeniedError(APIError):
    """The token is valid but may not call this API."""


class NeedsPlatformError(PermissionDeniedError):
    """48001/86000: the API needs a third-party platform's ``authorizer_access_token``."""


class QuotaError(APIError):
    """A minute, daily or monthly quota is spent. Never retried blindly (45009 is never retried)."""


class ConflictError(APIError):
    """The live state forbids the change right now (an audit is running, already bound ...)."""


class NotFoundError(APIError):
    """The object named in the request does not exist."""


class InvalidRequestError(APIError):
    """The request is malformed or breaks one of WeChat's rules."""


class ServerBusyError(APIError):
    """errcode -1: WeChat is busy. Repeatable calls were already retried with backoff."""


def _rebuild(cls: type[TransportError], message: str, state: dict[str, Any]) -> TransportError:
    return cls(message, **state)


def _rebuild_api(
    cls: type[APIError], errcode: int, errmsg: str, endpoint: str, rid: str | None, state: dict[str, Any]
) -> APIError:
    return cls(errcode, errmsg, endpoint, rid, **state)
