"""A fleet member's submission goes through the ledger: never without a pending reservation, and a
refusal WeChat answers is settled (85085 also backs the whole platform off; 85077 is the app's
failure). The calls run on the one executor (`providers/_executor.py`); the WeChat side is a fake
client: these are the gate's rules, not the wire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from providers._base import Context
from providers._errors import RefusedError
from providers._executor import Run, execute
from providers._plan import ApiCall
from providers._settings import Settings
from providers.fleet.gate import BACK_OFF_SECONDS, FleetReleaseProvider, gate_input
from providers.fleet.ledger import Ledger
from providers.models import ReleaseSpec
from providers.release_plan import SUBMIT, ReleasePlan
from wechat import AmbiguousWriteError, InvalidRequestError, NotFoundError, QuotaError

PLATFORM, APPID, V = "wx1111111111111111", "wxf1ee700000000000", "1.2.0"


class FakeWeChat:
    """The reads a submission makes, and a submit_audit that answers as told."""

    def __init__(self, answer: Exception | None, lands: bool = True) -> None:
        self.answer, self.submitted, self.lands = answer, 0, lands

    def get_version_info(self) -> dict[str, Any]:
        return {"exp_info": {"exp_version": V, "exp_time": 1}, "release_info": {"release_version": "1.0.0"}}

    def get_latest_audit_status(self) -> dict[str, Any]:
        if self.submitted and (self.answer is None or (self.lands and isinstance(self.answer, AmbiguousWriteError))):
            return {"auditid": 420000001, "status": 2, "user_version": V, "submit_audit_time": 2}
        raise NotFoundError(85058, "no valid audit_id exist", "/wxa/get_latest_auditstatus")

    def query_quota(self) -> dict[str, Any]:
        return {"rest": 10, "limit": 20}

    def get_gray_release_plan(self) -> dict[str, Any]:
        return {}

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        assert (method, path) == ("POST", SUBMIT)
        self.submitted += 1
        if self.answer is not None:
            raise self.answer
        return {"auditid": 420000001}


class Submission:
    """A fleet member's plan of one submit_audit, run by the executor."""

    def __init__(self, tmp_path: Path, wechat: FakeWeChat) -> None:
        url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        settings = Settings("http://127.0.0.1:1", {"wechat-iac:fleetLedger": url})
        self.ctx = Context(APPID, {"mode": "platform"}, settings)
        self.ctx.__dict__["client"] = wechat  # Context.client is a cached property
        self.desired = {**ReleaseSpec.model_validate({"version": V, "source": {"template_id": 7}}).model_dump(
            mode="json", exclude_none=True), "fleet": gate_input(PLATFORM, "canary", "submit")}
        self.plan = ReleasePlan("release", APPID, version=V, phase="committed")
        self.plan.calls = [ApiCall(SUBMIT, "submit", guard="submit", landed="submitted")]

    def submit(self) -> None:
        live = {"exp_version": V, "audit": None}
        execute(FleetReleaseProvider(), Run(self.ctx, self.plan, live, lambda: self.plan.calls, desired=self.desired))


def executor(tmp_path: Path, wechat: FakeWeChat) -> tuple[Submission, Ledger]:
    submission = Submission(tmp_path, wechat)
    return submission, Ledger(str(submission.ctx.settings.lookup("fleetLedger")))


def reserve(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, [APPID], lambda: (10, 20), audit_reserve=0, max_in_flight=20, runner="program")


def test_no_reservation_no_submission(tmp_path: Path) -> None:
    wechat = FakeWeChat(None)
    run, _ledger = executor(tmp_path, wechat)
    with pytest.raises(RefusedError, match="its audit reservation in the fleet ledger is gone"):
        run.submit()
    assert wechat.submitted == 0


def test_a_submission_settles_its_reservation(tmp_path: Path) -> None:
    wechat = FakeWeChat(None)
    run, ledger = executor(tmp_path, wechat)
    reserve(ledger)
    run.submit()
    assert wechat.submitted == 1 and ledger.pending(PLATFORM) == 0
    assert ledger.records(PLATFORM, V)[APPID].phase == "auditing"


