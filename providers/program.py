"""The Pulumi program: one Platform component per platform spec and one MiniProgram component per
mini-program spec, their resources as children; preflight runs before anything is declared.

Order: a mini-program's domain resources and its release depend on its platform's domain lists
(WeChat accepts a mini-program domain only once the platform has it, and a release through the
platform keeps only the platform's published domains), so `up` sets the platform's lists first.

Fleets (`providers/fleet`): a platform spec's `fleet:` release is planned for the whole fleet
before anything is declared, and each member's Release gets the fleet's release with its gate. A
shard stack (config `shard: I/N`) declares only its mini-programs, and only shard 0 the platform's
own resources.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG

from providers import _preflight_reads, _sdk_trims, preflight
from providers._platform import platform_credentials
from providers._settings import Settings
from providers.fleet.declare import (
    fleet_causes,
    fleet_releases,
    hold_fleet_findings,
    members,
    shard_view,
    write_declared,
)
from providers.fleet.gate import FleetRelease
from providers.fleet.run import FleetError
from providers.fleet.shards import SHARD_CONFIG, Shard, ShardError
from providers.models import MiniProgramSpec, PlatformSpec, SpecError, StackSpecs, load_stack
from providers.registry import PLATFORM_RESOURCES, RESOURCES, child_name
from providers.stack_inputs import miniprogram_inputs, platform_inputs
from wechat.redact import scrub

DEFAULT_SPECS = "specs/*.yaml"
# blocks whose WeChat calls need the platform's lists in place first
NEEDS_PLATFORM_LISTS = frozenset({"server_domains", "webview_domains", "release"})
# WECHAT_IAC_PREFLIGHT: enforce (default: a ⛔ stops the run before any resource is declared),
# report (print the findings, never stop), off (`runner.plan` runs preflight itself and renders it)
PREFLIGHT_ENV = "WECHAT_IAC_PREFLIGHT"


class Platform(pulumi.ComponentResource):
    """One third-party platform: a resource per managed platform-level block of its spec."""

    def __init__(self, spec: PlatformSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wechat:index:Platform", spec.name, None, opts)
        credentials = platform_credentials(spec.component_appid, spec.credentials.model_dump(mode="json",
                                                                                             exclude_none=True))
        self.children: list[pulumi.Resource] = []
        for block, spec_block in platform_inputs(spec).items():
            options = pulumi.ResourceOptions(parent=self)
            name = child_name(spec.name, block)
            self.children.append(PLATFORM_RESOURCES[block](name, spec.component_appid, credentials, spec_block,
                                                           options))
        self.register_outputs({"component_appid": spec.component_appid})


class MiniProgram(pulumi.ComponentResource):
    """One mini-program: a resource per managed block of its spec (absent blocks are not managed)."""

    def __init__(self, spec: MiniProgramSpec, platform: tuple[PlatformSpec, Platform | None] | None = None,
                 opts: pulumi.ResourceOptions | None = None, fleet_release: dict[str, Any] | None = None) -> None:
        super().__init__("wechat:index:MiniProgram", spec.name, None, opts)
        credentials: dict[str, Any] = spec.credentials.model_dump(mode="json", exclude_none=True)
        platform_spec = platform[0] if platform else None
        platform_lists = platform[1].children if platform and platform[1] is not None else []
        declared: list[pulumi.Resource] = []
        self.stack_outputs: dict[str, Any] = {"appid": spec.appid}
        for block, spec_block in miniprogram_inputs(spec, platform_spec, fleet_release).items():
            resource_class = FleetRelease if block == "release" and fleet_release else RESOURCES.get(block)
            if resource_class is None:
                continue
            # the release goes last: submit_audit needs profile, categories and privacy in place
            depends_on = list(declared) if block == "release" else []
            if block in NEEDS_PLATFORM_LISTS:
                depends_on += platform_lists
            options = pulumi.ResourceOptions(parent=self, depends_on=depends_on)
            name = child_name(spec.name, block)
            resource = resource_class(name, spec.appid, credentials, spec_block, options)
            declared.append(resource)
            if block == "release":  # what `pulumi stack output` shows: where the release stands
                self.stack_outputs["release"] = {key: getattr(resource, key) for key in resource.extra_outputs}
        self.register_outputs(self.stack_outputs)


def load_stack_specs(project_dir: Path, pattern: str) -> StackSpecs:
    # relative paths: they appear in error messages, and those end up in pull-request comments
    paths = sorted(path.relative_to(project_dir) for path in project_dir.glob(pattern))
    if not paths:
        raise pulumi.RunError(f"no spec files match {pattern!r} in {project_dir}")
    try:
        return load_stack(paths)
    except SpecError as error:
        raise pulumi.RunError(f"invalid spec:\n{error}") from None


def run_preflight(stack: StackSpecs, settings: Settings, fleet_ids: frozenset[str] = frozenset()) -> dict[str, str]:
    """Preflight before any resource is declared: a ⛔ fails preview and stops `up` before any write.

    A fleet member's ⛔ does not stop the others: the member waits with its cause (returned)."""
    mode = os.environ.get(PREFLIGHT_ENV, "enforce")
    if mode == "off" and not fleet_ids:
        return {}
    if mode == "off":  # `runner plan` shows preflight itself; the fleet still needs its members' causes
        members_only = dataclasses.replace(stack, miniprograms=[s for s in stack.miniprograms if s.appid in fleet_ids])
        members_report = preflight.run(members_only, settings)
        _preflight_reads.hand_over()
        return fleet_causes(members_report.blocking(), set(fleet_ids))
    report = preflight.run(stack, settings)
    _preflight_reads.hand_over()  # its answers, for the resources' check() and diff() of this run
    fleet_blocked = hold_fleet_findings(report, stack, set(fleet_ids))
    enforce = mode == "enforce"
    # printed, not pulumi.log: the CLI (v3.260) drops program diagnostics from `--diff` displays
    for finding in report.problems():
        if not (finding.blocks and enforce):  # a blocking one is in the error below
            print(scrub(finding.line()), flush=True)
    print(report.summary(), flush=True)
    if report.blocked and enforce:
        lines = "\n".join(scrub(finding.line()) for finding in report.blocking())
        raise pulumi.RunError(f"preflight: {len(report.blocking())} ⛔ stop this run before any write; nothing was "
                              f"changed:\n{lines}")
    return fleet_blocked


