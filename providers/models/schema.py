"""The JSON Schema of a spec file, for editors (yaml-language-server) and reviewers."""

from __future__ import annotations

import json
from typing import Any

from providers.models.spec import MiniProgramSpec

SCHEMA_FILE = "specs/miniprogram.schema.json"
REGENERATE = f".venv/bin/python -m providers.models schema > {SCHEMA_FILE}"


def spec_json_schema() -> dict[str, Any]:
    schema = MiniProgramSpec.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "WeChat mini-program spec",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render_schema() -> str:
    """The schema file's exact content (stable key order, trailing newline)."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
