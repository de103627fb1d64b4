"""SQLite-backed document store: every piece of emulator state is a JSON document (kind, key).

One connection and one lock serialise all access, so a request's reads and writes form a single
transaction and concurrent requests (uvicorn's thread pool) never interleave. Handlers mutate the
dicts they get from a `Tx`; the Tx writes back only the documents whose JSON changed, at commit.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]
log = logging.getLogger("emulator")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS calls (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL
);
"""


def _dump(doc: Doc) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Tx:
    """A unit of work: documents loaded here are written back on commit if they changed."""

    def __init__(self, conn: sqlite3.Connection, now: float) -> None:
        self._conn = conn
        self.now = now
        self._cache: dict[tuple[str, str], Doc | None] = {}
        self._original: dict[tuple[str, str], str | None] = {}
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (never if it rolls back): side effects
        outside the store, such as appending a pushed event to a file."""
        self._after_commit.append(action)

    def get(self, kind: str, key: str) -> Doc | None:
        ident = (kind, key)
        if ident not in self._cache:
            row = self._conn.execute("SELECT body FROM docs WHERE kind=? AND key=?", ident).fetchone()
            self._original[ident] = row[0] if row else None
            self._cache[ident] = json.loads(row[0]) if row else None
        return self._cache[ident]

    def put(self, kind: str, key: str, doc: Doc) -> Doc:
        self.get(kind, key)  # remember the original so commit knows what changed
        self._cache[(kind, key)] = doc
        return doc

    def delete(self, kind: str, key: str) -> None:
        self.get(kind, key)
        self._cache[(kind, key)] = None

    def keys(self, kind: str) -> list[str]:
        rows = self._conn.execute("SELECT key FROM docs WHERE kind=? ORDER BY key", (kind,)).fetchall()
        stored = {r[0] for r in rows}
        for (k, key), doc in self._cache.items():
            if k == kind:
                if doc is None:
                    stored.discard(key)
                else:
                    stored.add(key)
        return sorted(stored)

    def all(self, kind: str) -> dict[str, Doc]:
        out: dict[str, Doc] = {}
        for key in self.keys(kind):
            doc = self.get(kind, key)
            if doc is not None:
                out[key] = doc
        return out

    def meta(self) -> Doc:
        """Process-wide counters and settings (id sequences, clock offset)."""
        doc = self.get("meta", "meta")
        if doc is None:
            doc = self.put("meta", "meta", {})
        return doc

    def next_id(self, name: str, start: int) -> int:
        seqs = self.meta().setdefault("seq", {})
        value = int(seqs.get(name, start - 1)) + 1
        seqs[name] = value
        return value

    def _flush(self) -> None:
        for ident, doc in self._cache.items():
            before = self._original.get(ident)
            if doc is None:
                if before is not None:
                    self._conn.execute("DELETE FROM docs WHERE kind=? AND key=?", ident)
                continue
            after = _dump(doc)
            if after != before:
                self._conn.execute(
                    "INSERT INTO docs(kind, key, body) VALUES(?,?,?) "
                    "ON CONFLICT(kind, key) DO UPDATE SET body=excluded.body",
                    (*ident, after),
                )


class Store:
    """The emulator's state: `:memory:` for tests, a file (WAL) so a demo survives restarts."""

    def __init__(self, path: str = ":memory:") -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so a Tx is exactly one transaction.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    # The emulator clock is wall time plus an offset that tests move; it persists with the state.
    def _offset_locked(self) -> float:
        row = self._conn.execute("SELECT body FROM docs WHERE kind='meta' AND key='meta'").fetchone()
        return float(json.loads(row[0]).get("clock_offset", 0.0)) if row else 0.0

    def clock_offset(self) -> float:
        with self._lock:
            return self._offset_locked()

    def now(self) -> float:
        return time.time() + self.clock_offset()

    @contextmanager
    def tx(self, now: float | None = None) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if now is None:
                    now = time.time() + self._offset_locked()
                tx = Tx(self._conn, now)
                yield tx
                tx._flush()
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        for action in tx._after_commit:
            try:
                action()
            except Exception:  # a side effect must never turn a committed change into an error
                log.exception("an after-commit action failed")

    def wipe(self, keep_meta: bool = True) -> None:
        """Forget all state (and the call log); the clock offset survives unless told otherwise."""
        with self._lock:
            if keep_meta:
                self._conn.execute("DELETE FROM docs WHERE kind != 'meta'")
                row = self._conn.execute("SELECT body FROM docs WHERE kind='meta' AND key='meta'").fetchone()
                if row:
                    offset = json.loads(row[0]).get("clock_offset", 0.0)
                    self._conn.execute(
                        "UPDATE docs SET body=? WHERE kind='meta' AND key='meta'",
                        (_dump({"clock_offset": offset}),),
                    )
            else:
                self._conn.execute("DELETE FROM docs")
            self._conn.execute("DELETE FROM calls")

    def is_empty(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM docs WHERE kind != 'meta' LIMIT 1").fetchone() is None

    # --- the call log lives in its own table: append-only, read by sequence number ---
    def append_call(self, entry: Doc) -> int:
        with self._lock:
            cur = self._conn.execute("INSERT INTO calls(body) VALUES(?)", (_dump(entry),))
            return int(cur.lastrowid or 0)

    def calls(self, since: int = 0) -> list[Doc]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, body FROM calls WHERE seq > ? ORDER BY seq", (since,)
            ).fetchall()
        return [{"seq": seq, **json.loads(body)} for seq, body in rows]

    def clear_calls(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM calls")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
