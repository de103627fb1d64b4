"""Testers and developers: ids, roles, duplicates and the limits each account type allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spec_helpers import assert_problem, block_problems, spec_problems, valid_spec

from providers.models import AccountSpec, DevelopersSpec, TestersSpec, member_limit


@pytest.mark.parametrize(
    ("account", "project", "experience"),
    [
        ({"type": "personal"}, 15, 15),
        ({"type": "personal", "verified": True, "published": True}, 15, 15),
        ({"type": "organization"}, 30, 30),
        ({"type": "organization", "verified": True}, 60, 60),
        ({"type": "organization", "published": True}, 60, 60),
        ({"type": "organization", "verified": True, "published": True}, 90, 90),
    ],
)
def test_member_limits_follow_the_account_table(account: dict[str, Any], project: int, experience: int) -> None:
    spec = AccountSpec.model_validate(account)
    assert member_limit(spec, "project")[0] == project
    assert member_limit(spec, "experience")[0] == experience


def test_without_an_account_the_largest_limit_applies() -> None:
    limit, why = member_limit(None, "experience")
    assert limit == 90
    assert "set `account`" in why


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"members": [""]}, "members[0]", "a WeChat id is required"),
        ({"members": ["has space"]}, "members[0]", "without spaces"),
        ({"members": ["x" * 65]}, "members[0]", "1-64 characters"),
        ({"members": [12345678]}, "members[0]", "put the value in quotes"),
        ({"members": ["alice", "bob", "Alice"]}, "members[2]", "duplicate of [0]"),
        ({"members": "alice"}, "members", "valid list"),
        ({"members": [], "authoritative": "yes"}, "authoritative", "true or false"),
        ({"member": []}, "member", "did you mean 'members'?"),
    ],
)
def test_tester_rules(data: dict[str, Any], path: str, fragment: str) -> None:
    assert_problem(block_problems(TestersSpec, data), path, fragment)


def test_testers_are_sorted_case_insensitively_and_kept_as_written() -> None:
    spec = TestersSpec.model_validate({"members": ["bob_wx", "Alice_wx", "carol"]})
    assert spec.members == ["Alice_wx", "bob_wx", "carol"]
    assert spec.authoritative is False


def test_tester_limit_needs_the_account_when_validated_alone() -> None:
    sixteen = [f"tester{index}" for index in range(16)]
    assert block_problems(TestersSpec, {"members": sixteen}) == {}
    personal = AccountSpec(type="personal")
    found = block_problems(TestersSpec, {"members": sixteen}, account=personal)
    assert_problem(found, "members", "at most 15 experience members allowed for a personal account, got 16")


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ([{"wechat_id": "carol", "roles": ["boss"]}], "[0].roles[0]", "'developer', 'operator' or 'data_analyst'"),
        ([{"wechat_id": "carol", "roles": []}], "[0].roles", "give at least one role"),
        ([{"wechat_id": "carol", "roles": ["developer", "developer"]}], "[0].roles[1]", "duplicate of [0]"),
        ([{"wechat_id": "carol"}], "[0].roles", "required field is missing"),
        ([{"roles": ["developer"]}], "[0].wechat_id", "required field is missing"),
        ([{"wechat_id": "carol", "role": "developer"}], "[0].role", "did you mean 'roles'?"),
        (
            [{"wechat_id": "carol", "roles": ["developer"]}, {"wechat_id": "CAROL", "roles": ["operator"]}],
            "[1]",
            "duplicate of [0]",
        ),
        ({"wechat_id": "carol"}, "", "valid list"),
    ],
)
def test_developer_rules(data: Any, path: str, fragment: str) -> None:
    assert_problem(block_problems(DevelopersSpec, data), path, fragment)


def test_developers_are_sorted_and_roles_deduplicated_into_order() -> None:
    spec = DevelopersSpec.model_validate(
        [
            {"wechat_id": "zed", "roles": ["operator", "developer"]},
            {"wechat_id": "amy", "roles": ["data_analyst"]},
        ]
    )
    assert spec.normalised() == [
        {"wechat_id": "amy", "roles": ["data_analyst"]},
        {"wechat_id": "zed", "roles": ["developer", "operator"]},
    ]


@pytest.mark.parametrize(
    ("account", "testers", "developers", "expected"),
    [
        ({"type": "personal"}, 16, 1, {"testers.members": "at most 15 experience members"}),
        ({"type": "personal"}, 15, 16, {"developers": "at most 15 project members"}),
        ({"type": "organization"}, 31, 31, {"testers.members": "at most 30", "developers": "at most 30"}),
        ({"type": "organization", "verified": True}, 60, 60, {}),
        ({"type": "organization", "verified": True, "published": True}, 91, 90, {"testers.members": "at most 90"}),
        (None, 91, 91, {"testers.members": "at most 90", "developers": "at most 90"}),
    ],
)
def test_spec_checks_member_limits_against_its_account(
    tmp_path: Path, account: dict[str, Any] | None, testers: int, developers: int, expected: dict[str, str]
) -> None:
    data = valid_spec()
    data.pop("webview_domains")
    data["account"] = account
    data["testers"] = {"members": [f"tester{index}" for index in range(testers)]}
    data["developers"] = [{"wechat_id": f"dev{index}", "roles": ["developer"]} for index in range(developers)]
    found = spec_problems(tmp_path, data)
    assert set(found) == set(expected)
    for path, fragment in expected.items():
        assert_problem(found, path, fragment)


def test_an_invalid_account_reports_itself_and_skips_the_limits(tmp_path: Path) -> None:
    data = valid_spec()
    data["account"] = {"type": "company"}
    data["testers"] = {"members": [f"tester{index}" for index in range(100)]}
    found = spec_problems(tmp_path, data)
    assert set(found) == {"account.type"}
