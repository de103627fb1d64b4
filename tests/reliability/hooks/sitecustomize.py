"""Test instrumentation for the processes the Pulumi CLI starts (the dynamic-provider host).

It is only ever loaded by tests: the fault and secrets tests put this folder first on the
PYTHONPATH they hand to the CLI. Three switches, all environment variables:

- WECHAT_IAC_TEST_LOOPBACK_LOG=<file>: refuse any non-loopback connection and record the attempt
  in <file> (the test fails if the file is not empty);
- WECHAT_IAC_TEST_HTTP_TIMEOUT=<seconds>: the WeChat client's read timeout, so that "an answer
  slower than the client waits" costs a test seconds instead of the 30 s default;
- WECHAT_IAC_TEST_SECRET_LOG=<file>: append every secret and token the process registers for
  redaction to <file> (mode 0600), so a secrets test knows every token to search for.
"""

from __future__ import annotations

import os

_log = os.environ.get("WECHAT_IAC_TEST_LOOPBACK_LOG")
if _log:
    import loopback_guard

    loopback_guard.install(log_path=_log)

_timeout = os.environ.get("WECHAT_IAC_TEST_HTTP_TIMEOUT")
if _timeout:
    import functools
    from typing import Any

    import wechat.http

    _original_init = wechat.http.HTTPCore.__init__

    @functools.wraps(_original_init)
    def _init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["timeout"] = float(_timeout)
        _original_init(self, *args, **kwargs)

    wechat.http.HTTPCore.__init__ = _init  # type: ignore[method-assign]

_secret_log = os.environ.get("WECHAT_IAC_TEST_SECRET_LOG")
if _secret_log:
    import json

    import wechat.redact

    class _RecordingSet(set):  # type: ignore[type-arg]
        """wechat.redact's registry of secrets and tokens, also written to the test's own log, so a
        test knows every token this process obtained (the emulator does not list the tokens it issued)."""

        def add(self, value: object) -> None:
            fd = os.open(_secret_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as log:
                log.write(json.dumps(value) + "\n")
            super().add(value)

    wechat.redact._registry = _RecordingSet(wechat.redact._registry)
