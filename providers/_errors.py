"""Failures a user can act on, shown as their message alone instead of a Python traceback.

Pulumi's dynamic-provider host reports any exception as `traceback.format_exc()`. For errors whose
message is the whole story (a WeChat errcode with its meaning and advice, a missing config key, a
refusal such as a spent quota) a traceback only buries it, so `install_clean_errors()` narrows
what that host formats: these errors render as their message, anything else (a bug) still as a
full traceback. If the host's internals ever change shape, the shim is simply not installed.
"""

from __future__ import annotations

import sys
import traceback
from types import ModuleType

from providers._settings import ConfigurationError
from wechat import WeChatError
from wechat.redact import scrub


class RefusedError(Exception):
    """`up` refuses a step before calling WeChat (quota spent, unsafe state, policy)."""


USER_FACING = (WeChatError, ConfigurationError, RefusedError)


class _CleanTraceback:
    """Stands in for the `traceback` module inside the provider host's __main__ only."""

    def __getattr__(self, name: str) -> object:
        return getattr(traceback, name)

    def format_exc(self, limit: int | None = None, chain: bool = True) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, USER_FACING):
            return scrub(str(error))
        return scrub(traceback.format_exc(limit=limit, chain=chain))


def install_clean_errors() -> None:
    host = sys.modules.get("__main__")
    if not isinstance(host, ModuleType) or not hasattr(host, "_abort_with_traceback"):
        return  # not inside pulumi.dynamic's host (e.g. a unit test)
    if isinstance(getattr(host, "traceback", None), ModuleType):
        host.traceback = _CleanTraceback()  # type: ignore[attr-defined]

