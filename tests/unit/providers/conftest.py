"""What a provider host keeps for the length of one engine run is dropped between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers import _host, _observed, _platform_reads


@pytest.fixture(autouse=True)
def one_engine_run_per_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The diff observations update() plans from (`_observed`) and the platform's audit quota figure
    (`_platform_reads`) live as long as a provider host, which serves one `up`; a test is one `up`,
    in a process that stands for the host."""
    monkeypatch.setattr(_host, "serving", lambda: True)
    yield
    _observed.forget()
    _platform_reads.forget()
