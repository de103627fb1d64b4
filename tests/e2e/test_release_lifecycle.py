"""Release end to end: the real Pulumi CLI against the emulator, proven by its call log and state.

The demo seed's platform approves audits at once; tests that need an audit to stay pending make
the mini-program's reviews manual (console action `set_audit` with no delay) and decide them
through the control API. Every test asserts on the calls WeChat received, not only on exit codes.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from emulator.testing import DEMO_SEED, EmulatorControl
from providers._settings import Settings
from providers.release import ReleaseProvider
from providers.release_plan import COMMIT, GRAY, RELEASE, REVERT_GRAY, ROLLBACK, SUBMIT, UNDO, WRITE_PATHS

pytestmark = pytest.mark.e2e

APP = "wx2222222222222222"
PLATFORM = "wx1111111111111111"
RELEASE_TYPE = "pulumi-python:dynamic/wechat:Release"


def spec(version: str = "1.1.0", percentage: int = 100, template: int = 2, **release: Any) -> str:
    block: dict[str, Any] = {
        "version": version,
        "description": f"version {version}",
        "source": {"template_id": template},
        "audit": {
            "version_desc": f"what is new in {version}",
            "item_list": [{"address": "pages/index/index", "tag": "商城 购物", "first_class": "商业服务",
                           "second_class": "网上商城", "first_id": 304, "second_id": 305, "title": "首页"}],
            "ugc_declare": {"scene": [0]},
        },
        "rollout": {"gray_percentage": percentage},
        **release,
    }
    return yaml.safe_dump({
        "appid": APP,
        "name": "shop",
        "credentials": {
            "mode": "platform",
            "component_appid": PLATFORM,
            "component_secret_config": "componentSecret",
            "verify_ticket_config": "componentVerifyTicket",
            "refresh_token_config": "demoShopRefreshToken",
        },
        "release": block,
    }, sort_keys=False)


def writes(emu: EmulatorControl) -> list[tuple[str, Any]]:
    """The write calls WeChat received, in order: (path, the version or percentage they carried)."""
    out = []
    for call in emu.calls():
        path, body, query = call["path"], call.get("body") or {}, call.get("query") or {}
        if path not in WRITE_PATHS or query.get("action") == "get_history_version":
            continue
        detail = body.get("user_version") or body.get("gray_percentage") or query.get("app_version")
        out.append((path, detail))
    return out


def app_state(emu: EmulatorControl) -> dict[str, Any]:
    return emu.state(APP)["app"]


def outputs(stack: Any) -> dict[str, Any]:
    deployment = stack.stack.export_stack().deployment
    found = [r for r in deployment["resources"] if r["type"] == RELEASE_TYPE]
    assert len(found) == 1, [r["type"] for r in deployment["resources"]]
    return dict(found[0].get("outputs") or {})


def plan_now(stack: Any, olds: dict[str, Any] | None = None) -> Any:
    """The plan diff() makes right now, in-process with the stack's (decrypted) config: what a
    reviewer reads. The provider's own printout of it does not reach the CLI's output."""
    config = {key: item.value for key, item in stack.stack.get_all_config().items()}
    provider = ReleaseProvider()
    provider._settings = Settings.from_config(config)
    data = yaml.safe_load((stack.project_dir / "specs" / "shop.yaml").read_text())
    props = {"appid": data["appid"], "credentials": data["credentials"], "spec": data["release"]}
    plan, _live = provider.observe(provider.context(props), props, olds)
    return plan


def text_of(plan: Any) -> str:
    return "\n".join(plan.lines())


def failing_up(stack: Any) -> str:
    """Run an `up` that must fail; return what the user sees of the failure."""
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.up()
    return str(failure.value)


def manual_audits(emu: EmulatorControl) -> None:
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)


@pytest.fixture(autouse=True)
def token_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path / "plan-tokens"))


@pytest.fixture
def shop(make_stack: Any, emu: EmulatorControl) -> Any:
    # the privacy guide covers what the demo templates use (preflight refuses a submission it would not cover)
    owner = {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗"}
    keys = ("UserInfo", "Location", "PhoneNumber")
    emu.console(APP, "set_privacy", owner_setting=owner,
                setting_list=[{"privacy_key": key, "privacy_text": "用于下单"} for key in keys])

    def factory(text: str) -> Any:
        stack = make_stack(specs={"shop.yaml": text}, config={"baseUrl": emu.base_url})
        return stack

    return factory


def rewrite(stack: Any, text: str) -> None:
    (stack.project_dir / "specs" / "shop.yaml").write_text(text)


def test_first_release_across_two_ups(shop: Any, emu: EmulatorControl) -> None:
    manual_audits(emu)
    stack = shop(spec())
    plan = plan_now(stack)
    assert [call.path for call in plan.calls] == [COMMIT, SUBMIT]
    assert "1 of 20 monthly audits, 20 left" in text_of(plan) and "1-7 days" in text_of(plan)
    preview = stack.preview()
    assert preview.change_summary.get("create", 0) >= 1, stack.text()
    emu.clear_calls()

    stack.up()
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None)], stack.text()
    audit = app_state(emu)["audits"][-1]
    assert (audit["user_version"], audit["status"]) == ("1.1.0", 2)
    submitted = next(call["body"] for call in emu.calls() if call["path"] == SUBMIT)
    assert submitted["item_list"][0]["first_id"] == 304 and submitted["version_desc"] == "what is new in 1.1.0"
    assert submitted["ugc_declare"] == {"scene": [0], "method": [], "has_audit_team": 0}
    recorded = outputs(stack)
    assert (recorded["phase"], recorded["version"], recorded["auditid"]) == ("auditing", "1.1.0", audit["auditid"])

    emu.clear_calls()
    stack.up()  # still under audit: nothing to write
    assert writes(emu) == [], stack.text()

    plan = plan_now(stack, outputs(stack))
    assert plan.phase == "auditing" and plan.calls == []
    assert "the next `up` after the approval releases it" in text_of(plan)

    emu.decide_audit(APP, "approve")
    emu.clear_calls()
    plan = plan_now(stack, outputs(stack))
    assert [call.path for call in plan.calls] == [RELEASE] and "100% of users" in text_of(plan)
    stack.preview()
    assert writes(emu) == []
    stack.up()
    assert writes(emu) == [(RELEASE, None)], stack.text()
    assert app_state(emu)["live"]["user_version"] == "1.1.0"
    assert (outputs(stack)["phase"], outputs(stack)["gray_percentage"]) == ("released", 100)

    emu.clear_calls()
    again = stack.up()
    assert set(again.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert writes(emu) == [], "a second up with nothing to do makes no write"


def test_gray_10_50_100(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec(percentage=10))  # the demo platform approves at once
    stack.up()
    stack.up()
    plan = app_state(emu)["gray"]
    assert (plan["status"], plan["gray_percentage"], plan["user_version"]) == (1, 10, "1.1.0")
    assert app_state(emu)["live"]["user_version"] == "0.9.0"  # the rest still get the old version

    rewrite(stack, spec(percentage=50))
    stack.up()
    assert app_state(emu)["gray"]["gray_percentage"] == 50

    rewrite(stack, spec(percentage=100))
    stack.up()
    assert app_state(emu)["live"]["user_version"] == "1.1.0"
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None), (GRAY, 10), (GRAY, 50), (RELEASE, None)]
    assert outputs(stack)["gray_percentage"] == 100

    emu.clear_calls()
    stack.up()
    assert writes(emu) == []


def test_lowering_gray_cancels_the_rollout_loudly(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec(percentage=50))
    stack.up()
    stack.up()
    rewrite(stack, spec(percentage=20))
    emu.clear_calls()
    plan = plan_now(stack, outputs(stack))
    assert "LOWER ROLLOUT" in text_of(plan)
    assert [call.path for call in plan.calls] == [REVERT_GRAY, GRAY]
    stack.up()
    assert writes(emu) == [(REVERT_GRAY, None), (GRAY, 20)]
    assert app_state(emu)["gray"]["gray_percentage"] == 20


def test_rejection_then_a_fixed_version(shop: Any, emu: EmulatorControl) -> None:
    manual_audits(emu)
    stack = shop(spec())
    stack.up()
    emu.decide_audit(APP, "reject", reason="The privacy guide is missing", screenshots=["media-1", "media-2"])
    message = failing_up(stack)
    assert "The privacy guide is missing" in message and "media-1, media-2" in message, message

    rewrite(stack, spec(version="1.1.1"))
    stack.up()
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None), (COMMIT, "1.1.1"), (SUBMIT, None)]
    latest = app_state(emu)["audits"][-1]
    assert (latest["user_version"], latest["status"]) == ("1.1.1", 2)
    emu.decide_audit(APP, "approve")
    stack.up()
    assert app_state(emu)["live"]["user_version"] == "1.1.1"


def test_rollback_to_a_version_in_the_history(shop: Any, emu: EmulatorControl) -> None:
    seed = yaml.safe_load(DEMO_SEED.read_text())
    app = next(item for item in seed["miniprograms"] if item["appid"] == APP)
    app["release"] = {"user_version": "1.1.0", "user_desc": "current"}
    app["release_history"] = [{"user_version": "1.0.0"}, {"user_version": "0.9.0"}]
    emu.reset(seed)
    stack = shop(spec(version="1.0.0", template=1))
    plan = plan_now(stack)
    assert "ROLLBACK" in text_of(plan) and "1.1.0 to 1.0.0" in text_of(plan)
    stack.preview()
    assert writes(emu) == []
    stack.up()
    history_target = writes(emu)
    assert [path for path, _ in history_target] == [ROLLBACK], stack.text()
    assert history_target[0][1] is not None  # a specific app_version, not "the previous one"
    assert app_state(emu)["live"]["user_version"] == "1.0.0"
    emu.clear_calls()
    stack.up()
    assert writes(emu) == []


@pytest.mark.parametrize("fault", [{"errcode": -1}, {"drop": True}], ids=["errcode -1", "dropped answer"])
def test_lost_answers_after_commit_and_submit(shop: Any, emu: EmulatorControl, fault: dict[str, Any]) -> None:
    manual_audits(emu)
    emu.inject_fault("/wxa/commit", when="after", **fault)
    emu.inject_fault("/wxa/submit_audit", when="after", **fault)
    stack = shop(spec())
    stack.up()  # both lost answers are settled by re-reading the live state, in the same run
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None)], stack.text()
    assert outputs(stack)["phase"] == "auditing"
    stack.up()  # the rerun: nothing is sent again
    emu.decide_audit(APP, "approve")
    stack.up()
    stack.up()
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None), (RELEASE, None)], stack.text()
    assert [call.get("fault") is not None for call in emu.calls() if call["path"] in (COMMIT, SUBMIT)] == [True, True]
    assert len(app_state(emu)["audits"]) == 1


def test_lost_answer_before_submit_then_rerun(shop: Any, emu: EmulatorControl) -> None:
    manual_audits(emu)
    emu.inject_fault("/wxa/submit_audit", when="before", drop=True)
    stack = shop(spec())
    message = failing_up(stack)
    assert "did not take effect" in message, message
    stack.up()
    submits = [call for call in emu.calls() if call["path"] == SUBMIT]
    assert [call.get("errcode") for call in submits] == [None, 0]  # the dropped one never reached WeChat
    assert [path for path, _ in writes(emu)].count(COMMIT) == 1
    assert len(app_state(emu)["audits"]) == 1


def test_another_version_under_audit(shop: Any, emu: EmulatorControl) -> None:
    manual_audits(emu)
    stack = shop(spec())
    stack.up()
    first = app_state(emu)["audits"][-1]["auditid"]

    rewrite(stack, spec(version="1.2.0"))
    emu.clear_calls()
    message = failing_up(stack)
    assert "1.1.0 is under audit" in message and "allow_withdraw: true" in message, message
    assert writes(emu) == []

    rewrite(stack, spec(version="1.2.0", allow_withdraw=True))
    plan = plan_now(stack, outputs(stack))
    assert "WITHDRAW" in text_of(plan) and [call.path for call in plan.calls] == [UNDO, COMMIT, SUBMIT]
    emu.clear_calls()
    stack.up()
    assert writes(emu) == [(UNDO, None), (COMMIT, "1.2.0"), (SUBMIT, None)], stack.text()
    audits = app_state(emu)["audits"]
    assert (audits[0]["auditid"], audits[0]["status"]) == (first, 3)
    assert (audits[-1]["user_version"], audits[-1]["status"]) == ("1.2.0", 2)


def test_audit_quota_exhausted(shop: Any, emu: EmulatorControl) -> None:
    emu.console(PLATFORM, "set_quota", rest=0)
    stack = shop(spec())
    assert "quota is spent" in str(plan_now(stack).blocked)
    with pytest.raises(auto.errors.CommandError) as preview:  # preflight fails the preview too
        stack.preview()
    assert "quota is spent" in str(preview.value)
    message = failing_up(stack)
    assert "quota is spent" in message, message
    assert writes(emu) == [], "refused before any call: no commit, no submission"
    assert [call for call in emu.calls() if call["path"] == "/wxa/queryquota"], "the quota was read"


def test_waits_for_the_audit_within_one_up(make_stack: Any, emu: EmulatorControl) -> None:
    emu.console(APP, "set_audit", auto_decide_after_seconds=3)  # WeChat decides 3 s after the submission
    stack = make_stack(specs={"shop.yaml": spec(wait_for_audit_minutes=1)},
                       config={"baseUrl": emu.base_url, "auditPollSeconds": "1"})
    stack.up()
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None), (RELEASE, None)], stack.text()
    polls = [call for call in emu.calls() if call["path"] == "/wxa/get_latest_auditstatus"]
    assert len(polls) >= 3, "it polled the audit until the decision"
    assert app_state(emu)["live"]["user_version"] == "1.1.0"
    assert outputs(stack)["phase"] == "released"
