"""Business (web-view) domains of a mini-program, and what a release through the platform does to them.

App state: `mp_webview_domains` (set in the MP console, e.g. before the authorization) and
`webview_domains` (what wxa/setwebviewdomain manages), https URLs without a port. A release through
the platform keeps only the ones whose host is, or is under, a business domain on the platform's
published list ("当小程序通过第三方发布代码上线后，小程序原先自己配置的业务域名将被删除，只保留第三方平台的
域名"). `setwebviewdomain_directly` is not modelled, so `direct_webviewdomain` is always empty.
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.routing import DEV_MANAGEMENT, Ctx, field_list, route
from emulator.services.domains import parse_url, webview_in_force
from emulator.state import Doc

WEBVIEW_LIMIT = 300


def _under(host: str, registered: list[str]) -> bool:
    """Subdomains of a registered business domain are allowed (the modifyJumpDomain doc)."""
    return any(host == r or host.endswith("." + r) for r in registered)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


def _webview_item(item: Any, registered: list[str]) -> str:
    parsed = parse_url(item, "https", allow_port=False)
    if parsed is None:
        raise errors.WEBVIEW_NOT_OPEN()
    url, host = parsed
    if not _under(host, registered):
        raise errors.WEBVIEW_NOT_OPEN()
    return url


def registered_webview_hosts(platform: Doc) -> list[str]:
    # As for server domains, either of the platform's two lists (published, testing) admits one.
    return list(dict.fromkeys([*platform.get("webview_domains", []),
                               *platform.get("testing_webview_domains", [])]))


def after_platform_release(app: Doc, platform: Doc) -> list[str]:
    published = list(platform.get("webview_domains", []))
    return [u for u in webview_in_force(app) if _under(_host(u), published)]


def apply_platform_release(app: Doc, platform: Doc) -> None:
    published = list(platform.get("webview_domains", []))
    for key in ("mp_webview_domains", "webview_domains"):
        if key in app:
            app[key] = [u for u in app[key] if _under(_host(u), published)]


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
    registered = registered_webview_hosts(ctx.platform())
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


@route("/wxa/get_effective_webviewdomain", perm=DEV_MANAGEMENT)
def get_effective_webviewdomain(ctx: Ctx) -> dict[str, Any]:
    """The sources of the business domains and what will be in force after the next platform release
    (getEffectiveJumpDomain: "最后提交代码或者发布上线后生效的域名列表")."""
    app = ctx.app()
    return {
        "mp_webviewdomain": list(app.get("mp_webview_domains", [])),
        "third_webviewdomain": list(app.get("webview_domains", [])),
        "direct_webviewdomain": [],
        "effective_webviewdomain": after_platform_release(app, ctx.platform()),
    }
