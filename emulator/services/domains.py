"""Server domains of a mini-program, and what a release through the platform does to them.

App state, six lists each: `mp_domains` (set in the MP console, e.g. before the authorization),
`domains` (the lists wxa/modify_domain manages: "third_domain"), `direct_domains` (set through
modify_domain_directly) and `direct_applied` (the direct lists in force since the last commit or
release). In force now: the union of mp, third and applied direct lists. A release through the
platform keeps only domains registered on the platform's published list, and the direct ones
("小程序原先自己配置的服务器域名将被删除，只保留第三方平台的域名"; see COVERAGE.md). Platform state
(`server_domains`, `testing_server_domains`: bare hosts) is managed in `platform_domains`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from emulator import errors
from emulator.clock import month_key, used
from emulator.errors import Err
from emulator.routing import (
    ANY_APP_TOKEN,
    APP,
    DEV_MANAGEMENT,
    ConsoleError,
    Ctx,
    SeedError,
    console_action,
    field_list,
    field_str,
    route,
    seed_section,
)
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
# No errcode is documented for the 50-a-month domain change limit; see COVERAGE.md.
DOMAIN_MONTHLY_QUOTA = Err(45009, "reach max api monthly quota limit for domain modification")
NO_DOMAIN_TO_MODIFY = Err(
    85017,
    "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open",
    "C-85017 (captured; modifyServerDomain's table has it without the comma)",
)
DOMAIN_NOT_IN_COMPONENT = Err(85018, "域名没有在第三方平台设置", "doc domain-management/modifyServerDomain")
DOMAIN_RULE = Err(
    85301,
    "no domain to modify after filtered, please confirm the domain has been set in miniprogram or open, "
    "and follows the rule of domains",
    "C-85301 (captured); modifyServerDomain's table",
)
DOMAIN_COUNT_LIMIT = Err(85016, "exceed valid domain count", "doc domain-management/modifyServerDomainDirectly")

SCHEMES = {
    "requestdomain": "https", "wsrequestdomain": "wss", "uploaddomain": "https",
    "downloaddomain": "https", "udpdomain": "udp", "tcpdomain": "tcp",
}
TYPES = tuple(SCHEMES)
PER_TYPE_LIMIT = 200
CHANGES_PER_MONTH = 50
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


# --- state functions ---
def modify(now: float, account: Doc, key: str, action: str, wanted: dict[str, list[str]],
           registered: set[str] | None, provided: bool) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """add/delete/set the six lists under `key` with WeChat's rules; (lists now, filtered-out urls).
    `wanted`: canonical urls per type; `registered`: the platform's hosts (None: no registration
    check, modify_domain_directly); `provided`: the request named any list at all."""
    current: dict[str, list[str]] = account.setdefault(key, empty_lists())
    invalid = empty_lists()
    if registered is not None and action != "delete" and any(wanted.values()):
        if not registered:
            raise DOMAIN_NOT_IN_COMPONENT()
        for t in TYPES:  # unregistered domains are filtered out and reported, as WeChat does
            invalid[t] = [u for u in wanted[t] if host_of(u) not in registered]
            wanted = {**wanted, t: [u for u in wanted[t] if host_of(u) in registered]}
    result = {t: list(current[t]) for t in TYPES}
    if action == "add":
        for t in TYPES:
            result[t] += [u for u in wanted[t] if u not in result[t]]
    elif action == "delete":
        for t in TYPES:
            result[t] = [u for u in result[t] if u not in wanted[t]]
    else:
        if provided and not any(wanted.values()):
            raise NO_DOMAIN_TO_MODIFY(**_answer(empty_lists(), invalid))
        result = wanted
    if action != "set" and result == current:
        raise NO_DOMAIN_TO_MODIFY(**_answer(empty_lists(), invalid))
    if any(len(result[t]) > PER_TYPE_LIMIT for t in TYPES):
        raise DOMAIN_COUNT_LIMIT()
    spend_change(now, account)
    account[key] = result
    return result, invalid


def replace(account: Doc, key: str, lists: dict[str, list[str]]) -> dict[str, list[str]]:
    """Replace the given types' lists (others stay), skipping every API rule: the MP console."""
    current: dict[str, list[str]] = account.setdefault(key, empty_lists())
    current.update({t: list(urls) for t, urls in lists.items()})
    return current


# --- request handling ---
def _requested(body: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]], bool]:
    """The six lists of a modify body: (canonical urls, malformed entries, whether any list was given)."""
    wanted, invalid = empty_lists(), empty_lists()
    for t in TYPES:
        for item in field_list(body, t):
            parsed = parse_url(item, SCHEMES[t])
            if parsed is None:
                invalid[t].append(item if isinstance(item, str) else str(item))
            elif parsed[0] not in wanted[t]:
                wanted[t].append(parsed[0])
    return wanted, invalid, any(field_list(body, t) for t in TYPES)


