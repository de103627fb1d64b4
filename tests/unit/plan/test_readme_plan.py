"""The README's plan example is a real plan: the data a real run produced, rendered by today's renderer."""

from __future__ import annotations

import json
from pathlib import Path

from runner.plan_model import report_from_dict
from runner.render import render

ROOT = Path(__file__).resolve().parents[3]
START, END = "<!-- readme-plan:start -->\n````markdown\n", "````\n<!-- readme-plan:end -->"


def test_the_readme_shows_the_recorded_plan_as_the_renderer_makes_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index(START) + len(START): readme.index(END)]
    data = json.loads((ROOT / "tests" / "golden" / "readme_plan.json").read_text(encoding="utf-8"))
    assert data["format"] == "wechat-iac-plan/1" and data["counts"]["writes"] == 4
    assert shown == render(report_from_dict(data)), "regenerate the README example from the JSON"
