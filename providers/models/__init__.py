"""Spec models: validate `specs/*.yaml` strictly and report every problem with file and path.

Each resource validates its own block with its own model (`ServerDomainsSpec`, ...); the loader
validates whole files. Importing this package does no I/O.
"""

from providers.models._base import SpecContext
from providers.models.account import AccountSpec, member_limit
from providers.models.categories import CategoriesSpec, CategorySpec
from providers.models.credentials import CredentialsSpec, looks_like_secret
from providers.models.domains import (
    SERVER_DOMAIN_WIRE,
    ServerDomainsSpec,
    WebviewDomainsSpec,
    normalise_domain,
)
from providers.models.loader import find_spec_files, load_spec_file, load_spec_text, load_specs
from providers.models.members import DeveloperSpec, DevelopersSpec, TestersSpec
from providers.models.platform import (
    PLATFORM_BLOCKS,
    AuditEventsSpec,
    PlatformCredentialsSpec,
    PlatformJumpDomainsSpec,
    PlatformServerDomainsSpec,
    PlatformSpec,
    PreflightSpec,
)
from providers.models.privacy import PRIVACY_KEYS, PrivacyOwnerSetting, PrivacySettingItem, PrivacySpec
from providers.models.problems import Problem, SpecError, problems_from_validation_error, render_path
from providers.models.profile import ProfileSpec
from providers.models.release import (
    AuditItem,
    AuditSpec,
    ReleaseSourceSpec,
    ReleaseSpec,
    RolloutSpec,
    UgcDeclare,
)
from providers.models.schema import platform_json_schema, render_schema, spec_json_schema
from providers.models.spec import RESOURCE_BLOCKS, MiniProgramSpec
from providers.models.stack import StackSpecs, load_stack

__all__ = [
    "PLATFORM_BLOCKS",
    "PRIVACY_KEYS",
    "RESOURCE_BLOCKS",
    "SERVER_DOMAIN_WIRE",
    "AccountSpec",
    "AuditEventsSpec",
    "AuditItem",
    "AuditSpec",
    "CategoriesSpec",
    "CategorySpec",
    "CredentialsSpec",
    "DeveloperSpec",
    "DevelopersSpec",
    "MiniProgramSpec",
    "PlatformCredentialsSpec",
    "PlatformJumpDomainsSpec",
    "PlatformServerDomainsSpec",
    "PlatformSpec",
    "PreflightSpec",
    "PrivacyOwnerSetting",
    "PrivacySettingItem",
    "PrivacySpec",
    "Problem",
    "ProfileSpec",
    "ReleaseSourceSpec",
    "ReleaseSpec",
    "RolloutSpec",
    "ServerDomainsSpec",
    "SpecContext",
    "SpecError",
    "StackSpecs",
    "TestersSpec",
    "UgcDeclare",
    "WebviewDomainsSpec",
    "find_spec_files",
    "load_spec_file",
    "load_spec_text",
    "load_specs",
    "load_stack",
    "looks_like_secret",
    "member_limit",
    "normalise_domain",
    "platform_json_schema",
    "problems_from_validation_error",
    "render_path",
    "render_schema",
    "spec_json_schema",
]
