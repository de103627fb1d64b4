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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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

    return {
        "now": {"server": server("mp_domain", "third_domain", "direct_domain"),
                "webview": webview("mp_webviewdomain", "third_webviewdomain", "direct_webviewdomain")},
        "after": {"server": server("effective_domain"), "webview": webview("effective_webviewdomain")},
    }


def in_force(declared_domains: Props, domains: Props) -> Props:
    """The declared domains that are in force now (a plan judges only those: the rest is set by the
    same `up`, before the release, and judged by the guard right before it)."""
    now = domains.get("now") or {}
    server = {t: [u for u in urls if u in set((now.get("server") or {}).get(t) or [])]
              for t, urls in (declared_domains.get("server") or {}).items()}
    webview = [h for h in declared_domains.get("webview") or [] if h in set(now.get("webview") or [])]
    return {**({"server": server} if "server" in declared_domains else {}),
            **({"webview": webview} if "webview" in declared_domains else {})}


def lost(declared_domains: Props, domains: Props, accepted: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(declared domains the release would drop and the spec does not accept losing, domains in force
    now that it would drop and the spec does not declare), each as "kind url" lines."""
    after = domains.get("after") or {}
    now = domains.get("now") or {}
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


def loss_message(version: str, declared_lost: list[str]) -> str:
    return (
        f"releasing {version} through the third-party platform would drop domains the spec declares: "
        f"{', '.join(declared_lost)}. After a platform release WeChat keeps only the domains registered on the "
        "platform's published lists (the mini-program's own are deleted). Fix it at the platform: add them to its "
        "published server-domain list (cgi-bin/component/modify_wxa_server_domain, action add, "
        "is_modify_published_together: true) or, for web-view domains, its business-domain list "
        "(cgi-bin/component/modify_wxa_jump_domain); or list them in release.accept_domain_loss to release anyway."
    )


def _urls(items: Any) -> list[str]:
    return [str(item).strip().lower().rstrip("/") for item in items or [] if str(item).strip()]


def _hosts(items: Any) -> list[str]:
    return [_host(item) for item in items or [] if str(item).strip()]


def _host(item: Any) -> str:
    text = str(item).strip().lower()
    text = text.split("://", 1)[-1]
    return text.split("/", 1)[0].split(":", 1)[0]
