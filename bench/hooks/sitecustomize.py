"""Opt-in profiling of the dynamic-provider host (`python -m pulumi.dynamic`), for bench/profile_host.py.

Python imports `sitecustomize` at start-up from PYTHONPATH; the bench puts this folder there only
when it profiles, and this file does nothing unless WECHAT_IAC_BENCH_PROFILE names a directory
and the process is the provider host. Then it:

- times every gRPC call the engine makes (Check, Diff, Create, Update, Read, ...): count, total
  and mean wall time, and how many ran at once;
- counts the TCP connections the host opens (httpcore's connect_tcp);
- samples every thread's stack every few milliseconds (a small py-spy: no dependency) while a
  call is in progress, so the report shows where the host's time goes, by function;
- writes `host-<pid>.txt` in that directory every second and at exit (the engine may kill the
  host without warning, so the last second can be missing).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

_DIR = os.environ.get("WECHAT_IAC_BENCH_PROFILE")
_INTERVAL = float(os.environ.get("WECHAT_IAC_BENCH_PROFILE_INTERVAL", "0.002"))


class _Profile:
    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, f"host-{os.getpid()}.txt")
        self.started = time.perf_counter()
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.seconds: dict[str, float] = {}
        self.active = 0
        self.max_active = 0
        self.busy_since: float | None = None
        self.busy = 0.0
        self.first_call: float | None = None
        self.last_call: float | None = None
        self.samples = 0
        self.self_counts: Counter[str] = Counter()
        self.cumulative: Counter[str] = Counter()
        self.handler_threads: set[int] = set()
        self.connections = 0  # TCP connections opened (httpcore), TLS or not

    # --- gRPC call timing ---------------------------------------------------------------------
    def wrap(self, name: str, method: Any) -> Any:
        def timed(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            with self.lock:
                self.handler_threads.add(threading.get_ident())
                self.active += 1
                self.max_active = max(self.max_active, self.active)
                if self.active == 1:
                    self.busy_since = started
                if self.first_call is None:
                    self.first_call = started
            try:
                return method(request, context)
            finally:
                ended = time.perf_counter()
                with self.lock:
                    self.handler_threads.discard(threading.get_ident())
                    self.active -= 1
                    self.calls[name] += 1
                    self.seconds[name] = self.seconds.get(name, 0.0) + ended - started
                    self.last_call = ended
                    if self.active == 0 and self.busy_since is not None:
                        self.busy += ended - self.busy_since
                        self.busy_since = None

        return timed

    # --- sampling -----------------------------------------------------------------------------
    def sample_forever(self) -> None:
        me = threading.get_ident()
        next_write = time.monotonic() + 1.0
        while True:
            time.sleep(_INTERVAL)
            with self.lock:
                busy = set(self.handler_threads)
            if busy:
                frames = sys._current_frames()
                for ident, frame in frames.items():
                    if ident == me or ident not in busy:
                        continue
                    self.samples += 1
                    seen: set[str] = set()
                    leaf = True
                    walk: Any = frame
                    while walk is not None:
                        code = walk.f_code
                        key = f"{code.co_name} ({_short(code.co_filename)}:{code.co_firstlineno})"
                        if leaf:
                            self.self_counts[key] += 1
                            leaf = False
                        if key not in seen:
                            seen.add(key)
                            self.cumulative[key] += 1
                        walk = walk.f_back
            if time.monotonic() >= next_write:
                self.write()
                next_write = time.monotonic() + 1.0

    def write(self) -> None:
        with self.lock:
            lines = [f"provider host pid {os.getpid()}, up {time.perf_counter() - self.started:.2f} s"]
            if self.first_call is not None and self.last_call is not None:
                lines.append(f"first call at +{self.first_call - self.started:.2f} s (start-up before it), "
                             f"last call ended at +{self.last_call - self.started:.2f} s; "
                             f"busy (>= 1 call running) {self.busy:.2f} s; at most {self.max_active} at once")
            lines.append(f"TCP connections opened by the host (httpcore): {self.connections}")
            lines.append("")
            lines.append(f"{'gRPC method':<12} {'calls':>6} {'total s':>9} {'mean ms':>9}")
            for name, count in self.calls.most_common():
                total = self.seconds[name]
                lines.append(f"{name:<12} {count:>6} {total:>9.3f} {total / count * 1000:>9.2f}")
            lines.append("")
            lines.append(f"stack samples of threads serving a call: {self.samples} (every {_INTERVAL * 1000:.0f} ms)")
            if self.samples:
                lines.append("\ncumulative (in the function or below), top 45:")
                for key, count in self.cumulative.most_common(45):
                    lines.append(f"{count / self.samples * 100:6.1f}%  {key}")
                lines.append("\nself (the innermost frame), top 25:")
                for key, count in self.self_counts.most_common(25):
                    lines.append(f"{count / self.samples * 100:6.1f}%  {key}")
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, self.path)


_PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


def _short(filename: str) -> str:
    if "site-packages" + os.sep in filename:
        return filename.split("site-packages" + os.sep, 1)[1]
    if filename.startswith(_PROJECT):
        return filename[len(_PROJECT):]
    return os.path.basename(filename)


def _count_connections(profile: _Profile) -> None:
    from httpcore._backends.sync import SyncBackend

    connect = SyncBackend.connect_tcp

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        with profile.lock:
            profile.connections += 1
        return connect(self, *args, **kwargs)

    SyncBackend.connect_tcp = counted  # type: ignore[method-assign]


def _install(directory: str) -> None:
    from pulumi.runtime.proto import provider_pb2_grpc

    profile = _Profile(directory)
    original = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add(servicer: Any, server: Any) -> Any:
        for name in ("Check", "Diff", "Create", "Update", "Read", "Delete", "Configure", "GetPluginInfo"):
            method = getattr(servicer, name, None)
            if method is not None:
                setattr(servicer, name, profile.wrap(name, method))
        return original(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add
    _count_connections(profile)
    threading.Thread(target=profile.sample_forever, daemon=True, name="bench-sampler").start()
    atexit.register(profile.write)


_HOSTS = ("pulumi.dynamic", "providers._host")  # Pulumi's host module, and ours that runs it
if _DIR and any(host in getattr(sys, "orig_argv", sys.argv) for host in _HOSTS):
    _install(_DIR)
