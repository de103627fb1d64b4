"""The `spec` input of every resource, computed from the specs: the one function the Pulumi program,
the reviewers' plan and preflight all use, so what a plan shows is what `up` declares.

- a mini-program's blocks, each as its resource gets it; the release block also carries the
  domains the spec declares and its platform's published lists (a release through the platform
  keeps only the platform's domains; see `release_domains`);
- a platform spec's blocks (its platform-level resources).
"""

from __future__ import annotations

from typing import Any

from providers import release_domains
from providers.models import MiniProgramSpec, PlatformSpec

Props = dict[str, Any]


def _dump(block: Any) -> Props | None:
    return None if block is None else dict(block.model_dump(mode="json"))


def declared_domains(spec: MiniProgramSpec, platform: PlatformSpec | None) -> Props:
    """What the Release needs to know about domains: the spec's own, and its platform's published lists."""
    declared = release_domains.declared(_dump(spec.server_domains), _dump(spec.webview_domains))
    if platform is not None:
        lists = release_domains.platform_lists(
            platform.server_domains.published if platform.server_domains else None,
            platform.jump_domains.published if platform.jump_domains else None,
        )
        source = platform.source_file.as_posix() if platform.source_file is not None else f"platform {platform.name}"
        declared["platform"] = {**lists, "spec": source}
    return declared


def miniprogram_inputs(spec: MiniProgramSpec, platform: PlatformSpec | None,
                       fleet_release: Props | None = None) -> dict[str, Props]:
    """Each managed block's `spec` input, by block name, in spec order; a fleet member's release is
    the fleet's (`providers/fleet/declare.py`), last."""
    inputs: dict[str, Props] = {}
    blocks: dict[str, Any] = dict(spec.managed_blocks())
    if fleet_release is not None:
        blocks["release"] = fleet_release
    for block, value in blocks.items():
        spec_block = dict(value) if isinstance(value, dict) else value.model_dump(mode="json", exclude_none=True)
        if block == "release":
            declared = declared_domains(spec, platform)
            if declared:
                spec_block["declared_domains"] = declared
            if platform is not None and platform.audit_events is not None:  # a waiting `up` watches them
                spec_block["audit_events"] = platform.audit_events.model_dump(mode="json", exclude_none=True)
        inputs[block] = spec_block
    return inputs


def platform_inputs(platform: PlatformSpec) -> dict[str, Props]:
    """Each platform-level block's `spec` input, by block name."""
    return {block: value.model_dump(mode="json", exclude_none=True)
            for block, value in platform.managed_blocks().items()}
