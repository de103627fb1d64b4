"""WebviewDomains: the business (web-view) domains a mini-program's <web-view> may open.

Live read: `wxa/setwebviewdomain` action=get (platform); owner tokens read them through
`wxa/getwxadevinfo` (bizdomain). Write: one `wxa/setwebviewdomain` action=set with the list. A set
whose answer is lost, or that WeChat answers 89019 ("not changed": already as asked), is settled
by reading the list again.
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets the list empty.

An answer without the list (`webviewdomain` / `bizdomain`) leaves it unknown, never empty: the plan
says so and refuses the set, which would replace the list unseen.
"""

from __future__ import annotations

from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, clears_on_delete, unknown
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
            domains = ctx.client.getwxadevinfo("getbizdomain").get("bizdomain")
            domains = domains if isinstance(domains, list) else None
        else:
            domains = ctx.client.get_webview_domains()
        return {"domains": None if domains is None else sorted(domains)}  # None: not in WeChat's answer

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:
            return plan  # not readable with these credentials (owner tokens can read it: never here)
        if live["domains"] is None:
            plan.changes = [unknown("domains", ", ".join(desired["domains"]) or "no domains")]
            plan.calls = [set_list(desired["domains"], "set the web-view domain list")]
            if ctx.mode != "owner":  # owner mode writes nothing: its plan is manual steps
                plan.blocked = (
                    "WeChat's answer has no web-view domain list (webviewdomain / bizdomain): it is unknown (not "
                    "empty), and a set replaces it unseen. Nothing was changed; run again, or compare the list in "
                    f"{self.console_path}"
                )
            return plan
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
    live = WebviewDomainsProvider().read_live(ctx)
    if live is not None and live["domains"] is None:
        return None, ["webview_domains: not adopted: WeChat's answer has no webviewdomain list"]
    return live, []


class WebviewDomains(WeChatResource, module="wechat", name="WebviewDomains"):
    """A mini-program's business (web-view) domains, converged to the spec's list."""

    provider_class = WebviewDomainsProvider
