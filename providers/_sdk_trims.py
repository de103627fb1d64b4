"""Two costs of Pulumi's Python SDK per declared resource, trimmed in the program's process.

Measured in a no-op preview of 100 mini-programs (902 resources; bench/settings.py, yappi on the
program's thread), the SDK spent, besides its own gRPC and asyncio work:

- ~12% of the program's CPU in `pulumi.runtime.resource._get_stack_trace`: every registration
  runs `traceback.extract_stack()` (which reads each frame's source line) and turns every frame
  into a file URI with pathlib, to send the engine the stack that declared the resource. Our
  resources are declared from a handful of places, so the same stack is rebuilt 900 times.
  `memoized_stack_trace` builds the same message from the frames' (file, line) and keeps it per
  distinct stack: what reaches the engine (and the state's source positions) is unchanged.
- ~10% in `pulumi.log.debug`: about four SDK-internal debug lines per resource ("registering
  resource ..."), each a synchronous `Log` gRPC call that the CLI then handles and drops unless it
  runs with `--debug`. The runner never passes `--debug`; they are dropped here unless
  WECHAT_IAC_SDK_DEBUG=1 is set (then they reach the CLI as before).

And in a release `up` of 100 mini-programs (issue 18, phase 3; yappi, CPU clock):

- ~13% in `pulumi.runtime.stack.wait_for_rpcs`: once the program has declared everything, it waits
  for the ~2,000 outstanding outputs with `asyncio.wait(..., FIRST_COMPLETED)` in a loop, which
  adds and removes a callback on every pending output each time one completes (quadratic: ~110,000
  callbacks). `linear_wait_for_rpcs` waits for the same outputs in the same order of completion
  (`asyncio.as_completed`: one callback each), re-raising the first failure as the SDK does.
- ~2% in `pulumi.dynamic.serialize_provider`: dill pickles the provider of every resource, 800
  times the same few classes with no state (`WeChatResourceProvider.__getstate__` is `{}`). The
  bytes depend only on the class, so `memoized_serialize_provider` keeps them per class; a
  provider with state is serialized afresh, as the SDK does.

`install()` is called by the program (providers/program.py) before it declares anything, never at
import. WECHAT_IAC_SDK_TRIMS=0 leaves the SDK as it ships (for comparison: bench/settings.py).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import sys
import threading
from typing import Any

TRIMS_VARIABLE = "WECHAT_IAC_SDK_TRIMS"
DEBUG_VARIABLE = "WECHAT_IAC_SDK_DEBUG"

_lock = threading.Lock()
_traces: dict[tuple[tuple[str, int], ...], Any] = {}
_providers: dict[type, str] = {}  # serialized provider per stateless provider class
_originals: dict[str, Any] = {}


def install() -> None:
    """Put the trims in place (idempotent); WECHAT_IAC_SDK_TRIMS=0 takes them out again."""
    import pulumi.dynamic.dynamic as dynamic
    import pulumi.log
    import pulumi.runtime.resource as resource
    import pulumi.runtime.stack as stack

    _originals.setdefault("stack", resource._get_stack_trace)
    _originals.setdefault("debug", pulumi.log.debug)
    _originals.setdefault("wait", stack.wait_for_rpcs)
    _originals.setdefault("serialize", dynamic.serialize_provider)
    on = os.environ.get(TRIMS_VARIABLE) != "0"
    resource._get_stack_trace = memoized_stack_trace if on else _originals["stack"]
    stack.wait_for_rpcs = linear_wait_for_rpcs if on else _originals["wait"]
    dynamic.serialize_provider = memoized_serialize_provider if on else _originals["serialize"]
    quiet = on and os.environ.get(DEBUG_VARIABLE) != "1"
    pulumi.log.debug = _no_debug if quiet else _originals["debug"]


def _no_debug(*_args: Any, **_kwargs: Any) -> None:
    """The SDK's internal debug lines, which the CLI drops unless it runs with --debug."""


def memoized_stack_trace() -> Any:
    """What `pulumi.runtime.resource._get_stack_trace` returns, kept per distinct stack.

    The SDK's rule, kept: the frames outside the SDK are those above the third `__init__` frame
    counted from the innermost (Resource, Custom/ComponentResource, the concrete class), innermost
    first in the message; an empty trace when there is no such frame.
    """
    from pulumi.runtime.proto import source_pb2

    frames: list[tuple[str, int, str]] = []
    frame: Any = sys._getframe(1)  # the caller (register_resource / read_resource), as extract_stack sees it
    frames.append(("", 0, "_get_stack_trace"))  # extract_stack() includes the SDK function's own frame
    while frame is not None:
        code = frame.f_code
        frames.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    inits, cut = 0, None
    for index, (_file, _line, name) in enumerate(frames):  # innermost first
        if name == "__init__":
            inits += 1
            if inits == 3:
                cut = index
                break
    if cut is None or cut >= len(frames) - 1:
        return source_pb2.StackTrace()
    user = tuple((file, line) for file, line, _name in frames[cut + 1:])  # innermost first, as the SDK sends them
    with _lock:
        found = _traces.get(user)
    if found is None:
        found = source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=_position(file, line)) for file, line in user])
        with _lock:
            _traces[user] = found
    return found


def _position(file: str, line: int) -> Any:
    from pulumi.runtime.proto import source_pb2

    if file == "" or line is None:
        return None
    try:
        uri = pathlib.Path(file).as_uri()
    except Exception:  # as the SDK: a frame without a usable path (e.g. relative) has no position
        return None
    return source_pb2.SourcePosition(uri=uri, line=line)


async def linear_wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """`pulumi.runtime.stack.wait_for_rpcs`, waiting for the outstanding outputs in linear time.

    The SDK's loop, kept: await every queued RPC (re-raising a failure with the SDK's recorded
    cause), then every outstanding output in the order they complete (a failed registration's
    outputs, `ResourceRegistrationFailed`, are left to the engine's report), picking up outputs
    added meanwhile, and repeat while RPCs were queued. Only the waiting differs: `as_completed`
    registers one callback per output, where `asyncio.wait(FIRST_COMPLETED)` in a loop registers
    one per pending output per completion.
    """
    import asyncio

    from pulumi import log
    from pulumi.runtime.settings import SETTINGS, _get_rpc_manager
    from pulumi.runtime.stack import ResourceRegistrationFailed

    log.debug("Waiting for outstanding RPCs to complete")
    rpc_manager = _get_rpc_manager()
    while True:
        while len(rpc_manager.rpcs) > 0:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        log.debug("RPCs successfully completed")
        if await_all_outstanding_tasks:
            while True:
                with SETTINGS.lock:
                    if len(SETTINGS.outputs) == 0:
                        break
                    pending = list(SETTINGS.outputs)
                    SETTINGS.outputs.clear()
                for completed in asyncio.as_completed(pending):
                    # continue-on-error: the engine reports a failed registration itself
                    with contextlib.suppress(ResourceRegistrationFailed):
                        await completed
            log.debug("All outstanding outputs completed.")
        if len(rpc_manager.rpcs) == 0:
            break


def memoized_serialize_provider(provider: Any) -> str:
    """`pulumi.dynamic.serialize_provider`, kept per class for providers that carry no state."""
    getstate = getattr(provider, "__getstate__", None)
    if getstate is None or getstate() != {}:
        return str(_originals["serialize"](provider))
    kind = type(provider)
    with _lock:
        found = _providers.get(kind)
    if found is None:
        found = str(_originals["serialize"](provider))
        with _lock:
            _providers[kind] = found
    return found
