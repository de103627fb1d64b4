"""Every test in this folder runs behind the loopback guard (see support.loopback_only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.support import (  # noqa: F401  (fixtures, used below)
    Loopback,
    loopback_only,
    one_commit_one_submission,
)


@pytest.fixture(autouse=True)
def _loopback_guard(loopback_only: Loopback) -> Iterator[None]:  # noqa: F811
    yield


@pytest.fixture(autouse=True)
def _never_a_second_audit(one_commit_one_submission: None) -> None:  # noqa: F811
    """At most one commit and one submission per app and version, in every test here."""
