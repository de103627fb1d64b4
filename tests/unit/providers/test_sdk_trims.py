"""providers._sdk_trims: the SDK's per-resource stack trace, memoized, is the message the SDK builds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi.log
import pulumi.runtime.resource as sdk
import pytest

from providers import _sdk_trims
from providers._sdk_trims import memoized_stack_trace

ORIGINAL = _sdk_trims._originals.get("stack", sdk._get_stack_trace)


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
