"""The read prefetch (providers/_base.py): check() queues the live read, diff() takes it.

With the host serving many diffs at once (providers/_host.py), a diff must not wait behind the
prefetch pool's queue: a read still queued is cancelled and made by the diff's own thread.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from providers._base import Context, WeChatResourceProvider
from providers._plan import Plan
from providers._settings import Settings
from providers.models import ServerDomainsSpec

APPID = "wx2222222222222222"
PROPS = {"appid": APPID, "credentials": {"mode": "platform"}, "spec": {"request": ["https://a.example.com"]}}


class Recording(WeChatResourceProvider):
    kind = "server_domains"
    spec_model = ServerDomainsSpec

    def __init__(self) -> None:
        self.reads: list[str] = []

    def read_live(self, ctx: Context) -> dict[str, Any]:
        self.reads.append(threading.current_thread().name)
        return {"read_on": threading.current_thread().name}

    def plan(self, ctx: Context, desired: Any, live: Any, olds: Any) -> Plan:
        return Plan(resource=self.kind, appid=ctx.appid)


@pytest.fixture
def provider() -> Recording:
    provider = Recording()
    provider._settings = Settings(base_url="http://emulator.invalid", config={})
    return provider


def test_a_queued_read_is_made_by_the_diff_itself(provider: Recording) -> None:
    gate = threading.Event()
    opener = threading.Timer(2.0, gate.set)  # only bounds the wait if the diff waited for the queue
    with ThreadPoolExecutor(1, thread_name_prefix="prefetch") as pool:
        pool.submit(gate.wait)  # the pool's only worker is busy: the prefetch waits in the queue
        ctx = provider.context(PROPS)
        ctx.prefetched = pool.submit(provider.read_live, ctx)
        opener.start()
        _plan, live = provider.observe(ctx, PROPS, None)
        gate.set()
    opener.cancel()
    assert live == {"read_on": threading.current_thread().name}
    assert provider.reads == [threading.current_thread().name]  # the queued read never ran


def test_a_read_already_made_is_taken(provider: Recording) -> None:
    ctx = provider.context(PROPS)
    done: Future[Any] = Future()
    done.set_result({"read_on": "prefetch"})
    ctx.prefetched = done
    _plan, live = provider.observe(ctx, PROPS, None)
    assert live == {"read_on": "prefetch"} and provider.reads == []


def test_a_read_in_flight_is_waited_for(provider: Recording) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_read(ctx: Context) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {"read_on": "prefetch"}

    with ThreadPoolExecutor(1) as pool:
        ctx = provider.context(PROPS)
        ctx.prefetched = pool.submit(slow_read, ctx)
        started.wait(10)
        threading.Timer(0.05, release.set).start()
        _plan, live = provider.observe(ctx, PROPS, None)
    assert live == {"read_on": "prefetch"} and provider.reads == []


def test_a_prefetched_read_that_failed_is_made_again_by_the_diff(provider: Recording) -> None:
    """check() starts its read before diff() offers the state's rotated refresh token, so it may get
    61023 with the superseded configured one: the diff reads again rather than fail the resource."""
    from wechat.errors import WeChatError

    failed: Future[Any] = Future()
    failed.set_running_or_notify_cancel()
    failed.set_exception(WeChatError(61023, "invalid refresh_token", "cgi-bin/component/api_authorizer_token"))
    ctx = provider.context(PROPS)
    ctx.prefetched = failed
    _plan, live = provider.observe(ctx, PROPS, None)
    assert live == {"read_on": threading.current_thread().name} and len(provider.reads) == 1
