"""ServerDomains: the six server-domain lists (request, socket, upload, download, udp, tcp).

Live read: `wxa/modify_domain` action=get (platform), or `wxa/getwxadevinfo` (owner token; it
does not list tcp domains). Write: one `wxa/modify_domain` action=set carrying all six lists, so
any number of edits costs one of the 50 modifications WeChat allows a month. A set whose answer is
lost is settled by reading the lists again, never by sending it again (it would cost another).
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets every list empty.

A list WeChat's answer leaves out is unknown, never empty: the plan names it and refuses the set,
which would replace it unseen (an absent `requestdomain` must never plan removing every domain).
"""

from __future__ import annotations

from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, clears_on_delete, unknown
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


def lists(info: Props, names: list[str]) -> Props:
    """The named lists from WeChat's answer, sorted; `unread` names the ones the answer leaves out."""
    live: Props = {name: sorted(info[WIRE[name]]) if isinstance(info.get(WIRE[name]), list) else None
                   for name in names}
    live["unread"] = [name for name in names if live[name] is None]
    return live


class ServerDomainsProvider(WeChatResourceProvider):
    kind = "server_domains"
    spec_model = ServerDomainsSpec
    console_path = "mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名"
    owner_can_read = True

    def read_live(self, ctx: Context) -> Props | None:
        if ctx.mode == "owner":
            info = ctx.client.getwxadevinfo("getserverdomain")
            live = lists(info, [name for name in WIRE if name != "tcp"])
            live["tcp"] = None  # getwxadevinfo does not report tcp domains
            return live
        return lists(ctx.client.get_domains(), list(WIRE))

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = olds["spec"] if olds else None
        unread = [name for name in WIRE if name in ((live or {}).get("unread") or [])]
        for name in unread:
            plan.changes.append(unknown(name, ", ".join(desired[name]) or "no domains"))
        for name in WIRE:
            if live is None or live.get(name) is None:
                continue  # not readable with these credentials (or not in WeChat's answer): nothing to compare
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
        if unread and ctx.mode != "owner":  # owner mode writes nothing: its plan is manual steps
            plan.blocked = (
                f"WeChat's modify_domain (get) answer has no {', '.join(WIRE[name] for name in unread)}: those lists "
                "are unknown (not empty), and a set replaces all six lists, so it would change them unseen. Nothing "
                f"was changed; run again, or compare the lists in {self.console_path}"
            )
        return plan

    def plan_delete(self, outs: Props) -> Plan:
        plan = Plan(self.kind, str(outs.get("appid")))
        if clears_on_delete(outs):
            plan.calls = [set_all({}, "clear all six server-domain lists (on_delete: clear)")]
        return plan


def adopt(ctx: Context) -> Adopted:
    """The six lists as the provider reads them, so `preview` right after shows no change."""
    live = ServerDomainsProvider().read_live(ctx) or {}
    unread = live.pop("unread", None) or []
    owner = ctx.mode == "owner"
    notes = ["tcp: these credentials cannot read tcp domains (getwxadevinfo omits them); left empty"] if owner else []
    notes += [f"{name}: WeChat's answer has no {name} list; left empty"
              for name in unread if not (owner and name == "tcp")]
    return {name: list(values or []) for name, values in live.items()}, notes


class ServerDomains(WeChatResource, module="wechat", name="ServerDomains"):
    """A mini-program's server domains, converged to the spec's six lists."""

    provider_class = ServerDomainsProvider
