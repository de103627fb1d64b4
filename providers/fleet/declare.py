"""From a stack's specs to each fleet member's release block: what the Pulumi program calls.

For every platform spec with a `fleet:` block, its members are the mini-programs that name the
platform and declare no `release` of their own; this runner's are those of its shard. The wave
planner runs (`run.plan_fleet_release`) and each of this runner's members gets, as its `release`
block, the fleet's release (version, source, audit, rollout) plus its gate (`spec.fleet`), declared
as a `FleetRelease` (the Release resource, held to its gate).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers._settings import Settings
from providers.fleet.run import PLAN_DIR_ENV, FleetRelease, plan_fleet_release
from providers.fleet.shards import Shard
from providers.fleet.waves import Member

# preflight checks the fleet does itself, per app and fleet-wide: the quota, another audit in flight
FLEET_CHECKS = frozenset({"audit_quota", "in_flight_audit"})


def members(stack: Any) -> dict[str, Any]:
    """appid -> the FleetSpec of every fleet member (a platform's app without a release of its own)."""
    found: dict[str, Any] = {}
    for platform in stack.platforms:
        if getattr(platform, "fleet", None) is not None:
            found.update({spec.appid: platform.fleet for spec in stack.miniprograms_of(platform)
                          if spec.release is None and platform.fleet.selects_app(spec.name, spec.appid)})
    return found


def shard_view(stack: Any, shard: Shard) -> Any:
    """The stack as this runner's preflight sees it: its shard's mini-programs only, each fleet member
    with the fleet's release as its own (so the release checks run for it)."""
    from providers.models import ReleaseSpec

    fleet = members(stack)
    mine = []
    for spec in stack.miniprograms:
        if not shard.holds(spec.appid):
            continue
        if spec.appid in fleet:
            spec = spec.model_copy(update={"release": ReleaseSpec.model_validate(fleet[spec.appid].release_block())})
        mine.append(spec)
    return dataclasses.replace(stack, miniprograms=mine)


def fleet_causes(findings: Any, fleet_ids: set[str]) -> dict[str, str]:
    """appid -> why preflight would stop it (its first ⛔), for the fleet's members: a blocked member
    waits with that cause while the others go on."""
    causes: dict[str, str] = {}
    for finding in findings:
        if finding.subject in fleet_ids and finding.check not in FLEET_CHECKS:
            causes.setdefault(finding.subject, f"preflight {finding.check}: {finding.message}")
    return causes


def hold_fleet_findings(report: Any, stack: Any, fleet_ids: set[str]) -> dict[str, str]:
    """A fleet member's ⛔ holds that member back (the fleet plan groups them) and stops nothing else,
    and the platform's audit quota is the fleet's to share out (it never submits past it): those
    findings become ⚠ in `report`. Returns the members' causes (`fleet_causes`)."""
    from providers.preflight.findings import WARN

    causes = fleet_causes(report.blocking(), fleet_ids)
    fleet_platforms = {p.component_appid for p in stack.platforms if getattr(p, "fleet", None) is not None}

    def held(finding: Any) -> bool:
        return bool(finding.blocks) and (finding.subject in fleet_ids or
                                         (finding.check == "audit_quota" and finding.subject in fleet_platforms))

    report.findings = [dataclasses.replace(f, severity=WARN, message=f"{f.message} (the fleet holds it back)")
                       if held(f) else f for f in report.findings]
    return causes


def fleet_releases(stack: Any, settings: Settings, shard: Shard, *, dry_run: bool,
                   blocked: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """appid -> the release block (with its gate) of every fleet member this runner declares.

    `stack` is a `StackSpecs` (platforms, miniprograms_of); a platform's `fleet` is a FleetSpec.
    `blocked`: preflight's causes for members it would stop (`fleet_causes`).
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
                               local={spec.appid for spec in specs if shard.holds(spec.appid)}, shards=shard.count,
                               blocked=dict(blocked or {}))
        own = sorted(spec.name for spec in specs if spec.release is not None)
        if own:
            release.notes.append(f"not in the fleet (their specs declare a release of their own): {', '.join(own)}")
        block = fleet.release_block()
        for appid, gate in plan_fleet_release(release, settings, dry_run=dry_run).items():
            blocks[appid] = {**block, "fleet": gate}
    return blocks


DECLARED = "declared.json"


def write_declared(shard: Shard, blocks: Mapping[str, Any]) -> None:
    """What this run declares beyond the specs (its shard, the fleet members' release blocks), for
    `runner plan`, which plans each resource itself: into $WECHAT_IAC_FLEET_PLAN_DIR when set."""
    folder = os.environ.get(PLAN_DIR_ENV)
    if folder:
        Path(folder, DECLARED).write_text(json.dumps({"shard": str(shard), "fleet": dict(blocks)}), encoding="utf-8")


def read_declared(folder: str | os.PathLike[str] | None) -> tuple[Shard, dict[str, dict[str, Any]]]:
    """The shard and fleet release blocks the program declared (defaults: the whole stack, no fleet)."""
    path = Path(folder, DECLARED) if folder else None
    if path is None or not path.is_file():
        return Shard(), {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return Shard.parse(data.get("shard")), dict(data.get("fleet") or {})
