"""The dynamic-provider host: Pulumi's own, served with more threads, and exiting with its engine.

Pulumi runs every Python dynamic resource in one `python -m pulumi.dynamic` process (the plugin
`pulumi-resource-pulumi-python`), a gRPC server on a hard-coded pool of 4 threads
(`futures.ThreadPoolExecutor(max_workers=4)` in the SDK's `pulumi/dynamic/__main__.py`, v3.260.0).
Each of our Diffs reads WeChat, so however high `--parallel` is, at most 4 reads are ever in
flight: a no-op preview of 100 mini-programs at 150 ms per call took 900 x 0.15 / 4 s.

`serve()` (`python -m providers._host <engine address>`, run by this project's
`bin/pulumi-resource-pulumi-python`) runs that same SDK module, servicer and all, unchanged; the
only difference is the size of the pool handed to `grpc.server` (WECHAT_IAC_HOST_THREADS, default
`DEFAULT_THREADS`). Our providers are thread-safe (one client per mini-program behind a lock,
single-flight tokens), which Pulumi asks of dynamic providers anyway.

`watch_engine()` (called from configure(), never at import): unlike Go providers, the host never
checks that the `pulumi` process that started it is alive, so a `pulumi up` killed with SIGKILL
left it running forever, its current call still going. The watchdog asks the engine's gRPC health
service as Go providers do (rpcutil.Healthcheck) and exits when it is gone.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

THREADS_VARIABLE = "WECHAT_IAC_HOST_THREADS"
DEFAULT_THREADS = 32  # = the --parallel the runner passes; more only queue in the engine


def host_threads(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """The gRPC pool size: WECHAT_IAC_HOST_THREADS if it is a whole number from 1 to 256."""
    raw = environ.get(THREADS_VARIABLE, "").strip()
    if raw.isdigit() and 1 <= int(raw) <= 256:
        return int(raw)
    if raw:
        print(f"{THREADS_VARIABLE}={raw!r} is not a whole number from 1 to 256; using {DEFAULT_THREADS}",
              file=sys.stderr, flush=True)
    return DEFAULT_THREADS


def serve(threads: int | None = None) -> None:
    """Run the SDK's dynamic-provider host (`python -m pulumi.dynamic`) with a pool of `threads`."""
    import runpy
    from concurrent import futures

    import grpc

    size = threads or host_threads()
    sdk_server = grpc.server

    def server(thread_pool: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(thread_pool, futures.ThreadPoolExecutor):
            thread_pool.shutdown(wait=False)  # the SDK's 4-thread pool, never used
        pool = futures.ThreadPoolExecutor(max_workers=size, thread_name_prefix="pulumi-dynamic")
        return sdk_server(pool, *args, **kwargs)

    grpc.server = server
    reuse_event_loops()
    # as `python -m pulumi.dynamic` would: sys.argv[1:] (the engine's address) is left as it is
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


_loops = threading.local()


def reuse_event_loops() -> None:
    """One asyncio loop per host thread, kept for its next call, in place of a new one per call.

    The SDK's servicer makes a new event loop (an epoll selector and a socket pair: a handful of
    system calls) for every Check, Create, Update and Read, only to serialize the answer, and closes
    it. Check calls are serial in the engine, and each system call gives up the GIL, which the 32
    threads' diffs then hold for up to 5 ms at a time. A loop that is running (a nested
    run_until_complete) is never handed out twice: that caller gets a new one, as before.
    """
    import asyncio

    make = asyncio.new_event_loop
    if getattr(make, "reused", False):
        return

    class ThreadLoop(asyncio.SelectorEventLoop):
        def close(self) -> None:
            """Kept open for this thread's next call (it lives as long as the host)."""

    def new_event_loop() -> asyncio.AbstractEventLoop:
        loop = getattr(_loops, "loop", None)
        if loop is None:
            loop = _loops.loop = ThreadLoop()
        return make() if loop.is_running() else loop

    new_event_loop.reused = True  # type: ignore[attr-defined]
    asyncio.new_event_loop = new_event_loop


def serving() -> bool:
    """Whether this process is the dynamic-provider host (`python -m pulumi.dynamic <engine>`), which
    serves one engine run: what it keeps between calls (`_observed`, `_platform_reads`) belongs to it."""
    host = sys.modules.get("__main__")
    return host is not None and hasattr(host, "_abort_with_traceback")


def watch_engine() -> None:
    """Start the watchdog if this process is the dynamic-provider host (`python -m pulumi.dynamic <engine>`)."""
    host = sys.modules.get("__main__")
    if host is None or not hasattr(host, "_abort_with_traceback"):
        return  # not inside pulumi.dynamic's host (e.g. a unit test)
    if len(sys.argv) > 1 and ":" in sys.argv[1]:
        _exit_with_the_engine(sys.argv[1])


_watching: set[str] = set()


def _exit_with_the_engine(address: str, interval: float = 1.0, misses: int = 2) -> None:
    """Ask the engine's gRPC health service every `interval` seconds, as Go providers do
    (rpcutil.Healthcheck); exit once it has been unreachable `misses` times in a row."""
    if address in _watching:
        return
    _watching.add(address)
    import grpc

    check = grpc.insecure_channel(address).unary_unary(
        "/grpc.health.v1.Health/Check", request_serializer=lambda _: b"", response_deserializer=lambda raw: raw
    )

    def watch() -> None:
        missed = 0
        while True:
            time.sleep(interval)
            try:
                check(None, timeout=5 * interval)
                missed = 0
            except grpc.RpcError as error:
                # UNIMPLEMENTED or a slow answer: the engine is there. UNAVAILABLE: it is gone.
                code = error.code() if isinstance(error, grpc.Call) else None
                missed = missed + 1 if code == grpc.StatusCode.UNAVAILABLE else 0
            if missed >= misses:
                os._exit(1)  # nobody to tell: the engine that read our output is gone

    threading.Thread(target=watch, name="engine-watchdog", daemon=True).start()


if __name__ == "__main__":
    serve()
