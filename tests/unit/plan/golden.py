"""Golden-file assertions: `UPDATE_GOLDEN=1 pytest tests/unit/plan` rewrites tests/golden/*.md."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"{path} does not exist; run UPDATE_GOLDEN=1 pytest tests/unit/plan to create it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"golden/{name}.md", tofile="rendered",
        ))
        raise AssertionError(
            f"the rendered plan differs from tests/golden/{name}.md "
            f"(if the change is intended: UPDATE_GOLDEN=1 pytest tests/unit/plan):\n{diff}"
        )
