"""Make the provider host exit with its engine.

Unlike Go providers, Pulumi's Python dynamic-provider host never checks that the `pulumi` process
that started it is alive, so a `pulumi up` killed with SIGKILL left it running forever, its
current call still going. `watch_engine()` (called from configure(), never at import) asks the
engine's gRPC health service as Go providers do (rpcutil.Healthcheck) and exits when it is gone.
"""

from __future__ import annotations

import os
import sys
import threading
import time


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
