"""The release block: version, source, audit answers, rollout and waiting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from spec_helpers import APPID, assert_problem, block_problems, spec_problems, valid_spec

from providers.models import AuditSpec, ReleaseSpec

SOURCE = {"template_id": 1}
ITEM = {
    "address": "pages/index/index",
    "first_class": "商业服务",
    "second_class": "网上商城",
    "first_id": 1,
    "second_id": 2,
}


def release(**changes: Any) -> dict[str, Any]:
    return {"version": "1.2.0", "source": SOURCE, **changes}


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        (release(version=""), "version", "must not be empty"),
        (release(version=1.1), "version", "put the value in quotes"),
        (release(version="v" * 65), "version", "at most 64 characters"),
        (release(version="1.0\n2"), "version", "one line"),
        ({"source": SOURCE}, "version", "required field"),
        (release(source={}), "source", "exactly one of template_id or path"),
        (release(source={"template_id": 1, "path": "."}), "source.path", "exactly one of template_id or path"),
        (release(source={"template_id": "7"}), "source.template_id", "whole number (without quotes)"),
        (release(source={"template_id": -1}), "source.template_id", "greater than or equal to 0"),
        (release(source={"template_id": 1, "ext_json": "{}"}), "source.ext_json", "must be a mapping"),
        (release(source={"path": "nowhere"}), "source.path", "source folder not found"),
        (release(source={"path": ".", "ext_json": {}}), "source.ext_json", "goes with template_id"),
        (release(rollout={"gray_percentage": 0}), "rollout.gray_percentage", "greater than or equal to 1"),
        (release(rollout={"gray_percentage": 101}), "rollout.gray_percentage", "less than or equal to 100"),
        (release(rollout={"gray_percentage": 50.5}), "rollout.gray_percentage", "whole number"),
        (release(rollout={"support_debugger_first": True}), "rollout.support_debugger_first", "did you mean"),
        (release(wait_for_audit_minutes=-1), "wait_for_audit_minutes", "greater than or equal to 0"),
        (release(wait_for_audit_minutes=1441), "wait_for_audit_minutes", "less than or equal to 1440"),
        (release(allow_withdraw="no"), "allow_withdraw", "true or false"),
        (release(audit={"item_list": []}), "audit.item_list", "at least 1 pages"),
        (release(audit={"item_list": [ITEM] * 6}), "audit.item_list", "at most 5 pages"),
        (release(audit={"item_list": [ITEM, ITEM]}), "audit.item_list[1]", "duplicate of [0]"),
        (release(audit={"item_list": [{**ITEM, "tag": " ".join("t" * 11)}]}), "audit.item_list[0].tag", "1-10 tags"),
        (release(audit={"item_list": [{**ITEM, "tag": "x" * 21}]}), "audit.item_list[0].tag", "at most 20"),
        (release(audit={"item_list": [{**ITEM, "title": "题" * 33}]}), "audit.item_list[0].title", "1-32"),
        (release(audit={"item_list": [{**ITEM, "address": "/pages/a"}]}), "audit.item_list[0].address", "page path"),
        (release(audit={"item_list": [{**ITEM, "third_id": 3}]}), "audit.item_list[0].third_class", "go together"),
        (release(audit={"item_list": [{"address": "pages/a"}]}), "audit.item_list[0].first_id", "required field"),
        (release(audit={"feedback_info": "x" * 201}), "audit.feedback_info", "at most 200 characters"),
        (release(audit={"ugc_declare": {"scene": [0, 2]}}), "audit.ugc_declare.scene", "cannot be combined"),
        (release(audit={"ugc_declare": {"scene": [5]}}), "audit.ugc_declare.other_scene_desc", "describe"),
        (release(audit={"ugc_declare": {"scene": [6]}}), "audit.ugc_declare.scene[0]", "less than or equal to 5"),
        (release(audit={"ugc_declare": {"method": [1, 1]}}), "audit.ugc_declare.method[1]", "duplicate"),
    ],
)
def test_release_rules(tmp_path: Path, data: dict[str, Any], path: str, fragment: str) -> None:
    assert_problem(block_problems(ReleaseSpec, data, spec_dir=tmp_path), path, fragment)


def test_release_problems_carry_the_release_prefix_in_a_spec(tmp_path: Path) -> None:
    data = valid_spec()
    data["release"] = release(version=1.10, rollout={"gray_percentage": 0})
    found = spec_problems(tmp_path, data)
    assert set(found) == {"release.version", "release.rollout.gray_percentage"}


def test_ext_json_extappid_must_be_this_mini_program(tmp_path: Path) -> None:
    data = valid_spec()
    data["release"]["source"]["ext_json"] = {"extAppid": "wx3333333333333333"}
    assert_problem(spec_problems(tmp_path, data), "release.source.ext_json.extAppid", APPID)


def test_source_folder_needs_an_upload_key(tmp_path: Path) -> None:
    (tmp_path / "miniprogram").mkdir()
    data = valid_spec()
    data["release"]["source"] = {"path": "miniprogram"}
    found = spec_problems(tmp_path, data)
    assert_problem(found, "release.source.path", "needs credentials.upload_key_config")
    assert list(found) == ["release.source.path"]


def test_source_folder_with_an_upload_key_is_fine(tmp_path: Path) -> None:
    (tmp_path / "miniprogram").mkdir()
    data = valid_spec()
    data["credentials"]["upload_key_config"] = "uploadKey"
    data["release"]["source"] = {"path": "miniprogram"}
    assert spec_problems(tmp_path, data) == {}


def test_wire_bodies() -> None:
    spec = ReleaseSpec.model_validate(
        release(
            description="Spring sale",
            source={"template_id": 7.0, "ext_json": {"extAppid": APPID, "ext": {"b": 1, "a": [1, "二"]}}},
            audit={
                "item_list": [{**ITEM, "tag": "商城   购物"}],
                "ugc_declare": {"scene": [2, 1], "method": [1], "has_audit_team": True},
            },
            rollout={"gray_percentage": 20, "support_experiencer_first": True},
        )
    )
    assert spec.source.template_id == 7
    assert json.loads(spec.source.ext_json_string()) == {"extAppid": APPID, "ext": {"a": [1, "二"], "b": 1}}
    assert spec.source.ext_json_string() == '{"ext":{"a":[1,"二"],"b":1},"extAppid":"wx2222222222222222"}'
    assert (spec.version, spec.description) == ("1.2.0", "Spring sale")
    audit = spec.audit.to_wire()
    assert audit["item_list"][0]["tag"] == "商城 购物"
    assert audit["ugc_declare"] == {"scene": [1, 2], "method": [1], "has_audit_team": 1}
    assert audit["privacy_api_not_use"] is False
    assert spec.rollout.model_dump() == {
        "gray_percentage": 20,
        "support_debuger_first": False,
        "support_experiencer_first": True,
    }


def test_defaults_are_a_full_release_without_waiting() -> None:
    spec = ReleaseSpec.model_validate(release())
    assert (spec.rollout.gray_percentage, spec.wait_for_audit_minutes, spec.allow_withdraw) == (100, 0, False)
    assert spec.audit == AuditSpec()


@pytest.mark.parametrize(
    ("ext_json", "fragment"),
    [
        ({"when": __import__("datetime").date(2024, 1, 1)}, "ext_json.when: YAML read a date"),
        ({"x": [1, float("nan")]}, "ext_json.x[1]: nan is not a JSON number"),
        ({"x": {1: "a"}}, "keys must be text"),
    ],
)
def test_ext_json_must_be_json(ext_json: dict[Any, Any], fragment: str) -> None:
    found = block_problems(ReleaseSpec, release(source={"template_id": 1, "ext_json": ext_json}))
    assert_problem(found, "source.ext_json", fragment)
