"""Representative plans built from `Plan` objects, as the providers would compute them.

They are hand-made on purpose: the golden files test the renderer alone, fast, and stay stable
while providers evolve (the e2e fidelity tests check real providers against real `up`s).
"""

from __future__ import annotations

from providers._plan import ApiCall, Change, ManualStep, Plan
from runner.plan_model import AppReport, PlanReport, ResourceReport

SHOP, OWNER = "wx2222222222222222", "wx3333333333333333"
DOMAIN_QUOTA = "1 of the 50 server-domain modifications WeChat allows a month"
AUDIT_TAKES = "WeChat's audit takes 1-7 days (an expedited one 2-12 hours)"
NEEDS_PLATFORM = (
    "owner credentials cannot do this: WeChat allows it only to an authorized third-party platform "
    "(errcode 48001 otherwise)"
)


def report(*apps: AppReport, engine: dict[str, int] | None = None) -> PlanReport:
    return PlanReport(stack="dev", project="wechat-iac", backend="file://.state/backend", apps=list(apps),
                      engine_counts=engine or {}, commit="0123456789abcdef0123")


def shop(*resources: ResourceReport, unplanned: tuple[str, ...] = ("testers", "developers")) -> AppReport:
    return AppReport("demo-shop", SHOP, "platform", list(resources), list(unplanned))


def same(block: str, appid: str = SHOP, app: str = "demo-shop") -> ResourceReport:
    return ResourceReport(f"{app}-{block.replace('_', '-')}", block, "same", Plan(block, appid))


def no_changes() -> PlanReport:
    return report(shop(same("server_domains"), same("webview_domains"), same("profile")), engine={"same": 5})


def drift() -> PlanReport:
    servers = Plan("server_domains", SHOP, changes=[
        Change("request", "add", new="https://api2.shop.example.com", drift=True),
        Change("request", "remove", old="https://evil.example.com", drift=True),
        Change("download", "add", new="https://img.shop.example.com"),
    ], calls=[ApiCall("/wxa/modify_domain", "set all six server-domain lists (6 domains)", DOMAIN_QUOTA)],
        warnings=["removing https://evil.example.com: the released version stops reaching these servers at once"])
    webview = Plan("webview_domains", SHOP, changes=[
        Change("domains", "remove", old="https://promo.example.com", drift=True),
    ], calls=[ApiCall("/wxa/setwebviewdomain", "set the web-view domain list (1 domains)")],
        warnings=["removing https://promo.example.com: <web-view> pages on them stop opening"])
    profile = Plan("profile", SHOP, changes=[
        Change("signature", "update", old="控制台里改过的介绍文字", new="一个演示用的小商城，售卖示例商品", drift=True),
    ], calls=[ApiCall("/cgi-bin/account/modifysignature", "set the intro to '一个演示用的小商城，售卖示例商品'",
                      "1 of the 5 intro changes WeChat allows this month; 3 left before this one")])
    return report(shop(
        ResourceReport("demo-shop-server-domains", "server_domains", "update", servers),
        ResourceReport("demo-shop-webview-domains", "webview_domains", "update", webview),
        ResourceReport("demo-shop-profile", "profile", "update", profile),
        same("categories"),
    ), engine={"same": 3, "update": 3})


def first_release() -> PlanReport:
    release = Plan("release", SHOP, changes=[
        Change("phase", "update", old="absent; live: 0.9.0", new="released(1.1.0, 100%)"),
    ], calls=[
        ApiCall("/wxa/commit", "commit 1.1.0 from template 2 as the experience version"),
        ApiCall("/wxa/submit_audit", "submit 1.1.0 for audit",
                "1 of 20 monthly audits, 20 left (shared by the whole platform)"),
    ], warnings=[
        f"submitting 1.1.0 for audit costs 1 of 20 monthly audits, 20 left (shared by the whole platform); "
        f"{AUDIT_TAKES}",
        "this `up` does not wait for the audit (wait_for_audit_minutes: 0): the next `up` after the approval "
        "releases 1.1.0",
    ])
    servers = Plan("server_domains", SHOP, changes=[
        Change("request", "add", new="https://api2.shop.example.com"),
    ], calls=[ApiCall("/wxa/modify_domain", "set all six server-domain lists (6 domains)", DOMAIN_QUOTA)])
    return report(shop(
        ResourceReport("demo-shop-server-domains", "server_domains", "create", servers),
        ResourceReport("demo-shop-webview-domains", "webview_domains", "create", Plan("webview_domains", SHOP)),
        ResourceReport("demo-shop-release", "release", "create", release),
    ), engine={"create": 5})


