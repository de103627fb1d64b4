"""The only place deepdiff is used: set-like list differences and field-level changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from deepdiff import DeepDiff

from providers._plan import Change


def set_changes(
    field: str, live: Iterable[str], desired: Iterable[str], last: Iterable[str] | None = None
) -> list[Change]:
    """Adds and removes between two lists that WeChat treats as sets (order is ignored).

    `last` is what the previous `up` applied; an item that differs from it too was changed
    outside Pulumi, and is marked as drift.
    """
    live_set, desired_set = set(live), set(desired)
    # sets, not lists: DeepDiff reports a one-for-one swap in a list as a changed value
    diff = DeepDiff(live_set, desired_set, view="tree")
    added = sorted(item.t2 for item in diff.get("set_item_added", []))
    removed = sorted(item.t1 for item in diff.get("set_item_removed", []))
    last_set = set(last) if last is not None else None
    changes = []
    for value in added:
        drift = last_set is not None and value in last_set
        changes.append(Change(field, "add", new=value, drift=drift))
    for value in removed:
        drift = last_set is not None and value not in last_set
        changes.append(Change(field, "remove", old=value, drift=drift))
    return changes


def field_changes(
    live: Mapping[str, Any], desired: Mapping[str, Any], last: Mapping[str, Any] | None = None
) -> list[Change]:
    """Changed top-level fields of `desired` (fields absent from `desired` are not managed)."""
    managed = {key: value for key, value in desired.items() if value is not None}
    current = {key: live.get(key) for key in managed}
    diff = DeepDiff(current, managed, ignore_order=True, view="tree")
    changes = []
    for key in sorted(diff.affected_root_keys):
        drift = last is not None and last.get(key) == managed[key]
        changes.append(Change(str(key), "update", old=current.get(key), new=managed[key], drift=drift))
    return changes
