"""A third-party platform's spec: one file per platform, beside the mini-program specs.

A platform spec says `kind: platform`. It holds the platform's credentials (the names of the stack
config keys, never values), the platform-level lists WeChat keeps for every authorized
mini-program (server domains, `cgi-bin/component/modify_wxa_server_domain`; business "jump"
domains, `cgi-bin/component/modify_wxa_jump_domain`; reference §2.5 and §10), where audit-result
events can be read from, and preflight settings. Mini-program specs name it with `platform:` and
then inherit its component appid, secret and verify ticket (see `loader`).

The platform lists are bare host names (WeChat sends them ";"-joined without a scheme). Each list
has two copies in WeChat: the *testing* copy and the *published* one. A release through the
platform keeps only the mini-program domains whose host is on the published copy, so that is the
list a spec names first; the testing copy defaults to the same hosts.

`fleet` is a fleet release: one template version released to the platform's mini-programs in
waves, within the audit quota (`providers/models/fleet.py`, `providers/fleet/`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from annotated_types import MinLen
from pydantic import Field, PrivateAttr, Strict, ValidationInfo

from providers.models._base import Bool, Check, Issue, SetLike, SpecModel, Text, WholeNumber, fail
from providers.models.credentials import TICKET_FIELDS, AppId, Argument, ConfigKey, EnvName, FilePath
from providers.models.domains import check_host
from providers.models.fleet import FleetSpec
from providers.models.spec import ResourceName, no_default

PLATFORM_KIND = "platform"
# modify_wxa_server_domain: "最多可以添加1000个"; modify_wxa_jump_domain: at most 200 (reference §2.5)
PLATFORM_SERVER_DOMAIN_LIMIT = 1000
PLATFORM_JUMP_DOMAIN_LIMIT = 200


def _bare_host(value: str) -> str:
    text = value.strip().lower()
    if "://" in text:
        raise fail("write the host name only, without a scheme (the platform lists hold bare hosts)")
    if any(mark in text for mark in "/?#:@"):
        raise fail("must be a bare host name: no path, port or user info")
    return check_host(text)


def _host_key(item: Any) -> str | None:
    if not isinstance(item, str):
        return None
    try:
        return _bare_host(item)
    except ValueError:
        return None


Host = Annotated[Text, Check(_bare_host, {"pattern": r"^[A-Za-z0-9.-]+$"})]


ServerHosts = Annotated[
    list[Host], SetLike("platform server domains", key=_host_key, limit=PLATFORM_SERVER_DOMAIN_LIMIT)
]
JumpHosts = Annotated[list[Host], SetLike("platform business domains", key=_host_key, limit=PLATFORM_JUMP_DOMAIN_LIMIT)]


class PlatformCredentialsSpec(SpecModel):
    """The platform's own credentials: the component secret and where the verify ticket is."""

    component_secret_config: ConfigKey
    """Stack config key holding the platform's component AppSecret."""
    verify_ticket_config: ConfigKey | None = None
    """One of three: stack config key holding the current component_verify_ticket."""
    verify_ticket_file: FilePath | None = None
    """One of three: a file the platform's ticket receiver rewrites on every push (its age is checked)."""
    verify_ticket_env: EnvName | None = None
    """One of three: an environment variable holding the ticket."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        tickets = [name for name in TICKET_FIELDS if data.get(name) is not None]
        if len(tickets) == 1:
            return []
        where = (tickets[1],) if len(tickets) > 1 else ()
        return [(where, "give exactly one of verify_ticket_config, verify_ticket_file, verify_ticket_env")]

    def inherited(self, component_appid: str) -> dict[str, Any]:
        """The fields a mini-program's `credentials` (mode platform) takes from this platform."""
        return {"component_appid": component_appid, **self.model_dump(mode="json", exclude_none=True)}


class PlatformServerDomainsSpec(SpecModel):
    """The platform's mini-program server domains (第三方平台 → 小程序服务器域名)."""

    published: ServerHosts
    """Hosts on the published copy: a release through the platform keeps only these."""
    testing: ServerHosts | None = None
    """Hosts on the testing copy; default: the same as published."""

    def testing_hosts(self) -> list[str]:
        return list(self.published if self.testing is None else self.testing)


class PlatformJumpDomainsSpec(SpecModel):
    """The platform's mini-program business (jump, web-view) domains; their subdomains are allowed too."""

    published: JumpHosts
    """Hosts on the published copy: a release through the platform keeps only web-view domains under these."""
    testing: JumpHosts | None = None
    """Hosts on the testing copy; default: the same as published."""

    def testing_hosts(self) -> list[str]:
        return list(self.published if self.testing is None else self.testing)


class AuditEventsSpec(SpecModel):
    """Where the platform's event receiver leaves audit results (one JSON object per line).

    Each line is an event WeChat pushed (`weapp_audit_success` / `_fail` / `_delay`), decrypted, with
    the mini-program's `appid` (the receiver's URL carries it as $APPID$) or its `ToUserName`.
    Events are hints: they tell when and save a poll; every decision still reads WeChat.
    """

    file: FilePath | None = None
    """A JSON-lines file (relative to the project folder)."""
    command: Annotated[list[Argument], MinLen(1)] | None = None
    """A program and arguments (no shell) that print the events as JSON lines."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        if (data.get("file") is None) == (data.get("command") is None):
            return [((), "give exactly one of file or command")]
        return []


class PreflightSpec(SpecModel):
    """Preflight settings for this platform's mini-programs."""

    icp_required: Bool = True
    """Mini-programs must be ICP-filed (备案) before an audit or a release; false for platforms whose
    mini-programs WeChat does not ask to file (e.g. overseas subjects)."""
    audit_reserve: Annotated[int, Strict(), Field(ge=0), WholeNumber] = 0
    """Warn when the monthly audit quota left is at or below this many submissions."""
    ticket_max_age_minutes: Annotated[int, Strict(), Field(ge=11, le=720), WholeNumber] = 30
    """Warn when the verify ticket file is older than this (WeChat pushes a new one every 10 minutes)."""


class PlatformSpec(SpecModel):
    """A third-party platform as code (`kind: platform`)."""

    kind: Literal["platform"]
    """Marks a platform spec (mini-program specs have no kind)."""
    name: ResourceName = Field("", json_schema_extra=no_default)
    """The name mini-program specs give as `platform:`, and the prefix of its Pulumi resources
    (default: the file's name)."""
    component_appid: AppId
    """The platform's appid (not secret)."""
    credentials: PlatformCredentialsSpec
    server_domains: PlatformServerDomainsSpec | None = None
    jump_domains: PlatformJumpDomainsSpec | None = None
    audit_events: AuditEventsSpec | None = None
    preflight: PreflightSpec = Field(default_factory=PreflightSpec)
    fleet: FleetSpec | None = None
    """A release of one template version to this platform's mini-programs, in waves."""

    _source_file: Any = PrivateAttr(default=None)

    @property
    def source_file(self) -> Any:
        return self._source_file

    def managed_blocks(self) -> dict[str, Any]:
        """The platform-level blocks present in the spec (each one resource), by block name."""
        return {name: getattr(self, name) for name in PLATFORM_BLOCKS if getattr(self, name) is not None}


PLATFORM_BLOCKS = ("server_domains", "jump_domains")
