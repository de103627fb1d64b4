"""The account block (type, verified, published) and the member limits it implies."""

from __future__ import annotations

from typing import Literal

from providers.models._base import Bool, SpecModel

# Project members (developers, operators, data analysts) per mini-program: the official table
# as quoted in reference/wechat-api.md §3.2 [P-members-2019].
PROJECT_MEMBER_LIMITS = {
    "personal": 15,
    "organization, unverified and unpublished": 30,
    "organization, verified or published (not both)": 60,
    "organization, verified and published": 90,
}
# Experience members (testers): WeChat's own table is an image missing from every stored copy, so
# the per-type numbers are UNCONFIRMED (reference §3.2). Our choice: the same numbers as the
# project-member table above, the only documented table for these account rows (and it agrees
# with the one known experience figure, 15 for personal accounts). If WeChat allows more, bind
# fails with 85002 only when the real limit is reached; raise these numbers once it is confirmed.
EXPERIENCE_MEMBER_LIMITS = dict(PROJECT_MEMBER_LIMITS)


class AccountSpec(SpecModel):
    """What kind of account the mini-program is; drives member limits and what WeChat allows."""

    type: Literal["personal", "organization"]
    """personal (个人) or organization (企业、政府、媒体、其他组织)."""
    verified: Bool = False
    """Has passed WeChat verification (微信认证)."""
    published: Bool = False
    """Has a released version."""

    @property
    def row(self) -> str:
        """The row of the limits tables that applies to this account."""
        if self.type == "personal":
            return "personal"
        if self.verified and self.published:
            return "organization, verified and published"
        if self.verified or self.published:
            return "organization, verified or published (not both)"
        return "organization, unverified and unpublished"


def member_limit(account: AccountSpec | None, kind: Literal["project", "experience"]) -> tuple[int, str]:
    """`(limit, explanation)` for a member list; without an account block, the largest limit."""
    table = PROJECT_MEMBER_LIMITS if kind == "project" else EXPERIENCE_MEMBER_LIMITS
    if account is None:
        return max(table.values()), " (the most any account allows; set `account` for the exact limit)"
    return table[account.row], f" for a {account.row} account"
