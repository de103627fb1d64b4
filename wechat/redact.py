"""Keeps tokens and secrets out of every message, log line, repr and recorded request.

Two nets, both applied by :func:`scrub`:

1. Patterns: the value of any ``access_token=``, ``component_access_token=``, ``secret=`` ...
   query parameter, and of the same keys in JSON or dict reprs, becomes ``***``.
2. A process-wide registry of known secret values. Token sources register every secret they are
   given (AppSecret, verify ticket, refresh token) and every token they obtain, so a secret that
   leaks through an unexpected channel (an errmsg echoing a parameter, a command's stderr) is
   still replaced.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["REDACTED", "RedactingFilter", "install_log_filters", "register_secret", "scrub"]

REDACTED = "***"

# Shorter values are not registered: scrubbing "ok" or "1" everywhere would garble messages, and
# no real WeChat credential is that short.
_MIN_SECRET_LEN = 6

_SECRET_KEYS = (
    r"(?:component_|authorizer_)?access_token|(?:authorizer_)?refresh_token"
    r"|(?:component_)?appsecret|(?:component_)?verify_ticket|secret"
)
# key=value in a URL or form body.
_QUERY_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_SECRET_KEYS})=([^&\s#\"'<>]+)")
# "key": "value" (JSON) and 'key': 'value' (Python repr).
_MAPPING_RE = re.compile(rf"(?i)([\"'])({_SECRET_KEYS})\1(\s*:\s*)([\"'])(?:(?!\4).)*\4")

_lock = threading.Lock()
_registry: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is replaced whole


def register_secret(value: object) -> None:
    """Remember a secret value so :func:`scrub` removes it from any text, process-wide."""
    global _ordered
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        if value in _registry:
            return
        _registry.add(value)
        _ordered = tuple(sorted(_registry, key=len, reverse=True))


def scrub(text: object) -> str:
    """Return ``str(text)`` with every token and known secret replaced by ``***``."""
    out = str(text)
    out = _QUERY_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", out)
    out = _MAPPING_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}"
                                    f"{m.group(4)}{REDACTED}{m.group(4)}", out)
    for secret in _ordered:
        if secret in out:
            out = out.replace(secret, REDACTED)
    return out


class RedactingFilter(logging.Filter):
    """Scrubs the final text of each record on the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


_FILTERED_LOGGERS = ("wechat", "httpx")  # httpx logs every request URL, token included, at INFO
_filter = RedactingFilter()


def install_log_filters() -> None:
    """Attach the redacting filter to the ``wechat`` and ``httpx`` loggers (idempotent)."""
    for name in _FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
