"""WeChat API areas; importing this package registers every route in `emulator.routing.ROUTES`."""

from emulator.services import (
    audit,
    audit_clock,
    categories,
    code,
    domains,
    members,
    privacy,
    profile,
    quota,
    release,
    tokens,
)

__all__ = [
    "audit", "audit_clock", "categories", "code", "domains", "members", "privacy", "profile", "quota",
    "release", "tokens",
]
