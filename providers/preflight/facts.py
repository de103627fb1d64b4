"""Live reads for preflight, made in parallel, each kept as its answer or the error it raised.

A `Facts` is what one account's reads returned: `values[key]` for a read that answered,
`errors[key]` for one that failed (a WeChat errcode, a missing config key, a dead network). A read
never raises out of `gather()`: a failure is itself a fact that a check turns into a finding.
Reads are idempotent GETs (or POSTs WeChat documents as reads); none writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from wechat import APIError

# reads in flight at once, as many as the provider host's threads (32); WeChat's per-minute limits
# are per API and account. 16 -> 32: bench/RESULTS.md, issue 18 phase 3
READ_WORKERS = 32


@dataclass
class Facts:
    """One account's live reads: answers by key, and the errors of the reads that failed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.values

    def error(self, key: str) -> Exception | None:
        return self.errors.get(key)

    def errcode(self, key: str) -> int | None:
        error = self.errors.get(key)
        return error.errcode if isinstance(error, APIError) else None

    def put(self, key: str, value: Any = None, error: Exception | None = None) -> None:
        with self._lock:
            if error is None:
                self.values[key] = value
            else:
                self.errors[key] = error


Job = tuple[Facts, str, Callable[[], Any]]


def gather(jobs: list[Job], workers: int = READ_WORKERS) -> None:
    """Run every read at once (at most `workers` in flight); each lands in its Facts."""
    if not jobs:
        return

    def run(job: Job) -> None:
        facts, key, read = job
        try:
            facts.put(key, read())
        except Exception as error:  # kept as a fact: the check that needs it reports it
            facts.put(key, error=error)

    with ThreadPoolExecutor(min(workers, len(jobs)), thread_name_prefix="wechat-preflight") as pool:
        list(pool.map(run, jobs))
