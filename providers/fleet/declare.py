"""From a stack's specs to each fleet member's release block: what the Pulumi program calls.

For every platform spec with a `fleet:` block, its members are the mini-programs that name the
platform and declare no `release` of their own; this runner's are those of its shard. The wave
planner runs (`run.plan_fleet_release`) and each of this runner's members gets, as its `release`
block, the fleet's release (version, source, audit, rollout) plus its gate (`spec.fleet`), declared
as a `FleetRelease` (the Release resource, held to its gate).
"""

from __future__ import annotations

from typing import Any

from providers._settings import Settings
from providers.fleet.run import FleetRelease, plan_fleet_release
from providers.fleet.shards import Shard
from providers.fleet.waves import Member


def fleet_releases(stack: Any, settings: Settings, shard: Shard, *, dry_run: bool) -> dict[str, dict[str, Any]]:
    """appid -> the release block (with its gate) of every fleet member this runner declares.

    `stack` is a `StackSpecs` (platforms, miniprograms_of); a platform's `fleet` is a FleetSpec.
    """
    blocks: dict[str, dict[str, Any]] = {}
    for platform in stack.platforms:
        fleet = getattr(platform, "fleet", None)
        if fleet is None:
            continue
        specs = stack.miniprograms_of(platform)
        candidates = [(Member(spec.appid, spec.name), spec.credentials.model_dump(mode="json", exclude_none=True))
                      for spec in specs if spec.release is None]
        release = FleetRelease(platform.name, platform.component_appid, fleet, candidates,
                               local={spec.appid for spec in specs if shard.holds(spec.appid)}, shards=shard.count)
        own = sorted(spec.name for spec in specs if spec.release is not None)
        if own:
            release.notes.append(f"not in the fleet (their specs declare a release of their own): {', '.join(own)}")
        block = fleet.release_block()
        for appid, gate in plan_fleet_release(release, settings, dry_run=dry_run).items():
            blocks[appid] = {**block, "fleet": gate}
    return blocks
