"""The httpx client through which the project talks to WeChat (or to the local emulator).

    from wechat import MiniProgramClient, PlatformTokenSource, ComponentCredentials, TokenCache

    cache = TokenCache()  # $WECHAT_IAC_TOKEN_CACHE or ~/.cache/wechat-iac/tokens
    source = PlatformTokenSource(ComponentCredentials(cid, csecret, ticket), appid, refresh_token, cache)
    with MiniProgramClient(appid, source, base_url="http://127.0.0.1:8787") as client:
        client.get_domains()

Errors: see :mod:`wechat.errors` (the tree) and :mod:`wechat.errcodes` (the table).
"""

from ._constants import DEFAULT_BASE_URL
from .cache import TokenCache, default_cache_dir
from .client import ComponentClient, MiniProgramClient
from .command import CommandTokenSource
from .endpoints import SERVER_DOMAIN_FIELDS
from .errcodes import ERRCODES, Errcode, api_error
from .errors import (
    AmbiguousWriteError,
    APIError,
    AuthError,
    ConflictError,
    InvalidRequestError,
    NeedsPlatformError,
    NotFoundError,
    PermissionDeniedError,
    QuotaError,
    RequestTimeoutError,
    ServerBusyError,
    TokenCommandError,
    TokenError,
    TokenSourceError,
    TransportError,
    WeChatError,
)
from .http import Stats
from .platform_tokens import (
    ComponentCredentials,
    ComponentTokenSource,
    PlatformTokenSource,
    RotatedRefreshToken,
    TicketOrigin,
)
from .redact import register_secret, scrub
from .tokens import OwnerTokenSource, TokenSource

__all__ = [
    "DEFAULT_BASE_URL",
    "ERRCODES",
    "SERVER_DOMAIN_FIELDS",
    "APIError",
    "AmbiguousWriteError",
    "AuthError",
    "CommandTokenSource",
    "ComponentClient",
    "ComponentCredentials",
    "ComponentTokenSource",
    "ConflictError",
    "Errcode",
    "InvalidRequestError",
    "MiniProgramClient",
    "NeedsPlatformError",
    "NotFoundError",
    "OwnerTokenSource",
    "PermissionDeniedError",
    "PlatformTokenSource",
    "QuotaError",
    "RequestTimeoutError",
    "RotatedRefreshToken",
    "ServerBusyError",
    "Stats",
    "TicketOrigin",
    "TokenCache",
    "TokenCommandError",
    "TokenError",
    "TokenSource",
    "TokenSourceError",
    "TransportError",
    "WeChatError",
    "api_error",
    "default_cache_dir",
    "register_secret",
    "scrub",
]
