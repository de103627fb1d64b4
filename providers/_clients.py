"""One WeChat client per mini-program per provider host, shared by all its resources and threads.

The provider host serves four calls at once and keeps running for the whole `pulumi up`, so
reusing a client keeps its connection pool and its in-memory token; the token cache on disk
carries tokens across runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from providers._settings import Settings, token_source_for
from wechat import MiniProgramClient

_lock = threading.Lock()
_clients: dict[str, MiniProgramClient] = {}


def client_for(appid: str, credentials: Mapping[str, Any], settings: Settings) -> MiniProgramClient:
    key = json.dumps([settings.base_url, appid, dict(credentials)], sort_keys=True, default=str)
    with _lock:
        client = _clients.get(key)
        if client is None:
            source = token_source_for(appid, credentials, settings)
            client = MiniProgramClient(appid, source, base_url=settings.base_url)
            _clients[key] = client
        return client
