"""A fleet release: one template version released to many mini-programs of a platform, in waves.

It lives in the platform spec (`fleet:`), because everything it spends is the platform's: the
monthly audit quota (`wxa/queryquota`) is shared by every mini-program the platform manages
(reference §5.4, §10), and so is the pace WeChat tolerates. Example:

    fleet:
      version: "1.2.0"
      description: cart and coupons
      source: {template_id: 2}         # or {path: ../miniprogram}: uploaded once, made a template
      audit: {version_desc: Cart and coupons}
      rollout: {gray_percentage: 100}
      apps: {include: ["*"], exclude: [legacy-*]}   # spec names or appids, globs; default: all
      waves:
        - {name: canary, apps: [demo-shop, wx2222222222222223]}
        - {percent: 25}                # cumulative: a quarter of the fleet released after this wave
        - {percent: 100}
      hold_minutes: 60                 # after a wave is fully released, before the next may start
      failure_budget: 1                # per wave (a wave may override it); more stops the fleet
      audit_reserve: 3                 # monthly audits kept back for hotfixes
      max_in_flight: 20                # audits under review at once, fleet-wide
      calls_per_second: 20             # WeChat API calls per second for the whole platform

The wave rules themselves are in `providers/fleet/planner.py`; this module only says what a valid
block is. Names in `waves[].apps` must be members of the fleet: that is checked where every spec of
the stack is known (`providers.fleet.members`).
"""

from __future__ import annotations

import fnmatch
from typing import Annotated, Any

from annotated_types import MinLen
from pydantic import Field, Strict, ValidationInfo

from providers.models._base import Check, Issue, SetLike, SpecModel, Text, WholeNumber, fail
from providers.models.release import AuditSpec, ReleaseSourceSpec, RolloutSpec, Version

MAX_HOLD_MINUTES = 30 * 24 * 60


def _check_pattern(value: str) -> str:
    if not value.strip() or any(char.isspace() for char in value):
        raise fail("a spec name, an appid, or a glob of them (e.g. shop-* or wx22*), without spaces")
    return value


Pattern = Annotated[Text, Check(_check_pattern)]
Count = Annotated[int, Strict(), Field(ge=0), WholeNumber]
Positive = Annotated[int, Strict(), Field(ge=1), WholeNumber]


def _text_key(item: Any) -> str | None:
    return item if isinstance(item, str) else None


class FleetAppsSpec(SpecModel):
    """Which of the platform's mini-programs the fleet release covers (by spec name or appid, globs)."""

    include: Annotated[list[Pattern], SetLike("patterns", key=_text_key, keep_order=True, min_items=1),
                       Field(default_factory=lambda: ["*"])]
    """Patterns of the mini-programs to include; default: every mini-program of this platform."""
    exclude: Annotated[list[Pattern], SetLike("patterns", key=_text_key, keep_order=True), Field(default_factory=list)]
    """Patterns of the mini-programs to leave out."""

    def selects(self, name: str, appid: str) -> bool:
        def hit(patterns: list[str]) -> bool:
            return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(appid, p) for p in patterns)

        return hit(self.include) and not hit(self.exclude)


