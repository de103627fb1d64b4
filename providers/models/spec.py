"""One mini-program's spec file: identity, credentials, and one optional block per resource."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, model_validator

from providers.models._base import Check, Issue, SpecModel, Text, fail, raw
from providers.models.account import AccountSpec, member_limit
from providers.models.categories import CategoriesSpec
from providers.models.credentials import AppId, CredentialsSpec
from providers.models.domains import ServerDomainsSpec, WebviewDomainsSpec
from providers.models.members import DevelopersSpec, TestersSpec
from providers.models.privacy import PrivacySpec
from providers.models.profile import ProfileSpec
from providers.models.qrcode_jump import QRCodeJumpSpec
from providers.models.release import ReleaseSpec

NAME_PATTERN = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_NAME = re.compile(NAME_PATTERN)

IDENTITY = ("appid", "name", "account", "platform", "credentials")  # every other field is a resource block


def valid_name(value: str) -> bool:
    return bool(_NAME.fullmatch(value))


def _check_name(value: str) -> str:
    if not valid_name(value):
        raise fail("must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'")
    return value


ResourceName = Annotated[Text, Check(_check_name, {"pattern": f"^{NAME_PATTERN}$"})]


def no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the real default is the file's name, which a schema cannot say


class MiniProgramSpec(SpecModel):
    """A mini-program as code. Every block but appid and credentials is optional: absent = not managed."""

    appid: AppId
    """The mini-program's appid: "wx" and 16 hex characters."""
    name: ResourceName = Field("", json_schema_extra=no_default)
    """Prefix of its Pulumi resource names; defaults to the spec file's name (else the appid)."""
    account: AccountSpec | None = None
    platform: ResourceName | None = None
    """The name of this mini-program's third-party platform spec (a `kind: platform` file beside this
    one). With credentials mode platform, the component appid, secret and verify ticket come from it."""
    credentials: CredentialsSpec
    server_domains: ServerDomainsSpec | None = None
    webview_domains: WebviewDomainsSpec | None = None
    testers: TestersSpec | None = None
    developers: DevelopersSpec | None = None
    profile: ProfileSpec | None = None
    categories: CategoriesSpec | None = None
    privacy: PrivacySpec | None = None
    qrcode_jump: QRCodeJumpSpec | None = None
    release: ReleaseSpec | None = None

    _source_file: Path | None = PrivateAttr(default=None)

    @property
    def source_file(self) -> Path | None:
        """The file this spec was loaded from (None when validated from data)."""
        return self._source_file

    def managed_blocks(self) -> dict[str, Any]:
        """The blocks present in the spec (each one resource), by block name."""
        return {name: getattr(self, name) for name in RESOURCE_BLOCKS if getattr(self, name) is not None}

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_appid(cls, data: Any) -> Any:
        # the loader fills in the file's name first; this covers specs validated from data
        if isinstance(data, dict) and data.get("name") is None:
            appid = data.get("appid")
            if isinstance(appid, str) and valid_name(appid):
                return {**data, "name": appid}
        return data

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        issues = _account_issues(data)
        appid = data.get("appid")
        if raw(data, "release", "source", "path") is not None and raw(data, "credentials", "upload_key_config") is None:
            issues.append(
                (
                    ("release", "source", "path"),
                    "uploading a folder with miniprogram-ci needs credentials.upload_key_config "
                    "(the stack config key holding the code-upload key)",
                )
            )
        ext_appid = raw(data, "release", "source", "ext_json", "extAppid")
        if isinstance(ext_appid, str) and isinstance(appid, str) and ext_appid != appid:
            issues.append(
                (
                    ("release", "source", "ext_json", "extAppid"),
                    f"must be this mini-program's appid ({appid})",
                )
            )
        if isinstance(appid, str) and raw(data, "credentials", "component_appid") == appid:
            issues.append(
                (
                    ("credentials", "component_appid"),
                    "is the third-party platform's appid, not the mini-program's own",
                )
            )
        return issues


# the blocks that each become one resource, in spec order: a field per registry row
# (providers/registry.py; tests/unit/test_registry.py holds the two to the same blocks and models)
RESOURCE_BLOCKS = tuple(name for name in MiniProgramSpec.model_fields if name not in IDENTITY)


def _account_issues(data: dict[str, Any]) -> list[Issue]:
    """Limits and permissions that depend on the account block (skipped if that block is invalid)."""
    try:
        account = AccountSpec.model_validate(data["account"]) if data.get("account") is not None else None
    except ValidationError:
        return []  # the account's own errors are reported where it is validated
    issues: list[Issue] = []
    testers = raw(data, "testers", "members")
    limit, why = member_limit(account, "experience")
    if isinstance(testers, list) and len(testers) > limit:
        issues.append((("testers", "members"), f"at most {limit} experience members allowed{why}, got {len(testers)}"))
    developers = data.get("developers")
    limit, why = member_limit(account, "project")
    if isinstance(developers, list) and len(developers) > limit:
        issues.append((("developers",), f"at most {limit} project members allowed{why}, got {len(developers)}"))
    if account is not None and account.type == "personal" and data.get("webview_domains") is not None:
        issues.append(
            (
                ("webview_domains",),
                "personal accounts cannot have business (web-view) domains (errcode 89231)",
            )
        )
    return issues
