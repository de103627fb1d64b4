"""Developers: project members (项目成员) and their roles, as a checklist for the admin.

Live read: none exists. Write: none exists. WeChat has no HTTP API that lists or changes project
members (reference §3.3); `miniprogram-mp-ci` can only request a change, which the admin must still
confirm in WeChat, and nothing can list them. So this resource never calls WeChat, with any
credentials: it records the declared roster (outputs `spec` and `roster`, WeChat id -> roles). Since
nothing can show the live roster, every plan lists each declared member against "unknown" as a
manual step ("make sure carol_wx is a project member with developer"), and a member dropped from
the spec since the last `up` as a step to remove them. `up` does none of it and never says it did:
outputs keep the `manual_steps`, and the printed summary calls them a checklist. Manual steps alone
never make `up` update the resource. Delete: forgets the roster; nobody loses a role.
"""

from __future__ import annotations

from typing import Any

from providers._base import MANUAL, Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._diff import set_changes
from providers._executor import Run
from providers._plan import Change, ManualStep, Plan
from providers.models import DevelopersSpec

ROLES = {
    "developer": "developer (开发者)",
    "operator": "operator (运营者)",
    "data_analyst": "data analyst (数据分析者)",
}
WHY = "WeChat has no API for project members; the admin confirms each change in WeChat (公众平台安全助手)"


def roster(spec: Props) -> dict[str, list[str]]:
    """WeChat id -> roles, from a normalized spec."""
    return {member["wechat_id"]: sorted(member["roles"]) for member in spec["members"]}


def roles_text(roles: list[str]) -> str:
    return ", ".join(ROLES.get(role, role) for role in roles)


class DevelopersProvider(WeChatResourceProvider):
    kind = "developers"
    spec_model = DevelopersSpec
    console_path = "mp.weixin.qq.com → 管理 → 成员管理 → 项目成员"
    platform_only = False  # nothing is written with any credentials: the checklist is the same
    has_api = False  # nothing can read or write project members: no token is ever needed

    def normalize(self, spec: Any) -> dict[str, Any]:
        """The spec block is a list; state keeps it as `{"members": [...]}` like every other block."""
        members = spec["members"] if isinstance(spec, dict) and "members" in spec else spec
        return {"members": DevelopersSpec.model_validate(members).normalised()}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        now = roster(desired)
        spelled = {wechat_id.casefold(): wechat_id for wechat_id in now}
        before = {spelled.get(w.casefold(), w): roles for w, roles in roster(olds["spec"]).items()} if olds else {}
        where = f"in {self.console_path}"
        for change in set_changes("members", list(before), list(now)):
            if change.op == "remove":
                plan.changes.append(Change("members", "remove", old=f"{change.old} ({', '.join(before[change.old])})",
                                           after=MANUAL))
                plan.manual.append(ManualStep(f"{where}: remove {change.old} from the project members", WHY))
        for wechat_id, roles in now.items():
            plan.changes.append(unknown("members", f"{wechat_id} ({', '.join(roles)})", "add"))
            plan.manual.append(
                ManualStep(f"{where}: make sure {wechat_id} is a project member with {roles_text(roles)}", WHY)
            )
        if plan.manual:
            plan.warnings.append(
                f"a checklist of {len(plan.manual)} manual step(s) for the admin, not done by `pulumi up`: it "
                "records the roster declared here and cannot check or change WeChat's"
            )
        return plan

    def record(self, run: Run, desired: Props, olds: Props | None) -> Props:
        """Output `roster` (WeChat id -> roles): the roster declared now."""
        return {"roster": roster(desired)}


def adopt(ctx: Context) -> Adopted:
    """Never a block: WeChat has no API that lists project members."""
    return None, ["developers: not adopted: WeChat has no API that lists project members"]


class Developers(WeChatResource, module="wechat", name="Developers"):
    """A mini-program's project members: a checklist for the admin, recorded, never applied."""

    provider_class = DevelopersProvider
