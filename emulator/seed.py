"""Seeds: load a YAML/JSON seed, check its keys, and write platforms, mini-programs and
authorizations into the store. Unknown keys are refused so a typo never silently seeds nothing.
See CONTROL.md ("Seed format") for the shape.

The keys of a platform or a mini-program are this module's identity keys plus the keys each
service declares with `@seed_section` (`emulator.routing.SEED_SECTIONS`): a service owns its part
of the seed, its defaults and their checks, next to the state functions that use them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emulator import services  # noqa: F401  (registers every service's seed section)
from emulator.routing import APP, PLATFORM, SEED_SECTIONS, SeedError, SeedSection, seed_keys
from emulator.services import tokens
from emulator.state import Doc, Tx

__all__ = ["SeedError", "apply", "load"]

_TOP = {"platforms", "miniprograms", "authorizations", "authorization_codes", "known_users"}
# Identity keys every service reads; the rest belongs to the services' seed sections.
_PLATFORM_CORE = {"component_appid", "component_appsecret"}
_PLATFORM_REQUIRED = ("component_appid", "component_appsecret", "verify_ticket")
_APP_CORE = {"appid", "secret", "secret_frozen", "account_type", "verified", "published", "principal_name",
             "init_completed", "original_id"}
_AUTH = {"component_appid", "authorizer_appid", "refresh_token", "permissions", "rotate_refresh_token"}
_CODE = {"code", "component_appid", "authorizer_appid", "permissions"}
DEFAULT_PERMISSIONS = [18, 30]


def _sections(kind: str) -> list[SeedSection]:
    return [s for s in SEED_SECTIONS if s.kind == kind]


def allowed_keys(kind: str) -> frozenset[str]:
    """Every key a seeded platform or mini-program may carry."""
    keys = set(_PLATFORM_CORE if kind == PLATFORM else _APP_CORE)
    for section in _sections(kind):
        clash = keys & section.keys
        if clash:  # two owners for one key: a bug in a service, caught at the first seed
            raise RuntimeError(f"seed keys {sorted(clash)} of {kind} are declared twice")
        keys |= section.keys
    return frozenset(keys)


def load(source: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    if source is None:
        return {}
    if isinstance(source, dict):
        return source
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SeedError("a seed is a mapping with platforms, miniprograms and authorizations")
    return data


def apply(tx: Tx, seed: dict[str, Any]) -> None:
    """Merge a seed into the store (documents with the same ids are replaced)."""
    seed_keys("seed", seed, _TOP)
    if "known_users" in seed:
        known = seed["known_users"]  # null: every id exists except "nonexistent*"
        tx.put("world", "world", {"known_users": None if known is None else [str(u) for u in known]})
    for i, item in enumerate(seed.get("platforms") or []):
        _platform(tx, f"platforms[{i}]", item)
    for i, item in enumerate(seed.get("miniprograms") or []):
        _app(tx, f"miniprograms[{i}]", item)
    for i, item in enumerate(seed.get("authorizations") or []):
        a = seed_keys(f"authorizations[{i}]", item, _AUTH, ("component_appid", "authorizer_appid"))
        tokens.authorize(tx, a["component_appid"], a["authorizer_appid"],
                         a.get("permissions", DEFAULT_PERMISSIONS), a.get("refresh_token"),
                         bool(a.get("rotate_refresh_token", False)))
    for i, item in enumerate(seed.get("authorization_codes") or []):
        c = seed_keys(f"authorization_codes[{i}]", item, _CODE, ("code", "component_appid", "authorizer_appid"))
        tx.put("authcode", c["code"], {"component_appid": c["component_appid"],
                                       "authorizer_appid": c["authorizer_appid"],
                                       "permissions": c.get("permissions", DEFAULT_PERMISSIONS),
                                       "expires_at": None})


def _platform(tx: Tx, where: str, item: Any) -> None:
    p = seed_keys(where, item, allowed_keys(PLATFORM), _PLATFORM_REQUIRED)
    doc: Doc = {"component_appid": p["component_appid"], "component_appsecret": str(p["component_appsecret"])}
    for section in _sections(PLATFORM):
        section.apply(tx, doc, p, where)
    tx.put("platform", doc["component_appid"], doc)


def _app(tx: Tx, where: str, item: Any) -> None:
    a = seed_keys(where, item, allowed_keys(APP), ("appid", "secret"))
    doc: Doc = {"appid": a["appid"], "secret": str(a["secret"]),
                "secret_frozen": bool(a.get("secret_frozen", False)),
                "account_type": a.get("account_type", "organization"),
                "verified": bool(a.get("verified", False)), "published": bool(a.get("published", False)),
                "init_completed": bool(a.get("init_completed", True))}
    doc.update({k: a[k] for k in ("principal_name", "original_id") if k in a})
    if doc["account_type"] not in ("personal", "organization"):
        raise SeedError(f"{where}.account_type: personal or organization")
    for section in _sections(APP):
        section.apply(tx, doc, a, where)
    tx.put("app", doc["appid"], doc)