class WaveSpec(SpecModel):
    """One wave: named apps (a canary cohort), a number of apps, or a cumulative percentage of the fleet."""

    name: Annotated[Text, Check(_check_pattern)] | None = None
    """Shown in plans; default: canary for the first wave, else wave-N."""
    apps: Annotated[list[Pattern], SetLike("apps", key=_text_key, keep_order=True, min_items=1)] | None = None
    """These mini-programs (spec names or appids, no globs), e.g. a canary cohort."""
    count: Positive | None = None
    """This many more mini-programs (the next ones in the fleet's fixed order)."""
    percent: Annotated[int, Strict(), Field(ge=1, le=100), WholeNumber] | None = None
    """Cumulative: after this wave, this share of the fleet (rounded up) is in a wave."""
    failure_budget: Count | None = None
    """Failures this wave tolerates (default: the fleet's failure_budget)."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        given = [key for key in ("apps", "count", "percent") if data.get(key) is not None]
        if len(given) != 1:
            where = (given[1],) if len(given) > 1 else ()
            return [(where, "give exactly one of apps, count or percent")]
        apps = data.get("apps")
        if isinstance(apps, list):
            return [(("apps", index), "name apps one by one here (globs belong in fleet.apps)")
                    for index, item in enumerate(apps) if isinstance(item, str) and set(item) & set("*?[")]
        return []


class FleetSpec(SpecModel):
    """One template version released to the platform's mini-programs in waves, within the audit quota."""

    version: Version
    """WeChat's user_version for every mini-program of the fleet (quote it: "1.10" is not 1.1)."""
    description: Text = ""
    """WeChat's user_desc."""
    source: ReleaseSourceSpec
    """template_id (a template in the platform's library) or path (uploaded once, made a template)."""
    audit: AuditSpec = Field(default_factory=AuditSpec)
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)
    """How far each mini-program's release reaches; a wave is released when all its apps reach it."""
    apps: FleetAppsSpec = Field(default_factory=lambda: FleetAppsSpec.model_validate({}))
    waves: Annotated[list[WaveSpec], MinLen(1)]
    hold_minutes: Annotated[int, Strict(), Field(ge=0, le=MAX_HOLD_MINUTES), WholeNumber] = 0
    """After a wave is fully released, wait this long before the next wave starts."""
    failure_budget: Count = 0
    """Failures (rejected audits, refused submissions) a wave tolerates; one more stops the fleet."""
    audit_reserve: Count = 0
    """Monthly audits the fleet never spends: kept for hotfixes of single mini-programs."""
    max_in_flight: Positive = 20
    """Audits of the fleet under review at once (WeChat reviews slowly when flooded)."""
    calls_per_second: Annotated[float, Field(gt=0, le=1000)] = 20.0
    """WeChat API calls per second for the whole platform (shared out between shards)."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        waves = data.get("waves")
        if not isinstance(waves, list):
            return []
        issues: list[Issue] = []
        last = 0
        names: dict[str, int] = {}
        apps: dict[str, int] = {}
        for index, wave in enumerate(waves):
            if not isinstance(wave, dict):
                continue
            percent = wave.get("percent")
            if isinstance(percent, int) and not isinstance(percent, bool):
                if percent < last:
                    issues.append((("waves", index, "percent"),
                                   f"percentages are cumulative: {percent} is below an earlier wave's {last}"))
                last = max(last, percent)
            name = wave.get("name")
            if isinstance(name, str) and name in names:
                issues.append((("waves", index, "name"), f"the same name as waves[{names[name]}]"))
            if isinstance(name, str):
                names.setdefault(name, index)
            listed = wave.get("apps")
            for position, app in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(app, str) and app in apps and apps[app] != index:
                    issues.append((("waves", index, "apps", position), f"{app!r} is already in waves[{apps[app]}]"))
                if isinstance(app, str):
                    apps.setdefault(app, index)
        return issues

    def selects_app(self, name: str, appid: str) -> bool:
        return self.apps.selects(name, appid)

    def release_block(self) -> dict[str, Any]:
        """The release spec every member mini-program gets (a ReleaseSpec's JSON form)."""
        return {
            "version": self.version,
            "description": self.description,
            "source": self.source.model_dump(mode="json", exclude_none=True),
            "audit": self.audit.model_dump(mode="json", exclude_none=True),
            "rollout": self.rollout.model_dump(mode="json", exclude_none=True),
        }

    def wave_names(self) -> list[str]:
        return [wave.name or ("canary" if index == 0 else f"wave-{index + 1}") for index, wave in enumerate(self.waves)]

    def budget_of(self, index: int) -> int:
        budget = self.waves[index].failure_budget
        return self.failure_budget if budget is None else budget
