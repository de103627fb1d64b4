"""One WeChat client per mini-program per provider host, all on one shared connection pool.

The provider host serves many calls at once and keeps running for the whole `pulumi up`, so
reusing a client keeps its in-memory token; the token cache on disk carries tokens across runs.

Every client sends through one `httpx.HTTPTransport` (one keep-alive pool for the process): the
WeChat API is one host, so a connection one mini-program's read opened serves the next app's
read. With a pool per client, a no-op preview of 10 mini-programs at 50 ms per call opened 33-38
connections per 90 requests, each a TLS handshake against api.weixin.qq.com.
WECHAT_IAC_SHARED_POOL=0 in the environment gives each client its own pool again (for comparison).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from providers._settings import Settings, token_source_for
from wechat import MiniProgramClient
from wechat.http import _ssl_context as client_tls  # the TLS settings every client uses

# Enough for every host thread and prefetch worker to hold a connection, all kept alive between calls.
POOL_CONNECTIONS = 64

_lock = threading.Lock()
_clients: dict[str, MiniProgramClient] = {}
_transport: httpx.HTTPTransport | None = None


def client_for(appid: str, credentials: Mapping[str, Any], settings: Settings) -> MiniProgramClient:
    key = json.dumps([settings.base_url, appid, dict(credentials)], sort_keys=True, default=str)
    with _lock:
        client = _clients.get(key)
        if client is None:
            source = token_source_for(appid, credentials, settings)
            client = MiniProgramClient(appid, source, base_url=settings.base_url, transport=shared_transport())
            _clients[key] = client
        return client


def shared_transport() -> httpx.HTTPTransport | None:
    """The process's one connection pool (None with WECHAT_IAC_SHARED_POOL=0: a pool per client).

    The clients' own TLS context (wechat/http.py: httpx's defaults, the process's one context);
    never closed: it lives as long as the host. Call with `_lock` held.
    """
    global _transport
    if os.environ.get("WECHAT_IAC_SHARED_POOL") == "0":
        return None
    if _transport is None:
        limits = httpx.Limits(max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS)
        _transport = httpx.HTTPTransport(verify=client_tls(), limits=limits)
    return _transport
