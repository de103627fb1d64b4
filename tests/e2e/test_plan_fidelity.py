"""Plan fidelity: for each scenario the reviewers' plan is computed, `up` runs with the real Pulumi
CLI, and the emulator's call log must show exactly the WeChat writes the plan listed (same paths,
same number of each). Reads are told apart by what they are (see `test_plan_support.is_read`)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorControl
from providers.registry import RESOURCES
from runner.env import PROJECT_DIR
from runner.render import render

from .test_plan_support import (
    APP,
    OWNER,
    OWNER_APP,
    OWNER_SECRET,
    PLATFORM,
    PLATFORM_APPID,
    is_read,
    made_writes,
    plan,
    spec_text,
    up_matches_plan,
    write_spec,
)

pytestmark = pytest.mark.e2e

DOMAINS = {"request": ["https://api.shop.example.com", "https://api2.shop.example.com"],
           "socket": ["wss://ws.shop.example.com"], "upload": ["https://upload.shop.example.com"],
           "download": ["https://cdn.shop.example.com"]}
WEBVIEW = {"domains": ["https://h5.shop.example.com"]}


def items(report: Any, block: str) -> list[tuple[str, str, Any, bool]]:
    found = [resource for _app, resource in report.resources() if resource.block == block]
    assert len(found) == 1, [resource.name for _app, resource in report.resources()]
    return [(change.op, change.field, change.new if change.op != "remove" else change.old, change.drift)
            for change in found[0].plan.changes]


def test_the_read_set_is_what_it_says() -> None:
    assert is_read({"path": "/wxa/modify_domain", "body": {"action": "get"}})
    assert not is_read({"path": "/wxa/modify_domain", "body": {"action": "set"}})
    assert is_read({"path": "/wxa/setwebviewdomain", "body": {"action": "get"}})
    assert is_read({"path": "/wxa/revertcoderelease", "query": {"action": "get_history_version"}})
    assert not is_read({"path": "/wxa/revertcoderelease", "query": {}})
    assert is_read({"path": "/cgi-bin/component/modify_wxa_server_domain", "body": {"action": "get"}})
    assert not is_read({"path": "/cgi-bin/component/modify_wxa_jump_domain", "body": {"action": "set"}})
    for read in ("/wxa/memberauth", "/cgi-bin/account/getaccountbasicinfo", "/wxa/get_latest_auditstatus",
                 "/wxa/queryquota", "/cgi-bin/component/api_authorizer_token", "/cgi-bin/stable_token",
                 "/cgi-bin/component/api_get_authorizer_info", "/wxa/icp/get_icp_entrance_info",
                 "/cgi-bin/wxopen/qrcodejumpget"):
        assert is_read({"path": read, "body": {}}), read
    for write in ("/wxa/commit", "/wxa/submit_audit", "/cgi-bin/media/upload", "/wxa/bind_tester",
                  "/cgi-bin/component/setprivacysetting", "/wxa/undocodeaudit", "/cgi-bin/wxopen/qrcodejumpadd",
                  "/cgi-bin/wxopen/qrcodejumppublish", "/cgi-bin/wxopen/qrcodejumpdelete"):
        assert not is_read({"path": write, "body": {}}), write


def test_first_up_of_the_demo_stack_does_what_its_plan_says(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(config={"baseUrl": emu.base_url})  # the repository's own specs
    first = up_matches_plan(stack, emu)
    assert first.counts().writes >= 1 and first.counts().add >= 2
    assert all(not resource.error for _app, resource in first.resources())
    # a release takes two ups (commit + submit, then release once the audit passed): each must match
    for _round in range(3):
        again = up_matches_plan(stack, emu)
        assert again.counts().add == 0, render(again)
        if again.counts().writes == 0:
            break
    else:
        raise AssertionError(f"still planning writes after three ups:\n{render(again)}")


def test_drift_made_in_the_console_is_planned_and_repaired(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS, webview_domains=WEBVIEW))
    up_matches_plan(stack, emu)
    emu.console(APP, "set_server_domains", requestdomain=["https://api.shop.example.com", "https://evil.example.com"])
    emu.console(APP, "set_webview_domains", webviewdomain=["https://h5.shop.example.com", "https://shop.example.com"])

    report = up_matches_plan(stack, emu)
    assert items(report, "server_domains") == [
        ("add", "request", "https://api2.shop.example.com", True),
        ("remove", "request", "https://evil.example.com", True),
    ]
    assert items(report, "webview_domains") == [("remove", "domains", "https://shop.example.com", True)]
    text = render(report)
    assert "**drift**" in text and "evil.example.com: the released version stops reaching" in text
    assert report.counts().drift == 3 and report.counts().change == 2
    assert plan(stack).counts().writes == 0, "repaired: nothing left to do"


def test_console_drift_in_profile_categories_privacy_and_testers_is_repaired_as_planned(
    shop: Any, emu: EmulatorControl
) -> None:
    blocks = {
        "profile": {"signature": "一个演示用的小商城，售卖示例商品"},
        "categories": [{"first": 304, "second": 305}, {"first": 304, "second": 322}],
        "privacy": {"owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示"},
                    "settings": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]},
        "testers": {"members": ["alice_wx"], "authoritative": True},
    }
    present = {block: value for block, value in blocks.items() if block in RESOURCES}
    if len(present) < 2:
        pytest.skip(f"only {sorted(present)} of these providers are registered")
    stack = shop(spec_text(**present))
    up_matches_plan(stack, emu)
    emu.console(APP, "set_profile", signature="控制台里改过的介绍文字，不是规格里的")
    emu.console(APP, "delete_category", first=304, second=322)
    emu.console(APP, "set_privacy", owner_setting={"contact_email": "other@example.com", "notice_method": "弹窗提示"},
                setting_list=[{"privacy_key": "Location", "privacy_text": "用于推荐附近门店"}])
    emu.console(APP, "bind_tester", wechatid="mallory_wx")
    report = up_matches_plan(stack, emu)
    assert report.counts().drift >= len(present), render(report)
    assert plan(stack).counts().writes == 0, "repaired: nothing left to do"


def test_a_domain_edit_is_planned_item_by_item(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS, webview_domains=WEBVIEW))
    up_matches_plan(stack, emu)
    # h5.shop.example.com: a host on the platform's list (preflight refuses unregistered ones, 85017)
    edited = {**DOMAINS, "request": ["https://api.shop.example.com", "https://h5.shop.example.com"],
              "download": ["https://cdn.shop.example.com", "https://img.shop.example.com"]}
    write_spec(stack, spec_text(server_domains=edited, webview_domains={"domains": []}))

    report = up_matches_plan(stack, emu)
    assert items(report, "server_domains") == [
        ("add", "request", "https://h5.shop.example.com", False),
        ("remove", "request", "https://api2.shop.example.com", False),
        ("add", "download", "https://img.shop.example.com", False),
    ]
    assert items(report, "webview_domains") == [("remove", "domains", "https://h5.shop.example.com", False)]
    assert report.counts().writes == 2


def test_removing_a_block_leaves_wechat_as_it_is(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS, webview_domains=WEBVIEW))
    up_matches_plan(stack, emu)
    write_spec(stack, spec_text(server_domains=DOMAINS))
    report = up_matches_plan(stack, emu)
    removed = [resource for _app, resource in report.resources() if resource.removed]
    assert [resource.name for resource in removed] == ["shop-webview-domains"]
    assert "WeChat keeps it as it is (`on_delete: forget`)" in render(report)
    assert report.counts().remove == 1


def test_removing_a_block_with_on_delete_clear_is_itemised(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS, webview_domains={**WEBVIEW, "on_delete": "clear"}))
    up_matches_plan(stack, emu)
    write_spec(stack, spec_text(server_domains=DOMAINS))
    report = up_matches_plan(stack, emu)  # the delete's write, arguments included, is in the plan
    assert [call.args for _app, resource in report.resources() for call in resource.plan.calls] == [
        {"action": "set", "webviewdomain": []}]
    assert "emptied in WeChat" in render(report)


def test_owner_mode_plans_manual_steps_and_up_writes_nothing(make_stack: Any, emu: EmulatorControl) -> None:
    text = spec_text(OWNER_APP, OWNER, name="owner", server_domains={"request": ["https://api.owner.example.com"]})
    stack = make_stack(specs={"owner.yaml": text}, config={"baseUrl": emu.base_url})
    stack.set_config("ownerAppSecret", OWNER_SECRET, secret=True)
    report = up_matches_plan(stack, emu)
    assert report.counts().writes == 0 and report.counts().manual >= 1
    rendered = render(report)
    assert "- [ ] in mp.weixin.qq.com" in rendered and "owner mode" in rendered
    assert OWNER_SECRET not in rendered
    assert made_writes(emu) == {}


@pytest.mark.skipif("testers" not in RESOURCES, reason="no Testers provider is registered yet")
def test_testers_added_and_removed(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(testers={"members": ["alice_wx", "bob_wx"], "authoritative": False}))
    first = up_matches_plan(stack, emu)
    assert first.counts().writes >= 2
    write_spec(stack, spec_text(testers={"members": ["alice_wx", "carol_wx"], "authoritative": False}))
    up_matches_plan(stack, emu)


def release(version: str = "1.1.0", percentage: int = 100, template: int = 2, wait: int = 0) -> dict[str, Any]:
    return {"version": version, "description": f"version {version}", "source": {"template_id": template},
            "audit": {"version_desc": f"what is new in {version}"}, "rollout": {"gray_percentage": percentage},
            "wait_for_audit_minutes": wait}


@pytest.mark.skipif("release" not in RESOURCES, reason="no Release provider is registered yet")
def test_a_release_across_two_ups_does_what_each_plan_says(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(release=release()))
    first = up_matches_plan(stack, emu)  # the demo platform approves audits at once
    assert [call.path for _a, r in first.resources() for call in r.plan.calls] == ["/wxa/commit", "/wxa/submit_audit"]
    assert "monthly audits" in render(first)
    second = up_matches_plan(stack, emu)
    assert [call.path for _a, r in second.resources() for call in r.plan.calls] == ["/wxa/release"]
    assert "100% of users" in render(second)
    assert plan(stack).counts().writes == 0


@pytest.mark.skipif("release" not in RESOURCES, reason="no Release provider is registered yet")
def test_gray_steps_do_what_each_plan_says(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(release=release(percentage=10, wait=1)))
    stack.set_config("auditPollSeconds", "1")
    first = up_matches_plan(stack, emu)
    assert [c.path for _a, r in first.resources() for c in r.plan.calls] == [
        "/wxa/commit", "/wxa/submit_audit", "/wxa/grayrelease"]
    for percentage, paths in ((50, ["/wxa/grayrelease"]), (100, ["/wxa/release"])):
        write_spec(stack, spec_text(release=release(percentage=percentage, wait=1)))
        step = up_matches_plan(stack, emu)
        assert [c.path for _a, r in step.resources() for c in r.plan.calls] == paths


FOLDER = PROJECT_DIR / "tests" / "fixtures" / "miniprogram" / "valid"


@pytest.mark.skipif("release" not in RESOURCES, reason="no Release provider is registered yet")
def test_a_release_from_a_source_folder_does_what_its_plan_says(shop: Any, emu: EmulatorControl) -> None:
    """The upload (miniprogram-ci; the emulator lands the draft) and addtotemplate are planned steps,
    before the commit of the template they make: every write is in the plan."""
    spec = {**release(version="3.0.0"), "source": {"path": "../miniprogram"}}
    stack = shop(spec_text(credentials={**PLATFORM, "upload_key_config": "uploadPrivateKey"}, release=spec))
    shutil.copytree(FOLDER, stack.project_dir / "miniprogram")
    first = up_matches_plan(stack, emu)
    calls = [call for _a, r in first.resources() for call in r.plan.calls]
    assert [call.path for call in calls] == ["miniprogram-ci:upload", "/wxa/addtotemplate", "/wxa/commit",
                                             "/wxa/submit_audit"]
    assert calls[0].args["version"] == "3.0.0" and len(calls[0].args["sha256"]) == 64
    platform = next(p for p in emu.state()["platforms"] if p["component_appid"] == PLATFORM["component_appid"])
    template = next(t for t in platform["templates"] if t["user_version"] == "3.0.0")
    committed = next(c for c in emu.calls() if c["path"] == "/wxa/commit")
    assert committed["body"]["template_id"] == template["template_id"], "the template the plan's steps made"
    second = up_matches_plan(stack, emu)  # approved at once by the demo platform: released, nothing uploaded
    assert [call.path for _a, r in second.resources() for call in r.plan.calls] == ["/wxa/release"]


@pytest.mark.skipif("release" not in RESOURCES, reason="no Release provider is registered yet")
def test_another_versions_audit_and_gray_rollout_are_shown_and_never_released_as_v(
    shop: Any, emu: EmulatorControl
) -> None:
    stack = shop(spec_text(release=release(percentage=20, wait=1)))
    stack.set_config("auditPollSeconds", "1")
    up_matches_plan(stack, emu)  # 1.1.0 rolls out to 20%
    emu.console(APP, "commit", user_version="1.2.0", template_id=2)  # someone else commits and submits 1.2.0,
    emu.console(APP, "submit_audit")  # which the demo platform approves at once
    quiet = up_matches_plan(stack, emu)
    assert quiet.counts().writes == 0, "1.1.0's rollout is still 20%: nothing to do"
    write_spec(stack, spec_text(release=release(percentage=50, wait=1)))
    blocked = up_matches_plan(stack, emu, succeeds=False)
    (phase,) = [change for _a, r in blocked.resources() for change in r.plan.changes]
    assert "1.1.0 for 20% of users" not in phase.old or "released(1.1.0, 20%)" in phase.old
    assert blocked.counts().blocked == 1 and blocked.counts().writes == 0
    assert "WeChat releases the latest approved audit, and that is now 1.2.0's" in render(blocked)


def test_a_platform_domain_change_does_what_its_plan_says(make_stack: Any, emu: EmulatorControl) -> None:
    """The platform's lists on the executor: each `set` (published with testing, then testing alone) is a
    planned call with its arguments, the monthly quota is in the plan, and `up` sends exactly that."""
    platform = next(p for p in emu.state()["platforms"] if p["component_appid"] == PLATFORM_APPID)
    seeded = sorted(platform.get("server_domains") or [])

    def platform_text(published: list[str], testing: list[str] | None = None) -> str:
        server: dict[str, Any] = {"published": published, **({"testing": testing} if testing is not None else {})}
        return yaml.safe_dump({"kind": "platform", "name": "partner", "component_appid": PLATFORM_APPID,
                               "credentials": {"component_secret_config": "componentSecret",
                                               "verify_ticket_config": "componentVerifyTicket"},
                               "server_domains": server}, sort_keys=False)

    app = spec_text(credentials={"mode": "platform", "refresh_token_config": "demoShopRefreshToken"},
                    server_domains={"request": ["https://api.shop.example.com"]}) + "platform: partner\n"
    stack = make_stack(specs={"partner.yaml": platform_text(seeded), "shop.yaml": app},
                       config={"baseUrl": emu.base_url})
    up_matches_plan(stack, emu)
    grown = sorted([*seeded, "new.shop.example.com"])
    write_spec(stack, platform_text(grown, [*grown, "staging.shop.example.com"]), "partner.yaml")
    report = up_matches_plan(stack, emu)
    calls = [call for _app, resource in report.resources() for call in resource.plan.calls]
    assert [(call.path, call.args["is_modify_published_together"], call.args["wxa_server_domain"].split(";"))
            for call in calls] == [
        ("/cgi-bin/component/modify_wxa_server_domain", True, grown),
        ("/cgi-bin/component/modify_wxa_server_domain", False, sorted([*grown, "staging.shop.example.com"])),
    ]
    assert all("1 of the 50 changes a month" in str(call.quota) for call in calls)
    assert "1 of the 50 changes a month" in render(report), "the quota is in the reviewers' plan"
    assert plan(stack).counts().writes == 0, "converged: nothing left to do"


@pytest.mark.skipif("release" not in RESOURCES, reason="no Release provider is registered yet")
def test_a_rejection_then_a_fixed_version_does_what_each_plan_says(shop: Any, emu: EmulatorControl) -> None:
    """The golden `rejection_pending` scenario, live: a rejected version is blocked with no write, and
    the fixed version's commit and submission are exactly the plan's."""
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)  # audits wait for a decision
    stack = shop(spec_text(release=release()))
    up_matches_plan(stack, emu)
    emu.decide_audit(APP, "reject", reason="页面存在空白页", screenshots=["shot-1"])
    blocked = up_matches_plan(stack, emu, succeeds=False)
    assert blocked.counts().blocked == 1 and blocked.counts().writes == 0
    assert "页面存在空白页" in render(blocked) and "shot-1" in render(blocked)
    write_spec(stack, spec_text(release=release(version="1.1.1")))
    fixed = up_matches_plan(stack, emu)
    calls = [call for _a, r in fixed.resources() for call in r.plan.calls]
    assert [call.path for call in calls] == ["/wxa/commit", "/wxa/submit_audit"]
    assert '"user_version": "1.1.1"' in str(calls[0].args).replace("'", '"')
