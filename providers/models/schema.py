"""The JSON Schemas of the spec files, for editors (yaml-language-server) and reviewers."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from providers.models.platform import PlatformSpec
from providers.models.spec import MiniProgramSpec

SCHEMA_FILE = "specs/miniprogram.schema.json"
PLATFORM_SCHEMA_FILE = "specs/platform.schema.json"
REGENERATE = f".venv/bin/python -m providers.models schema > {SCHEMA_FILE}"
REGENERATE_PLATFORM = f".venv/bin/python -m providers.models schema platform > {PLATFORM_SCHEMA_FILE}"


def _schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **{key: value for key, value in schema.items() if key != "title"},
    }


def spec_json_schema() -> dict[str, Any]:
    return _schema(MiniProgramSpec, "WeChat mini-program spec")


def platform_json_schema() -> dict[str, Any]:
    return _schema(PlatformSpec, "WeChat third-party platform spec")


def render_schema(kind: str = "miniprogram") -> str:
    """A schema file's exact content (stable key order, trailing newline): `miniprogram` or `platform`."""
    schema = platform_json_schema() if kind == "platform" else spec_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
