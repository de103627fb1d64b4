"""Server domains (six lists) and business (web-view) domains: WeChat's URL rules, normalised.

Rules from reference/wechat-api.md §2.1 and §2.6: the scheme must match the type, a host is
required, no IP addresses, no `api.weixin.qq.com`, no path, query, fragment or user info; ports are
allowed for server domains only; at most 200 per server type and 300 business domains. WeChat
treats the lists as sets, so the normalised form is lower-case, without a trailing slash, sorted.
"""

from __future__ import annotations

import ipaddress
import re
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import Field

from providers.models._base import Check, SetLike, SpecModel, Text, fail, show

# The reference names only this host; its subdomains are not mentioned, so they are not refused.
FORBIDDEN_HOSTS = frozenset({"api.weixin.qq.com"})
SERVER_DOMAIN_LIMIT = 200
WEBVIEW_DOMAIN_LIMIT = 300

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_HOST_CHARS = re.compile(r"[a-z0-9.-]+")
_PORT = re.compile(r"[1-9][0-9]{0,4}")


def normalise_domain(value: str, *, scheme: str, allow_port: bool) -> str:
    """`SCHEME://host[:port]` in lower case, or a PydanticCustomError saying what is wrong."""
    text = value.strip()
    if "://" not in text:
        raise fail(f"must start with {scheme}://")
    given_scheme, rest = text.split("://", 1)
    if given_scheme.lower() != scheme:
        raise fail(f"must use {scheme}://, not {show(given_scheme.lower() + '://')}")
    if rest.endswith("/"):
        rest = rest[:-1]
    if any(mark in rest for mark in "/?#"):
        raise fail("must be a bare domain: no path, query or fragment")
    if "@" in rest:
        raise fail("must not contain user info (user@host)")
    if rest.startswith("["):
        raise fail("IP addresses are not allowed; use a domain name")
    host, port = rest.rsplit(":", 1) if ":" in rest else (rest, None)
    host = check_host(host.lower())
    if port is None:
        return f"{scheme}://{host}"
    if not allow_port:
        raise fail("business (web-view) domains cannot have a port")
    if not _PORT.fullmatch(port) or int(port) > 65535:
        raise fail(f"port must be a number from 1 to 65535, got {show(port)}")
    return f"{scheme}://{host}:{port}"


def check_host(host: str) -> str:
    if host.endswith("."):
        host = host[:-1]  # the fully-qualified spelling of the same name
    if not host:
        raise fail("a host is required")
    if _is_ip(host):
        raise fail("IP addresses are not allowed; use a domain name")
    if not _HOST_CHARS.fullmatch(host):
        raise fail("host may contain only letters, digits, '-' and '.' (internationalised names as xn--)")
    if len(host) > 253:
        raise fail("host is longer than 253 characters")
    labels = host.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise fail(f"host label {show(label)} must be 1-63 letters, digits or '-', not starting or ending in '-'")
    if len(labels) < 2:
        raise fail("host must be a full domain name, like api.example.com")
    if not labels[-1][0].isalpha():
        raise fail("host must end in a top-level domain such as .com or .cn (IP addresses are not allowed)")
    if host in FORBIDDEN_HOSTS:
        raise fail(f"{host} cannot be used: WeChat forbids it")
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.replace(".", "").isdigit()  # short forms like 10.1 are IPs to a browser, too
    return True


def _domain_key(scheme: str, allow_port: bool, item: Any) -> str | None:
    if not isinstance(item, str):
        return None
    try:
        return normalise_domain(item, scheme=scheme, allow_port=allow_port)
    except ValueError:
        return None


def _item(scheme: str, *, allow_port: bool) -> Check:
    normalise = partial(normalise_domain, scheme=scheme, allow_port=allow_port)
    return Check(normalise, {"pattern": f"^{scheme}://[^/?#@\\s]+/?$"})


def _set(scheme: str, *, allow_port: bool, what: str, limit: int) -> SetLike:
    return SetLike(what, key=partial(_domain_key, scheme, allow_port), limit=limit)


_HTTPS, _WSS = _item("https", allow_port=True), _item("wss", allow_port=True)
_UDP, _TCP = _item("udp", allow_port=True), _item("tcp", allow_port=True)
_WEBVIEW = _item("https", allow_port=False)
_EMPTY: Any = Field(default_factory=list)
_LIMIT = SERVER_DOMAIN_LIMIT

RequestDomains = Annotated[
    list[Annotated[Text, _HTTPS]],
    _set("https", allow_port=True, what="request domains", limit=_LIMIT),
    _EMPTY,
]
SocketDomains = Annotated[
    list[Annotated[Text, _WSS]], _set("wss", allow_port=True, what="socket domains", limit=_LIMIT), _EMPTY
]
UploadDomains = Annotated[
    list[Annotated[Text, _HTTPS]], _set("https", allow_port=True, what="upload domains", limit=_LIMIT), _EMPTY
]
DownloadDomains = Annotated[
    list[Annotated[Text, _HTTPS]],
    _set("https", allow_port=True, what="download domains", limit=_LIMIT),
    _EMPTY,
]
UdpDomains = Annotated[
    list[Annotated[Text, _UDP]], _set("udp", allow_port=True, what="udp domains", limit=_LIMIT), _EMPTY
]
TcpDomains = Annotated[
    list[Annotated[Text, _TCP]], _set("tcp", allow_port=True, what="tcp domains", limit=_LIMIT), _EMPTY
]
WebviewDomains = Annotated[
    list[Annotated[Text, _WEBVIEW]],
    _set("https", allow_port=False, what="business domains", limit=WEBVIEW_DOMAIN_LIMIT),
    _EMPTY,
]

OnDelete = Literal["forget", "clear"]

# spec field -> WeChat's field name in wxa/modify_domain
SERVER_DOMAIN_WIRE = {
    "request": "requestdomain",
    "socket": "wsrequestdomain",
    "upload": "uploaddomain",
    "download": "downloaddomain",
    "udp": "udpdomain",
    "tcp": "tcpdomain",
}


class ServerDomainsSpec(SpecModel):
    """服务器域名: all six lists are managed together; a missing list means 'none of this type'."""

    request: RequestDomains
    """wx.request domains, https://."""
    socket: SocketDomains
    """wx.connectSocket domains, wss://."""
    upload: UploadDomains
    """wx.uploadFile domains, https://."""
    download: DownloadDomains
    """wx.downloadFile domains, https://."""
    udp: UdpDomains
    """UDP domains, udp://."""
    tcp: TcpDomains
    """TCP domains, tcp://."""
    on_delete: OnDelete = "forget"
    """What removing this block does: forget (leave WeChat as it is) or clear (empty every list)."""


class WebviewDomainsSpec(SpecModel):
    """业务域名 (web-view): https only, no port; not available to personal accounts."""

    domains: WebviewDomains
    """Business domains, https:// without a port."""
    on_delete: OnDelete = "forget"
    """What removing this block does: forget (leave WeChat as it is) or clear (empty the list)."""