def test_85085_with_quota_left_backs_the_platform_off(tmp_path: Path) -> None:
    wechat = FakeWeChat(QuotaError(85085, "submit audit reach limit", "/wxa/submit_audit"))
    run, ledger = executor(tmp_path, wechat)
    reserve(ledger)
    with pytest.raises(QuotaError):
        run.submit()
    assert ledger.pending(PLATFORM) == 0 and ledger.records(PLATFORM, V)[APPID].phase == "committed"
    assert "85085" in ledger.refused(PLATFORM) and BACK_OFF_SECONDS == 3600
    reserve(ledger)  # nothing is granted while backing off, and a claim is refused
    assert ledger.pending(PLATFORM) == 0 and not ledger.claim(PLATFORM, V, APPID, "r")


def test_a_refusal_of_this_app_is_its_failure(tmp_path: Path) -> None:
    wechat = FakeWeChat(InvalidRequestError(85077, "category is invalid", "/wxa/submit_audit",
                                            meaning="a category in item_list is not approved"))
    run, ledger = executor(tmp_path, wechat)
    reserve(ledger)
    with pytest.raises(InvalidRequestError):
        run.submit()
    record = ledger.records(PLATFORM, V)[APPID]
    assert (record.phase, record.cause) == ("failed", "submit_audit refused: 85077 a category in item_list is "
                                                      "not approved")


def test_a_members_calls_wait_for_the_platforms_rate_limiter() -> None:
    from providers.fleet.gate import FleetReleaseProvider, limiter_for
    from providers.fleet.observe import Throttled

    provider = FleetReleaseProvider()
    provider._settings = Settings("http://127.0.0.1:1", {f"wechat-iac:{key}": "x" for key in "str"})
    credentials = {"mode": "platform", "component_appid": PLATFORM, "component_secret_config": "s",
                   "verify_ticket_config": "t", "refresh_token_config": "r"}
    spec = {"fleet": gate_input(PLATFORM, "canary", "hold", calls_per_second=5.0)}
    ctx = provider.context({"appid": APPID, "credentials": credentials, "spec": spec})
    assert isinstance(ctx.client, Throttled) and ctx.client._limiter is limiter_for(PLATFORM, 5.0)
    assert limiter_for(PLATFORM, 5.0).interval == 0.2


def test_a_lost_answer_is_settled_by_reading(tmp_path: Path) -> None:
    """The executor reads after a lost answer: the audit that appeared settles the reservation as
    spent; none leaves it claimed until its lease ends (never sent again in this run)."""
    landed = FakeWeChat(AmbiguousWriteError("the answer was lost"))
    run, ledger = executor(tmp_path, landed)
    reserve(ledger)
    run.submit()
    assert landed.submitted == 1 and ledger.pending(PLATFORM) == 0
    assert ledger.records(PLATFORM, V)[APPID].phase == "auditing"

    lost = FakeWeChat(AmbiguousWriteError("the answer was lost"), lands=False)
    (tmp_path / "second").mkdir()
    run, ledger = executor(tmp_path / "second", lost)
    reserve(ledger)
    with pytest.raises(RefusedError, match="did not take effect, and it was not sent again"):
        run.submit()
    assert lost.submitted == 1 and ledger.pending(PLATFORM) == 1


def test_an_audit_of_v_already_there_is_not_submitted_again(tmp_path: Path) -> None:
    wechat = FakeWeChat(None)
    wechat.submitted = 1  # a run before this one submitted V (its answer never reached the state)
    run, ledger = executor(tmp_path, wechat)
    reserve(ledger)
    run.submit()
    assert wechat.submitted == 1 and ledger.pending(PLATFORM) == 0
    assert ledger.records(PLATFORM, V)[APPID].phase == "auditing"