def _modify(ctx: Ctx, key: str, check_registration: bool) -> dict[str, Any]:
    app = ctx.app()
    action = field_str(ctx.body, "action")
    if action == "get":
        return _answer(app.setdefault(key, empty_lists()), empty_lists())
    if action not in ("add", "delete", "set"):
        raise errors.INVALID_ARGS()
    wanted, malformed, provided = _requested(ctx.body)
    if any(malformed.values()):
        raise DOMAIN_RULE(**_answer(empty_lists(), malformed))
    registered = registered_hosts(ctx.platform()) if check_registration else None
    return _answer(*modify(ctx.tx.now, app, key, action, wanted, registered, provided))


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def spend_change(now: float, account: Doc, counter_key: str = "domain_changes") -> None:
    """One of the 50 domain changes a month (per account and endpoint family)."""
    counter = account.setdefault(counter_key, {})
    month = month_key(now)
    if used(counter, month) >= CHANGES_PER_MONTH:
        raise DOMAIN_MONTHLY_QUOTA()
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


def _union(*groups: dict[str, list[str]] | None) -> dict[str, list[str]]:
    out = empty_lists()
    for group in groups:
        for t in TYPES:
            out[t] += [u for u in (group or {}).get(t, []) if u not in out[t]]
    return out


def _registered_only(lists: dict[str, list[str]] | None, platform: Doc) -> dict[str, list[str]]:
    published = set(platform.get("server_domains", []))
    return {t: [u for u in (lists or {}).get(t, []) if host_of(u) in published] for t in TYPES}


def in_force(app: Doc) -> dict[str, list[str]]:
    """What the mini-program may reach now (getwxadevinfo)."""
    return _union(app.get("mp_domains"), app.get("domains"), app.get("direct_applied"))


def after_platform_release(app: Doc, platform: Doc) -> dict[str, list[str]]:
    """What a release through `platform` leaves in force: the console's and modify_domain's domains
    that the platform's published list registers, plus the directly set ones."""
    return _union(_registered_only(app.get("mp_domains"), platform),
                  _registered_only(app.get("domains"), platform), app.get("direct_domains"))


def apply_platform_release(app: Doc, platform: Doc) -> None:
    """A release (or gray release, or rollback) through the platform drops unregistered domains."""
    for key in ("mp_domains", "domains"):
        if key in app:
            app[key] = _registered_only(app[key], platform)
    apply_direct_domains(app)


@route("/wxa/get_effective_domain", perm=DEV_MANAGEMENT)
def get_effective_domain(ctx: Ctx) -> dict[str, Any]:
    """The four sources, each with the six lists; `effective_domain` is what will be in force after
    the next release through this platform (and is in force right after one)."""
    app = ctx.app()
    return {
        "mp_domain": _union(app.get("mp_domains")),
        "third_domain": _union(app.get("domains")),
        "direct_domain": _union(app.get("direct_domains")),
        "effective_domain": after_platform_release(app, ctx.platform()),
    }


@route("/wxa/getwxadevinfo", kinds=ANY_APP_TOKEN, perm=DEV_MANAGEMENT)
def getwxadevinfo(ctx: Ctx) -> dict[str, Any]:
    """Domains in force; one of the few endpoints the mini-program's own token may call."""
    app = ctx.app()
    action = ctx.body.get("action")
    server = {t: v for t, v in in_force(app).items() if t != "tcpdomain"}
    biz = {"bizdomain": webview_in_force(app)}
    if action == "getbizdomain":
        return biz
    if action == "getserverdomain":
        return server
    return {**server, **biz}


def webview_in_force(app: Doc) -> list[str]:
    """Business domains in force: the console's and setwebviewdomain's."""
    out: list[str] = []
    for url in [*app.get("mp_webview_domains", []), *app.get("webview_domains", [])]:
        if url not in out:
            out.append(url)
    return out


# --- the MP console and the seed ---
@console_action("set_server_domains")
def console_set_server_domains(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the given lists (types not mentioned stay as they are). By default the lists
    wxa/modify_domain manages (another client of the platform acting: an authorized mini-program
    cannot edit domains in the MP console); `mp: true` edits the console's own lists (mp_domain)."""
    lists: dict[str, list[str]] = {}
    for t in TYPES:
        if t in body:
            parsed = [parse_url(u, SCHEMES[t]) for u in body[t] or []]
            if any(p is None for p in parsed):
                raise ConsoleError(f"{t}: every entry must be a valid {SCHEMES[t]}:// domain")
            lists[t] = [p[0] for p in parsed if p is not None]
    return {"domains": replace(app, "mp_domains" if body.get("mp") else "domains", lists)}


def _seed_lists(where: str, value: Any) -> dict[str, list[str]]:
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


@seed_section(APP, "server_domains", "mp_server_domains")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """`server_domains`: modify_domain's lists; `mp_server_domains`: the console's (mp_domain)."""
    app["domains"] = _seed_lists(f"{where}.server_domains", item.get("server_domains"))
    app["mp_domains"] = _seed_lists(f"{where}.mp_server_domains", item.get("mp_server_domains"))
