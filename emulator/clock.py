"""Calendar periods on the emulator clock. WeChat resets daily and monthly quotas in Beijing time."""

from __future__ import annotations

import time

_BEIJING = 8 * 3600


def _fmt(now: float, pattern: str) -> str:
    return time.strftime(pattern, time.gmtime(now + _BEIJING))


def day_key(now: float) -> str:
    return _fmt(now, "%Y-%m-%d")


def month_key(now: float) -> str:
    return _fmt(now, "%Y-%m")


def year_key(now: float) -> str:
    return _fmt(now, "%Y")


def minute_key(now: float) -> str:
    return _fmt(now, "%Y-%m-%dT%H:%M")


def iso(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def bump(counter: dict, period: str) -> int:
    """Count one use in a {period, used} counter, starting over when the period changed."""
    if counter.get("period") != period:
        counter["period"] = period
        counter["used"] = 0
    counter["used"] = int(counter["used"]) + 1
    return int(counter["used"])


def used(counter: dict, period: str) -> int:
    return int(counter.get("used", 0)) if counter.get("period") == period else 0
