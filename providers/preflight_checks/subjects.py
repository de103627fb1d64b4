"""Who preflight looks at: the stack's platforms and mini-programs, with the facts read for each.

A platform is a platform spec, or (for mini-program specs that give their platform's credentials
inline and name no platform spec) the component appid those credentials name. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from providers.models import MiniProgramSpec, PlatformSpec, StackSpecs
from providers.preflight_checks.facts import Facts

PLATFORM_CREDENTIAL_KEYS = ("component_appid", "component_secret_config", "verify_ticket_config",
                            "verify_ticket_file", "verify_ticket_env")


@dataclass
class AppSubject:
    spec: MiniProgramSpec
    platform: PlatformSubject | None = None
    facts: Facts = field(default_factory=Facts)
    phase: str | None = None  # the release phase of the spec's version (release_phases.phase_of), if known

    @property
    def appid(self) -> str:
        return self.spec.appid

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def mode(self) -> str:
        return str(self.spec.credentials.mode)

    @property
    def credentials(self) -> dict[str, Any]:
        return self.spec.credentials.model_dump(mode="json", exclude_none=True)

    @property
    def submits(self) -> bool:
        """`up` will submit the spec's version for audit (and commit it first if needed)."""
        return self.phase in ("absent", "committed", "withdrawn")

    @property
    def commits(self) -> bool:
        version = self.spec.release.version if self.spec.release else None
        info = self.facts.get("version_info") or {}
        return self.submits and (info.get("exp_info") or {}).get("exp_version") != version


@dataclass
class PlatformSubject:
    component_appid: str
    name: str
    credentials: dict[str, Any]  # component_appid, component_secret_config, one verify_ticket_* key
    spec: PlatformSpec | None = None
    apps: list[AppSubject] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)


def subjects(stack: StackSpecs) -> tuple[list[PlatformSubject], list[AppSubject]]:
    """Every platform (specs first, then ones named only by mini-program credentials) and app."""
    platforms: dict[str, PlatformSubject] = {}
    for platform_spec in stack.platforms:
        credentials = platform_spec.credentials.inherited(platform_spec.component_appid)
        platforms[platform_spec.component_appid] = PlatformSubject(
            platform_spec.component_appid, platform_spec.name, credentials, platform_spec)
    apps = []
    for spec in stack.miniprograms:
        app = AppSubject(spec)
        credentials = app.credentials
        if app.mode == "platform":
            component = str(credentials["component_appid"])
            if component not in platforms:
                inline = {key: credentials[key] for key in PLATFORM_CREDENTIAL_KEYS if key in credentials}
                platforms[component] = PlatformSubject(component, component, inline)
            app.platform = platforms[component]
            app.platform.apps.append(app)
        apps.append(app)
    return list(platforms.values()), apps
