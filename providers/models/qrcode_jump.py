"""Jump QR-code rules (扫普通链接二维码打开小程序): a scanned ordinary link under a rule's prefix opens
the mini-program at the rule's page.

Rules from WeChat's pages (emulator/COVERAGE.md, "Jump QR-code rules"): the prefix is an http(s)
link with a host and no fragment; at most 100 rules a mini-program; at most 5 debug links a rule,
each one a link the rule matches (equal, under a prefix ending in "/", or its query by prefix).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo

from providers.models._base import Bool, Check, Issue, SetLike, SpecModel, Text, fail
from providers.models.domains import OnDelete

RULE_LIMIT = 100  # "一个小程序帐号可配置不多于100个二维码前缀规则"
DEBUG_URL_LIMIT = 5  # "至多 5 个用于测试的二维码完整链接"
OPEN_VERSIONS = {"develop": 1, "trial": 2, "release": 3}  # WeChat's open_version numbers
OpenVersion = Literal["develop", "trial", "release"]

_LINK = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?([/?][^\s#]*)?$")


def matches(prefix: str, link: str) -> bool:
    """Does a scanned link open the rule? Equal, under a prefix ending in "/", or query by prefix."""
    if link == prefix:
        return True
    if "?" in prefix or prefix.endswith("/"):
        return link.startswith(prefix)
    return link.startswith(prefix + "?")


def _check_link(value: str) -> str:
    if not _LINK.fullmatch(value):
        raise fail("must be an http(s) link with a host, without spaces or a #fragment")
    return value


Link = Annotated[Text, Check(_check_link, {"pattern": r"^https?://\S+$"})]


def _check_page(value: str) -> str:
    if not value or value.startswith("/") or any(c.isspace() for c in value):
        raise fail("must be a page path such as pages/index/index (no leading '/', no spaces)")
    return value


PagePath = Annotated[Text, Check(_check_page, {"minLength": 1})]


class QRCodeJumpRule(SpecModel):
    """One rule: links under `prefix` open `path` (wxopen/qrcodejumpadd, then qrcodejumppublish)."""

    prefix: Link
    """The link prefix, e.g. https://shop.example.com/qr/ (its last directory serves the confirm file)."""
    path: PagePath
    """The page the scan opens, e.g. pages/index/index (query parameters arrive in `q`)."""
    open_version: OpenVersion = "release"
    """Which version a scan opens before the rule is published (develop, trial or release)."""
    exclusive: Bool = False
    """If true, the rule occupies every link under its prefix (other accounts cannot add sub-rules)."""
    debug_urls: Annotated[
        list[Link], SetLike("debug links", key=lambda item: item if isinstance(item, str) else None,
                            limit=DEBUG_URL_LIMIT),
        Field(default_factory=list),
    ]
    """Up to 5 full links to test with before publishing; each must be a link this rule matches."""
    publish: Bool = True
    """Publish the rule (every user's scan then opens the release version). Needs a released version."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        prefix, urls = data.get("prefix"), data.get("debug_urls")
        if not isinstance(prefix, str) or not isinstance(urls, list):
            return []
        return [(("debug_urls", index), f"is not a link the prefix {prefix} matches")
                for index, url in enumerate(urls) if isinstance(url, str) and not matches(prefix, url)]


def _prefix_key(item: Any) -> str | None:
    prefix = item.get("prefix") if isinstance(item, dict) else None
    return prefix if isinstance(prefix, str) else None


class QRCodeJumpSpec(SpecModel):
    """扫普通链接二维码打开小程序: the rules are the whole list (a rule added in the console is deleted)."""

    rules: Annotated[
        list[QRCodeJumpRule], SetLike("QR-code rules", key=_prefix_key, sort_key=lambda rule: rule.prefix,
                                       limit=RULE_LIMIT),
        Field(default_factory=list),
    ]
    """The rules, one per prefix."""
    on_delete: OnDelete = "forget"
    """What removing this block does: forget (leave the rules in WeChat) or clear (delete the spec's rules)."""
