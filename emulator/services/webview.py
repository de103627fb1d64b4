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
from emulator.errors import Err
from emulator.routing import (
    APP,
    DEV_MANAGEMENT,
    ConsoleError,
    Ctx,
    bare_host,
    console_action,
    field_list,
    route,
    seed_section,
)
from emulator.services.domains import parse_url, webview_in_force
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_JUMPDOMAIN = "doc domain-management/modifyJumpDomain"
WEBVIEW_NOT_CHANGE = Err(89019, "webview domain not change", DOC_JUMPDOMAIN)
WEBVIEW_COMPONENT_EMPTY = Err(89020, "open's webview domain is null! Need to set open's webview domain first!",
                              DOC_JUMPDOMAIN)
WEBVIEW_NOT_OPEN = Err(89021, "request domain is not open's webview domain!", DOC_JUMPDOMAIN)
WEBVIEW_DELETE_MISSING = Err(89022, "delete domain is not exist!", "reference §2.6")
WEBVIEW_COUNT_LIMIT = Err(89029, "业务域名数量超过限制，最多可以添加100个业务域名", DOC_JUMPDOMAIN)
WEBVIEW_PERSONAL = Err(89231, "not support single", DOC_JUMPDOMAIN)

WEBVIEW_LIMIT = 300


def _under(host: str, registered: list[str]) -> bool:
    """Subdomains of a registered business domain are allowed (the modifyJumpDomain doc)."""
    return any(host == r or host.endswith("." + r) for r in registered)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


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


def modify(app: Doc, action: str, wanted: list[tuple[str, str] | None] | None, registered: list[str]) -> None:
    """add/delete/set the business domains with WeChat's rules (personal accounts are refused
    before, as even a read is). `wanted`: (url, host) per requested
    entry, None for a malformed one; None altogether: every business domain of the platform
    (setwebviewdomain without an action). `registered`: the platform's business domains."""
    current: list[str] = app.setdefault("webview_domains", [])
    if wanted is None:
        if not registered:
            raise WEBVIEW_COMPONENT_EMPTY()
        wanted = [parse_url(f"https://{h}", "https", allow_port=False) for h in registered]
    if action == "delete":
        urls = [w[0] for w in wanted if w is not None]
        if len(urls) != len(wanted) or any(u not in current for u in urls):
            raise WEBVIEW_DELETE_MISSING()
        result = [u for u in current if u not in urls]
    else:
        if wanted and not registered:
            raise WEBVIEW_COMPONENT_EMPTY()
        if any(w is None or not _under(w[1], registered) for w in wanted):
            raise WEBVIEW_NOT_OPEN()
        urls = list(dict.fromkeys(w[0] for w in wanted if w is not None))
        result = current + [u for u in urls if u not in current] if action == "add" else urls
        if sorted(result) == sorted(current):
            raise WEBVIEW_NOT_CHANGE()
    if len(result) > WEBVIEW_LIMIT:
        raise WEBVIEW_COUNT_LIMIT()
    app["webview_domains"] = result


def replace(app: Doc, key: str, urls: list[str]) -> list[str]:
    """Set a business-domain list as is, skipping every API rule: the MP console."""
    app[key] = list(urls)
    return app[key]


@route("/wxa/setwebviewdomain", perm=DEV_MANAGEMENT)
def setwebviewdomain(ctx: Ctx) -> dict[str, Any]:
    """Business domains: https only, no port, registered (or a subdomain) on the platform, <= 300."""
    app = ctx.app()
    if app.get("account_type") == "personal":
        raise WEBVIEW_PERSONAL()
    action = ctx.body.get("action") or "add_all"
    if action == "get":
        return {"webviewdomain": list(app.setdefault("webview_domains", []))}
    if action not in ("add", "delete", "set", "add_all"):
        raise errors.INVALID_ARGS()
    registered = registered_webview_hosts(ctx.platform())
    if action == "add_all":  # no action: every business domain of the platform is added
        modify(app, "add", None, registered)
    else:
        items = field_list(ctx.body, "webviewdomain")
        modify(app, action, [parse_url(i, "https", allow_port=False) for i in items], registered)
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


# --- the MP console and the seed ---
@console_action("set_webview_domains")
def console_set_webview_domains(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """The setwebviewdomain list by default; `mp: true`: the console's own list."""
    parsed = [parse_url(u, "https", allow_port=False) for u in body.get("webviewdomain") or []]
    if any(p is None for p in parsed):
        raise ConsoleError("webviewdomain: every entry must be https://host")
    key = "mp_webview_domains" if body.get("mp") else "webview_domains"
    return {key: replace(app, key, [p[0] for p in parsed if p is not None])}


@seed_section(APP, "webview_domains", "mp_webview_domains")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """Bare hosts (or URLs) of setwebviewdomain's list and of the console's."""
    for seed_key, key in (("webview_domains", "webview_domains"), ("mp_webview_domains", "mp_webview_domains")):
        app[key] = [f"https://{bare_host(h)}" for h in item.get(seed_key) or []]
