"""Who is in the fleet, and in which wave: a pure function of the specs, the same on every machine.

Membership: the mini-programs whose specs name the platform, selected by `fleet.apps`, except
those that declare a `release` block of their own (their own release, a hotfix say, is theirs to
run; the fleet leaves them alone and says so).

Order: the apps named in waves come first, in their waves; every other member takes its place in
the **fleet order**, sorted by the SHA-256 of its appid. That order does not depend on file names
or on which shard reads it, spreads each wave over the shards, and moves no existing app when one
is added elsewhere in the order (only the percent boundaries can move by one).

Waves: `apps` takes those apps; `count: n` the next n apps of the fleet order; `percent: p` the
next apps until ceil(p% of the fleet) are in a wave (cumulative). Apps past the last wave are in no
wave: the fleet release does not reach them (the plan says so).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from providers.models.fleet import FleetSpec


@dataclass(frozen=True, order=True)
class Member:
    """A mini-program of the fleet: its appid and its spec's name."""

    appid: str
    name: str


@dataclass(frozen=True)
class Wave:
    index: int
    name: str
    apps: tuple[Member, ...]
    budget: int  # failures tolerated


@dataclass(frozen=True)
class Waves:
    waves: tuple[Wave, ...]
    unassigned: tuple[Member, ...]  # members past the last wave
    problems: tuple[str, ...] = ()  # wave entries naming no member of the fleet

    def wave_of(self) -> dict[str, int]:
        return {member.appid: wave.index for wave in self.waves for member in wave.apps}

    def members(self) -> list[Member]:
        return [member for wave in self.waves for member in wave.apps] + list(self.unassigned)


def fleet_order_key(appid: str) -> str:
    return hashlib.sha256(appid.encode()).hexdigest()


def select_members(spec: FleetSpec, candidates: Iterable[Member]) -> list[Member]:
    """The candidates `fleet.apps` selects (candidates: the platform's apps without a release block)."""
    return sorted((m for m in candidates if spec.apps.selects(m.name, m.appid)), key=lambda m: fleet_order_key(m.appid))


def assign_waves(spec: FleetSpec, members: Sequence[Member]) -> Waves:
    """Each member's wave (see the module docstring); `members` in any order."""
    by_key = {m.name: m for m in members} | {m.appid: m for m in members}
    problems: list[str] = []
    named: dict[int, list[Member]] = {}
    taken: set[str] = set()
    for index, wave in enumerate(spec.waves):
        for entry in wave.apps or []:
            member = by_key.get(entry)
            if member is None:
                problems.append(f"fleet.waves[{index}].apps: {entry!r} is not a mini-program of this fleet "
                                "(a spec name or appid of the platform's mini-programs that fleet.apps selects "
                                "and that declare no release block of their own)")
            elif member.appid not in taken:
                named.setdefault(index, []).append(member)
                taken.add(member.appid)
    rest = [m for m in sorted(members, key=lambda m: fleet_order_key(m.appid)) if m.appid not in taken]
    total = len(members)
    waves: list[Wave] = []
    placed = 0
    names = spec.wave_names()
    for index, wave in enumerate(spec.waves):
        if wave.apps is not None:
            apps = named.get(index, [])
        elif wave.count is not None:
            apps, rest = rest[:wave.count], rest[wave.count:]
        else:
            assert wave.percent is not None
            want = max(math.ceil(total * wave.percent / 100) - placed, 0)
            apps, rest = rest[:want], rest[want:]
        placed += len(apps)
        waves.append(Wave(index, names[index], tuple(apps), spec.budget_of(index)))
    return Waves(tuple(waves), tuple(rest), tuple(problems))
