"""The registry is the one list of resources: every row is complete, and every list is derived from it.

Adding a resource is a spec model, a provider, and one row (CONTRIBUTING.md, "Add a resource"); a
row missing a part, or a spec block without a row, fails here rather than in a reviewer's plan."""

from __future__ import annotations

import inspect
import json
import typing

import pytest

from providers import _base
from providers._base import WeChatResourceProvider
from providers.models import MiniProgramSpec, PlatformSpec, render_schema
from providers.models.spec import IDENTITY, RESOURCE_BLOCKS
from providers.registry import (
    BY_BLOCK,
    PLATFORM_RESOURCES,
    PLATFORM_ROWS,
    RESOURCES,
    ROWS,
    TITLES,
    Row,
    child_name,
)
from runner.render import _title

BASE_HOOKS = ("read_live", "plan")  # what every provider writes itself (the base raises NotImplementedError)


def test_the_spec_blocks_are_the_rows_in_order() -> None:
    assert [row.block for row in ROWS] == list(RESOURCE_BLOCKS)
    assert list(RESOURCES) == list(BY_BLOCK) == list(RESOURCE_BLOCKS)
    assert list(TITLES) == [row.block for row in ROWS + PLATFORM_ROWS]
    assert ROWS[-1].block == "release", "the release goes last: submit_audit needs the others in place"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.block)
def test_each_row_is_complete(row: Row) -> None:
    field = MiniProgramSpec.model_fields[row.block]
    assert typing.get_args(field.annotation) == (row.spec_model, type(None)), "the spec field is the row's model"
    assert field.default is None, "an absent block is not managed"
    assert row.title and _title(row.block) == row.title, "the review plan titles the block from its row"
    assert row.adopt is not None and inspect.getmodule(row.adopt) is inspect.getmodule(row.provider), (
        "adoption lives with its provider")
    for hook in BASE_HOOKS if row.provider.has_api else ("plan",):  # no API: nothing to read
        assert getattr(row.provider, hook) is not getattr(WeChatResourceProvider, hook), f"{row.block}: no {hook}()"
    assert row.provider.console_path, "owner mode's manual steps say where a person does it"
    assert child_name("shop", row.block) == "shop-" + row.block.replace("_", "-")


@pytest.mark.parametrize("row", PLATFORM_ROWS, ids=lambda row: row.block)
def test_each_platform_row_is_complete(row: Row) -> None:
    """A platform spec's blocks are rows too: its field, its title, its resource."""
    field = PlatformSpec.model_fields[row.spec_key]
    assert row.spec_model in typing.get_args(field.annotation), "the platform spec field is the row's model"
    assert row.title and _title(row.block) == row.title
    assert PLATFORM_RESOURCES[row.spec_key] is row.resource


def test_the_schema_has_a_property_per_row_and_nothing_else() -> None:
    schema = json.loads(render_schema())
    assert set(schema["properties"]) == {*IDENTITY, *(row.block for row in ROWS)}
    for row in ROWS:
        assert {"$ref": f"#/$defs/{row.spec_model.__name__}"} in schema["properties"][row.block]["anyOf"], row.block


def test_no_provider_overrides_the_base_machinery() -> None:
    """The contract is the hooks in providers/_base.py's docstring; the rest is the base's own."""
    hooks = {"read_live", "plan", "read_more", "record", "plan_delete", "normalize", "send", "explain",
             "reuses"}
    documented = _base.__doc__ or ""
    assert all(f"`{hook}(" in documented for hook in hooks), "each hook has its line in providers/_base.py"
    machinery = {name for name, value in vars(WeChatResourceProvider).items()
                 if callable(value) and not name.startswith("__")} - hooks
    for row in ROWS + PLATFORM_ROWS:
        overridden = {name for name in machinery
                      for klass in row.provider.__mro__[:-1] if klass is not WeChatResourceProvider
                      and klass.__module__.startswith("providers.") and name in vars(klass)}
        assert not overridden, f"{row.block} overrides {sorted(overridden)}"
