"""Local WeChat mini-program management API emulator (moto-shaped): state in SQLite, rules per
area in `services/`, WeChat's envelope in `app`, a control API under /_emulator/ (CONTROL.md)."""

from emulator.app import create_app
from emulator.state import Store

__all__ = ["Store", "create_app"]
