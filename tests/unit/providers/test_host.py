"""providers/_host.py and providers/_clients.py: the provider host's pool, the shared connection pool."""

from __future__ import annotations

import asyncio
import os
import runpy
import subprocess
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import httpx
import pulumi
import pytest

from providers import _clients, _host
from providers._settings import Settings

SDK_HOST = Path(pulumi.__file__).parent / "dynamic" / "__main__.py"


@pytest.mark.parametrize(("value", "expected"), [
    (None, _host.DEFAULT_THREADS), ("", _host.DEFAULT_THREADS), ("8", 8), ("256", 256),
    ("0", _host.DEFAULT_THREADS), ("257", _host.DEFAULT_THREADS), ("lots", _host.DEFAULT_THREADS),
])
def test_host_threads_from_the_environment(value: str | None, expected: int, capsys: Any) -> None:
    environ = {} if value is None else {_host.THREADS_VARIABLE: value}
    assert _host.host_threads(environ) == expected
    warned = capsys.readouterr().err
    assert (value not in (None, "", "8", "256")) == (_host.THREADS_VARIABLE in warned)


def test_serve_runs_the_sdk_host_with_a_bigger_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve() runs `pulumi.dynamic` as `python -m` would; the pool its grpc.server call receives is
    ours, and the SDK's own 4-thread pool is shut down unused."""
    served: list[Any] = []
    sdk_pools: list[futures.ThreadPoolExecutor] = []

    def fake_server(pool: Any, *args: Any, **kwargs: Any) -> str:
        served.append((pool, args, kwargs))
        return "server"

    def fake_run_module(name: str, run_name: str, alter_sys: bool) -> None:
        assert (name, run_name, alter_sys) == ("pulumi.dynamic", "__main__", True)
        sdk_pools.append(futures.ThreadPoolExecutor(max_workers=4))  # what the SDK's main() does
        assert grpc.server(sdk_pools[0], options=[("x", 1)]) == "server"

    monkeypatch.setattr(grpc, "server", fake_server)
    monkeypatch.setattr(runpy, "run_module", fake_run_module)
    monkeypatch.setattr(asyncio, "new_event_loop", asyncio.new_event_loop)  # serve() swaps it for this process
    _host.serve(threads=24)
    (pool, args, kwargs), = served
    assert isinstance(pool, futures.ThreadPoolExecutor) and pool is not sdk_pools[0]
    assert pool._max_workers == 24
    assert kwargs == {"options": [("x", 1)]} and args == ()
    assert sdk_pools[0]._shutdown
    pool.shutdown()


def test_one_event_loop_per_host_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's servicer asks for a new loop per call and closes it: each host thread gets its own,
    kept; a loop that is running (a nested run_until_complete) is never handed out again."""
    monkeypatch.setattr(asyncio, "new_event_loop", asyncio.new_event_loop)
    _host.reuse_event_loops()
    first = asyncio.new_event_loop()
    first.run_until_complete(asyncio.sleep(0))
    first.close()  # what the servicer does after each call
    assert asyncio.new_event_loop() is first and not first.is_closed()
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(asyncio.new_event_loop()))
    thread.start()
    thread.join()
    assert other[0] is not first

    async def nested() -> Any:
        return asyncio.new_event_loop()

    inner = first.run_until_complete(nested())
    assert inner is not first
    inner.close()


def test_the_pinned_sdk_servicer_makes_a_loop_per_call() -> None:
    """Why reuse_event_loops exists: the pinned SDK's Check serializes its answer on a new loop."""
    source = SDK_HOST.read_text(encoding="utf-8")
    start = source.index("    def Check(")
    check = source[start: source.index("\n    def ", start + 1)]
    assert "asyncio.new_event_loop()" in check and "loop.close()" in check


def test_the_pinned_sdk_host_still_builds_its_pool_the_way_serve_expects() -> None:
    """serve() replaces the pool handed to `grpc.server`; if a Pulumi upgrade builds its server
    another way, this fails rather than the host silently serving 4 calls at a time again."""
    source = SDK_HOST.read_text(encoding="utf-8")
    assert "futures.ThreadPoolExecutor(max_workers=4)" in source
    assert "server = grpc.server(" in source
    assert source.rstrip().endswith("main()")  # runs at import: why serve() uses runpy, not import


PLUGIN = Path(__file__).resolve().parents[3] / "bin" / "pulumi-resource-pulumi-python"


def fake_python(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!/bin/sh\necho "$0 $*"\n', encoding="utf-8")
    path.chmod(0o755)
    return path


def run_plugin(env: dict[str, str], cwd: Path) -> str:
    keep = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    done = subprocess.run([str(PLUGIN), "127.0.0.1:1234"], env={**keep, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=30, check=False)
    return done.stdout.strip() + done.stderr.strip()


def test_the_plugin_runs_our_host_with_the_python_pulumi_would_pick(tmp_path: Path) -> None:
    """bin/pulumi-resource-pulumi-python, run as the engine runs it (the engine's address as its
    argument): PULUMI_PYTHON_CMD, else the virtualenv option, relative to the project folder."""
    command = fake_python(tmp_path / "python-cmd")
    assert run_plugin({"PULUMI_PYTHON_CMD": str(command)}, tmp_path) == (
        f"{command} -u -m providers._host 127.0.0.1:1234")
    venv_python = fake_python(tmp_path / "venv" / "bin" / "python")
    assert run_plugin({"PULUMI_RUNTIME_VIRTUALENV": "venv", "PULUMI_PYTHON_CMD": str(command)}, tmp_path) == (
        f"{venv_python} -u -m providers._host 127.0.0.1:1234")
    missing = run_plugin({"PULUMI_RUNTIME_VIRTUALENV": "nowhere"}, tmp_path)
    assert "is not a virtual environment" in missing and "make setup" in missing


def two_clients(monkeypatch: pytest.MonkeyPatch, shared: bool) -> tuple[Any, Any]:
    """Clients for two mini-programs from a fresh _clients module state (owner credentials)."""
    if shared:
        monkeypatch.delenv("WECHAT_IAC_SHARED_POOL", raising=False)
    else:
        monkeypatch.setenv("WECHAT_IAC_SHARED_POOL", "0")
    monkeypatch.setattr(_clients, "_clients", {})
    monkeypatch.setattr(_clients, "_transport", None)
    settings = Settings.from_config({"wechat-iac:baseUrl": "http://127.0.0.1:9", "wechat-iac:appSecret": "s"})
    owner = {"mode": "owner", "app_secret_config": "appSecret"}
    first = _clients.client_for("wx0000000000000001", owner, settings)
    assert _clients.client_for("wx0000000000000001", owner, settings) is first  # one per mini-program
    return first, _clients.client_for("wx0000000000000002", owner, settings)


def test_clients_share_one_connection_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_clients(monkeypatch, shared=True)
    assert first is not second
    assert first._http._client._transport is second._http._client._transport is _clients._transport
    assert isinstance(_clients._transport, httpx.HTTPTransport)


def test_a_pool_per_client_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_clients(monkeypatch, shared=False)
    assert first._http._client._transport is not second._http._client._transport
    assert _clients._transport is None
