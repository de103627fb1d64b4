"""WeChat API areas; importing this package registers every route in `emulator.routing.ROUTES`."""

from emulator.services import (
    account,
    audit,
    audit_clock,
    categories,
    code,
    domains,
    events,
    members,
    platform_domains,
    privacy,
    profile,
    quota,
    release,
    tickets,
    tokens,
    webview,
)

__all__ = [
    "account", "audit", "audit_clock", "categories", "code", "domains", "events", "members",
    "platform_domains", "privacy", "profile", "quota", "release", "tickets", "tokens", "webview",
]
