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
from emulator.routing import (
    ANY_APP_TOKEN,
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
            invalid[t] = [u for u in wanted[t] if host_of(u) not in registered]
            wanted[t] = [u for u in wanted[t] if host_of(u) in registered]
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
    spend_change(ctx, app)
    app[state_key] = result
    return _answer(result, invalid)


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def spend_change(ctx: Ctx, account: Doc, counter_key: str = "domain_changes") -> None:
    """One of the 50 domain changes a month (per account and endpoint family)."""
    counter = account.setdefault(counter_key, {})
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
