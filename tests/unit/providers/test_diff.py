"""providers._diff: set-like list differences and field changes, with drift marking."""

from __future__ import annotations

import pytest

from providers._diff import field_changes, set_changes
from providers._plan import Change


@pytest.mark.parametrize(
    ("live", "desired", "last", "expected"),
    [
        # nothing to do, whatever the order
        (["b", "a"], ["a", "b"], ["a", "b"], []),
        # spec adds one
        (["a"], ["a", "b"], ["a"], [Change("request", "add", new="b")]),
        # spec removes one
        (["a", "b"], ["a"], ["a", "b"], [Change("request", "remove", old="b")]),
        # someone added "x" in the console: removing it repairs drift
        (["a", "x"], ["a"], ["a"], [Change("request", "remove", old="x", drift=True)]),
        # someone removed "a" in the console: adding it back repairs drift
        ([], ["a"], ["a"], [Change("request", "add", new="a", drift=True)]),
        # first run: no last state, so nothing is called drift
        (["x"], ["a"], None, [Change("request", "add", new="a"), Change("request", "remove", old="x")]),
    ],
)
def test_set_changes(live, desired, last, expected) -> None:
    assert set_changes("request", live, desired, last) == expected


def test_set_changes_ignores_duplicates_and_order() -> None:
    assert set_changes("f", ["b", "a", "a"], ["a", "b"], None) == []


def test_field_changes_only_managed_fields() -> None:
    live = {"nickname": "Old", "signature": "same", "extra": 1}
    desired = {"nickname": "New", "signature": "same", "avatar": None}
    assert field_changes(live, desired, {"nickname": "Old"}) == [
        Change("nickname", "update", old="Old", new="New", drift=False)
    ]


def test_field_changes_marks_console_edits_as_drift() -> None:
    # last up applied "Mine"; the console changed it to "Theirs"; the spec still says "Mine"
    changes = field_changes({"nickname": "Theirs"}, {"nickname": "Mine"}, {"nickname": "Mine"})
    assert changes == [Change("nickname", "update", old="Theirs", new="Mine", drift=True)]


def test_change_describe_is_readable() -> None:
    assert Change("socket", "add", new="wss://ws.example.com").describe() == "+ socket: wss://ws.example.com"
    assert "drift" in Change("socket", "remove", old="wss://x.example.com", drift=True).describe()
