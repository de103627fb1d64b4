"""ServerDomains: the six server-domain lists (request, socket, upload, download, udp, tcp).

Live read: `wxa/modify_domain` action=get (platform), or `wxa/getwxadevinfo` (owner token; it
does not list tcp domains). Write: one `wxa/modify_domain` action=set carrying all six lists, so
any number of edits costs one of the 50 modifications WeChat allows a month. A set whose answer is
lost is settled by reading the lists again, never by sending it again (it would cost another).
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets every list empty.
"""

from __future__ import annotations

from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, clears_on_delete
from providers._diff import set_changes
from providers._plan import ApiCall, Plan
from providers.models import ServerDomainsSpec
from providers.models.domains import SERVER_DOMAIN_WIRE as WIRE

SET = "/wxa/modify_domain"
MONTHLY_CHANGES = 50
QUOTA = f"1 of the {MONTHLY_CHANGES} server-domain modifications WeChat allows a month"


def set_all(lists: Props, summary: str) -> ApiCall:
    """`modify_domain` action=set with the six lists, as WeChat names them."""
    args = {"action": "set", **{wire: list(lists.get(name) or []) for name, wire in WIRE.items()}}
    return ApiCall(SET, summary, QUOTA, args=args)


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
        for name in WIRE:
            if live is None or live.get(name) is None:
                continue  # not readable with these credentials: nothing to compare against
            previous = last.get(name) if last else None
            plan.changes += set_changes(name, live[name], desired[name], previous)
        if not plan.changes:
            return plan
        removed = [change.old for change in plan.changes if change.op == "remove"]
        if removed:
            plan.warnings.append(
                f"removing {', '.join(removed)}: the released version stops reaching these servers at once"
            )
        total = sum(len(desired[name]) for name in WIRE)
        plan.calls = [set_all(desired, f"set all six server-domain lists ({total} domains)")]
        return plan

    def plan_delete(self, outs: Props) -> Plan:
        plan = Plan(self.kind, str(outs.get("appid")))
        if clears_on_delete(outs):
            plan.calls = [set_all({}, "clear all six server-domain lists (on_delete: clear)")]
        return plan


def adopt(ctx: Context) -> Adopted:
    """The six lists as the provider reads them, so `preview` right after shows no change."""
    live = ServerDomainsProvider().read_live(ctx) or {}
    notes = ["tcp: these credentials cannot read tcp domains (getwxadevinfo omits them); left empty"] \
        if live.get("tcp") is None else []
    return {name: list(values or []) for name, values in live.items()}, notes


class ServerDomains(WeChatResource, module="wechat", name="ServerDomains"):
    """A mini-program's server domains, converged to the spec's six lists."""

    provider_class = ServerDomainsProvider
