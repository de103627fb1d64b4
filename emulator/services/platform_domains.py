"""The platform's own registered domain lists (component token): server domains and business
("jump") domains, each with a testing and a published copy, bare host names.

Platform state: `server_domains` / `testing_server_domains` and `webview_domains` /
`testing_webview_domains`. Limits: 1,000 server domains (modify_server_domain doc), 200 business
domains (modify_jump_domain doc; the newer openApi page says 300, the stricter figure is kept),
50 changes a month for each endpoint.
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.routing import COMPONENT_ONLY, PLATFORM, Ctx, bare_host, field_str, route, seed_section
from emulator.services.domains import DOMAIN_COUNT_LIMIT, spend_change, valid_host
from emulator.state import Doc, Tx

SERVER_DOMAIN_LIMIT = 1000
JUMP_DOMAIN_LIMIT = 200


def _changed(action: str, current: list[str], hosts: list[str]) -> list[str]:
    if action == "add":
        return current + [h for h in hosts if h not in current]
    if action == "delete":  # deleting an absent domain succeeds
        return [h for h in current if h not in hosts]
    return hosts


def modify(now: float, platform: Doc, published_key: str, testing_key: str, limit: int, counter_key: str,
           action: str, hosts: list[str], together: bool) -> None:
    """add/delete/set valid `hosts` on the testing list, and on the published one too when
    `together` (is_modify_published_together); one of the month's 50 changes."""
    testing = _changed(action, list(platform.get(testing_key, [])), hosts)
    published = list(platform.get(published_key, []))
    if together:  # default: the testing copy only
        published = _changed(action, published, hosts)
    if len(testing) > limit or len(published) > limit:
        raise DOMAIN_COUNT_LIMIT()
    spend_change(now, platform, counter_key)
    platform[testing_key], platform[published_key] = testing, published


def _modify(ctx: Ctx, field: str, published_key: str, testing_key: str, limit: int,
            counter_key: str) -> dict[str, Any]:
    platform = ctx.platform()
    action = field_str(ctx.body, "action")
    bad: list[str] = []
    if action != "get":
        if action not in ("add", "delete", "set"):
            raise errors.INVALID_ARGS()
        raw = field_str(ctx.body, field, required=False)
        items = [i.strip().lower() for i in raw.split(";") if i.strip()]
        good = list(dict.fromkeys(i for i in items if valid_host(i)))
        bad = [i for i in items if not valid_host(i)]
        modify(ctx.tx.now, platform, published_key, testing_key, limit, counter_key, action, good,
               ctx.body.get("is_modify_published_together") is True)
    out = {f"published_{field}": ";".join(platform.get(published_key, [])),
           f"testing_{field}": ";".join(platform.get(testing_key, []))}
    if bad:  # "如果不存在未通过验证的域名，该字段不会返回"
        out[f"invalid_{field}"] = ";".join(bad)
    return out


@route("/cgi-bin/component/modify_wxa_server_domain", kinds=COMPONENT_ONLY)
def modify_wxa_server_domain(ctx: Ctx) -> dict[str, Any]:
    """The platform's mini-program server domains (';'-separated, no scheme)."""
    return _modify(ctx, "wxa_server_domain", "server_domains", "testing_server_domains",
                   SERVER_DOMAIN_LIMIT, "domain_changes")


@route("/cgi-bin/component/modify_wxa_jump_domain", kinds=COMPONENT_ONLY)
def modify_wxa_jump_domain(ctx: Ctx) -> dict[str, Any]:
    """The platform's mini-program business domains (';'-separated, no scheme). The confirm file the
    doc asks for at each domain's root is not checked."""
    return _modify(ctx, "wxa_jump_h5_domain", "webview_domains", "testing_webview_domains",
                   JUMP_DOMAIN_LIMIT, "jump_domain_changes")


@seed_section(PLATFORM, "server_domains", "testing_server_domains", "webview_domains", "testing_webview_domains")
def seed_platform(tx: Tx, platform: Doc, item: dict[str, Any], where: str) -> None:
    """Bare hosts; each testing list defaults to its published one."""
    for published, testing in (("server_domains", "testing_server_domains"),
                               ("webview_domains", "testing_webview_domains")):
        platform[published] = [bare_host(h) for h in item.get(published) or []]
        platform[testing] = [bare_host(h) for h in item.get(testing) or item.get(published) or []]
