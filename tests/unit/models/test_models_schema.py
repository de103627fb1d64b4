"""The committed JSON Schema matches the models, and the example spec points editors at it."""

from __future__ import annotations

import json
from pathlib import Path

from providers.models import render_schema
from providers.models.schema import PLATFORM_SCHEMA_FILE, REGENERATE, REGENERATE_PLATFORM, SCHEMA_FILE
from providers.models.spec import IDENTITY, RESOURCE_BLOCKS

ROOT = Path(__file__).resolve().parents[3]


def test_committed_schema_is_current() -> None:
    committed = (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render_schema(), f"{SCHEMA_FILE} is stale; regenerate it with: {REGENERATE}"


def test_committed_platform_schema_is_current() -> None:
    committed = (ROOT / PLATFORM_SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render_schema("platform"), f"{PLATFORM_SCHEMA_FILE} is stale; regenerate: {REGENERATE_PLATFORM}"


def test_platform_schema_requires_kind_and_forbids_unknown_keys() -> None:
    schema = json.loads(render_schema("platform"))
    assert schema["required"] == ["kind", "component_appid", "credentials"]
    assert schema["properties"]["kind"]["const"] == "platform"
    assert set(schema["properties"]) == {
        "kind", "name", "component_appid", "credentials", "server_domains", "jump_domains", "audit_events",
        "preflight", "fleet",
    }  # fmt: skip
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name


def test_schema_describes_every_block_and_forbids_unknown_keys() -> None:
    schema = json.loads(render_schema())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["appid", "credentials"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {*IDENTITY, *RESOURCE_BLOCKS}
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name
    text = render_schema()
    assert '"ge"' not in text and '"le"' not in text  # pydantic-only keywords would mean a lost constraint


def test_example_specs_start_with_the_schema_modeline() -> None:
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        text = spec.read_text(encoding="utf-8")
        schema = "platform" if "\nkind: platform" in text else "miniprogram"
        assert text.splitlines()[0] == f"# yaml-language-server: $schema=./{schema}.schema.json", spec
