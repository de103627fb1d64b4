"""Shared by the preflight unit tests: Facts from plain dicts. (No tests in here.)"""

from __future__ import annotations

from typing import Any

from providers.preflight_checks.facts import Facts


def facts(values: dict[str, Any] | None = None, errors: dict[str, Exception] | None = None) -> Facts:
    found = Facts()
    for key, value in (values or {}).items():
        found.put(key, value)
    for key, error in (errors or {}).items():
        found.put(key, error=error)
    return found