def gray_step() -> PlanReport:
    release = Plan("release", SHOP, changes=[
        Change("phase", "update", old="released(1.1.0, 10%)", new="released(1.1.0, 50%)"),
    ], calls=[ApiCall("/wxa/grayrelease", "gray-release 1.1.0 to 50% of users, support_experiencer_first")],
        warnings=["1.1.0 goes live for 50% of users (replacing 0.9.0 for them); a gray rollout can only widen: "
                  "lowering it later cancels it first"])
    return report(shop(same("server_domains"), ResourceReport("demo-shop-release", "release", "update", release)),
                  engine={"same": 3, "update": 1})


def rejection_pending() -> PlanReport:
    release = Plan("release", SHOP, changes=[
        Change("phase", "update", old="rejected(1.2.0, audit 4242: 页面存在空白页); live: 1.1.0",
               new="released(1.2.0, 100%)"),
    ], blocked=("WeChat rejected version 1.2.0 (audit 4242): 页面存在空白页. Screenshots (media ids, fetch them "
                "with cgi-bin/media/get): shot-1, shot-2. Fix the problem and declare a new version; the next `up` "
                "commits and submits it."))
    gone = ResourceReport("demo-shop-webview-domains", "webview_domains", "delete", Plan("webview_domains", SHOP),
                          note="Will be removed from Pulumi state; WeChat keeps it as it is (`on_delete: forget`).")
    return report(shop(same("server_domains"), ResourceReport("demo-shop-release", "release", "update", release),
                       gone), engine={"delete": 1, "same": 3, "update": 1})


def owner_mode() -> PlanReport:
    servers = Plan("server_domains", OWNER, changes=[
        Change("request", "add", new="https://api.owner.example.com"),
    ], manual=[ManualStep("in mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名: + request: "
                          "https://api.owner.example.com", NEEDS_PLATFORM)],
        warnings=[])
    release = Plan("release", OWNER, changes=[
        Change("phase", "update", old="unknown (these credentials cannot read it)", new="released(1.0.0, 100%)"),
        Change("upload", "add", new="../miniprogram as 1.0.0 (miniprogram-ci)"),
    ], manual=[
        ManualStep("in mp.weixin.qq.com → 管理 → 版本管理: make the development version 1.0.0 (uploaded with "
                   "miniprogram-ci) the experience version", NEEDS_PLATFORM),
        ManualStep("in mp.weixin.qq.com → 管理 → 版本管理: submit 1.0.0 for audit", NEEDS_PLATFORM),
        ManualStep("in mp.weixin.qq.com → 管理 → 版本管理: release 1.0.0", NEEDS_PLATFORM),
    ], warnings=[AUDIT_TAKES])
    developers = Plan("developers", OWNER, manual=[
        ManualStep("in mp.weixin.qq.com → 管理 → 成员管理: add carol_wx as developer", "WeChat has no API for "
                   "project members"),
    ])
    owner = AppReport("demo-owner", OWNER, "owner", [
        ResourceReport("demo-owner-server-domains", "server_domains", "update", servers),
        ResourceReport("demo-owner-developers", "developers", "create", developers),
        ResourceReport("demo-owner-release", "release", "create", release),
    ])
    return report(shop(same("server_domains"), unplanned=()), owner, engine={"create": 2, "same": 3, "update": 1})


SCENARIOS = {
    "no_changes": no_changes,
    "drift": drift,
    "first_release": first_release,
    "gray_step": gray_step,
    "rejection_pending": rejection_pending,
    "owner_mode": owner_mode,
}
