"""Test helpers for wechat/: a scripted fake of WeChat on httpx.MockTransport.

It issues tokens, checks them on every call and records every request.

MockTransport is used only here, for the client's retry and token logic; everything that reaches
a provider talks to the real emulator over HTTP instead.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

from wechat import (
    ComponentCredentials,
    PlatformTokenSource,
    TokenCache,
)

APPID = "wx_test_app"
OWNER_SECRET = "owner-secret-0f3c9a77d1e2"
COMPONENT_APPID = "wx_component"
COMPONENT_SECRET = "component-secret-77ab31c9e0d4"
TICKET = "ticket@@@verify-5d2e1f0a9b8c"
REFRESH_TOKEN = "refreshtoken@@@configured-a1b2c3d4"

Reply = dict[str, Any] | httpx.Response | Exception | Callable[[httpx.Request], Any]


class FakeWeChat:
    """Enough of WeChat for client tests. Tokens are random, long, and recorded for leak checks."""

    TOKEN_PATHS: ClassVar[dict[str, tuple[str, str]]] = {
        "cgi-bin/stable_token": ("access_token", "owner"),
        "cgi-bin/component/api_component_token": ("component_access_token", "component"),
        "cgi-bin/component/api_authorizer_token": ("authorizer_access_token", "authorizer"),
    }

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[httpx.Request] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.always: dict[str, Reply] = {}
        self.defaults: dict[str, dict[str, Any]] = {}  # success bodies per path, for valid tokens
        self.valid: set[str] = set()
        self.expired: set[str] = set()
        self.issued: list[str] = []
        self.expires_in = 7200
        self.token_delay = 0.0
        self.rotate_refresh_token: str | None = None
        self._n = itertools.count(1)

    # --- scripting ---
    def script(self, path: str, *replies: Reply) -> None:
        self.scripts.setdefault(path, []).extend(replies)

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path.lstrip("/") == path)

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests
                if r.url.path.lstrip("/") == path]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # --- the server ---
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.lstrip("/")
        with self.lock:
            self.requests.append(request)
            reply = self.scripts[path].pop(0) if self.scripts.get(path) else self.always.get(path)
        if reply is not None:
            return self._render(reply, request)
        if path in self.TOKEN_PATHS:
            return self._issue(path, request)
        token = request.url.params.get("access_token") or request.url.params.get("component_access_token")
        if token in self.expired:
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired rid: a-b-c"})
        if token not in self.valid:
            return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential rid: aa-bb-dd"})
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", **self.defaults.get(path, {})})

    def _render(self, reply: Reply, request: httpx.Request) -> httpx.Response:
        if callable(reply) and not isinstance(reply, httpx.Response):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return httpx.Response(200, json=reply)

    def _issue(self, path: str, request: httpx.Request) -> httpx.Response:
        if self.token_delay:
            time.sleep(self.token_delay)
        key, kind = self.TOKEN_PATHS[path]
        if kind == "authorizer" and request.url.params.get("component_access_token") not in self.valid:
            return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"})
        token = f"TOKEN-{kind}-{next(self._n)}-{uuid.uuid4().hex}"
        with self.lock:
            self.valid.add(token)
            self.issued.append(token)
        body: dict[str, Any] = {key: token, "expires_in": self.expires_in}
        if kind == "authorizer":
            body["authorizer_refresh_token"] = self.rotate_refresh_token or json.loads(
                request.content)["authorizer_refresh_token"]
        return httpx.Response(200, json=body)


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps(list[float]):
    """Records backoff delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def platform_source(cache: TokenCache | None, clock: FakeClock,
                    refresh: str = REFRESH_TOKEN) -> PlatformTokenSource:
    creds = ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, TICKET)
    return PlatformTokenSource(creds, APPID, refresh, cache, clock=clock)
