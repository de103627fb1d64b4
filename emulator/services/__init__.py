"""WeChat API areas; importing this package registers every route in `emulator.routing.ROUTES`."""

from emulator.services import (
    audit,
    audit_clock,
    categories,
    code,
    domains,
    members,
    platform_domains,
    privacy,
    profile,
    quota,
    release,
    tokens,
    webview,
)

__all__ = [
    "audit", "audit_clock", "categories", "code", "domains", "members", "platform_domains", "privacy",
    "profile", "quota", "release", "tokens", "webview",
]
