"""Credentials: which token source to use, and the NAMES of the stack config keys holding secrets.

Secret values never appear in a spec: specs are committed, and resource inputs are stored in state
and shown in plans. A value that looks like a pasted secret is refused, and no message repeats it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from annotated_types import MinLen
from pydantic import ConfigDict, ValidationInfo

from providers.models._base import Check, Issue, SpecModel, Text, fail

APPID_PATTERN = r"wx[0-9a-f]{16}"
CONFIG_KEY_PATTERN = r"[A-Za-z][A-Za-z0-9_:.-]*"
ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"

_APPID = re.compile(APPID_PATTERN)
_CONFIG_KEY = re.compile(CONFIG_KEY_PATTERN)
_ENV_NAME = re.compile(ENV_NAME_PATTERN)
_HEX_SECRET = re.compile(r"[0-9a-fA-F]{32,}")  # AppSecret, component secret: 32 hex characters
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-+/=.]{40,}")  # access tokens, base64 keys

SECRET_HINT = (
    "looks like a secret value; never put secrets in a spec: store it with "
    "`pulumi config set --secret <key>` and write the key's name here"
)


def looks_like_secret(value: str) -> bool:
    """A heuristic for secrets pasted where a name belongs: hex keys, tickets, long token blobs."""
    if _HEX_SECRET.fullmatch(value) or "@@@" in value:  # verify tickets look like "ticket@@@..."
        return True
    if _TOKEN_LIKE.fullmatch(value):
        digits = sum(char.isdigit() for char in value)
        return digits >= 6 and any(char.isupper() for char in value) and any(char.islower() for char in value)
    return False


def _check_appid(value: str) -> str:
    if not _APPID.fullmatch(value):
        raise fail('must be an appid: "wx" and 16 lower-case hex characters')
    return value


def _check_config_key(value: str) -> str:
    if looks_like_secret(value):
        raise fail(SECRET_HINT)
    if not _CONFIG_KEY.fullmatch(value) or len(value) > 128:
        raise fail("must be the name of a Pulumi stack config key: a letter, then letters, digits, _ : . -")
    return value


def _check_env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise fail("must be an environment variable name (letters, digits, _)")
    return value


def _check_path(value: str) -> str:
    if not value.strip() or "\x00" in value:
        raise fail("must be a file path")
    return value


def _check_argument(value: str) -> str:
    if looks_like_secret(value):
        raise fail(SECRET_HINT + " (the command can read it from the environment)")
    return value


AppId = Annotated[Text, Check(_check_appid, {"pattern": f"^{APPID_PATTERN}$"})]
ConfigKey = Annotated[Text, Check(_check_config_key, {"pattern": f"^{CONFIG_KEY_PATTERN}$", "maxLength": 128})]
EnvName = Annotated[Text, Check(_check_env_name, {"pattern": f"^{ENV_NAME_PATTERN}$"})]
FilePath = Annotated[Text, Check(_check_path, {"minLength": 1})]
Argument = Annotated[Text, Check(_check_argument)]

Mode = Literal["platform", "owner", "command"]
TICKET_FIELDS = ("verify_ticket_config", "verify_ticket_file", "verify_ticket_env")
REQUIRED: dict[str, tuple[str, ...]] = {
    "platform": ("component_appid", "component_secret_config", "refresh_token_config"),
    "owner": ("app_secret_config",),
    "command": ("command",),
}
ALLOWED: dict[str, tuple[str, ...]] = {
    "platform": (*REQUIRED["platform"], *TICKET_FIELDS, "upload_key_config"),
    "owner": (*REQUIRED["owner"], "upload_key_config"),
    "command": (*REQUIRED["command"], "upload_key_config"),
}


def _schema_by_mode(schema: dict[str, Any]) -> None:
    """Tell editors which fields each mode needs (the validator says the same, with paths)."""
    schema["allOf"] = [
        {"if": {"properties": {"mode": {"const": mode}}}, "then": {"required": list(REQUIRED[mode])}}
        for mode in REQUIRED
    ]


class CredentialsSpec(SpecModel):
    """How the provider gets a token for this mini-program (see design: 'two kinds of credentials')."""

    model_config = ConfigDict(json_schema_extra=_schema_by_mode)

    mode: Mode
    """platform: an authorized third-party platform (everything automated); owner: appid + secret
    (read-only calls, the rest become manual steps); command: a command that prints a token."""
    component_appid: AppId | None = None
    """platform: the third-party platform's appid (not secret)."""
    component_secret_config: ConfigKey | None = None
    """platform: stack config key holding the platform's component secret."""
    verify_ticket_config: ConfigKey | None = None
    """platform, one of three: stack config key holding the current component_verify_ticket."""
    verify_ticket_file: FilePath | None = None
    """platform, one of three: a file the platform's ticket receiver keeps up to date."""
    verify_ticket_env: EnvName | None = None
    """platform, one of three: an environment variable holding the ticket."""
    refresh_token_config: ConfigKey | None = None
    """platform: stack config key holding the authorizer_refresh_token for this mini-program."""
    app_secret_config: ConfigKey | None = None
    """owner: stack config key holding the mini-program's AppSecret."""
    command: Annotated[list[Argument], MinLen(1)] | None = None
    """command: program and arguments (no shell) that print {"access_token": ..., "expires_in": ...}."""
    upload_key_config: ConfigKey | None = None
    """Any mode: stack config key holding the miniprogram-ci code-upload private key."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        mode = data.get("mode")
        if not isinstance(mode, str) or mode not in REQUIRED:
            return []  # the mode itself is reported by its type
        issues: list[Issue] = [
            ((name,), f"required when mode is {mode}") for name in REQUIRED[mode] if data.get(name) is None
        ]
        issues += [
            ((name,), f"not used when mode is {mode}; remove it")
            for name in cls.model_fields
            if name != "mode" and name not in ALLOWED[mode] and data.get(name) is not None
        ]
        if mode == "platform":
            tickets = [name for name in TICKET_FIELDS if data.get(name) is not None]
            if len(tickets) != 1:
                where = (tickets[1],) if len(tickets) > 1 else ()
                issues.append(
                    (where, "give exactly one of verify_ticket_config, verify_ticket_file, verify_ticket_env")
                )
        return issues
