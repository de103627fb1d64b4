"""Testers (体验成员, managed over the API) and developers (项目成员, a manual checklist).

Member limits depend on the account block: `MiniProgramSpec` checks them from its own `account`;
a block validated alone checks them when the context carries an account (`SpecContext.account`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, RootModel, ValidationInfo

from providers.models._base import Bool, Check, Issue, SetLike, SpecModel, Text, fail, spec_context
from providers.models.account import member_limit

_WECHAT_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")


def _check_wechat_id(value: str) -> str:
    if not value:
        raise fail("a WeChat id is required")
    if not _WECHAT_ID.fullmatch(value):
        raise fail("a WeChat id is 1-64 characters without spaces")
    return value


WeChatId = Annotated[Text, Check(_check_wechat_id, {"minLength": 1, "maxLength": 64, "pattern": r"^\S+$"})]
"""A WeChat id (微信号). WeChat ids are case-insensitive, so duplicates are compared that way."""


def _id_key(item: Any) -> str | None:
    return item.casefold() if isinstance(item, str) and item else None


def _experience_limit(info: ValidationInfo) -> tuple[int, str] | None:
    account = spec_context(info).account
    return member_limit(account, "experience") if account is not None else None


def _project_limit(info: ValidationInfo) -> tuple[int, str] | None:
    account = spec_context(info).account
    return member_limit(account, "project") if account is not None else None


class TestersSpec(SpecModel):
    """Experience members: bound with wxa/bind_tester, unbound with wxa/unbind_tester."""

    members: Annotated[
        list[WeChatId],
        SetLike("experience members", key=_id_key, sort_key=str.casefold, limit=_experience_limit),
        Field(default_factory=list),
    ]
    """WeChat ids of the testers."""
    authoritative: Bool = False
    """If true, testers bound elsewhere (e.g. in the console) are unbound; if false they are left alone."""
    known_outside: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]],
        SetLike("acknowledged userstrs", key=lambda item: item if isinstance(item, str) else None),
    ] | None = None
    """Userstrs of testers bound outside Pulumi that the spec keeps on purpose: never unbound, no drift
    warning. WeChat lists testers only by userstr; a plan's drift warning shows the ones to copy here."""


Role = Literal["developer", "operator", "data_analyst"]


class DeveloperSpec(SpecModel):
    """One project member and the roles the admin should give them in the console."""

    wechat_id: WeChatId
    """Their WeChat id (微信号)."""
    roles: Annotated[list[Role], SetLike("roles", key=lambda role: role if isinstance(role, str) else None)]
    """One or more of developer (开发者), operator (运营者), data_analyst (数据分析者)."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        if data.get("roles") == []:
            return [(("roles",), "give at least one role: developer, operator or data_analyst")]
        return []


def _developer_key(item: Any) -> str | None:
    return _id_key(item.get("wechat_id")) if isinstance(item, dict) else None


class DevelopersSpec(
    RootModel[
        Annotated[
            list[DeveloperSpec],
            SetLike(
                "project members",
                key=_developer_key,
                sort_key=lambda member: member.wechat_id.casefold(),
                limit=_project_limit,
            ),
        ]
    ]
):
    """Project members. WeChat has no API for them, so they become a checklist for the admin."""

    model_config = ConfigDict(frozen=True)
    __test__: ClassVar[bool] = False

    def normalised(self) -> list[dict[str, Any]]:
        return self.model_dump(mode="json", exclude_none=True)
