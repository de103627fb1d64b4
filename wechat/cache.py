"""Tokens cached on disk across runs, because every `pulumi up` starts new processes and the
component and authorizer token refreshes have a daily quota.

One JSON file per (base URL, appid, kind) in a 0700 directory, each file 0600, written to a
temporary file and renamed into place so readers never see half a file. A sibling ``.lock`` file
taken with ``flock`` makes a refresh single-flight across processes too (where fcntl exists).
Only tokens (and a rotated authorizer refresh token) are stored; never AppSecrets or tickets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._constants import TOKEN_CACHE_ENV, TOKEN_CACHE_SUBDIR

try:  # POSIX only; without it the cache is still atomic, just not single-flight across processes.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["TokenCache", "default_cache_dir"]

log = logging.getLogger("wechat")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def default_cache_dir() -> Path:
    """``$WECHAT_IAC_TOKEN_CACHE``, else ``${XDG_CACHE_HOME:-~/.cache}/wechat-iac/tokens``."""
    explicit = os.environ.get(TOKEN_CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().joinpath(*TOKEN_CACHE_SUBDIR)


class TokenCache:
    """A directory of token files, safe to share between threads and processes."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"TokenCache({str(self.directory)!r})"

    def path(self, base_url: str, appid: str, kind: str) -> Path:
        digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:12]
        return self.directory / f"{digest}-{_SAFE.sub('_', appid)}-{_SAFE.sub('_', kind)}.json"

    def load(self, base_url: str, appid: str, kind: str) -> dict[str, Any] | None:
        """The stored entry, or None when absent or unreadable (a bad file is treated as a miss)."""
        path = self.path(base_url, appid, kind)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.debug("ignoring unreadable token cache file %s: %s", path.name, type(exc).__name__)
            return None
        return data if isinstance(data, dict) else None

    def store(self, base_url: str, appid: str, kind: str, entry: dict[str, Any]) -> None:
        """Write the entry atomically with mode 0600."""
        self._ensure_dir()
        path = self.path(base_url, appid, kind)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def delete(self, base_url: str, appid: str, kind: str, *, only_token: str | None = None) -> None:
        """Remove the entry; with ``only_token``, only if it still holds that token."""
        if only_token is not None:
            entry = self.load(base_url, appid, kind)
            if entry is None or entry.get("access_token") != only_token:
                return
        with contextlib.suppress(FileNotFoundError):
            self.path(base_url, appid, kind).unlink()

    @contextlib.contextmanager
    def locked(self, base_url: str, appid: str, kind: str) -> Iterator[None]:
        """Hold an exclusive cross-process lock on one entry (a no-op without fcntl)."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        self._ensure_dir()
        lock_path = self.path(base_url, appid, kind).with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _ensure_dir(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # tighten a directory someone else created loosely
            if self.directory.stat().st_mode & 0o077:
                self.directory.chmod(0o700)
