"""Profile: nickname (名称), avatar (头像) and intro (功能介绍, WeChat's `signature`).

Rules from reference/wechat-api.md §4.2-4.4, plus the nickname length rule noted below.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationInfo

from providers.models._base import Check, Issue, SpecModel, Text, fail, rebase, spec_context

# Nickname length: 4-30 characters where a Chinese character counts as 2. This is WeChat's
# published naming rule ("长度在4-30个字符之间，一个中文字等于2个字符") as quoted by secondary
# sources; reference/wechat-api.md does not state it, so it is UNCONFIRMED against a primary
# source. We count every East Asian wide or full-width character as 2.
NICKNAME_WIDTH = (4, 30)
SIGNATURE_LENGTH = (4, 120)  # §4.4: 4-120 characters ...
SIGNATURE_MIN_CHINESE = 4  # ... including at least 4 Chinese characters, else errcode 53204
AVATAR_MAX_BYTES = 2 * 1024 * 1024  # §4.3: BMP, JPEG, GIF or PNG, at most 2 MB
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"BM": "bmp",
}


def display_width(text: str) -> int:
    """WeChat's character count for names: Chinese (wide/full-width) characters count as 2."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def chinese_count(text: str) -> int:
    return sum(1 for char in text if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf")


def _single_line(value: str, what: str) -> None:
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise fail(f"{what} must not contain control or invisible formatting characters")
    if value != value.strip():
        raise fail(f"{what} must not start or end with spaces")


def _check_nickname(value: str) -> str:
    _single_line(value, "the nickname")
    if "小程序" in value:
        raise fail("the nickname must not contain 小程序 (WeChat refuses it)")
    width, (low, high) = display_width(value), NICKNAME_WIDTH
    if not low <= width <= high:
        raise fail(f"the nickname must be {low}-{high} characters, a Chinese character counting as 2; got {width}")
    return value


def _check_signature(value: str) -> str:
    _single_line(value, "the intro")
    low, high = SIGNATURE_LENGTH
    if not low <= len(value) <= high:
        raise fail(f"the intro must be {low}-{high} characters, got {len(value)}")
    if chinese_count(value) < SIGNATURE_MIN_CHINESE:
        raise fail(f"the intro must include at least {SIGNATURE_MIN_CHINESE} Chinese characters (errcode 53204)")
    return value


def image_format(head: bytes) -> str | None:
    """bmp, jpeg, gif or png from the file's first bytes; None for anything else."""
    return next((kind for magic, kind in IMAGE_SIGNATURES.items() if head.startswith(magic)), None)


def _check_avatar(value: str, info: ValidationInfo) -> str:
    if not value.strip():
        raise fail("an image path is required")
    path = spec_context(info).resolve(value)
    try:
        found = path.is_file()
        size = path.stat().st_size if found else 0
        if found:
            with path.open("rb") as image:
                head = image.read(16)
    except (OSError, ValueError) as error:  # unreadable, or a name the OS cannot take (NUL, too long)
        raise fail(f"cannot read the image: {getattr(error, 'strerror', None) or error}") from None
    if not found:
        raise fail(f"file not found: {path.as_posix()} (paths are relative to the spec file)")
    if image_format(head) is None:
        raise fail("must be a BMP, JPEG, GIF or PNG image (judged by its content, not its name)")
    if size > AVATAR_MAX_BYTES:
        raise fail(f"the image is {size / 1024 / 1024:.1f} MB; WeChat accepts at most 2 MB")
    return value if Path(value).is_absolute() else rebase(path)


Nickname = Annotated[Text, Check(_check_nickname, {"minLength": 2, "maxLength": 30, "not": {"pattern": "小程序"}})]
Signature = Annotated[Text, Check(_check_signature, {"minLength": 4, "maxLength": 120})]
AvatarPath = Annotated[Text, Check(_check_avatar, {"minLength": 1}, with_info=True)]
NAMING_MATERIAL = ("license", "id_card")  # setnickname's image, organisation / personal (§4.2)


class ProfileSpec(SpecModel):
    """The mini-program's public profile; each field absent is left as it is."""

    nickname: Nickname | None = None
    """名称: 4-30 characters (Chinese count 2), without 小程序. A rename may start its own audit."""
    avatar: AvatarPath | None = None
    """头像: a BMP/JPEG/GIF/PNG file of at most 2 MB, relative to the spec file."""
    signature: Signature | None = None
    """功能介绍: 4-120 characters including at least 4 Chinese characters."""
    license: AvatarPath | None = None
    """营业执照: the business-licence image an organisation renames with (only with nickname); a
    BMP/JPEG/GIF/PNG file of at most 2 MB, relative to the spec file. Without it a rename is manual."""
    id_card: AvatarPath | None = None
    """身份证: the ID-card image a personal account renames with, instead of license (only with
    nickname); a BMP/JPEG/GIF/PNG file of at most 2 MB, relative to the spec file."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        if all(data.get(name) is None for name in cls.model_fields):
            return [((), "set nickname, avatar or signature, or remove the block to leave the profile unmanaged")]
        materials = [name for name in NAMING_MATERIAL if data.get(name) is not None]
        if materials and data.get("nickname") is None:
            why = "is only sent with a rename: set nickname too, or remove"
            return [((name,), f"{name} {why} {name}") for name in materials]
        if len(materials) > 1:
            return [(("id_card",), "give license (organisations) or id_card (personal accounts), not both")]
        return []
