"""The plan is the contract, end to end with the real CLI and the emulator: what can be known before a
write stops everything before any write; exit codes say blocked; owner mode tells only the truth;
`up --plan FILE` applies only what was reviewed; the output is a line per change and per write."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from runner.render import render

from .test_plan_support import (
    APP,
    OWNER,
    OWNER_APP,
    OWNER_SECRET,
    logged_writes,
    made_writes,
    plan,
    run_plan,
    spec_text,
    up_matches_plan,
    write_spec,
)

pytestmark = pytest.mark.e2e

DOMAINS = {"request": ["https://api.shop.example.com", "https://api2.shop.example.com"]}


def resources_in_state(stack: Any) -> list[str]:
    deployment = stack.stack.export_stack().deployment or {}
    return [r["urn"] for r in deployment.get("resources") or [] if "dynamic/wechat" in str(r.get("type"))]


def last_line(stack: Any) -> str:
    return [line for line in stack.text().splitlines() if line.strip()][-1]


def test_a_missing_secret_stops_preview_plan_and_up_before_anything_is_touched(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS, testers={"members": ["alice_wx"]}))
    stack.stack.remove_config("wechat-iac:demoShopRefreshToken")
    problem = "specs/shop.yaml: credentials.refresh_token_config: stack config key 'demoShopRefreshToken'"
    with pytest.raises(auto.CommandError):
        stack.preview()
    assert stack.text().count(problem) == 1, stack.text()
    assert last_line(stack).startswith("preview failed: preflight"), last_line(stack)
    completed, out, _data = run_plan(stack)
    # the plan's preflight table says it too (as inert Markdown: its underscores escaped)
    assert completed.returncode == 1 and problem.replace("_", "\\_") in out.read_text(encoding="utf-8")
    emu.clear_calls()
    with pytest.raises(auto.CommandError):
        stack.up()
    assert made_writes(emu) == {} and resources_in_state(stack) == [], "nothing was touched"


def test_wrong_credentials_stop_up_before_anything_is_touched(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS))
    stack.set_config("componentSecret", "not-the-platform-secret-at-all", secret=True)
    emu.clear_calls()
    with pytest.raises(auto.CommandError):
        stack.up()
    assert stack.text().count("credentials: cannot get the component token") == 1, stack.text()  # said once
    assert "not-the-platform-secret-at-all" not in stack.text()
    assert made_writes(emu) == {} and resources_in_state(stack) == []


def test_a_bad_spec_is_reported_once(shop: Any) -> None:
    stack = shop(spec_text(server_domains={"request": ["http://api.shop.example.com"]}))
    with pytest.raises(auto.CommandError):
        stack.preview()
    text = stack.text()
    assert text.count("must use https://, not 'http://'") == 1, text
    assert "unhandled error" not in text and "Traceback" not in text
    assert last_line(stack) == "preview failed: invalid spec (1 problem(s) above)"


def test_a_blocked_change_fails_preview_plan_and_up_and_up_does_everything_else(shop: Any,
                                                                              emu: EmulatorControl) -> None:
    categories = [{"first": 304, "second": 305}, {"first": 304, "second": 999}]  # 304/999: WeChat offers no such
    stack = shop(spec_text(server_domains=DOMAINS, categories=categories))
    completed, out, _data = run_plan(stack)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "⛔ 1 blocked" in completed.stdout and "`up` will refuse" in out.read_text(encoding="utf-8")
    with pytest.raises(auto.CommandError):
        stack.preview()
    assert last_line(stack).startswith(f"preview: ⛔ blocked: {APP} categories: category 304/999 is not one"), (
        last_line(stack))
    report = up_matches_plan(stack, emu, succeeds=False)  # the server domains are set; categories refuse
    assert [call.path for _a, r in report.resources() for call in r.plan.calls] == ["/wxa/modify_domain"]
    assert re.match(r"up failed: .*304/999", last_line(stack)), last_line(stack)


def test_an_audit_wait_that_ends_first_exits_non_zero_with_the_reason_last(shop: Any, emu: EmulatorControl) -> None:
    """`wait_for_audit_minutes` ends before WeChat decides: commit and submission made, no release
    sent, and `up` exits 1 saying it stopped short (a CI job must not read it as released)."""
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)
    release = {"version": "1.1.0", "description": "v", "source": {"template_id": 2},
               "audit": {"version_desc": "what is new"}, "wait_for_audit_minutes": 1}
    stack = shop(spec_text(release=release))
    stack.set_config("auditPollSeconds", "5")
    emu.clear_calls()
    with pytest.raises(auto.CommandError):
        stack.up()
    assert made_writes(emu) == {(APP, "/wxa/commit"): 1, (APP, "/wxa/submit_audit"): 1}, made_writes(emu)
    assert "stopped short" in last_line(stack) and "still" in last_line(stack), last_line(stack)


def test_owner_mode_tells_only_what_owner_credentials_can_read(make_stack: Any, emu: EmulatorControl) -> None:
    text = spec_text(OWNER_APP, OWNER, name="owner", server_domains={"request": ["https://api.owner.example.com"]},
                     testers={"members": ["alice_wx"]}, profile={"signature": "一个演示用的小商城，售卖示例商品"},
                     categories=[{"first": 287, "second": 616}])
    stack = make_stack(specs={"owner.yaml": text}, config={"baseUrl": emu.base_url})
    stack.set_config("ownerAppSecret", OWNER_SECRET, secret=True)
    first = up_matches_plan(stack, emu)
    assert made_writes(emu) == {}, "owner credentials write nothing"
    second = stack.up()
    assert set(second.summary.resource_changes) == {"same"}, "manual steps alone are no update"
    assert stack.refresh().summary.result == "succeeded", "refresh reads only what owner credentials can read"
    again = plan(stack)
    steps = [[step.text for step in r.plan.manual] for _a, r in again.resources()]
    assert steps == [[step.text for step in r.plan.manual] for _a, r in first.resources()], "the steps stay"
    assert again.counts().manual == 4 and again.counts().drift == 0 and again.counts().change == 0
    rendered = render(again)
    assert "unknown (these credentials cannot read it)" in rendered and "puts the spec back" not in rendered
    assert "_unchanged (a manual step)_" in rendered, "the after-up column says this up does not reach it"


def test_up_with_a_reviewed_plan_refuses_when_the_writes_differ(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS))
    completed, _out, reviewed = run_plan(stack)
    assert completed.returncode == 0
    # after the review, the spec changes (another commit) and the live state too (the console)
    # (h5.shop.example.com: a host on the platform's list; preflight refuses unregistered ones, 85017)
    write_spec(stack, spec_text(server_domains={"request": [*DOMAINS["request"], "https://h5.shop.example.com"]}))
    emu.console(APP, "set_server_domains", requestdomain=["https://api.shop.example.com", "https://evil.example.com"])
    emu.clear_calls()
    with pytest.raises(auto.CommandError):
        stack.up("--plan", str(reviewed))
    assert logged_writes(emu) == [], "refused before any write"
    assert "differ from the reviewed plan" in last_line(stack), stack.text()[-2000:]
    completed, _out, fresh = run_plan(stack)  # reviewed again, now with the console's change in it
    emu.clear_calls()
    assert stack.up("--plan", str(fresh)).summary.result == "succeeded", stack.text()
    planned = json.loads(fresh.read_text(encoding="utf-8"))["apps"][0]["resources"][0]["plan"]["calls"]
    assert [(c["path"], c["args"]) for c in planned] == [(w["path"], w["body"]) for w in logged_writes(emu)]


def test_the_output_is_a_line_per_change_and_per_write_each_once(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(server_domains=DOMAINS))
    stack.up()
    text = stack.text()
    assert "component_secret_config" not in text and "credentials" not in text, "no input dumps"
    assert "<{%" not in text and "%}>" not in text, "no raw markup"
    lines = [line for line in text.splitlines() if line.startswith(APP)]
    assert len(lines) == len(set(lines)), "each line once"
    assert f"{APP} server_domains: + request: https://api2.shop.example.com" in lines
    assert lines[-1] == f"{APP} server_domains: ✓ /wxa/modify_domain: set all six server-domain lists (2 domains)"
    assert last_line(stack).startswith("Resources: 3 created"), "the stack, the mini-program, its server domains"
    write_spec(stack, spec_text(server_domains={"request": ["https://api.shop.example.com"]}))
    stack.output.clear()
    stack.up("--verbose")
    assert "component_secret_config" in stack.text(), "--verbose adds the engine's own diff of inputs"


def test_a_tester_bound_in_the_console_is_warned_about_until_the_spec_acknowledges_it(shop: Any) -> None:
    stack = shop(spec_text(testers={"members": ["alice_wx"]}))
    warnings = [w for _a, r in plan(stack).resources() for w in r.plan.warnings]
    found = re.search(r"bound outside Pulumi \(userstr ([^)]+)\)", " ".join(warnings))
    assert found, warnings  # the demo seed binds demo-tester-alice in the console
    write_spec(stack, spec_text(testers={"members": ["alice_wx"], "known_outside": found.group(1).split(", ")}))
    acknowledged = plan(stack)
    assert [w for _a, r in acknowledged.resources() for w in r.plan.warnings] == []
    assert acknowledged.counts().writes == 1, "alice is still bound; the console's tester is kept"
