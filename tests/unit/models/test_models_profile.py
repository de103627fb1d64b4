"""Profile (nickname, avatar, intro) and categories."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from spec_helpers import assert_problem, block_problems, png_bytes, spec_problems, valid_spec

from providers.models import CategoriesSpec, ProfileSpec, SpecContext
from providers.models.profile import display_width

GOOD_SIGNATURE = "一个演示用的小商城，售卖示例商品"


@pytest.mark.parametrize(
    ("nickname", "width"),
    [("演示商城", 8), ("ab演示", 6), ("Demo Shop", 9), ("演示", 4), ("ＡＢ", 4)],
)
def test_nickname_width_counts_chinese_as_two(nickname: str, width: int) -> None:
    assert display_width(nickname) == width
    assert ProfileSpec.model_validate({"nickname": nickname}).nickname == nickname


@pytest.mark.parametrize(
    ("nickname", "fragment"),
    [
        ("演示小程序", "must not contain 小程序"),
        ("abc", "4-30 characters, a Chinese character counting as 2; got 3"),
        ("演", "got 2"),
        ("演示商城" * 4, "got 32"),
        ("x" * 31, "got 31"),
        (" 演示商城", "must not start or end with spaces"),
        ("演示\n商城", "control"),
        ("演示\u200b商城", "control or invisible"),
        (2024, "put the value in quotes"),
    ],
)
def test_nickname_rules(nickname: Any, fragment: str) -> None:
    assert_problem(block_problems(ProfileSpec, {"nickname": nickname}), "nickname", fragment)


@pytest.mark.parametrize(
    ("signature", "fragment"),
    [
        ("abc", "4-120 characters, got 3"),
        ("演" * 121, "got 121"),
        ("a shop that sells things", "at least 4 Chinese characters (errcode 53204)"),
        ("小商城 shop", "at least 4 Chinese"),
        ("", "4-120 characters"),
    ],
)
def test_signature_rules(signature: str, fragment: str) -> None:
    assert_problem(block_problems(ProfileSpec, {"signature": signature}), "signature", fragment)


def test_signature_with_four_chinese_characters_is_fine() -> None:
    assert ProfileSpec.model_validate({"signature": "一个商城 sells things"}).signature


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("a.png", png_bytes(), None),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, None),
        ("a.gif", b"GIF89a" + b"\x00" * 32, None),
        ("a.bmp", b"BM" + b"\x00" * 32, None),
        ("no-extension", png_bytes(), None),
        ("fake.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "BMP, JPEG, GIF or PNG"),
        ("empty.png", b"", "BMP, JPEG, GIF or PNG"),
        ("big.png", png_bytes() + b"\x00" * (2 * 1024 * 1024), "at most 2 MB"),
    ],
)
def test_avatar_is_checked_by_content_and_size(tmp_path: Path, name: str, content: bytes, fragment: str | None) -> None:
    (tmp_path / name).write_bytes(content)
    found = block_problems(ProfileSpec, {"avatar": name}, spec_dir=tmp_path)
    if fragment is None:
        assert found == {}
    else:
        assert_problem(found, "avatar", fragment)


@pytest.mark.parametrize(
    ("avatar", "fragment"),
    [
        ("missing.png", "file not found"),
        (".", "file not found"),
        ("", "an image path is required"),
        ("a\x00b.png", "file not found"),
        ("x" * 5000 + ".png", "cannot read the image"),
    ],
)
def test_avatar_must_be_a_readable_file(tmp_path: Path, avatar: str, fragment: str) -> None:
    assert_problem(block_problems(ProfileSpec, {"avatar": avatar}, spec_dir=tmp_path), "avatar", fragment)


def test_avatar_is_relative_to_the_spec_file_and_rebased_for_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs" / "assets").mkdir(parents=True)
    (tmp_path / "specs" / "assets" / "logo.png").write_bytes(png_bytes())
    monkeypatch.chdir(tmp_path)
    context = SpecContext(spec_dir=Path("specs")).as_context()
    spec = ProfileSpec.model_validate({"avatar": "assets/logo.png"}, context=context)
    assert spec.avatar == "specs/assets/logo.png"
    # the provider host validates the dumped block again, without a spec directory
    assert ProfileSpec.model_validate(spec.normalised()).avatar == "specs/assets/logo.png"
    assert os.path.exists(spec.avatar)


@pytest.mark.parametrize("field", ["license", "id_card"])
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("licence.png", png_bytes(), None),
        ("licence.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, None),
        ("licence.pdf", b"%PDF-1.7\n" + b"\x00" * 32, "BMP, JPEG, GIF or PNG"),
        ("big.png", png_bytes() + b"\x00" * (2 * 1024 * 1024), "at most 2 MB"),
        (None, b"", "file not found"),
    ],
)
def test_naming_material_is_checked_like_the_avatar(
    tmp_path: Path, field: str, name: str | None, content: bytes, fragment: str | None
) -> None:
    if name is not None:
        (tmp_path / name).write_bytes(content)
    block = {"nickname": "演示商城", field: name or "missing.png"}
    found = block_problems(ProfileSpec, block, spec_dir=tmp_path)
    if fragment is None:
        assert found == {}
    else:
        assert_problem(found, field, fragment)


def test_naming_material_is_relative_to_the_spec_file_and_rebased_for_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs" / "assets").mkdir(parents=True)
    (tmp_path / "specs" / "assets" / "licence.png").write_bytes(png_bytes())
    monkeypatch.chdir(tmp_path)
    context = SpecContext(spec_dir=Path("specs")).as_context()
    spec = ProfileSpec.model_validate({"nickname": "演示商城", "license": "assets/licence.png"}, context=context)
    assert spec.license == "specs/assets/licence.png"
    assert ProfileSpec.model_validate(spec.normalised()).license == "specs/assets/licence.png"


@pytest.mark.parametrize(
    ("block", "path", "fragment"),
    [
        ({"license": "l.png"}, "license", "license is only sent with a rename: set nickname too"),
        ({"signature": GOOD_SIGNATURE, "id_card": "l.png"}, "id_card", "id_card is only sent with a rename"),
        ({"nickname": "演示商城", "license": "l.png", "id_card": "l.png"}, "id_card", "not both"),
    ],
)
def test_naming_material_needs_a_nickname_and_only_one_kind(
    tmp_path: Path, block: dict[str, str], path: str, fragment: str
) -> None:
    (tmp_path / "l.png").write_bytes(png_bytes())
    assert_problem(block_problems(ProfileSpec, block, spec_dir=tmp_path), path, fragment)


def test_naming_material_problems_show_with_paths_in_a_spec(tmp_path: Path) -> None:
    data = valid_spec()
    data["profile"] = {"avatar": "avatar.png", "license": "nope.png"}
    found = spec_problems(tmp_path, data)
    assert_problem(found, "profile.license", "set nickname too")
    data["profile"] = {"nickname": "演示商城", "license": "nope.png"}
    assert_problem(spec_problems(tmp_path, data), "profile.license", "file not found")


def test_an_empty_profile_block_is_a_problem() -> None:
    assert_problem(block_problems(ProfileSpec, {}), "", "set nickname, avatar or signature")


def test_profile_problems_show_with_paths_in_a_spec(tmp_path: Path) -> None:
    data = valid_spec()
    data["profile"] = {"nickname": "我的小程序", "avatar": "nope.png", "signature": "hi", "intro": "x"}
    found = spec_problems(tmp_path, data)
    assert_problem(found, "profile.nickname", "小程序")
    assert_problem(found, "profile.avatar", "file not found")
    assert_problem(found, "profile.signature", "4-120 characters")
    assert_problem(found, "profile.intro", "unknown field")


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ([], "", "give at least one category"),
        ([{"first": 0, "second": 2}], "[0].first", "greater than or equal to 1"),
        ([{"first": "1", "second": 2}], "[0].first", "whole number (without quotes)"),
        ([{"first": 1.5, "second": 2}], "[0].first", "whole number"),
        ([{"first": True, "second": 2}], "[0].first", "whole number"),
        ([{"first": 1}], "[0].second", "required field is missing"),
        ([{"first": 1, "second": 2}, {"first": 1, "second": 2}], "[1]", "duplicate of [0]"),
        ([{"first": 1, "second": 2, "certicates": []}], "[0].certicates", "unknown field"),
        ({"first": 1, "second": 2}, "", "valid list"),
    ],
)
def test_category_rules(data: Any, path: str, fragment: str) -> None:
    assert_problem(block_problems(CategoriesSpec, data), path, fragment)


def test_categories_sort_and_accept_pulumis_float_numbers() -> None:
    spec = CategoriesSpec.model_validate([{"first": 7.0, "second": 3.0}, {"first": 1, "second": 2}])
    assert spec.normalised() == [{"first": 1, "second": 2}, {"first": 7, "second": 3}]
    assert spec.pairs() == [(1, 2), (7, 3)]
