"""What a resource's diff() read, kept for the update() the engine runs next for it in the same `up`.

The engine calls diff() and then, when it reports changes, update() with the same inputs and the same
recorded outputs, in the same provider host. A provider that plans its update() from diff()'s read
(`WeChatResourceProvider.plans_from_diff`) finds it here: keyed by the resource kind, its inputs and
its recorded outputs, taken once, and only while younger than TTL. A host serves one engine run, so
nothing here outlives the `up` that read it.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from providers import _host

Props = dict[str, Any]
TTL = 120.0  # seconds: an older read is dropped and update() reads again

_lock = threading.Lock()
_reads: dict[str, tuple[float, Props]] = {}


def remember(kind: str, news: Props, olds: Props, live: Props) -> None:
    """Kept only in the provider host (one engine run); any other process's diff() is not followed here."""
    if not _host.serving():
        return
    with _lock:
        _reads[_key(kind, news, olds)] = (time.monotonic(), live)


def recall(kind: str, news: Props, olds: Props) -> Props | None:
    """The live state diff() read for these inputs and outputs (taken: a second update reads again)."""
    with _lock:
        found = _reads.pop(_key(kind, news, olds), None)
    if found is None or time.monotonic() - found[0] > TTL:
        return None
    return found[1]


def forget() -> None:
    """Drop every read (tests; a host serves one engine run, so it never needs to)."""
    with _lock:
        _reads.clear()


def _key(kind: str, news: Props, olds: Props) -> str:
    """The same resource with the same inputs and the same recorded outputs as at its diff()."""
    parts = [kind, *({k: v for k, v in props.items() if k != "__provider"} for props in (news, olds))]
    return json.dumps(parts, sort_keys=True, default=str)
