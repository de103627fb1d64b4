"""Reads started by check() for the diff() that follows it.

The engine calls check() one resource at a time and, with PULUMI_PARALLEL_DIFF (set by
runner/env.py), diff() on up to --parallel threads; starting the read in check() overlaps it with
the checks still to come. diff() takes the result (the same read it would make, a moment earlier),
or makes the read itself if it is still queued; create() and update() always read afresh.
WECHAT_IAC_PREFETCH=0 in the environment turns it off.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

WORKERS = 8  # reads in flight at once, per provider host
TTL = 30.0  # seconds: an older prefetched read is dropped and diff() reads again
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def start(provider: Any, props: dict[str, Any], read: Callable[[], Any]) -> None:
    """Queue `read` (the provider's live read for these props) on the shared pool."""
    if os.environ.get("WECHAT_IAC_PREFETCH") == "0":
        return
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="wechat-prefetch")
        pending = provider.__dict__.setdefault("_prefetches", {})
        pending[_key(props)] = (time.monotonic(), _pool.submit(read))


def take(provider: Any, props: dict[str, Any]) -> Future[Any] | None:
    """The read started for these props, if it is recent enough."""
    with _lock:
        found = provider.__dict__.get("_prefetches", {}).pop(_key(props), None)
    if found is None or time.monotonic() - found[0] > TTL:
        return None
    future: Future[Any] = found[1]
    return future


def _key(props: dict[str, Any]) -> str:
    return json.dumps([props.get("appid"), props.get("credentials")], sort_keys=True, default=str)
