"""Seeds: load a YAML/JSON seed, check its keys, and write platforms, mini-programs and
authorizations into the store. Unknown keys are refused so a typo never silently seeds nothing.
See CONTROL.md ("Seed format") for the shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emulator.services import account, categories, code, members, release, tickets, tokens
from emulator.services.audit import DEFAULT_AUDIT_QUOTA
from emulator.services.domains import SCHEMES, empty_lists, parse_url
from emulator.state import Doc, Tx


class SeedError(ValueError):
    """The seed does not have the documented shape."""


_TOP = {"platforms", "miniprograms", "authorizations", "authorization_codes", "known_users"}
_PLATFORM = {
    "component_appid", "component_appsecret", "verify_ticket", "verify_ticket_expires_in",
    "verify_ticket_pushes", "event_forward",
    "server_domains", "testing_server_domains", "webview_domains", "testing_webview_domains",
    "audit_quota", "templates",
    "drafts", "audit", "api_limits",
}
_APP = {
    "appid", "secret", "secret_frozen", "account_type", "verified", "published", "principal_name",
    "nickname", "signature", "head_image_url", "init_completed", "tester_limit", "testers",
    "original_id", "icp", "server_domains", "webview_domains", "mp_server_domains", "mp_webview_domains",
    "categories",
    "category_quota", "profile_quota", "privacy",
    "release", "release_history", "audit", "api_limits", "visit_status",
}
_AUTH = {"component_appid", "authorizer_appid", "refresh_token", "permissions", "rotate_refresh_token"}
_CODE = {"code", "component_appid", "authorizer_appid", "permissions"}
_AUDIT = {"auto_decide_after_seconds", "decision", "reason"}
DEFAULT_PERMISSIONS = [18, 30]


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


def _keys(where: str, item: Any, allowed: set[str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise SeedError(f"{where}: expected a mapping")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise SeedError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")
    missing = [k for k in required if not item.get(k)]
    if missing:
        raise SeedError(f"{where}: missing {missing}")
    return item


def _audit_setting(where: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    setting = _keys(where, value, _AUDIT)
    if setting.get("decision", "approve") not in ("approve", "reject"):
        raise SeedError(f"{where}.decision: approve or reject")
    return dict(setting)


def _bare_host(value: str) -> str:
    return str(value).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


def apply(tx: Tx, seed: dict[str, Any]) -> None:
    """Merge a seed into the store (documents with the same ids are replaced)."""
    _keys("seed", seed, _TOP)
    if "known_users" in seed:
        known = seed["known_users"]  # null: every id exists except "nonexistent*"
        tx.put("world", "world", {"known_users": None if known is None else [str(u) for u in known]})
    for i, item in enumerate(seed.get("platforms") or []):
        _platform(tx, f"platforms[{i}]", item)
    for i, item in enumerate(seed.get("miniprograms") or []):
        _app(tx, f"miniprograms[{i}]", item)
    for i, item in enumerate(seed.get("authorizations") or []):
        a = _keys(f"authorizations[{i}]", item, _AUTH, ("component_appid", "authorizer_appid"))
        tokens.authorize(tx, a["component_appid"], a["authorizer_appid"],
                         a.get("permissions", DEFAULT_PERMISSIONS), a.get("refresh_token"),
                         bool(a.get("rotate_refresh_token", False)))
    for i, item in enumerate(seed.get("authorization_codes") or []):
        c = _keys(f"authorization_codes[{i}]", item, _CODE, ("code", "component_appid", "authorizer_appid"))
        tx.put("authcode", c["code"], {"component_appid": c["component_appid"],
                                       "authorizer_appid": c["authorizer_appid"],
                                       "permissions": c.get("permissions", DEFAULT_PERMISSIONS),
                                       "expires_at": None})


def _platform(tx: Tx, where: str, item: Any) -> None:
    p = _keys(where, item, _PLATFORM, ("component_appid", "component_appsecret", "verify_ticket"))
    server = [_bare_host(h) for h in p.get("server_domains") or []]
    pushes = p.get("verify_ticket_pushes", "fresh")
    if pushes not in tickets.PUSH_MODES:
        raise SeedError(f"{where}.verify_ticket_pushes: one of {list(tickets.PUSH_MODES)}")
    doc: Doc = {
        "component_appid": p["component_appid"],
        "component_appsecret": str(p["component_appsecret"]),
        "verify_ticket": str(p["verify_ticket"]), "ticket_pushes": pushes, "pushes_since": tx.now,
        "server_domains": server,
        "testing_server_domains": [_bare_host(h) for h in p.get("testing_server_domains") or server],
        "webview_domains": [_bare_host(h) for h in p.get("webview_domains") or []],
        "testing_webview_domains": [_bare_host(h) for h in p.get("testing_webview_domains")
                                    or p.get("webview_domains") or []],
        "audit_quota": {**DEFAULT_AUDIT_QUOTA, **(p.get("audit_quota") or {})},
        "audit": _audit_setting(f"{where}.audit", p.get("audit")),
        "api_limits": dict(p.get("api_limits") or {}),
        "event_forward": str(p["event_forward"]) if p.get("event_forward") else None,
        "drafts": [], "templates": [],
    }
    # the seed's ticket was pushed now and lives 12 hours (unless it says otherwise)
    lifetime = p.get("verify_ticket_expires_in")
    tickets.push(doc, tx.now, doc["verify_ticket"], tickets.TICKET_TTL if lifetime is None else float(lifetime))
    for draft in p.get("drafts") or []:
        code.land_draft(tx, doc, draft)
    for tpl in p.get("templates") or []:
        code.add_template(tx, doc, tpl, int(tpl.get("template_type", 0)), int(tpl["template_id"]))
    tx.put("platform", doc["component_appid"], doc)


def _domain_lists(where: str, value: Any) -> dict[str, list[str]]:
    lists = empty_lists()
    for t, items in (value or {}).items():
        if t not in SCHEMES:
            raise SeedError(f"{where}: unknown domain type {t!r}")
        for raw in items or []:
            parsed = parse_url(raw, SCHEMES[t])
            if parsed is None:
                raise SeedError(f"{where}.{t}: {raw!r} is not a valid {SCHEMES[t]}:// domain")
            lists[t].append(parsed[0])
    return lists


def _app(tx: Tx, where: str, item: Any) -> None:
    a = _keys(where, item, _APP, ("appid", "secret"))
    appid = a["appid"]
    doc: Doc = {k: a[k] for k in ("secret", "principal_name", "nickname", "signature", "head_image_url",
                                  "tester_limit", "profile_quota", "category_quota", "visit_status",
                                  "original_id")
                if k in a}
    doc.update(
        appid=appid, secret=str(a["secret"]), secret_frozen=bool(a.get("secret_frozen", False)),
        account_type=a.get("account_type", "organization"), verified=bool(a.get("verified", False)),
        published=bool(a.get("published", False)), init_completed=bool(a.get("init_completed", True)),
        audit=_audit_setting(f"{where}.audit", a.get("audit")), api_limits=dict(a.get("api_limits") or {}),
        domains=_domain_lists(f"{where}.server_domains", a.get("server_domains")),
        mp_domains=_domain_lists(f"{where}.mp_server_domains", a.get("mp_server_domains")),
        webview_domains=[f"https://{_bare_host(h)}" for h in a.get("webview_domains") or []],
        mp_webview_domains=[f"https://{_bare_host(h)}" for h in a.get("mp_webview_domains") or []],
    )
    if a.get("icp") is not None:
        icp = _keys(f"{where}.icp", a["icp"], {"status", "available", "is_canceling", "audit_data",
                                               "sms_verify_status"})
        if int(icp.get("status", 6)) not in account.ICP_STATUSES:
            raise SeedError(f"{where}.icp.status: one of {list(account.ICP_STATUSES)}")
        doc["icp"] = dict(icp)
    if doc["account_type"] not in ("personal", "organization"):
        raise SeedError(f"{where}.account_type: personal or organization")
    tx.put("app", appid, doc)
    for c in a.get("categories") or []:
        item = categories.add(tx, doc, int(c["first"]), int(c["second"]), review=False)
        item["audit_status"] = int(c.get("audit_status", 3))
    for wechatid in a.get("testers") or []:
        members.bind(tx, doc, str(wechatid), enforce=False)
    if a.get("privacy"):
        guide = {"owner_setting": a["privacy"].get("owner_setting", {}),
                 "setting_list": a["privacy"].get("setting_list", []), "update_time": int(tx.now)}
        doc["privacy"] = {"dev": guide, "live": dict(guide)}
    _seed_versions(doc, a, tx.now)


def _seed_versions(doc: Doc, a: dict[str, Any], now: float) -> None:
    """The live version and older ones, oldest first into the history. An entry with
    `before_authorization: true` was released in the MP console before the authorization: it is
    never listed by get_history_version nor a rollback target."""
    doc["history"], doc["next_app_version"] = [], 1
    entries = [*reversed(list(a.get("release_history") or [])), *([a["release"]] if a.get("release") else [])]
    for v in entries:
        release.make_live(doc, now, str(v["user_version"]), str(v.get("user_desc", "")), int(now), 0,
                          bool(v.get("before_authorization", False)))
    if doc.get("live") and not a.get("release"):  # only older versions: nothing is live now
        doc["history"] = [doc.pop("live"), *doc["history"]]
