"""A token source that runs a command (the credential_process pattern of AWS and kubectl)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence

from ._constants import TOKEN_COMMAND_TIMEOUT
from .errors import TokenCommandError, TokenSourceError
from .redact import scrub
from .tokens import Clock, TokenHTTP, _Fetched, _parse_token, _Slot

__all__ = ["CommandTokenSource"]


class CommandTokenSource:
    """Runs a command that prints ``{"access_token": "...", "expires_in": 7200}`` (credential_process).

    For teams whose own platform server holds the verify ticket and the tokens. The command gets
    ``WECHAT_IAC_APPID`` in its environment. Its output is never echoed in errors (it may hold
    secrets); only the executable's name, the exit status and a scrubbed tail of stderr are.
    """

    kind = "command"

    def __init__(self, argv: Sequence[str], appid: str, *, timeout: float = TOKEN_COMMAND_TIMEOUT,
                 clock: Clock = time.time):
        if not argv:
            raise ValueError("CommandTokenSource needs a non-empty argv")
        self.argv, self.appid, self.timeout = list(argv), appid, timeout
        self._name = os.path.basename(self.argv[0])
        self._slot = _Slot("command", appid, None, clock, self._fetch)

    def __repr__(self) -> str:
        return f"CommandTokenSource(appid={self.appid!r}, command={self._name!r})"

    def token(self, http: TokenHTTP) -> str:
        return self._slot.get(http)

    def invalidate(self, used_token: str) -> None:
        self._slot.invalidate(used_token)

    def _fetch(self, http: TokenHTTP) -> _Fetched:
        what = f"token command {self._name!r} for {self.appid}"
        problem, done = "", None
        try:
            done = subprocess.run(self.argv, capture_output=True, stdin=subprocess.DEVNULL, check=False,
                                  timeout=self.timeout, env={**os.environ, "WECHAT_IAC_APPID": self.appid})
        except subprocess.TimeoutExpired:  # its str() holds the whole argv, which may hold secrets
            problem = f"did not finish within {self.timeout:g} s"
        except OSError as exc:
            problem = f"could not start: {exc.strerror or type(exc).__name__}"
        # Raised outside the except blocks: nothing chains to an exception holding argv or output.
        if done is None:
            raise TokenCommandError(f"{what} {problem}")
        if done.returncode != 0:
            tail = scrub(done.stderr.decode("utf-8", "replace").strip()[-300:])
            raise TokenCommandError(f"{what} exited with status {done.returncode}"
                                    + (f"; stderr ends with: {tail}" if tail else ""))
        http.note_token_fetch(self.kind)
        return self._parse(done.stdout, what)

    @staticmethod
    def _parse(stdout: bytes, what: str) -> _Fetched:
        expected = 'expected one JSON object {"access_token": "...", "expires_in": <seconds>} on stdout'
        hidden = "(the output is not shown: it may hold secrets)"
        data: object = None
        try:
            data = json.loads(stdout.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):  # the error object holds the output: do not chain it
            problem = f"printed {len(stdout)} bytes that are not JSON"
        else:
            problem = "" if isinstance(data, dict) else "printed JSON that is not an object"
        if problem:
            raise TokenCommandError(f"{what} {problem}; {expected} {hidden}")
        assert isinstance(data, dict)
        try:
            return _parse_token(data, "access_token", what)
        except TokenSourceError as exc:
            message = f"{exc}; {expected} {hidden}"
        raise TokenCommandError(message)
