"""Representative plans, each computed by the real providers from a live state and old outputs.

Every `Plan` here comes out of a provider's own `plan()` (or `observe()`, for owner mode), the code
`diff()` and `up` run, fed a live state as `read_live` shapes it; nothing is typed in by hand. So the
golden files show what a reviewer would really read, and they change when a provider's plan does
(`UPDATE_GOLDEN=1 pytest tests/unit/plan`). The e2e fidelity tests check the same providers against
real `up`s and the emulator's call log.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from providers._base import WeChatResourceProvider
from providers._plan import Plan
from providers._settings import Settings
from providers.categories import CategoriesProvider
from providers.developers import DevelopersProvider
from providers.platform_server_domains import PlatformServerDomainsProvider
from providers.preflight import BLOCK, Finding, Report
from providers.preflight.checks_release import audit_quota
from providers.preflight.facts import Facts
from providers.profile import ProfileProvider
from providers.registry import child_name
from providers.release_live import snapshot
from providers.release_phases import decide
from providers.server_domains import ServerDomainsProvider
from providers.testers import TestersProvider
from providers.webview_domains import WebviewDomainsProvider
from runner.plan import working_dir
from runner.plan_model import PLATFORM_LEVEL, AppReport, PlanReport, ResourceReport

PROJECT = Path(__file__).resolve().parents[3]
SHOP, OWNER, PLATFORM = "wx2222222222222222", "wx3333333333333333", "wx1111111111111111"
EMPTY = {"request": [], "socket": [], "upload": [], "download": [], "udp": [], "tcp": []}
SHOP_DOMAINS = {**EMPTY, "request": ["https://api.shop.example.com"], "socket": ["wss://ws.shop.example.com"]}
INTRO = "演示商城小程序，提供商品浏览与下单服务"
NEW_INTRO = "一个演示用的小商城，售卖示例商品"
URL = "http://wx.qlogo.cn/mmhead/demo-shop/0"
TEMPLATE_2 = {"user_version": "1.1.0", "user_desc": "cart and coupons", "create_time": 1764547200}


def planned(provider_class: type[WeChatResourceProvider], desired: Any, live: Any, olds: Any = None,
            appid: str = SHOP, mode: str = "platform") -> Plan:
    """The provider's plan through `observe()`, with `live` standing in for its read (no I/O)."""
    provider = provider_class()
    provider._settings = Settings("http://127.0.0.1:1", {})
    props = {"appid": appid, "credentials": {"mode": mode}, "spec": desired}
    ctx = provider.context(props)
    if live is not None:
        read: Future[Any] = Future()
        read.set_result(live)
        ctx.prefetched = read
    with working_dir(PROJECT):  # spec paths (the avatar) are relative to the project, as in the program
        plan, _live = provider.observe(ctx, props, olds)
    return plan


def release_plan(desired: dict[str, Any], live: dict[str, Any] | None, olds: Any = None, appid: str = SHOP) -> Plan:
    spec = {"version": "1.1.0", "source": {"template_id": 2}, "audit": {}, "allow_withdraw": False,
            "wait_for_audit_minutes": 0,
            "rollout": {"gray_percentage": 100, "support_debuger_first": False, "support_experiencer_first": False},
            **desired}
    return decide(appid, spec, live, olds)


def profile_live(signature: str = INTRO, nickname: str = "Demo Shop", used: int = 0) -> dict[str, Any]:
    quota = {"used": used, "quota": 5}
    return {"nickname": nickname, "signature": signature, "head_image_url": URL,
            "quota": {"signature": quota, "nickname": {"used": 0, "quota": 2}, "avatar": quota}}


def report(*apps: AppReport, engine: dict[str, int] | None = None) -> PlanReport:
    return PlanReport(stack="dev", project="wechat-iac", backend="file://.state/backend", apps=list(apps),
                      engine_counts=engine or {}, commit="0123456789abcdef0123")


def shop(*resources: ResourceReport) -> AppReport:
    return AppReport("demo-shop", SHOP, "platform", list(resources))


def resource(block: str, op: str, plan: Plan, app: str = "demo-shop", **extra: Any) -> ResourceReport:
    return ResourceReport(child_name(app, block), block, op, plan, **extra)


def same(block: str, plan: Plan | None = None) -> ResourceReport:
    return resource(block, "same", plan or Plan(block, SHOP))


