"""Fixtures for the wechat/ client tests (helpers live in wechat_fakes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from wechat_fakes import APPID, OWNER_SECRET, FakeClock, FakeWeChat, Sleeps

from wechat import MiniProgramClient, OwnerTokenSource, TokenCache


@pytest.fixture
def fake() -> FakeWeChat:
    return FakeWeChat()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def cache(tmp_path: Path) -> TokenCache:
    return TokenCache(tmp_path / "tokens")


@pytest.fixture
def make_client(fake: FakeWeChat, sleeps: Sleeps,
                clock: FakeClock) -> Iterator[Callable[..., MiniProgramClient]]:
    """Owner-mode client on the fake by default; ``source=`` swaps the token source."""
    clients: list[MiniProgramClient] = []

    def make(source: Any = None, **kwargs: Any) -> MiniProgramClient:
        source = source or OwnerTokenSource(APPID, OWNER_SECRET, clock=clock)
        kwargs.setdefault("base_url", "http://127.0.0.1:9")
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("jitter", lambda: 0.0)
        client = MiniProgramClient(source.appid, source, transport=fake.transport(), **kwargs)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
