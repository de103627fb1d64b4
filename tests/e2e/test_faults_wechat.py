"""WeChat as it really answers: the real CLI against the emulator, with the answers WeChat gives in
production (fields left out, a body without errcode, another party acting between our calls, a
lost answer on a write that spends a small quota, refresh-token rotation, an expired ticket).

Every test here also runs the fault suite's invariant (tests/e2e/conftest.py): at most one commit
and one audit submission per app and version, whatever happened.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from emulator.testing import COMPONENT_APPID, DEMO_SEED, EmulatorControl
from runner.env import PROJECT_DIR
from tests.reliability.support import (
    APP,
    Loopback,
    assert_converged,
    deployment,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    spec_text,
    token_dir,
    write_paths,
)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

COMMIT, SUBMIT, RELEASE = "/wxa/commit", "/wxa/submit_audit", "/wxa/release"
LATEST_AUDIT = "/wxa/get_latest_auditstatus"
AVATAR, AUTHORIZER_TOKEN = "/cgi-bin/account/modifyheadimage", "/cgi-bin/component/api_authorizer_token"
CONFIG = {"auditPollSeconds": "0.2"}


def release_spec(wait: int = 0, version: str = "1.1.0") -> str:
    return spec_text({"release": {
        "version": version, "description": "cart and coupons", "source": {"template_id": 2},
        "audit": {"version_desc": "cart and coupons"}, "rollout": {"gray_percentage": 100},
        "wait_for_audit_minutes": wait,
    }})


def failed(stack: Any, *texts: str) -> str:
    with pytest.raises(auto.CommandError) as failure:
        stack.up()
    message = str(failure.value)
    assert "Traceback" not in message, message
    for text in texts:
        assert text in message, f"{text!r} not in the error:\n{message}"
    return message


def app(emu: EmulatorControl) -> dict[str, Any]:
    return dict(emu.state(APP)["app"])


def audit_quota_rest(emu: EmulatorControl) -> int:
    platforms = emu.state()["platforms"]
    platform = next(p for p in platforms if p["component_appid"] == COMPONENT_APPID)
    return int(platform["audit_quota"]["rest"])


def test_audit_answers_without_user_version_reason_or_screenshot(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    """WeChat's audit answers in review and approved carry no reason and no ScreenShot, and not always
    user_version (nor here submit_audit_time). Three ups while the audit runs, then the approval:
    one submission (quota 20 -> 19), one release. Before the fix: three audits, quota 17, no release."""
    emu.console(APP, "set_audit", auto_decide_after_seconds=None)  # the review waits for us
    emu.inject_fault(LATEST_AUDIT, count=1000, omit=["user_version", "submit_audit_time", "reason", "ScreenShot"])
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": release_spec()}, config=CONFIG)
    for _ in range(3):
        assert stack.up().summary.result == "succeeded", stack.text()
    assert len(app(emu)["audits"]) == 1 and audit_quota_rest(emu) == 19
    emu.decide_audit(APP, "approve")
    assert stack.up().summary.result == "succeeded", stack.text()
    state = app(emu)
    assert state["live"]["user_version"] == "1.1.0" and len(state["audits"]) == 1
    assert write_paths(emu.calls()) == [COMMIT, SUBMIT, RELEASE]
    assert_converged(stack)


def test_a_commit_answered_without_errcode_is_settled_by_reading(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    """`200 {"errmsg": "ok"}` on wxa/commit (it took effect): not a success, not resent; the re-read
    shows the experience version is V, and the run goes on to submit and release."""
    emu.inject_fault(COMMIT, when="after", body={"errmsg": "ok"})
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": release_spec(wait=1)}, config=CONFIG)
    assert stack.up().summary.result == "succeeded", stack.text()
    assert "the answer was lost, but the live state shows the call took effect" in stack.text()
    assert write_paths(emu.calls(), effective_only=False) == [COMMIT, SUBMIT, RELEASE]
    assert app(emu)["live"]["user_version"] == "1.1.0"
    assert_converged(stack)


def test_a_submission_answered_without_errcode_is_never_resent(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    emu.inject_fault(SUBMIT, when="after", body={"errmsg": "ok"})
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": release_spec(wait=1)}, config=CONFIG)
    assert stack.up().summary.result == "succeeded", stack.text()
    assert [c["path"] for c in emu.calls()].count(SUBMIT) == 1 and audit_quota_rest(emu) == 19
    assert app(emu)["live"]["user_version"] == "1.1.0"


def test_another_party_commits_between_our_commit_and_submission(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    """Another tool commits 9.9.9 right after our commit of 1.1.0: we must not audit 9.9.9 (before
    the fix: 9.9.9 audited, then 1.1.0 submitted again)."""
    emu.inject_fault(COMMIT, when="after", console={
        "appid": APP, "action": "commit", "user_version": "9.9.9", "template_id": 1})
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": release_spec(wait=1)}, config=CONFIG)
    failed(stack, "the experience version is now 9.9.9, not 1.1.0", "nothing was submitted")
    calls = emu.calls()
    assert SUBMIT not in [c["path"] for c in calls] and audit_quota_rest(emu) == 20
    assert app(emu).get("audits") in (None, [])


def test_a_lost_answer_on_modifyheadimage_is_settled_by_reading(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback, tmp_path: Path  # noqa: F811
) -> None:
    """The avatar took effect but its answer was lost: the run reads the live state, records the
    avatar, and the avatar quota is spent once (before the fix: the next up set it again)."""
    emu.inject_fault(AVATAR, when="after", drop=True)
    image = tmp_path / "avatar.png"  # absolute: relative paths are rebased on the runner's directory
    shutil.copy(PROJECT_DIR / "specs" / "assets" / "demo-shop.png", image)
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": spec_text({"profile": {"avatar": str(image)}})})
    assert stack.up().summary.result == "succeeded", stack.text()
    assert stack.up().summary.result == "succeeded", stack.text()
    assert [c["path"] for c in emu.calls()].count(AVATAR) == 1
    assert app(emu)["profile_used"]["head_image"]["used"] == 1
    assert_converged(stack)


def test_rotation_with_a_lost_api_authorizer_token_answer_then_another_machine(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    """Rotation on, and the first api_authorizer_token answer (which rotated the token) is lost. The
    run asks once more within WeChat's 5-minute grace and keeps the token that answer carries, in the
    state (encrypted). Another machine (no token cache) runs after the grace: it must not get 61023."""
    emu.console(APP, "set_permissions", component_appid=COMPONENT_APPID, rotate_refresh_token=True)
    emu.inject_fault(AUTHORIZER_TOKEN, when="after", drop=True)
    spec = spec_text({"server_domains": {"request": ["https://api.shop.example.com", "https://api2.shop.example.com"]}})
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": spec})
    assert stack.up().summary.result == "succeeded", stack.text()
    assert "ROTATED the authorizer refresh token" in stack.text()
    current = next(a for a in emu.state()["authorizations"] if a["authorizer_appid"] == APP)["refresh_token"]
    state_text = json.dumps(deployment(stack))
    assert current not in state_text, "the rotated refresh token must be encrypted in the state"
    outputs = [r.get("outputs") or {} for r in deployment(stack)["resources"] if "ServerDomains" in r["type"]]
    assert outputs and "ciphertext" in json.dumps(outputs[0]["authorizer_refresh"])

    shutil.rmtree(token_dir(stack), ignore_errors=True)  # another machine: no token cache at all
    emu.advance_clock(7200 + 301)  # every access token expired, the superseded refresh tokens' grace over
    assert stack.up().summary.result == "succeeded", stack.text()
    # preflight runs in the Pulumi program, which cannot read the state: its token check may try the
    # configured (superseded) token once and warn; so may a read check() starts ahead of diff() (the
    # engine gives check() no outputs); diff() then reads with the state's token, and no resource fails
    refused = [c for c in emu.calls() if c.get("errcode") == 61023]
    assert len(refused) <= 2, refused
    assert "61023" not in "".join(line for line in stack.text().splitlines() if line.startswith("error"))
    assert_converged(stack)


def test_an_expired_verify_ticket_says_where_it_comes_from_and_how_to_feed_it(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback  # noqa: F811
) -> None:
    """The stack's ticket (config componentVerifyTicket) is older than 12 hours and the receiver is
    down (no pushes): 61005, with the config key, the 10-minute push and the command to feed it in.
    Feeding the newest pushed ticket in makes the next run converge."""
    seed = yaml.safe_load(Path(DEMO_SEED).read_text(encoding="utf-8"))
    seed["platforms"][0]["verify_ticket_pushes"] = "none"
    emu.reset(seed)
    emu.advance_clock(12 * 3600 + 60)
    spec = spec_text({"server_domains": {"request": ["https://api.shop.example.com", "https://api2.shop.example.com"]}})
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": spec})
    message = failed(stack, "61005", "stack config key wechat-iac:componentVerifyTicket", "every 10 minutes",
                     "pulumi config set --secret componentVerifyTicket")
    assert "demo-verify-ticket-0001" not in message  # the ticket itself never shows
    fresh = emu.set_ticket(COMPONENT_APPID)["verify_ticket"]  # WeChat pushes; the receiver stores it
    stack.set_config("componentVerifyTicket", fresh, secret=True)
    assert stack.up().summary.result == "succeeded", stack.text()
    assert "https://api2.shop.example.com" in app(emu)["domains"]["requestdomain"]
