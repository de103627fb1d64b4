"""Server and business (web-view) domains of a mini-program, and the platform's own domain lists.

App state: `domains` (the six lists wxa/modify_domain manages; console edits land here too),
`direct_domains` (set through *_directly) and `direct_applied` (the direct lists in force since the
last commit or release), `webview_domains`. Platform state: `server_domains` (published),
`testing_server_domains`, `webview_domains`, all bare host names.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from emulator import errors
from emulator.clock import month_key, used
from emulator.routing import (
    ANY_APP_TOKEN,
    COMPONENT_ONLY,
    DEV_MANAGEMENT,
    Ctx,
    field_list,
    field_str,
    route,
)
from emulator.state import Doc

SCHEMES = {
    "requestdomain": "https", "wsrequestdomain": "wss", "uploaddomain": "https",
    "downloaddomain": "https", "udpdomain": "udp", "tcpdomain": "tcp",
}
TYPES = tuple(SCHEMES)
PER_TYPE_LIMIT = 200
CHANGES_PER_MONTH = 50
WEBVIEW_LIMIT = 300
PLATFORM_DOMAIN_LIMIT = 1000
FORBIDDEN_HOSTS = {"api.weixin.qq.com"}
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_URL = re.compile(r"^([a-z]+)://([^/:?#]+)(?::(\d{1,5}))?/?$")


def valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return False  # IP addresses are refused: "use a domain name"
    except ValueError:
        pass
    return bool(_HOST.match(host)) and host not in FORBIDDEN_HOSTS


def parse_url(item: Any, scheme: str, allow_port: bool = True) -> tuple[str, str] | None:
    """(canonical url, host) for a well-formed `scheme://host[:port]`, else None."""
    if not isinstance(item, str):
        return None
    m = _URL.match(item.strip().lower())
    if not m or m.group(1) != scheme or not valid_host(m.group(2)):
        return None
    if m.group(3) and (not allow_port or not 0 < int(m.group(3)) < 65536):
        return None
    port = f":{m.group(3)}" if m.group(3) else ""
    return f"{scheme}://{m.group(2)}{port}", m.group(2)


def empty_lists() -> dict[str, list[str]]:
    return {t: [] for t in TYPES}


def registered_hosts(platform: Doc) -> set[str]:
    # Which of the two platform lists WeChat checks is not documented; either one admits a domain.
    return set(platform.get("server_domains", [])) | set(platform.get("testing_server_domains", []))


def _answer(lists: dict[str, list[str]], invalid: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {t: list(lists[t]) for t in TYPES}
    out.update({f"invalid_{t}": list(invalid[t]) for t in TYPES})
    out["no_icp_domain"] = []
    return out


def _modify(ctx: Ctx, state_key: str, check_registration: bool) -> dict[str, Any]:
    app = ctx.app()
    current: dict[str, list[str]] = app.setdefault(state_key, empty_lists())
    action = field_str(ctx.body, "action")
    if action == "get":
        return _answer(current, empty_lists())
    if action not in ("add", "delete", "set"):
        raise errors.INVALID_ARGS()
    wanted, invalid = empty_lists(), empty_lists()
    for t in TYPES:
        for item in field_list(ctx.body, t):
            parsed = parse_url(item, SCHEMES[t])
            if parsed is None:
                invalid[t].append(item if isinstance(item, str) else str(item))
            elif parsed[0] not in wanted[t]:
                wanted[t].append(parsed[0])
    if any(invalid.values()):
        raise errors.DOMAIN_RULE(**_answer(empty_lists(), invalid))
    if check_registration and action != "delete" and any(wanted.values()):
        registered = registered_hosts(ctx.platform())
        if not registered:
            raise errors.DOMAIN_NOT_IN_COMPONENT()
        for t in TYPES:  # unregistered domains are filtered out and reported, as WeChat does
            invalid[t] = [u for u in wanted[t] if _host_of(u) not in registered]
            wanted[t] = [u for u in wanted[t] if _host_of(u) in registered]
    result = {t: list(current[t]) for t in TYPES}
    if action == "add":
        for t in TYPES:
            result[t] += [u for u in wanted[t] if u not in result[t]]
    elif action == "delete":
        for t in TYPES:
            result[t] = [u for u in result[t] if u not in wanted[t]]
    else:
        provided = any(field_list(ctx.body, t) for t in TYPES)
        if provided and not any(wanted.values()):
            raise errors.NO_DOMAIN_TO_MODIFY(**_answer(empty_lists(), invalid))
        result = wanted
    if action != "set" and result == current:
        raise errors.NO_DOMAIN_TO_MODIFY(**_answer(empty_lists(), invalid))
    if any(len(result[t]) > PER_TYPE_LIMIT for t in TYPES):
        raise errors.DOMAIN_COUNT_LIMIT()
    _spend_change(ctx, app)
    app[state_key] = result
    return _answer(result, invalid)


def _host_of(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def _spend_change(ctx: Ctx, account: Doc) -> None:
    counter = account.setdefault("domain_changes", {})
    month = month_key(ctx.tx.now)
    if used(counter, month) >= CHANGES_PER_MONTH:
        raise errors.DOMAIN_MONTHLY_QUOTA()
    counter.update(period=month, used=used(counter, month) + 1)


@route("/wxa/modify_domain", perm=DEV_MANAGEMENT)
def modify_domain(ctx: Ctx) -> dict[str, Any]:
    """add/delete/set/get the six server-domain lists; domains must be registered on the platform."""
    return _modify(ctx, "domains", check_registration=True)


@route("/wxa/modify_domain_directly", perm=DEV_MANAGEMENT)
def modify_domain_directly(ctx: Ctx) -> dict[str, Any]:
    """Same shape, no platform registration; in force only after the next commit or release."""
    return _modify(ctx, "direct_domains", check_registration=False)


def apply_direct_domains(app: Doc) -> None:
    """Called on commit and release: the directly-set domains take effect."""
    if "direct_domains" in app:
        app["direct_applied"] = {t: list(v) for t, v in app["direct_domains"].items()}


def effective_domains(app: Doc) -> dict[str, list[str]]:
    third = app.get("domains") or empty_lists()
    direct = app.get("direct_applied") or empty_lists()
    return {t: third[t] + [u for u in direct[t] if u not in third[t]] for t in TYPES}


@route("/wxa/get_effective_domain", perm=DEV_MANAGEMENT)
def get_effective_domain(ctx: Ctx) -> dict[str, Any]:
    app = ctx.app()
    return {
        "mp_domain": empty_lists(),
        "third_domain": app.get("domains") or empty_lists(),
        "direct_domain": app.get("direct_domains") or empty_lists(),
        "effective_domain": effective_domains(app),
    }


@route("/wxa/getwxadevinfo", kinds=ANY_APP_TOKEN, perm=DEV_MANAGEMENT)
def getwxadevinfo(ctx: Ctx) -> dict[str, Any]:
    """Domains in force; one of the few endpoints the mini-program's own token may call."""
    app = ctx.app()
    action = ctx.body.get("action")
    server = {t: v for t, v in effective_domains(app).items() if t != "tcpdomain"}
    biz = {"bizdomain": list(app.get("webview_domains", []))}
    if action == "getbizdomain":
        return biz
    if action == "getserverdomain":
        return server
    return {**server, **biz}


