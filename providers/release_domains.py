"""Domains a platform release would drop: WeChat keeps only the platform's registered domains.

"当小程序通过第三方平台发布代码上线后，小程序原先自己配置的服务器域名将被删除，只保留第三方平台的域名"
(api_modifyserverdomain; the same for business domains, api_modifyjumpdomain; reference §10). So a
mini-program whose backend domain is not on the platform's *published* list loses it at the first
release, gray release or rollback made through the platform.

Pure: `read` turns `wxa/get_effective_domain` and `wxa/get_effective_webviewdomain` into
`{"now": ..., "after": ...}` (each `{"server": {type: [url]}, "webview": [host]}`); `lost` compares
the spec's declared domains (`declared`, filled by the program from the spec's `server_domains` and
`webview_domains` blocks) and the ones in force now with what is in force after the release. Every
list in WeChat's answers is optional. Domains are compared without case; web-view ones by host.
`release_rule` applies all this to a Release plan: ⛔ when this `up` releases, ⚠ when a later one will.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from providers.release_plan import RELEASING, ReleasePlan

Props = dict[str, Any]

SERVER_TYPES = ("requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain", "tcpdomain")
KIND_NAMES = {"requestdomain": "request", "wsrequestdomain": "socket", "uploaddomain": "upload",
              "downloaddomain": "download", "udpdomain": "udp", "tcpdomain": "tcp", "webview": "web-view"}
SPEC_FIELDS = {"request": "requestdomain", "socket": "wsrequestdomain", "upload": "uploaddomain",
               "download": "downloaddomain", "udp": "udpdomain", "tcp": "tcpdomain"}


def declared(server_domains: Mapping[str, Any] | None, webview_domains: Mapping[str, Any] | None) -> Props:
    """The domains a spec declares (its server_domains / webview_domains blocks as dumped), {} if none."""
    out: Props = {}
    if server_domains is not None:
        out["server"] = {wire: sorted(_urls(server_domains.get(name))) for name, wire in SPEC_FIELDS.items()}
    if webview_domains is not None:
        out["webview"] = sorted(_hosts(webview_domains.get("domains")))
    return out


def read(effective_server: Props, effective_webview: Props) -> Props:
    """`now` (every source in force) and `after` (in force after a release through the platform)."""
    def server(*keys: str) -> dict[str, list[str]]:
        return {t: sorted({u for key in keys for u in _urls((effective_server.get(key) or {}).get(t))})
                for t in SERVER_TYPES}

    def webview(*keys: str) -> list[str]:
        return sorted({h for key in keys for h in _hosts(effective_webview.get(key))})

    unread = [part for part, answer, key in (("server", effective_server, "effective_domain"),
                                            ("webview", effective_webview, "effective_webviewdomain"))
              if not isinstance(answer.get(key), dict if part == "server" else list)]
    return {
        "unread": unread,  # parts whose `after` WeChat's answer left out: unknown, never "everything dropped"
        "now": {"server": server("mp_domain", "third_domain", "direct_domain"),
                "webview": webview("mp_webviewdomain", "third_webviewdomain", "direct_webviewdomain")},
        "after": {"server": server("effective_domain"), "webview": webview("effective_webviewdomain")},
        "sources": {source: {"server": server(f"{source}_domain"), "webview": webview(f"{source}_webviewdomain")}
                    for source in ("mp", "third", "direct")},
    }


def in_force(declared_domains: Props, domains: Props) -> Props:
    """The declared domains a plan can judge: those in force now, and every one of a part whose `after`
    was `projected` for this run's own writes. The rest is set by the same `up`, before the release,
    and judged by the guard right before it."""
    now, forecast = domains.get("now") or {}, set(domains.get("projected") or ())
    server = {t: [u for u in urls if "server" in forecast or u in set((now.get("server") or {}).get(t) or [])]
              for t, urls in (declared_domains.get("server") or {}).items()}
    webview = [h for h in declared_domains.get("webview") or []
               if "webview" in forecast or h in set(now.get("webview") or [])]
    return {**({"server": server} if "server" in declared_domains else {}),
            **({"webview": webview} if "webview" in declared_domains else {})}
def platform_lists(server_published: Iterable[str] | None, jump_published: Iterable[str] | None) -> Props:
    """The platform spec's published lists (bare hosts), for `declared()["platform"]`; {} if it manages none."""
    out: Props = {}
    if server_published is not None:
        out["server"] = sorted(_hosts(server_published))
    if jump_published is not None:
        out["webview"] = sorted(_hosts(jump_published))
    return out


