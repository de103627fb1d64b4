"""Provider settings from stack config, and the token source each mini-program's spec asks for.

Secrets reach the provider only through `configure()` (the whole stack config, decrypted), never
through resource inputs: inputs are stored in state and shown in plans. A spec names the config
keys that hold its secrets (see the `credentials` block); here they are looked up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers import _rotation
from wechat import (
    CommandTokenSource,
    ComponentCredentials,
    OwnerTokenSource,
    PlatformTokenSource,
    TicketOrigin,
    TokenCache,
    TokenSource,
)
from wechat.redact import register_secret

PROJECT = "wechat-iac"
REAL_WECHAT = "https://api.weixin.qq.com"


class ConfigurationError(Exception):
    """A spec names a stack config key that is missing, or credentials are incomplete."""


@dataclass(frozen=True)
class Settings:
    base_url: str
    config: Mapping[str, str] = field(repr=False)  # decrypted secrets: never shown

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Settings:
        config = {str(key): str(value) for key, value in raw.items() if value is not None}
        base_url = config.get(f"{PROJECT}:baseUrl") or REAL_WECHAT
        return cls(base_url=base_url.rstrip("/"), config=config)

    def lookup(self, key: str) -> str | None:
        """A config value by bare key (project namespace) or fully qualified `ns:key`."""
        return self.config.get(key if ":" in key else f"{PROJECT}:{key}")

    def require_secret(self, key: str, what: str) -> str:
        value = self.lookup(key)
        if not value:
            qualified = key if ":" in key else f"{PROJECT}:{key}"
            raise ConfigurationError(
                f"stack config key {qualified!r} ({what}) is not set; "
                f"run: pulumi config set --secret {key}   (it asks for the value; or pipe it in: < FILE)"
            )
        register_secret(value)
        return value


def token_cache() -> TokenCache:
    directory = os.environ.get("WECHAT_IAC_TOKEN_CACHE")
    if not directory:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        directory = str(Path(base) / "wechat-iac" / "tokens")
    return TokenCache(Path(directory))


def token_source_for(appid: str, credentials: Mapping[str, Any], settings: Settings) -> TokenSource:
    """Build the token source a spec's `credentials` block describes."""
    mode = credentials.get("mode")
    cache = token_cache()
    if mode == "platform":
        component = component_credentials(credentials, settings)
        refresh = settings.require_secret(
            str(credentials["refresh_token_config"]), f"authorizer refresh token of {appid}"
        )
        return PlatformTokenSource(component, appid, refresh, cache,
                                   on_rotate=lambda base, record: _rotation.rotated(base, appid, record),
                                   recorded=lambda base: _rotation.recorded(base, appid))
    if mode == "owner":
        secret = settings.require_secret(str(credentials["app_secret_config"]), f"AppSecret of {appid}")
        return OwnerTokenSource(appid, secret, cache)
    if mode == "command":
        return CommandTokenSource([str(part) for part in credentials["command"]], appid)
    raise ConfigurationError(f"unknown credentials mode {mode!r} for {appid}")


def component_credentials(credentials: Mapping[str, Any], settings: Settings) -> ComponentCredentials:
    """The third-party platform's own credentials a platform-mode `credentials` block names."""
    return ComponentCredentials(
        component_appid=str(credentials["component_appid"]),
        component_appsecret=settings.require_secret(
            str(credentials["component_secret_config"]), "third-party platform AppSecret"
        ),
        verify_ticket=_verify_ticket(credentials, settings),
        ticket_origin=ticket_origin(credentials),
    )


def ticket_origin(credentials: Mapping[str, Any]) -> TicketOrigin:
    """Where a spec's credentials take the verify ticket from, and how to feed a fresh one in."""
    if credentials.get("verify_ticket_config"):
        key = str(credentials["verify_ticket_config"])
        qualified = key if ":" in key else f"{PROJECT}:{key}"
        return TicketOrigin(f"stack config key {qualified}",
                            f"run: pulumi config set --secret {key} <ticket> before the run (e.g. from your receiver)")
    if credentials.get("verify_ticket_env"):
        name = str(credentials["verify_ticket_env"])
        return TicketOrigin(f"environment variable {name}", f"export {name}=<ticket> before `pulumi up`")
    if credentials.get("verify_ticket_file"):
        path = str(credentials["verify_ticket_file"])
        return TicketOrigin(f"file {path}", f"have your ticket receiver write each new ticket to {path} "
                                            "(read afresh by every run)")
    return TicketOrigin()


def _verify_ticket(credentials: Mapping[str, Any], settings: Settings) -> str:
    """The component_verify_ticket: from stack config, an environment variable, or a file.

    WeChat pushes a new ticket every 10 minutes to the platform's server; teams usually have that
    server write it somewhere this process can read.
    """
    if credentials.get("verify_ticket_config"):
        return settings.require_secret(str(credentials["verify_ticket_config"]), "component_verify_ticket")
    if credentials.get("verify_ticket_env"):
        name = str(credentials["verify_ticket_env"])
        value = os.environ.get(name)
        if not value:
            raise ConfigurationError(f"environment variable {name} (component_verify_ticket) is not set")
        register_secret(value)
        return value
    if credentials.get("verify_ticket_file"):
        path = Path(str(credentials["verify_ticket_file"])).expanduser()
        try:
            value = path.read_text().strip()
        except OSError as error:
            raise ConfigurationError(f"cannot read component_verify_ticket file {path}: {error}") from None
        register_secret(value)
        return value
    raise ConfigurationError("platform credentials need verify_ticket_config, _env or _file")
