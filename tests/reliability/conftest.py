"""Every test in this folder runs behind the loopback guard (see support.loopback_only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.support import Loopback, loopback_only  # noqa: F401  (a fixture, used below)


@pytest.fixture(autouse=True)
def _loopback_guard(loopback_only: Loopback) -> Iterator[None]:  # noqa: F811
    yield