def declare_stack(project_dir: Path) -> None:
    """Load every spec the stack names (config `specs`, a glob), run preflight, and declare them.

    All specs are validated before anything is declared, so one bad file stops the run with every
    problem listed and no API call made.
    """
    _sdk_trims.install()  # the SDK's per-resource stack traces kept, its debug lines dropped (see there)
    config = pulumi.Config()
    stack = load_stack_specs(project_dir, config.get("specs") or DEFAULT_SPECS)
    try:
        shard = Shard.parse(config.get(SHARD_CONFIG))
    except ShardError as error:
        raise pulumi.RunError(str(error)) from None
    settings = Settings.from_config(dict(CONFIG.get()))
    blocked = run_preflight(shard_view(stack, shard), settings, frozenset(members(stack)))
    try:
        fleet = fleet_releases(stack, settings, shard, dry_run=pulumi.runtime.is_dry_run(), blocked=blocked)
    except FleetError as error:
        raise pulumi.RunError(f"fleet: {scrub(str(error))}") from None
    write_declared(shard, fleet)  # for `runner plan`: which apps this run declares (its shard)
    platforms = {spec.name: (spec, Platform(spec) if shard.manages_platform else None) for spec in stack.platforms}
    for spec in stack.miniprograms:
        if not shard.holds(spec.appid):
            continue
        linked = stack.platform_of(spec)
        program = MiniProgram(spec, platforms[linked.name] if linked is not None else None,
                              fleet_release=fleet.get(spec.appid))
        pulumi.export(spec.name, program.stack_outputs)
