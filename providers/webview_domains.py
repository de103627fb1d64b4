"""WebviewDomains: the business (web-view) domains a mini-program's <web-view> may open.

Live read: `wxa/setwebviewdomain` action=get (platform); owner tokens read them through
`wxa/getwxadevinfo` (bizdomain). Write: one `wxa/setwebviewdomain` action=set with the list. A set
whose answer is lost, or that WeChat answers 89019 ("not changed": already as asked), is settled
by reading the list again.
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets the list empty.
"""

from __future__ import annotations

from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, clears_on_delete
from providers._diff import set_changes
from providers._plan import ApiCall, Plan
from providers.models import WebviewDomainsSpec

SET = "/wxa/setwebviewdomain"


def set_list(domains: list[str], summary: str) -> ApiCall:
    return ApiCall(SET, summary, args={"action": "set", "webviewdomain": list(domains)})


class WebviewDomainsProvider(WeChatResourceProvider):
    kind = "webview_domains"
    spec_model = WebviewDomainsSpec
    console_path = "mp.weixin.qq.com → 开发管理 → 开发设置 → 业务域名"
    owner_can_read = True

    def read_live(self, ctx: Context) -> Props | None:
        if ctx.mode == "owner":
            return {"domains": sorted(ctx.client.getwxadevinfo("getbizdomain").get("bizdomain") or [])}
        return {"domains": sorted(ctx.client.get_webview_domains())}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:
            return plan  # not readable with these credentials (owner tokens can read it: never here)
        last = olds["spec"]["domains"] if olds else None
        plan.changes = set_changes("domains", live["domains"], desired["domains"], last)
        if not plan.changes:
            return plan
        removed = [change.old for change in plan.changes if change.op == "remove"]
        if removed:
            plan.warnings.append(f"removing {', '.join(removed)}: <web-view> pages on them stop opening")
        plan.calls = [set_list(desired["domains"], f"set the web-view domain list ({len(desired['domains'])} domains)")]
        return plan

    def plan_delete(self, outs: Props) -> Plan:
        plan = Plan(self.kind, str(outs.get("appid")))
        if clears_on_delete(outs):
            plan.calls = [set_list([], "clear the web-view domain list (on_delete: clear)")]
        return plan


def adopt(ctx: Context) -> Adopted:
    """The list as the provider reads it, so `preview` right after shows no change."""
    return WebviewDomainsProvider().read_live(ctx), []


class WebviewDomains(WeChatResource, module="wechat", name="WebviewDomains"):
    """A mini-program's business (web-view) domains, converged to the spec's list."""

    provider_class = WebviewDomainsProvider
