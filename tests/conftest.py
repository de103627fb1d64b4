"""Shared fixtures: one emulator process per session (demo seed), reset before each test.

- `emulator`: the session's `EmulatorProcess` (real HTTP on 127.0.0.1, SQLite in memory).
- `emu`: an `EmulatorControl` for that process, reset to the demo seed with calls, faults and the
  clock offset cleared before the test; `emu.base_url` is what a client under test points at.
- `wx`: a `RawWeChat` caller for the emulator's own contract tests; `token`: an
  authorizer_access_token of the demo mini-program.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import DEMO_SEED, EmulatorControl, EmulatorProcess, RawWeChat, start_emulator
from tests.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    with start_emulator(DEMO_SEED) as process:
        yield process


@pytest.fixture
def emu(emulator: EmulatorProcess) -> Iterator[EmulatorControl]:
    control = EmulatorControl(emulator.base_url)
    control.reset()  # the demo seed; also clears calls, faults and the clock offset
    yield control
    control.close()


@pytest.fixture
def wx(emu: EmulatorControl) -> Iterator[RawWeChat]:
    api = RawWeChat(emu.base_url)
    yield api
    api.close()


@pytest.fixture
def token(wx: RawWeChat) -> str:
    """An authorizer_access_token for the demo mini-program."""
    return wx.authorizer_token()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (tests/postgres.py): `postgres.dsn`, `create_database()`."""
    with postgres_server() as server:
        yield server
