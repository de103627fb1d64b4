"""WebviewDomains: the business (web-view) domains a mini-program's <web-view> may open.

Live read: `wxa/setwebviewdomain` action=get (platform); owner tokens read them through
`wxa/getwxadevinfo` (bizdomain). Write: one `wxa/setwebviewdomain` action=set with the list.
Delete: `on_delete: forget` (default) leaves WeChat as it is; `clear` sets the list empty.
"""

from __future__ import annotations

from typing import Any

from providers._base import Context, Props, WeChatResource, WeChatResourceProvider, single_call
from providers._diff import set_changes
from providers._plan import Plan
from providers.models import WebviewDomainsSpec
from wechat import APIError

NOT_CHANGED = 89019  # "webview domain not change"


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
        last = olds["spec"]["domains"] if olds else None
        baseline = live["domains"] if live is not None else (last or [])
        plan.changes = set_changes("domains", baseline, desired["domains"], last)
        if not plan.changes:
            return plan
        removed = [change.old for change in plan.changes if change.op == "remove"]
        if removed:
            plan.warnings.append(f"removing {', '.join(removed)}: <web-view> pages on them stop opening")
        plan.calls = single_call(
            "/wxa/setwebviewdomain", f"set the web-view domain list ({len(desired['domains'])} domains)"
        )
        return plan

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        try:
            ctx.client.set_webview_domains("set", desired["domains"])
        except APIError as error:
            # a set retried after a lost answer finds the list already as asked: that is success
            if error.errcode != NOT_CHANGED:
                raise
        return {}

    def forget_or_clear(self, ctx: Context, outs: dict[str, Any]) -> None:
        if outs.get("spec", {}).get("on_delete") == "clear" and ctx.mode != "owner":
            ctx.client.set_webview_domains("set", [])


class WebviewDomains(WeChatResource, module="wechat", name="WebviewDomains"):
    """A mini-program's business (web-view) domains, converged to the spec's list."""

    provider_class = WebviewDomainsProvider
