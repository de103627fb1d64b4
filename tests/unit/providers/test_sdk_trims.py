"""providers._sdk_trims: each trim gives what the SDK gives (the stack trace message, the serialized
provider, the outputs waited for and the failures raised), with less work."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi.dynamic
import pulumi.dynamic.dynamic as dynamic
import pulumi.log
import pulumi.runtime.resource as sdk
import pulumi.runtime.stack as stack
import pytest
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import ResourceRegistrationFailed

from providers import _sdk_trims
from providers._sdk_trims import linear_wait_for_rpcs, memoized_serialize_provider, memoized_stack_trace
from providers.server_domains import ServerDomains
from providers.webview_domains import WebviewDomains

# The SDK's own functions, even when a test before these ran the program in this process (its
# install() is process-wide and kept): install() keeps the originals it replaced.
ORIGINAL = _sdk_trims._originals.get("stack", sdk._get_stack_trace)
ORIGINAL_WAIT = _sdk_trims._originals.get("wait", stack.wait_for_rpcs)
ORIGINAL_SERIALIZE: Any = _sdk_trims._originals.get("serialize", dynamic.serialize_provider)


def both() -> tuple[Any, Any]:
    """Called where the SDK calls _get_stack_trace from (register_resource): one frame below the inits."""
    return ORIGINAL(), memoized_stack_trace()


class Base:
    def __init__(self) -> None:
        self.traces = both()


class Custom(Base):
    def __init__(self) -> None:
        super().__init__()


class Concrete(Custom):
    def __init__(self) -> None:
        super().__init__()


def declare() -> tuple[Any, Any]:
    return Concrete().traces


def test_the_same_message_as_the_sdk_and_kept_per_stack() -> None:
    (sdk_trace, ours), (_, again) = [declare() for _ in range(2)]
    assert len(sdk_trace.frames) > 2 and ours == sdk_trace
    assert sdk_trace.frames[0].pc.uri.endswith("test_sdk_trims.py")  # declare(): the user's frame first
    assert again is ours  # the same stack: built once


def test_no_third_init_is_an_empty_trace_as_in_the_sdk() -> None:
    sdk_trace, ours = both()
    assert ours == sdk_trace == type(sdk_trace)()


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.setenv(_sdk_trims.TRIMS_VARIABLE, "0")
    _sdk_trims.install()


def test_install_and_the_way_back(monkeypatch: pytest.MonkeyPatch, restored: None) -> None:
    # The SDK's own function, even when a test before this one ran the program in this process (its
    # install() is process-wide and kept): install() keeps the originals it replaced.
    original_debug = _sdk_trims._originals.get("debug", pulumi.log.debug)
    monkeypatch.delenv(_sdk_trims.TRIMS_VARIABLE, raising=False)
    monkeypatch.delenv(_sdk_trims.DEBUG_VARIABLE, raising=False)
    _sdk_trims.install()
    assert sdk._get_stack_trace is memoized_stack_trace and pulumi.log.debug is not original_debug
    monkeypatch.setenv(_sdk_trims.DEBUG_VARIABLE, "1")
    _sdk_trims.install()
    assert pulumi.log.debug is original_debug  # WECHAT_IAC_SDK_DEBUG=1: the SDK's debug lines reach the CLI
    monkeypatch.setenv(_sdk_trims.TRIMS_VARIABLE, "0")
    _sdk_trims.install()
    assert sdk._get_stack_trace is ORIGINAL
    assert stack.wait_for_rpcs is ORIGINAL_WAIT and dynamic.serialize_provider is ORIGINAL_SERIALIZE


def test_install_puts_the_wait_and_the_provider_memo_in_place(monkeypatch: pytest.MonkeyPatch,
                                                               restored: None) -> None:
    monkeypatch.delenv(_sdk_trims.TRIMS_VARIABLE, raising=False)
    _sdk_trims.install()
    assert stack.wait_for_rpcs is linear_wait_for_rpcs
    assert dynamic.serialize_provider is memoized_serialize_provider


# --- the serialized provider, per class ------------------------------------------------------------
class Stateful(pulumi.dynamic.ResourceProvider):
    def __init__(self, value: str) -> None:
        self.value = value


def test_a_stateless_provider_is_the_sdks_bytes_serialized_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def counted(provider: Any) -> str:
        calls.append(provider)
        return str(ORIGINAL_SERIALIZE(provider))

    monkeypatch.setitem(_sdk_trims._originals, "serialize", counted)
    monkeypatch.setattr(_sdk_trims, "_providers", {})
    first, second = ServerDomains.provider_class(), ServerDomains.provider_class()
    assert memoized_serialize_provider(first) == ORIGINAL_SERIALIZE(first)
    assert memoized_serialize_provider(second) == ORIGINAL_SERIALIZE(second)
    assert calls == [first]  # the second instance of the class: the bytes kept
    other_class = WebviewDomains.provider_class()
    assert memoized_serialize_provider(other_class) == ORIGINAL_SERIALIZE(other_class)


def test_a_provider_with_state_is_serialized_each_time() -> None:
    one, other = memoized_serialize_provider(Stateful("one")), memoized_serialize_provider(Stateful("other"))
    assert one == ORIGINAL_SERIALIZE(Stateful("one")) and other == ORIGINAL_SERIALIZE(Stateful("other"))
    assert one != other


# --- waiting for the outstanding outputs ----------------------------------------------------------
async def _outputs_and_wait(wait: Any, failure: BaseException | None) -> list[str]:
    """Outputs as the SDK tracks them (SETTINGS.outputs), one of which adds another while waited for."""
    finished: list[str] = []

    async def output(name: str, delay: float, then: Any = None, error: BaseException | None = None) -> str:
        await asyncio.sleep(delay)
        if then is not None:
            _track(asyncio.ensure_future(then()))
        if error is not None:
            raise error
        finished.append(name)
        return name

    def _track(task: Any) -> None:
        with SETTINGS.lock:
            SETTINGS.outputs.add(task)

    _track(asyncio.ensure_future(output("slow", 0.03)))
    _track(asyncio.ensure_future(output("parent", 0.01, then=lambda: output("added meanwhile", 0.02))))
    _track(asyncio.ensure_future(output("failed", 0.0, error=failure) if failure else output("quick", 0.0)))
    await wait()
    return finished


@pytest.mark.parametrize("wait", [ORIGINAL_WAIT, linear_wait_for_rpcs], ids=["sdk", "linear"])
def test_every_output_is_waited_for_and_a_failed_registration_is_left_to_the_engine(wait: Any) -> None:
    try:
        finished = asyncio.run(_outputs_and_wait(wait, ResourceRegistrationFailed("engine reports it")))
    finally:
        SETTINGS.outputs.clear()
    assert sorted(finished) == ["added meanwhile", "parent", "slow"]


@pytest.mark.parametrize("wait", [ORIGINAL_WAIT, linear_wait_for_rpcs], ids=["sdk", "linear"])
def test_any_other_failure_is_raised(wait: Any) -> None:
    try:
        with pytest.raises(ValueError, match="program bug"):
            asyncio.run(_outputs_and_wait(wait, ValueError("program bug")))
    finally:
        SETTINGS.outputs.clear()