def no_changes() -> PlanReport:
    servers = planned(ServerDomainsProvider, {**SHOP_DOMAINS, "on_delete": "forget"}, SHOP_DOMAINS,
                      {"spec": {**SHOP_DOMAINS, "on_delete": "forget"}})
    profile = planned(ProfileProvider, {"signature": INTRO}, profile_live(), {"spec": {"signature": INTRO}})
    assert not servers.has_changes and not profile.has_changes
    return report(shop(same("server_domains", servers), same("profile", profile)), engine={"same": 4})


def drift() -> PlanReport:
    declared = {**SHOP_DOMAINS, "request": ["https://api.shop.example.com", "https://api2.shop.example.com"],
                "download": ["https://img.shop.example.com"], "on_delete": "forget"}
    last = {**declared, "download": []}
    live = {**SHOP_DOMAINS, "request": ["https://api.shop.example.com", "https://evil.example.com"]}
    servers = planned(ServerDomainsProvider, declared, live, {"spec": last})
    webview = planned(WebviewDomainsProvider, {"domains": [], "on_delete": "forget"},
                      {"domains": ["https://promo.example.com"]}, {"spec": {"domains": [], "on_delete": "forget"}})
    profile = planned(ProfileProvider, {"signature": NEW_INTRO}, profile_live("控制台里改过的介绍文字", used=2),
                      {"spec": {"signature": NEW_INTRO}})
    testers = planned(TestersProvider, {"members": ["alice_wx"], "authoritative": False},
                      {"userstrs": ["u-alice", "u-console-mallory"]},
                      {"spec": {"members": ["alice_wx"]}, "userstrs": {"alice_wx": "u-alice"}})
    return report(shop(
        resource("server_domains", "update", servers), resource("webview_domains", "update", webview),
        resource("profile", "update", profile), same("testers", testers), same("categories"),
    ), engine={"same": 3, "update": 3})


def first_release() -> PlanReport:
    servers = planned(ServerDomainsProvider, {**SHOP_DOMAINS, "request": SHOP_DOMAINS["request"] + [
        "https://api2.shop.example.com"], "on_delete": "forget"}, SHOP_DOMAINS)
    webview = planned(WebviewDomainsProvider, {"domains": ["https://h5.shop.example.com"], "on_delete": "forget"},
                      {"domains": ["https://h5.shop.example.com"]})
    live = {**snapshot({"release_info": {"release_version": "0.9.0"}}, None, None), "quota": {"rest": 20, "limit": 20},
            "history": [], "source": {"template_id": 2, "template": TEMPLATE_2}}
    release = release_plan({"description": "Cart and coupons"}, live)
    return report(shop(
        resource("server_domains", "create", servers), resource("webview_domains", "create", webview),
        resource("release", "create", release),
    ), engine={"create": 5})


def gray_step() -> PlanReport:
    rollout = {"gray_percentage": 50, "support_debuger_first": False, "support_experiencer_first": True}
    live = snapshot({"release_info": {"release_version": "0.9.0"}},
                    {"auditid": 420000001, "status": 0, "user_version": "1.1.0"},
                    {"status": 1, "gray_percentage": 10})
    release = release_plan({"rollout": rollout}, {**live, "history": []})
    return report(shop(same("server_domains"), resource("release", "update", release)),
                  engine={"same": 3, "update": 1})


def rejection_pending() -> PlanReport:
    live = snapshot({"exp_info": {"exp_version": "1.2.0"}, "release_info": {"release_version": "1.1.0"}},
                    {"auditid": 4242, "status": 1, "user_version": "1.2.0", "reason": "页面存在空白页",
                     "screenshot": "shot-1|shot-2"}, None)
    release = release_plan({"version": "1.2.0"}, {**live, "history": []})
    gone = resource("webview_domains", "delete", Plan("webview_domains", SHOP),
                    note="Will be removed from Pulumi state; WeChat keeps it as it is (`on_delete: forget`).")
    return report(shop(same("server_domains"), resource("release", "update", release), gone),
                  engine={"delete": 1, "same": 3, "update": 1})


def source_folder_release() -> PlanReport:
    """A release from a project folder: the upload and addtotemplate are planned calls before the commit."""
    upload = {"appid": "wx4444444444444444", "version": "2.0.0", "desc": "new checkout", "robot": 1,
              "project": "miniprogram", "sha256": "9f2c" * 16, "bytes": 48_213}
    source = {"template_id": None, "draft_id": None, "upload": upload, "uploader": "miniprogram-ci",
              "ci_version": "2.1.14"}
    live = {**snapshot({"release_info": {"release_version": "1.1.0"}}, None, None), "quota": {"rest": 19, "limit": 20},
            "history": [], "source": source}
    spec = {"version": "2.0.0", "description": "new checkout", "source": {"path": "miniprogram"}}
    release = release_plan(spec, live)
    return report(shop(same("server_domains"), resource("release", "update", release)), engine={"same": 3, "update": 1})


