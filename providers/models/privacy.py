"""Privacy guide (用户隐私保护指引): owner contact and one text per privacy key (§4.6)."""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any

from pydantic import Field, ValidationInfo

from providers.models._base import Check, Issue, SetLike, SpecModel, Text, fail, show
from providers.models.members import WeChatId

# §4.6 lists these keys ("values include"); an unlisted key is refused until it is added here.
PRIVACY_KEYS = (
    "UserInfo", "Location", "Address", "Invoice", "RunData", "Record", "Album", "Camera",
    "PhoneNumber", "Contact", "DeviceInfo", "EXIDNumber", "EXOrderInfo", "EXUserPublishContent",
    "EXUserFollowAcct", "EXUserOpLog", "AlbumWriteOnly", "LicensePlate", "BlueTooth",
    "CalendarWriteOnly", "Email", "MessageFile",
)  # fmt: skip
CONTACT_FIELDS = ("contact_email", "contact_phone", "contact_qq", "contact_weixin")


def _matching(pattern: str, message: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise fail(message)
        return value

    return Check(check, {"pattern": f"^{pattern}$"})


def _privacy_key(value: str) -> str:
    if value not in PRIVACY_KEYS:
        close = difflib.get_close_matches(value, PRIVACY_KEYS, n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; one of: {', '.join(PRIVACY_KEYS)}"
        raise fail(f"unknown privacy_key {show(value)}{hint}")
    return value


def _required_text(value: str) -> str:
    if not value.strip():
        raise fail("must not be empty")
    return value


NonEmpty = Annotated[Text, Check(_required_text, {"minLength": 1})]
Email = Annotated[Text, _matching(r"[^@\s]+@[^@\s]+\.[^@\s.]+", "must be an email address like privacy@example.com")]
Phone = Annotated[Text, _matching(r"\+?[0-9][0-9 -]{3,22}[0-9]", "must be a phone number (digits, spaces, '-')")]
QQ = Annotated[Text, _matching(r"[1-9][0-9]{4,11}", "must be a QQ number (5-12 digits, in quotes)")]
PrivacyKey = Annotated[Text, Check(_privacy_key, {"enum": list(PRIVACY_KEYS)})]


class PrivacyOwnerSetting(SpecModel):
    """`owner_setting`: how users reach the developer, and how they are told."""

    contact_email: Email | None = None
    contact_phone: Phone | None = None
    contact_qq: QQ | None = None
    contact_weixin: WeChatId | None = None
    notice_method: NonEmpty
    """How users are notified (通知方式), e.g. 弹窗提示."""
    store_expire_timestamp: NonEmpty | None = None
    """How long data is kept, as WeChat takes it, e.g. "30天"."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        if not any(data.get(name) is not None for name in CONTACT_FIELDS):
            return [((), f"give at least one contact: {', '.join(CONTACT_FIELDS)}")]
        return []


class PrivacySettingItem(SpecModel):
    """One kind of user data the code collects, and what it is used for."""

    privacy_key: PrivacyKey
    privacy_text: NonEmpty
    """What the data is used for, as users will read it."""


def _key(item: Any) -> str | None:
    return item.get("privacy_key") if isinstance(item, dict) and isinstance(item.get("privacy_key"), str) else None


class PrivacySpec(SpecModel):
    """The development (ver=2) privacy setting; it goes live with the next released version."""

    owner_setting: PrivacyOwnerSetting
    settings: Annotated[
        list[PrivacySettingItem],
        SetLike("privacy settings", key=_key, sort_key=lambda item: item.privacy_key),
        Field(default_factory=list),
    ]
    """One entry per privacy key the code uses (WeChat's `setting_list`)."""

    def to_wire(self) -> dict[str, Any]:
        """The body of setprivacysetting, without `privacy_ver` (the provider decides it)."""
        return {
            "owner_setting": self.owner_setting.model_dump(exclude_none=True),
            "setting_list": [item.model_dump() for item in self.settings],
        }