def projected(domains: Props, declared_domains: Props) -> Props:
    """`domains` (from `read`) with `after` as it will be once this run has converged the platform's
    published lists (`declared_domains["platform"]`) and the mini-program's own lists (the spec's
    `server` / `webview`), which the program applies before the release.

    WeChat's own `effective_*` answer is kept for a part the run does not change (no platform list in
    the spec). The rule applied to a changed part is the documented one (reference §2.1, §10): a
    release through the platform keeps the console's and the platform-set domains whose host is on the
    platform's published server list (web-view: is, or is under, a host on its published business
    list), plus the directly set ones. Only the plan uses this forecast; the release re-reads WeChat
    right before it goes live (release_guards.declared_domains_survive).
    """
    platform = declared_domains.get("platform") or {}
    sources = domains.get("sources")
    if not platform or not isinstance(sources, dict):
        return domains
    mp, third, direct = (sources.get(name) or {} for name in ("mp", "third", "direct"))
    after = {**(domains.get("after") or {})}
    if platform.get("server") is not None:
        published = set(platform["server"])
        own = declared_domains.get("server") or (third.get("server") or {})
        after["server"] = {
            t: sorted({u for u in [*(mp.get("server") or {}).get(t, []), *own.get(t, [])] if _host(u) in published}
                      | set((direct.get("server") or {}).get(t, [])))
            for t in SERVER_TYPES
        }
    if platform.get("webview") is not None:
        registered = platform["webview"]
        own_hosts = declared_domains.get("webview")
        own_hosts = third.get("webview") or [] if own_hosts is None else own_hosts
        kept = {h for h in [*(mp.get("webview") or []), *own_hosts] if _under(h, registered)}
        after["webview"] = sorted(kept | set(direct.get("webview") or []))
    return {**domains, "after": after, "projected": [part for part in ("server", "webview") if platform.get(part)
                                                     is not None]}


def _under(host: str, registered: Iterable[str]) -> bool:
    return any(host == item or host.endswith("." + item) for item in registered)


def unjudged(declared_domains: Props, domains: Props, accepted: Iterable[str] = ()) -> list[str]:
    """The declared parts ("server", "webview") whose fate WeChat's answer does not tell (its
    `effective_*` list was left out and this run does not forecast it), and whose domains the spec does
    not all accept losing: neither kept nor dropped, so nobody releases on a guess."""
    unread = set(domains.get("unread") or ()) - set(domains.get("projected") or ())
    accept = {_host(item) for item in accepted} | {str(item).lower().rstrip("/") for item in accepted}
    return [part for part in ("server", "webview") if part in unread
            and any(url not in accept and _host(url) not in accept for _line, url in _dropped(
                {part: declared_domains.get(part)} if declared_domains.get(part) else {}, {}))]


def unjudged_message(version: str, parts: list[str]) -> str:
    answers = {"server": "wxa/get_effective_domain has no effective_domain",
               "webview": "wxa/get_effective_webviewdomain has no effective_webviewdomain"}
    return (f"cannot tell whether releasing {version} through the platform keeps the declared domains: WeChat's "
            f"answer to {' and '.join(answers[part] for part in parts)}. Nothing is released on a guess: run `up` "
            "again (it reads again), or list the domains in release.accept_domain_loss to release anyway.")