def foreign_gray() -> PlanReport:
    """2.1.0 rolls out to 20% (started before 2.2.0 was submitted); 2.2.0 is approved: the live column says so."""
    versions = {"release_info": {"release_version": "2.0.0"}, "exp_info": {"exp_version": "2.2.0", "exp_time": 150}}
    live = {**snapshot(versions, {"auditid": 9, "status": 0, "user_version": "2.2.0", "submit_audit_time": 200},
                       {"status": 1, "gray_percentage": 20, "create_timestamp": 100}),
            "quota": {"rest": 20, "limit": 20}, "history": []}
    olds = {"phase": "released", "version": "2.1.0", "gray_percentage": 20}
    release = release_plan({"version": "2.2.0"}, live, olds)
    return report(shop(resource("release", "update", release)), engine={"same": 2, "update": 1})


def owner_mode() -> PlanReport:
    def owned(provider_class: type[WeChatResourceProvider], desired: Any, live: Any = None,
              olds: Any = None) -> Plan:
        return planned(provider_class, desired, live, olds, appid=OWNER, mode="owner")

    declared = {**EMPTY, "request": ["https://api.owner.example.com"], "on_delete": "forget"}
    servers = owned(ServerDomainsProvider, declared, {**EMPTY, "tcp": None}, {"spec": declared})
    testers = owned(TestersProvider, {"members": ["alice_wx"], "authoritative": False}, None,
                    {"spec": {"members": ["alice_wx"]}})
    profile = owned(ProfileProvider, {"signature": NEW_INTRO}, None, {"spec": {"signature": NEW_INTRO}})
    categories = owned(CategoriesProvider, [{"first": 287, "second": 616}])
    developers = owned(DevelopersProvider, [{"wechat_id": "carol_wx", "roles": ["developer"]}])
    release = release_plan({"version": "1.0.0", "source": {"path": "../miniprogram"}}, None, appid=OWNER)
    owner = AppReport("demo-owner", OWNER, "owner", [
        resource("server_domains", "same", servers, "demo-owner"),
        resource("testers", "same", testers, "demo-owner"),
        resource("profile", "same", profile, "demo-owner"),
        resource("categories", "create", categories, "demo-owner"),
        resource("developers", "create", developers, "demo-owner"),
        resource("release", "create", release, "demo-owner"),
    ])
    return report(shop(same("server_domains")), owner, engine={"create": 2, "same": 4})


def platform_change() -> PlanReport:
    """A platform spec grows its published server list (one `set`, the monthly quota shown) while the
    stack's preflight finds the audit quota nearly spent (⚠) and a missing stack config key (⛔)."""
    hosts = ["api.shop.example.com", "ws.shop.example.com"]
    lists = planned(PlatformServerDomainsProvider, {"published": [*hosts, "new.shop.example.com"]},
                    {"published": hosts, "testing": hosts}, {"spec": {"published": hosts}}, appid=PLATFORM,
                    mode="component")
    platform = AppReport("partner", PLATFORM, PLATFORM_LEVEL,
                         [resource("platform_server_domains", "update", lists, "partner")])
    facts = Facts()
    facts.put("quota", {"rest": 2, "limit": 20, "speedup_rest": 1})
    findings = audit_quota(PLATFORM, "partner", facts, submissions=1, reserve=2)
    local = Finding("credentials", BLOCK, SHOP, "demo-shop", "stack config key 'demoShopRefreshToken' (the "
                    "authorizer refresh token) is not set", fix="run: pulumi config set --secret demoShopRefreshToken "
                    "<value>", where="specs/demo-shop.yaml: credentials.refresh_token_config")
    plan_report = report(platform, shop(same("server_domains")), engine={"update": 1, "same": 3})
    plan_report.preflight = Report([local, *findings]).to_dict()
    return plan_report


SCENARIOS = {
    "no_changes": no_changes,
    "drift": drift,
    "first_release": first_release,
    "gray_step": gray_step,
    "rejection_pending": rejection_pending,
    "owner_mode": owner_mode,
    "source_folder_release": source_folder_release,
    "foreign_gray": foreign_gray,
    "platform_change": platform_change,
}
