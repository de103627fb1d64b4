"""Shards: one Pulumi stack per slice of the mini-programs, so no stack grows past what one `up` handles.

A stack of 1,000 mini-programs takes minutes per preview and about 0.9 GB in the Pulumi CLI, and
10,000 do not fit one stack. A shard stack has stack config `wechat-iac:shard: "I/N"` and declares
only the mini-programs whose appid hashes to it: `sha256("shard:" + appid) mod N == I`. The hash keeps an app in
its shard whatever else is added or removed, needs no list to maintain, and spreads every wave
over all shards (the wave order uses a different key, so a wave is not one shard's).

Everything platform-level (the platform's own domain lists) belongs to shard 0 only, so exactly one
stack manages it. Shards run in parallel (`python -m runner fleet`, or one CI job each) and share the
state backend and the fleet ledger; the wave planner sees every shard's apps through the ledger.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHARD_CONFIG = "shard"  # stack config key (project namespace): "I/N"
_SHARD = re.compile(r"(\d+)/(\d+)")


class ShardError(ValueError):
    """A stack's shard setting is not I/N with 0 <= I < N."""


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if not text:
            return cls()
        match = _SHARD.fullmatch(text.strip())
        if not match or not 0 <= int(match[1]) < int(match[2]):
            raise ShardError(f"stack config wechat-iac:{SHARD_CONFIG} must be I/N with 0 <= I < N (e.g. 0/4), "
                             f"got {text!r}")
        return cls(int(match[1]), int(match[2]))

    def holds(self, appid: str) -> bool:
        return shard_of(appid, self.count) == self.index

    @property
    def manages_platform(self) -> bool:
        """Platform-level resources live in shard 0 only."""
        return self.index == 0

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(appid: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(f"shard:{appid}".encode()).digest()[:8], "big") % count


def shard_stack(base: str, index: int, count: int) -> str:
    """The name of shard I of N of stack `base` (e.g. prod-shard-0-of-4)."""
    return f"{base}-shard-{index}-of-{count}"
