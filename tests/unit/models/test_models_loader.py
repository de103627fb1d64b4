"""Loading spec files: every problem of every file at once, with file, path and line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from spec_helpers import APPID, load_problems, spec_problems, valid_spec, write_spec

from providers.models import (
    CategoriesSpec,
    MiniProgramSpec,
    Problem,
    ServerDomainsSpec,
    SpecError,
    find_spec_files,
    load_spec_file,
    load_spec_text,
    load_specs,
    problems_from_validation_error,
    render_path,
)
from providers.models.__main__ import main

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_the_example_spec_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    spec = load_spec_file("specs/demo-shop.yaml")
    assert (spec.appid, spec.name, spec.credentials.mode) == (APPID, "demo-shop", "platform")
    assert spec.source_file == Path("specs/demo-shop.yaml")
    assert spec.release is not None and spec.release.version == "1.1.0"
    assert list(spec.managed_blocks()) == [
        "server_domains",
        "webview_domains",
        "testers",
        "developers",
        "profile",
        "categories",
        "privacy",
        "release",
    ]
    assert spec.profile is not None and spec.profile.avatar == "specs/assets/demo-shop.png"
    png = (ROOT / "specs/assets/demo-shop.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 100 < len(png) < 2048


def test_the_owner_mode_fixture_loads_and_normalises() -> None:
    spec = load_spec_file(FIXTURES / "owner-mode.yaml")
    assert spec.credentials.mode == "owner"
    assert spec.server_domains is not None
    assert spec.server_domains.request == ["https://api.blog.example.com", "https://static.blog.example.com"]
    assert spec.release is not None and spec.release.rollout.gray_percentage == 10
    assert spec.release.source.path is not None and os.path.isdir(spec.release.source.path)


def test_many_mistakes_in_two_files_are_reported_at_once(tmp_path: Path) -> None:
    first = valid_spec()
    first["server_domains"]["request"] = ["https://api.shop.example.com", "http://b.example.com"]
    first["testers"]["members"] = ["alice", "alice"]
    first["credentials"]["component_secret_config"] = "0123456789abcdef0123456789abcdef"
    first["profile"]["nickname"] = "商城小程序"
    first["categories"] = [{"first": 1}]
    first["privacy"]["settings"][0]["privacy_key"] = "Userinfo"
    second = valid_spec()
    second["appid"] = "wx4444444444444444"
    second["credentials"] = {"mode": "owner"}
    second["webview_domains"] = {"domains": ["https://h5.example.com:8443"], "ondelete": "clear"}
    second["release"]["rollout"] = {"gray_percentage": 0}
    second["release"]["source"]["ext_json"] = {"extAppid": "wx4444444444444444"}
    a = write_spec(tmp_path, first, "shop-a.yaml")
    b = write_spec(tmp_path, second, "shop-b.yaml")
    with pytest.raises(SpecError) as caught:
        load_specs([a, b])
    located = {(Path(problem.file or "").name, problem.path) for problem in caught.value.problems}
    assert located == {
        ("shop-a.yaml", "server_domains.request[1]"),
        ("shop-a.yaml", "testers.members[1]"),
        ("shop-a.yaml", "credentials.component_secret_config"),
        ("shop-a.yaml", "profile.nickname"),
        ("shop-a.yaml", "categories[0].second"),
        ("shop-a.yaml", "privacy.settings[0].privacy_key"),
        ("shop-b.yaml", "credentials.app_secret_config"),
        ("shop-b.yaml", "webview_domains.domains[0]"),
        ("shop-b.yaml", "webview_domains.ondelete"),
        ("shop-b.yaml", "release.rollout.gray_percentage"),
    }
    assert all(problem.line is not None for problem in caught.value.problems)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems)
    assert f"{a.as_posix()}: server_domains.request[1]: must use https://, not 'http://' (line " in str(caught.value)
    assert "0123456789abcdef0123456789abcdef" not in str(caught.value)


def test_problem_rendering() -> None:
    problem = Problem("specs/demo-shop.yaml", "server_domains.request[1]", "must use https://")
    assert str(problem) == "specs/demo-shop.yaml: server_domains.request[1]: must use https://"
    assert str(Problem("a.yaml", "", "the file is empty", 1)) == "a.yaml: (document): the file is empty (line 1)"
    assert str(Problem(None, "spec.request", "x")) == "spec.request: x"
    error = SpecError([problem, problem])
    assert str(error) == f"{problem}\n{problem}"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("server_domains", "request", 1), "server_domains.request[1]"),
        ((0, "first"), "[0].first"),
        (("spec", 0, "first"), "spec[0].first"),
        (("release", "source", "ext_json", "a.b"), 'release.source.ext_json["a.b"]'),
        (("x", "with space"), 'x["with space"]'),
        ((), ""),
    ],
)
def test_render_path(loc: tuple[str | int, ...], path: str) -> None:
    assert render_path(loc) == path


def test_problems_from_validation_error_for_providers() -> None:
    with pytest.raises(ValidationError) as caught:
        ServerDomainsSpec.model_validate({"request": ["https://a.example.com", "http://b.example.com"]})
    (problem,) = problems_from_validation_error(caught.value, None, prefix=("spec",))
    assert (problem.file, problem.path, problem.message) == (
        None,
        "spec.request[1]",
        "must use https://, not 'http://'",
    )
    with pytest.raises(ValidationError) as caught:
        CategoriesSpec.model_validate([{"first": 1, "second": "2"}])
    (problem,) = problems_from_validation_error(caught.value, "x.yaml", prefix=("spec",))
    assert (problem.file, problem.path) == ("x.yaml", "spec[0].second")
    with pytest.raises(ValidationError) as caught:
        ServerDomainsSpec.model_validate(["https://a.example.com"])
    (problem,) = problems_from_validation_error(caught.value, None)
    assert (problem.path, problem.message) == ("", "must be a mapping of fields")


@pytest.mark.parametrize(
    ("text", "path", "fragment", "line"),
    [
        (
            "appid: wx2222222222222222\nappid: wx3333333333333333\n",
            "appid",
            "duplicate key (first defined on line 1)",
            2,
        ),
        (
            "appid: wx2222222222222222\nserver_domains:\n  request: []\n  socket: []\n  request: []\n",
            "server_domains.request",
            "duplicate key (first defined on line 3)",
            5,
        ),
        ("appid: [unclosed\n", "", "YAML syntax error", 2),
        ("appid: wx2222222222222222\n  bad: indent\n", "", "YAML syntax error", 2),
        ("- just\n- a list\n", "", "got a list", 1),
        ("just text\n", "", "got a single value", 1),
        ("", "", "the file is empty", None),
        ("# only a comment\n", "", "the file is empty", None),
        ("a: 1\n---\nb: 2\n", "", "expected a single document in the stream, but found another", 2),
        ("on: true\nappid: wx2222222222222222\n", "", "the key 'on' is true/false to YAML", 1),
        ("appid: wx2222222222222222\n1: one\n", "", "the key '1' is a number to YAML", 2),
        ("~: x\n", "", "is null to YAML", 1),
        ("? [a, b]\n: c\n", "", "keys must be plain text", 1),
        ("appid: !!python/object/apply:os.system [ls]\n", "", "could not determine a constructor", 1),
        ("appid: !!binary aGk=\n", "appid", "must be text", 1),
        ("appid: 2024-13-45\n", "", "a YAML value cannot be read", None),
        ("appid: \x00\n", "", "YAML cannot read this character", 1),
        ("a: &a [*a]\n", "", "refers to itself", 1),
        ("!!set {a, b}\n", "", "expected a mapping of fields, got a set", 1),
        ("!!str {a: 1}\n", "", "a YAML value cannot be built", 1),
        ("appid: !!set {x}\n", "appid", "must be text", 1),
        ("credentials: !!omap [{mode: owner}]\n", "credentials", "must be a mapping of fields", 1),
        ("appid: wx2222222222222222\n\tname: x\n", "", "YAML syntax error", 2),
    ],
)
def test_yaml_problems(tmp_path: Path, text: str, path: str, fragment: str, line: int | None) -> None:
    problems = load_problems(write_spec(tmp_path, text))
    matching = [problem for problem in problems if problem.path == path and fragment in problem.message]
    assert matching, problems
    if line is not None:
        assert matching[0].line == line
    assert all("\n" not in problem.message for problem in problems)


def test_alias_bombs_are_refused_quickly(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{index}: &a{index} [{', '.join([f'*a{index - 1}'] * 10)}]" for index in range(1, 9)]
    problems = load_problems(write_spec(tmp_path, "\n".join(levels) + "\n"))
    assert any("once aliases are expanded" in problem.message for problem in problems)


@pytest.mark.parametrize("depth", [70, 5000])
def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path, depth: int) -> None:
    problems = load_problems(write_spec(tmp_path, "appid: " + "[" * depth + "]" * depth + "\n"))
    assert any("nested" in problem.message for problem in problems)


def test_unreadable_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("appid: caf\xe9\n".encode("latin-1"))
    (tmp_path / "huge.yaml").write_bytes(b"#" * 1_000_001)
    (tmp_path / "folder.yaml").mkdir()
    problems = load_problems(
        tmp_path / "latin1.yaml", tmp_path / "huge.yaml", tmp_path / "missing.yaml", tmp_path / "folder.yaml"
    )
    messages = {Path(problem.file or "").name: problem.message for problem in problems}
    assert "not UTF-8" in messages["latin1.yaml"]
    assert "larger than" in messages["huge.yaml"]
    assert "cannot read the file" in messages["missing.yaml"]
    assert "cannot read the file" in messages["folder.yaml"]


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = write_spec(tmp_path, valid_spec())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_spec_file(path).appid == APPID


def test_anchors_and_aliases_are_fine(tmp_path: Path) -> None:
    text = (
        "appid: wx2222222222222222\n"
        "credentials: {mode: owner, app_secret_config: appSecret}\n"
        "server_domains:\n"
        "  upload: &cdn [https://CDN.shop.example.com]\n"
        "  download: *cdn\n"
    )
    spec = load_spec_file(write_spec(tmp_path, text))
    assert spec.server_domains is not None
    assert spec.server_domains.upload == spec.server_domains.download == ["https://cdn.shop.example.com"]


def test_merge_keys_build_a_block(tmp_path: Path) -> None:
    text = (
        "appid: wx2222222222222222\n"
        "credentials: {mode: owner, app_secret_config: appSecret}\n"
        "account: {<<: {type: organization, verified: true}, published: true}\n"
    )
    spec = load_spec_file(write_spec(tmp_path, text))
    assert spec.account is not None and spec.account.row == "organization, verified and published"


def test_same_appid_or_name_in_two_files_conflicts(tmp_path: Path) -> None:
    one = write_spec(tmp_path / "one", valid_spec(), "shop.yaml")
    two = write_spec(tmp_path / "two", valid_spec(), "shop.yaml")
    problems = load_problems(one, two)
    assert {(problem.file, problem.path) for problem in problems} == {
        (two.as_posix(), "appid"),
        (two.as_posix(), "name"),
    }
    assert any(f"also declared in {one.as_posix()}" in problem.message for problem in problems)


def test_conflicts_show_even_when_the_file_has_other_problems(tmp_path: Path) -> None:
    broken = valid_spec()
    broken["testers"] = {"members": [""]}
    one = write_spec(tmp_path, valid_spec(), "one.yaml")
    two = write_spec(tmp_path, broken, "two.yaml")
    paths = {problem.path for problem in load_problems(one, two)}
    assert paths == {"testers.members[0]", "appid"}


def test_name_defaults_to_the_file_stem(tmp_path: Path) -> None:
    assert load_spec_file(write_spec(tmp_path, valid_spec(), "my-shop.yaml")).name == "my-shop"
    found = spec_problems(tmp_path, valid_spec(), "My_Shop.yaml")
    assert list(found) == ["name"]
    assert "the file name 'My_Shop' is not a valid name" in found["name"][0]
    named = valid_spec() | {"name": "shop-2"}
    assert load_spec_file(write_spec(tmp_path, named, "My_Shop.yaml")).name == "shop-2"
    assert "must be 1-63 lower-case" in spec_problems(tmp_path, valid_spec() | {"name": "Shop"})["name"][0]


def test_spec_text_without_a_file_names_itself_after_the_appid() -> None:
    data = {"appid": APPID, "credentials": {"mode": "owner", "app_secret_config": "appSecret"}}
    spec = load_spec_text(yaml.safe_dump(data))
    assert (spec.name, spec.source_file) == (APPID, None)
    assert MiniProgramSpec.model_validate(data).name == APPID
    with pytest.raises(SpecError) as caught:
        load_spec_text("appid: nope\n")
    assert {(problem.file, problem.path) for problem in caught.value.problems} == {
        (None, "appid"),
        (None, "credentials"),
    }


def test_only_appid_and_credentials_are_required(tmp_path: Path) -> None:
    found = spec_problems(tmp_path, {"name": "x"})
    assert found == {"appid": ["required field is missing"], "credentials": ["required field is missing"]}


def test_component_appid_must_not_be_the_mini_programs_own(tmp_path: Path) -> None:
    data = valid_spec()
    data["credentials"]["component_appid"] = APPID
    assert "third-party platform's appid" in spec_problems(tmp_path, data)["credentials.component_appid"][0]


def test_personal_accounts_have_no_business_domains(tmp_path: Path) -> None:
    data = valid_spec() | {"account": {"type": "personal"}}
    found = spec_problems(tmp_path, data)
    assert list(found) == ["webview_domains"]
    assert "89231" in found["webview_domains"][0]


def test_a_hostile_file_shows_a_capped_list(tmp_path: Path) -> None:
    data = valid_spec()
    data["server_domains"] = {"request": [f"http://d{index}.example.com" for index in range(500)]}
    problems = load_problems(write_spec(tmp_path, data))
    assert len(problems) == 201
    assert problems[-1].message == "... and 301 more problems"  # 500 bad items and the count


def test_find_spec_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "schema.json", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert [path.name for path in find_spec_files(tmp_path)] == ["a.yml", "b.yaml"]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check"]) == 0
    assert "demo-shop" in capsys.readouterr().out
    bad = write_spec(tmp_path, {"appid": "nope"})
    assert main(["check", str(bad)]) == 1
    assert f"{bad.as_posix()}: appid:" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_blocks_survive_pulumis_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program dumps each block; the provider host validates it again with numbers as floats."""
    monkeypatch.chdir(ROOT)
    for spec in load_specs(["specs/demo-shop.yaml", FIXTURES / "owner-mode.yaml"]):
        for name, block in spec.managed_blocks().items():
            dumped = block.model_dump(mode="json")
            as_floats = json.loads(json.dumps(dumped), parse_int=float)
            again = type(block).model_validate(as_floats)
            assert again.model_dump(mode="json") == dumped, name
