"""ServerDomains: the six server-domain lists (request, socket, upload, download, udp, tcp).

Live read: `wxa/modify_domain` action=get (platform), or `wxa/getwxadevinfo` (owner token; it
does not list tcp domains). Write: one `wxa/modify_domain` action=set carrying all six lists, so
any number of edits costs one of the 50 modifications WeChat allows a month.
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets every list empty.
"""

from __future__ import annotations

from typing import Any

from providers._base import Context, Props, WeChatResource, WeChatResourceProvider, single_call
from providers._diff import set_changes
from providers._plan import Plan
from providers.models import ServerDomainsSpec
from providers.models.domains import SERVER_DOMAIN_WIRE as WIRE

MONTHLY_CHANGES = 50


class ServerDomainsProvider(WeChatResourceProvider):
    kind = "server_domains"
    spec_model = ServerDomainsSpec
    console_path = "mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名"
    owner_can_read = True

    def read_live(self, ctx: Context) -> Props | None:
        if ctx.mode == "owner":
            info = ctx.client.getwxadevinfo("getserverdomain")
            live: Props = {name: sorted(info.get(wire) or []) for name, wire in WIRE.items() if name != "tcp"}
            live["tcp"] = None  # getwxadevinfo does not report tcp domains
            return live
        info = ctx.client.get_domains()
        return {name: sorted(info.get(wire) or []) for name, wire in WIRE.items()}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = olds["spec"] if olds else None
        baseline = live if live is not None else (last or {})
        for name in WIRE:
            if baseline.get(name) is None and live is not None:
                continue  # not readable with these credentials; nothing to compare against
            previous = last.get(name) if last else None
            plan.changes += set_changes(name, baseline.get(name) or [], desired[name], previous)
        if not plan.changes:
            return plan
        removed = [change.old for change in plan.changes if change.op == "remove"]
        if removed:
            plan.warnings.append(
                f"removing {', '.join(removed)}: the released version stops reaching these servers at once"
            )
        total = sum(len(desired[name]) for name in WIRE)
        plan.calls = single_call(
            "/wxa/modify_domain",
            f"set all six server-domain lists ({total} domains)",
            quota=f"1 of the {MONTHLY_CHANGES} server-domain modifications WeChat allows a month",
        )
        return plan

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        ctx.client.modify_domain("set", **{wire: desired[name] for name, wire in WIRE.items()})
        return {}

    def forget_or_clear(self, ctx: Context, outs: dict[str, Any]) -> None:
        if outs.get("spec", {}).get("on_delete") == "clear" and ctx.mode != "owner":
            ctx.client.modify_domain("set", **{wire: [] for wire in WIRE.values()})


class ServerDomains(WeChatResource, module="wechat", name="ServerDomains"):
    """A mini-program's server domains, converged to the spec's six lists."""

    provider_class = ServerDomainsProvider
