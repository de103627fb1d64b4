"""The resources a spec can declare: one row each, in the order they are created. No discovery.

A row names the resource (its provider, and through it the block name `kind` and the spec model
`spec_model`), how the review plan titles it, and how `python -m runner adopt` writes it from a live
mini-program. A platform spec's blocks (`kind: platform`) are rows too, in `PLATFORM_ROWS`: their
block name in the platform spec is `key`, and `runner adopt` does not write them (no `adopt`).
Every other list is derived from these rows: the program's declarations
(`providers.program`), the plan's resources and titles (`runner.plan`, `runner.render`), adoption
(`runner.adopt`), the benchmarks' and the fault tests' resource types. The spec's blocks are the
fields of `MiniProgramSpec` (typed, documented: the schema says what they are);
`tests/unit/test_registry.py` fails when a field has no row, a row no field, or a row lacks a part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from providers import (
    categories,
    developers,
    platform_jump_domains,
    platform_server_domains,
    privacy,
    profile,
    qrcode_jump,
    release,
    server_domains,
    testers,
    webview_domains,
)
from providers._base import Adopted, Context, WeChatResource, WeChatResourceProvider


@dataclass(frozen=True)
class Row:
    resource: type[WeChatResource]
    title: str  # the block's title in the review plan
    adopt: Callable[[Context], Adopted] | None  # the block as spec data (or None) and comment lines, read live
    key: str | None = None  # its block name in the spec, when not the provider's kind (a platform spec's)

    @property
    def provider(self) -> type[WeChatResourceProvider]:
        return self.resource.provider_class

    @property
    def block(self) -> str:
        """The provider's kind: the block name in plans and events (and in a mini-program spec)."""
        return self.provider.kind

    @property
    def spec_key(self) -> str:
        return self.key or self.block

    @property
    def spec_model(self) -> type[BaseModel]:
        return self.provider.spec_model


ROWS: tuple[Row, ...] = (
    Row(server_domains.ServerDomains, "server domains", server_domains.adopt),
    Row(webview_domains.WebviewDomains, "web-view (business) domains", webview_domains.adopt),
    Row(testers.Testers, "testers", testers.adopt),
    Row(developers.Developers, "developers", developers.adopt),
    Row(profile.Profile, "profile", profile.adopt),
    Row(categories.Categories, "categories", categories.adopt),
    Row(privacy.PrivacySettings, "privacy settings", privacy.adopt),
    Row(qrcode_jump.QRCodeJump, "jump QR-code rules", qrcode_jump.adopt),
    Row(release.Release, "release", release.adopt),  # last: submit_audit needs the others in place
)

# the platform's own lists, set with its component token (a `kind: platform` spec's blocks)
PLATFORM_ROWS: tuple[Row, ...] = (
    Row(platform_server_domains.PlatformServerDomains, "platform server domains", None, key="server_domains"),
    Row(platform_jump_domains.PlatformJumpDomains, "platform business (jump) domains", None, key="jump_domains"),
)

BY_BLOCK: dict[str, Row] = {row.block: row for row in ROWS}
RESOURCES: dict[str, type[WeChatResource]] = {row.block: row.resource for row in ROWS}
PLATFORM_RESOURCES: dict[str, type[WeChatResource]] = {row.spec_key: row.resource for row in PLATFORM_ROWS}
TITLES: dict[str, str] = {row.block: row.title for row in ROWS + PLATFORM_ROWS}


def child_name(spec_name: str, block: str) -> str:
    """The Pulumi name of a mini-program's resource for a block: `shop-server-domains`."""
    return f"{spec_name}-{block.replace('_', '-')}"
