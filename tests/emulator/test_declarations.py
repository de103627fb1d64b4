"""The emulator's declarations and its docs agree: every route is in COVERAGE.md, every console
action in CONTROL.md's table, every seed key in CONTROL.md's seed format, and each console action
and seed key has exactly one owner. A service added without its docs fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import seed
from emulator import services as _services  # noqa: F401  (registers every declaration)
from emulator.routing import APP, CONSOLE_ACTIONS, PLATFORM, ROUTES, SEED_SECTIONS

DOCS = Path(__file__).resolve().parents[2] / "emulator"
COVERAGE = (DOCS / "COVERAGE.md").read_text(encoding="utf-8")
CONTROL = (DOCS / "CONTROL.md").read_text(encoding="utf-8")


def test_every_route_is_in_the_coverage_list() -> None:
    missing = [path for path in ROUTES if path.rsplit("/", 1)[1] not in COVERAGE]
    assert missing == []


def test_every_console_action_is_in_the_control_table() -> None:
    table = CONTROL[CONTROL.index("### Console actions"):CONTROL.index("## Seed format")]
    assert [name for name in CONSOLE_ACTIONS if f"`{name}`" not in table] == []


@pytest.mark.parametrize("kind", [APP, PLATFORM])
def test_every_seed_key_is_in_the_seed_format(kind: str) -> None:
    block = CONTROL[CONTROL.index("## Seed format"):]
    assert sorted(k for k in seed.allowed_keys(kind) if f"{k}:" not in block) == []


@pytest.mark.parametrize("kind", [APP, PLATFORM])
def test_each_seed_key_has_one_owner(kind: str) -> None:
    owned = [key for section in SEED_SECTIONS if section.kind == kind for key in section.keys]
    assert len(owned) == len(set(owned))
    assert len(seed.allowed_keys(kind)) > len(set(owned))  # plus the identity keys


def test_every_errcode_the_emulator_answers_is_in_the_clients_table() -> None:
    """The client explains every code the emulator can send (meaning, what to do, error class)."""
    from emulator.errors import ALL
    from wechat.errcodes import ERRCODES

    assert sorted({err.code for err in ALL} - set(ERRCODES)) == []
