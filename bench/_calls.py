"""The emulator's call log sorted into token fetches, reads and writes, by endpoint and by resource."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.testing import EmulatorControl

TOKEN_PATHS = frozenset({
    "/cgi-bin/component/api_component_token", "/cgi-bin/component/api_authorizer_token",
    "/cgi-bin/component/api_query_auth", "/cgi-bin/token", "/cgi-bin/stable_token",
})
# One endpoint, read or write by its `action`: action=get reads.
ACTION_PATHS = frozenset({"/wxa/modify_domain", "/wxa/setwebviewdomain", "/wxa/modify_domain_directly",
                          "/cgi-bin/component/modify_wxa_server_domain",
                          "/cgi-bin/component/modify_wxa_jump_domain"})
READ_PATHS = frozenset({"/wxa/memberauth", "/cgi-bin/account/getaccountbasicinfo",
                        "/cgi-bin/component/api_get_authorizer_info"})
READ_PREFIXES = ("get", "query", "api_wxa_query")


def call_kind(call: dict[str, Any]) -> str:
    """token | read | write, for one entry of the emulator's call log.

    Reads: token-free lookups named get*/query* (getversioninfo, get_latest_auditstatus,
    gettemplatelist, queryquota, getprivacysetting, openapi/quota/get, ...), memberauth
    (get_experiencer), getaccountbasicinfo, api_get_authorizer_info,
    revertcoderelease?action=get_history_version, and the modify-or-get endpoints (modify_domain,
    setwebviewdomain, modify_wxa_jump_domain, ...) with action=get. Token
    endpoints are counted apart. Everything else writes (including uploads and pre-auth codes).
    """
    path = str(call["path"])
    if path in TOKEN_PATHS:
        return "token"
    body = call.get("body") if isinstance(call.get("body"), dict) else {}
    query = call.get("query") if isinstance(call.get("query"), dict) else {}
    assert isinstance(body, dict) and isinstance(query, dict)
    if path in ACTION_PATHS:
        return "read" if body.get("action") == "get" else "write"
    if path == "/wxa/revertcoderelease":
        return "read" if query.get("action") == "get_history_version" else "write"
    if path in READ_PATHS or path.rsplit("/", 1)[-1].startswith(READ_PREFIXES):
        return "read"
    return "write"


# Which resource makes each read (from each provider's "Live read:" docstring); "?" = unknown.
READ_OWNERS = {
    "/wxa/modify_domain": "ServerDomains", "/wxa/getwxadevinfo": "ServerDomains/WebviewDomains (owner)",
    "/wxa/setwebviewdomain": "WebviewDomains", "/wxa/memberauth": "Testers",
    "/cgi-bin/account/getaccountbasicinfo": "Profile", "/wxa/api_wxa_querynickname": "Profile",
    "/cgi-bin/wxopen/getcategory": "Categories", "/cgi-bin/component/getprivacysetting": "PrivacySettings",
    "/wxa/getversioninfo": "Release", "/wxa/get_latest_auditstatus": "Release",
    "/wxa/getgrayreleaseplan": "Release", "/wxa/queryquota": "Release", "/wxa/revertcoderelease": "Release",
    "/wxa/gettemplatelist": "Release", "/wxa/gettemplatedraftlist": "Release",
}


def reads_by_resource(calls: Iterable[dict[str, Any]]) -> Counter[str]:
    return Counter(READ_OWNERS.get(str(c["path"]), "?") for c in calls if call_kind(c) == "read")


@dataclass
class CallCount:
    tokens: int = 0
    reads: int = 0
    writes: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    per_app: Counter[str] = field(default_factory=Counter)  # token fetches per account
    by_resource: Counter[str] = field(default_factory=Counter)  # reads, by the resource making them

    @property
    def total(self) -> int:
        return self.tokens + self.reads + self.writes

    def paths(self, kind: str | None = None) -> str:
        items = [(p, n) for p, n in sorted(self.by_path.items()) if kind is None or p.startswith(kind + " ")]
        return ", ".join(f"{p.split(' ', 1)[1]} x{n}" if n > 1 else p.split(" ", 1)[1] for p, n in items) or "-"


def count_calls(calls: Iterable[dict[str, Any]]) -> CallCount:
    out = CallCount()
    calls = list(calls)
    out.by_resource = reads_by_resource(calls)
    for call in calls:
        kind = call_kind(call)
        body = call.get("body") if isinstance(call.get("body"), dict) else {}
        action = (body or {}).get("action") or (call.get("query") or {}).get("action")
        label = f"{call['path']}?action={action}" if action else str(call["path"])
        out.by_path[f"{kind} {label}"] += 1
        if kind == "token":
            out.tokens += 1
            # whose token: the mini-program an authorizer token is for, else the caller's account
            out.per_app[str((body or {}).get("authorizer_appid") or call.get("appid"))] += 1
        elif kind == "read":
            out.reads += 1
        else:
            out.writes += 1
    return out


def calls_during(control: EmulatorControl, action: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    control.clear_calls()
    result = action()
    return result, control.calls()