def _webview_item(item: Any, registered: list[str]) -> str:
    parsed = parse_url(item, "https", allow_port=False)
    if parsed is None:
        raise errors.WEBVIEW_NOT_OPEN()
    url, host = parsed
    if not any(host == r or host.endswith("." + r) for r in registered):
        raise errors.WEBVIEW_NOT_OPEN()
    return url


@route("/wxa/setwebviewdomain", perm=DEV_MANAGEMENT)
def setwebviewdomain(ctx: Ctx) -> dict[str, Any]:
    """Business domains: https only, no port, registered (or a subdomain) on the platform, <= 300."""
    app = ctx.app()
    if app.get("account_type") == "personal":
        raise errors.WEBVIEW_PERSONAL()
    current: list[str] = app.setdefault("webview_domains", [])
    action = ctx.body.get("action") or "add_all"
    if action == "get":
        return {"webviewdomain": list(current)}
    if action not in ("add", "delete", "set", "add_all"):
        raise errors.INVALID_ARGS()
    registered = list(ctx.platform().get("webview_domains", []))
    if action == "add_all":  # no action: every business domain of the platform is added
        if not registered:
            raise errors.WEBVIEW_COMPONENT_EMPTY()
        items = [f"https://{h}" for h in registered]
        action = "add"
    else:
        items = field_list(ctx.body, "webviewdomain")
    if action == "delete":
        wanted = [parse_url(i, "https", allow_port=False) for i in items]
        urls = [p[0] for p in wanted if p is not None]
        if len(urls) != len(items) or any(u not in current for u in urls):
            raise errors.WEBVIEW_DELETE_MISSING()
        result = [u for u in current if u not in urls]
    else:
        if items and not registered:
            raise errors.WEBVIEW_COMPONENT_EMPTY()
        urls = list(dict.fromkeys(_webview_item(i, registered) for i in items))
        result = current + [u for u in urls if u not in current] if action == "add" else urls
        if sorted(result) == sorted(current):
            raise errors.WEBVIEW_NOT_CHANGE()
    if len(result) > WEBVIEW_LIMIT:
        raise errors.WEBVIEW_COUNT_LIMIT()
    app["webview_domains"] = result
    return {}


@route("/cgi-bin/component/modify_wxa_server_domain", kinds=COMPONENT_ONLY)
def modify_wxa_server_domain(ctx: Ctx) -> dict[str, Any]:
    """The platform's own mini-program server domains (bare hosts, ';'-separated)."""
    platform = ctx.platform()
    action = field_str(ctx.body, "action")
    testing: list[str] = platform.setdefault("testing_server_domains", [])
    published: list[str] = platform.setdefault("server_domains", [])
    if action != "get":
        if action not in ("add", "delete", "set"):
            raise errors.INVALID_ARGS()
        raw = field_str(ctx.body, "wxa_server_domain", required=False)
        items = [i.strip().lower() for i in raw.split(";") if i.strip()]
        good = list(dict.fromkeys(i for i in items if valid_host(i)))
        bad = [i for i in items if not valid_host(i)]
        together = ctx.body.get("is_modify_published_together") is True
        targets = [testing, published] if together else [testing]
        for lst in targets:
            if action == "add":
                lst += [h for h in good if h not in lst]
            elif action == "delete":  # deleting an absent domain succeeds
                lst[:] = [h for h in lst if h not in good]
            else:
                lst[:] = good
            if len(lst) > PLATFORM_DOMAIN_LIMIT:
                raise errors.DOMAIN_COUNT_LIMIT()
        _spend_change(ctx, platform)
    else:
        bad = []
    return {
        "published_wxa_server_domain": ";".join(published),
        "testing_wxa_server_domain": ";".join(testing),
        "invalid_wxa_server_domain": ";".join(bad),
    }