def lost(declared_domains: Props, domains: Props, accepted: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(declared domains the release would drop and the spec does not accept losing, domains in force
    now that it would drop and the spec does not declare), each as "kind url" lines. A part whose
    `after` is unread (see `unjudged`) is judged by nobody here."""
    unread = set(domains.get("unread") or ()) - set(domains.get("projected") or ())
    after = domains.get("after") or {}
    now = domains.get("now") or {}
    declared_domains = {part: value for part, value in declared_domains.items() if part not in unread}
    now = {part: value for part, value in now.items() if part not in unread}
    accept = {_host(item) for item in accepted} | {str(item).lower().rstrip("/") for item in accepted}
    declared_lost = [line for line, url in _dropped(declared_domains, after) if url not in accept
                     and _host(url) not in accept]
    declared_lines = {line for line, _ in _dropped(declared_domains, {})}
    others = [line for line, _ in _dropped(now, after) if line not in declared_lines]
    return declared_lost, others


def _dropped(have: Props, after: Props) -> list[tuple[str, str]]:
    out = []
    for t in SERVER_TYPES:
        kept = set((after.get("server") or {}).get(t) or [])
        out += [(f"{KIND_NAMES[t]} {url}", url) for url in (have.get("server") or {}).get(t) or [] if url not in kept]
    kept_hosts = set(after.get("webview") or [])
    out += [(f"web-view {host}", host) for host in have.get("webview") or [] if host not in kept_hosts]
    return out


def loss_message(version: str, declared_lost: list[str], platform_spec: str | None = None) -> str:
    if platform_spec:  # the stack has the platform's spec: the fix is an edit of it
        fix = (f"Fix it at the platform, in the same change: add their hosts to server_domains.published (web-view: "
               f"jump_domains.published) in {platform_spec}, which sets the platform's published lists "
               "(cgi-bin/component/modify_wxa_server_domain / modify_wxa_jump_domain) before the release")
    else:
        fix = ("Fix it at the platform: add them to its published server-domain list "
               "(cgi-bin/component/modify_wxa_server_domain, action add, is_modify_published_together: true) or, "
               "for web-view domains, its business-domain list (cgi-bin/component/modify_wxa_jump_domain)")
    return (
        f"releasing {version} through the third-party platform would drop domains the spec declares: "
        f"{', '.join(declared_lost)}. After a platform release WeChat keeps only the domains registered on the "
        f"platform's published lists (the mini-program's own are deleted). {fix}; or list them in "
        "release.accept_domain_loss to release anyway."
    )


def _urls(items: Any) -> list[str]:
    return [str(item).strip().lower().rstrip("/") for item in items or [] if str(item).strip()]


def _hosts(items: Any) -> list[str]:
    return [_host(item) for item in items or [] if str(item).strip()]


def _host(item: Any) -> str:
    text = str(item).strip().lower()
    text = text.split("://", 1)[-1]
    return text.split("/", 1)[0].split(":", 1)[0]


def release_rule(plan: ReleasePlan, desired: Props, live: Props) -> None:
    """A release through the platform keeps only the platform's domains: refuse it when a domain the
    spec declares would go (unless release.accept_domain_loss lists it); warn about the others."""
    if live.get("domains") is None:
        return
    # judged on the declared domains in force now, or forecast for this run's platform changes; the
    # others are set by this very `up` (the domain resources run before the release), so the guard
    # judges them right before the release
    declared = desired.get("declared_domains") or {}
    domains = projected(live["domains"], declared)  # after this run's platform changes
    judged = in_force(declared, domains)
    declared_lost, others = lost(judged, domains, desired.get("accept_domain_loss") or [])
    releasing = any(call.path in RELEASING for call in plan.calls)
    not_told = unjudged(judged, domains, desired.get("accept_domain_loss") or [])
    if not_told and releasing:  # the guard right before the release refuses on the same answer
        plan.blocked = plan.blocked or unjudged_message(plan.version, not_told)
    elif not_told:
        plan.warnings.append(unjudged_message(plan.version, not_told))
    message = loss_message(plan.version, declared_lost, (declared.get("platform") or {}).get("spec"))
    if declared_lost and releasing:
        plan.blocked = plan.blocked or message
    elif declared_lost:
        plan.warnings.append(f"the release that follows the audit would be refused: {message}")
    if others:
        plan.warnings.append(
            f"releasing {plan.version} through the platform drops domains in force now that the spec does not "
            f"declare: {', '.join(others)} (WeChat keeps only the platform's registered domains)"
        )
