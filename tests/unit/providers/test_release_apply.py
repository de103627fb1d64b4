"""providers.release: the provider on the base's executor against an in-memory fake of WeChat's code API.

The fake follows the emulator's rules closely enough for the executor: commit replaces the
experience version, submit_audit appends an audit (85009 while one runs), release and grayrelease
need an approved audit, and each write can be told to lose its answer before or after it lands.
These tests prove the re-reads: a lost answer or a stale plan never leads to a second commit or a
second submission. The end-to-end tests prove the same against the emulator with the real CLI.
"""

from __future__ import annotations

from typing import Any

import pytest

import providers._clients
from providers import release_domains
from providers._errors import RefusedError
from providers._executor import Run
from providers._settings import Settings
from providers.release import ReleaseProvider
from providers.release_live import snapshot
from providers.release_phases import decide
from providers.release_plan import COMMIT, GRAY, RELEASE, REVERT_GRAY, ROLLBACK, SUBMIT, UNDO
from wechat import AmbiguousWriteError, ConflictError, NotFoundError, ServerBusyError

APPID = "wx2222222222222222"
PLATFORM = {"mode": "platform", "component_appid": "wx1111111111111111"}


class FakeWeChat:
    def __init__(self, exp: str | None = None, live: str | None = "1.0.0", quota: int = 20) -> None:
        self.exp, self.live = exp, live
        self.audits: list[dict[str, Any]] = []
        self.released_auditids: set[int] = set()
        self.gray: dict[str, Any] | None = None
        self.history: list[dict[str, Any]] = []
        self.rest, self.limit = quota, 20
        self.writes: list[str] = []  # every write that reached "WeChat", landed or not
        self.faults: dict[str, tuple[str, Exception]] = {}
        self.next_auditid = 100
        self.omit: set[str] = set()  # fields get_latest_auditstatus leaves out (WeChat does not always send them)
        self.after: dict[str, Any] = {}  # path -> what another party does right after that write lands
        self.now, self.exp_time = 1000, 0
        self.dropped: set[str] = set()  # server domains a platform release would drop
        self.omitted: set[str] = set()  # fields get_effective_domain leaves out of its answer
        self.sent: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, args) of every planned call

    # --- helpers ---
    def lose(self, path: str, when: str, error: Exception | None = None) -> None:
        self.faults[path] = (when, error or AmbiguousWriteError("no answer", endpoint=path))

    def _write(self, path: str, effect: Any) -> Any:
        self.writes.append(path)
        when, error = self.faults.pop(path, ("", None))
        if when == "before" and error:
            raise error
        result = effect()
        if path in self.after:
            self.after.pop(path)()
        if error:
            raise error
        return result

    def latest(self) -> dict[str, Any] | None:
        return self.audits[-1] if self.audits else None

    def decide(self, status: int, reason: str = "", screenshots: str = "") -> None:
        audit = self.latest()
        assert audit is not None
        audit.update(status=status, reason=reason, ScreenShot=screenshots)

    def _do_release(self, audit: dict[str, Any]) -> None:
        if self.live:
            self.history.insert(0, {"app_version": len(self.history) + 1, "user_version": self.live})
        self.live = audit["user_version"]
        self.released_auditids.add(audit["auditid"])
        if self.gray:
            self.gray = None

    # --- reads ---
    def get_version_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self.exp:
            info["exp_info"] = {"exp_version": self.exp, "exp_time": self.exp_time}
        if self.live:
            info["release_info"] = {"release_version": self.live}
        return info

    def get_latest_audit_status(self) -> dict[str, Any]:
        audit = self.latest()
        if audit is None:
            raise NotFoundError(85058, "no valid audit_id exist", "wxa/get_latest_auditstatus")
        return {key: value for key, value in audit.items() if key not in self.omit}

    def get_audit_status(self, auditid: int) -> dict[str, Any]:
        audit = next((a for a in self.audits if a["auditid"] == auditid), None)
        if audit is None:
            raise NotFoundError(85012, "invalid audit id", "wxa/get_auditstatus")
        return {"status": audit["status"]}

    def get_gray_release_plan(self) -> dict[str, Any]:
        return dict(self.gray or {"status": 0, "gray_percentage": 0})

    def get_effective_domain(self) -> dict[str, Any]:
        lists = {"requestdomain": ["https://api.shop.example.com"]}
        kept = {t: [u for u in v if u not in self.dropped] for t, v in lists.items()}
        answer = {"mp_domain": {}, "third_domain": lists, "direct_domain": {}, "effective_domain": kept}
        return {key: value for key, value in answer.items() if key not in self.omitted}

    def get_effective_webview_domains(self) -> dict[str, Any]:
        return {"third_webviewdomain": ["https://h5.shop.example.com"],
                "effective_webviewdomain": ["h5.shop.example.com"]}

    def get_history_versions(self) -> list[dict[str, Any]]:
        return [dict(item) for item in self.history]

    def query_quota(self) -> dict[str, Any]:
        return {"rest": self.rest, "limit": self.limit, "speedup_rest": 0, "speedup_limit": 0}

    # --- writes: the executor sends each planned call through send(), exactly as planned ---
    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((method, path, dict(args)))
        if path == COMMIT:
            return self.commit(args["template_id"], args["ext_json"], args["user_version"], args["user_desc"])
        if path == SUBMIT:
            return {"auditid": self.submit_audit(**args)}
        if path == RELEASE:
            return self.release()
        if path == GRAY:
            return self.gray_release(args["gray_percentage"], args["support_debuger_first"],
                                     args["support_experiencer_first"])
        if path == ROLLBACK:
            return self.revert_code_release(int(args["app_version"]))
        return {UNDO: self.undo_audit, REVERT_GRAY: self.revert_gray_release}[path]()

    def commit(self, template_id: int, ext_json: Any, user_version: str, user_desc: str) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            self.commit_as(user_version)
            return {}

        return self._write(COMMIT, effect)

    def commit_as(self, version: str) -> None:
        self.now += 1
        self.exp, self.exp_time = version, self.now

    def submit_audit(self, **fields: Any) -> int:
        def effect() -> int:
            latest = self.latest()
            if latest and latest["status"] in (2, 4):
                raise ConflictError(85009, "already submit a version under auditing", "wxa/submit_audit")
            self.rest -= 1
            self.next_auditid += 1
            self.now += 1
            self.audits.append({"auditid": self.next_auditid, "status": 2, "user_version": self.exp,
                                "reason": "", "ScreenShot": "", "fields": fields, "submit_audit_time": self.now})
            return self.next_auditid

        return int(self._write(SUBMIT, effect))

    def undo_audit(self) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            self.decide(3)
            return {}

        return self._write(UNDO, effect)

    def release(self) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            audit = self.latest()
            assert audit and audit["status"] == 0 and audit["auditid"] not in self.released_auditids
            self._do_release(audit)
            return {}

        return self._write(RELEASE, effect)

    def gray_release(self, percentage: int, support_debuger_first: bool = False,
                     support_experiencer_first: bool = False) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            audit = self.latest()
            assert audit and audit["status"] == 0 and self.live
            assert self.gray is None or percentage > self.gray["gray_percentage"]
            # WeChat's whole-second clock: a plan started right after its audit was decided at once ties with
            # the audit's submit_audit_time; widening keeps the plan's start
            started = self.gray["create_timestamp"] if self.gray else self.now
            self.gray = {"status": 1, "gray_percentage": percentage, "create_timestamp": started}
            if percentage == 100:
                self._do_release(audit)
            return {}

        return self._write(GRAY, effect)

    def revert_gray_release(self) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            self.gray = None
            return {}

        return self._write(REVERT_GRAY, effect)

    def revert_code_release(self, app_version: int | None = None) -> dict[str, Any]:
        def effect() -> dict[str, Any]:
            assert self.gray is None
            target = next(item for item in self.history if item["app_version"] == app_version)
            self.history.remove(target)
            self.history.insert(0, {"app_version": 99, "user_version": self.live})
            self.live = target["user_version"]
            return {}

        return self._write(ROLLBACK, effect)


def release_spec(version: str = "1.1.0", percentage: int = 100, wait: int = 0, **extra: Any) -> dict[str, Any]:
    return {"version": version, "description": "cart", "source": {"template_id": 2},
            "audit": {"version_desc": "new cart"}, "rollout": {"gray_percentage": percentage},
            "wait_for_audit_minutes": wait, **extra}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeWeChat:
    wechat = FakeWeChat()
    monkeypatch.setattr(providers._clients, "client_for", lambda *args: wechat)
    # the template library (component token) as the plan reads it: template 2 is 1.1.0's code
    monkeypatch.setattr("providers.release.source_state", lambda ctx, desired: {
        "template_id": desired["source"]["template_id"],
        "template": {"user_version": "1.1.0", "user_desc": "cart and coupons", "create_time": 1700000000}})
    return wechat


def execute(provider: ReleaseProvider, spec: dict[str, Any], plan: Any, live: Any = None,
            olds: dict[str, Any] | None = None) -> dict[str, Any]:
    """What update() does with a plan made earlier: the executor, then the record it keeps."""
    ctx, desired = provider.context(props(spec)), provider.normalize(spec)
    run = Run(ctx, plan, live, lambda: provider.replan(ctx, desired, olds), olds=olds, desired=desired)
    provider.execute(run)
    return provider.record(run, desired, olds)


@pytest.fixture
def provider() -> ReleaseProvider:
    provider = ReleaseProvider()
    provider._settings = Settings(base_url="http://emulator.invalid",
                                  config={"wechat-iac:auditPollSeconds": "1"})
    return provider


def props(spec: dict[str, Any], credentials: dict[str, Any] = PLATFORM) -> dict[str, Any]:
    return {"appid": APPID, "credentials": credentials, "spec": spec}


def up(provider: ReleaseProvider, spec: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
    """One `pulumi up`: create the first time, then update only when diff() reports changes."""
    if olds is None:
        return provider.create(props(spec)).outs or {}
    if not provider.diff("id", olds, props(spec)).changes:
        return olds
    return provider.update("id", olds, props(spec)).outs or {}


def test_first_release_across_two_ups(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    outs = up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT]
    assert (outs["phase"], outs["version"], outs["auditid"]) == ("auditing", "1.1.0", 101)
    assert fake.latest()["fields"] == {"version_desc": "new cart", "privacy_api_not_use": False}  # type: ignore[index]

    outs = up(provider, release_spec(), outs)  # still under audit: no write
    assert fake.writes == [COMMIT, SUBMIT]
    assert outs["phase"] == "auditing"

    fake.decide(0)
    outs = up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT, RELEASE]
    assert (outs["phase"], outs["gray_percentage"]) == ("released", 100)

    up(provider, release_spec(), outs)  # nothing to do: diff reports no change, no write
    assert fake.writes == [COMMIT, SUBMIT, RELEASE]
    assert not provider.diff("id", outs, props(release_spec())).changes


@pytest.mark.parametrize("error", [AmbiguousWriteError("lost", endpoint="wxa/commit"),
                                   ServerBusyError(-1, "system error", "wxa/commit")])
def test_commit_answer_lost_after_it_landed(fake: FakeWeChat, provider: ReleaseProvider, error: Exception) -> None:
    fake.lose(COMMIT, "after", error)
    outs = up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT]  # settled by re-reading; never sent twice
    assert outs["phase"] == "auditing"


def test_submit_answer_lost_after_it_landed(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.lose(SUBMIT, "after", ServerBusyError(-1, "system error", "wxa/submit_audit"))
    outs = up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT]
    assert outs["auditid"] == 101 and len(fake.audits) == 1

    up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT]


def test_submit_lost_before_it_landed_stops_and_the_next_up_submits_once(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    fake.lose(SUBMIT, "before")
    with pytest.raises(RefusedError, match="did not take effect"):
        up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT] and fake.audits == []
    # the engine keeps no outputs for a failed create; the next up starts from the live state
    up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT, SUBMIT]  # no second commit; the first submit never landed
    assert len(fake.audits) == 1


def test_stale_plan_is_rechecked_before_commit_and_submit(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    desired = provider.normalize(release_spec())
    plan = decide(APPID, desired, snapshot({}, None, None), None)  # made before someone else acted
    assert [call.path for call in plan.calls] == [COMMIT, SUBMIT]
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 55, "status": 2, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    record = execute(provider, release_spec(), plan)
    assert fake.writes == []
    assert (record["phase"], record["auditid"]) == ("auditing", 55)  # the guards read it: nothing was written


def test_quota_spent_refuses_before_any_write(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.rest = 0
    with pytest.raises(RefusedError, match="quota is spent"):
        up(provider, release_spec(), None)
    assert fake.writes == []
    text = "\n".join(decide(APPID, provider.normalize(release_spec()), {
        **snapshot({}, None, None), "quota": {"rest": 3, "limit": 20}}, None).lines())
    assert "3 left" in text


def test_quota_spent_between_plan_and_submit(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    desired = provider.normalize(release_spec())
    plan = decide(APPID, desired, {**snapshot({}, None, None), "quota": {"rest": 1, "limit": 20}}, None)
    fake.rest = 0
    with pytest.raises(RefusedError, match="quota is spent"):
        execute(provider, release_spec(), plan)
    assert fake.writes == [COMMIT]


def test_waits_for_the_audit_then_releases(fake: FakeWeChat, provider: ReleaseProvider,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        fake.decide(0)

    monkeypatch.setattr("providers.release.time.sleep", sleep)
    outs = up(provider, release_spec(wait=5), None)
    assert fake.writes == [COMMIT, SUBMIT, RELEASE]
    assert naps == [1.0]  # stack config auditPollSeconds
    assert outs["phase"] == "released"


def test_wait_ends_without_a_decision(fake: FakeWeChat, provider: ReleaseProvider,
                                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    monkeypatch.setattr("providers.release.time.monotonic", lambda: now[0])
    monkeypatch.setattr("providers.release.time.sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    outs = up(provider, release_spec(wait=1), None)
    assert fake.writes == [COMMIT, SUBMIT]
    assert now[0] == pytest.approx(60.0)
    assert outs["phase"] == "auditing", "the outputs record where it stopped"
    # an `unfinished` event: the runner exits non-zero with this as its last line
    assert "audit 101 of 1.1.0 is still under review after 1 min: not released yet" in capsys.readouterr().out


def test_up_sends_exactly_the_planned_calls_arguments_included(fake: FakeWeChat, provider: ReleaseProvider,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("providers.release.time.sleep", lambda _: fake.decide(0))
    spec = release_spec(wait=5, description="cart and coupons")
    plan, _ = provider.observe(provider.context(props(spec)), props(spec), None)
    up(provider, spec, None)
    assert fake.sent == [(call.method, call.path, dict(call.args)) for call in plan.calls]
    commit = plan.calls[0]
    assert commit.args == {"template_id": 2, "ext_json": "{}", "user_version": "1.1.0", "user_desc": "cart and coupons"}
    assert "template 2 (made from version 1.1.0: cart and coupons, drafted 2023-11-14" in commit.summary


def test_a_template_made_from_another_version_is_said_loudly(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    spec = release_spec(version="1.2.0")
    plan, _ = provider.observe(provider.context(props(spec)), props(spec), None)
    assert any(w.startswith("CODE: template 2 was made from version 1.1.0, not 1.2.0") for w in plan.warnings)


def test_a_changed_source_for_a_committed_version_is_refused(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    outs = up(provider, release_spec(), None)  # 1.1.0 committed from template 2 (and under audit)
    fake.decide(3)  # withdrawn: 1.1.0 would be submitted again, from what is committed
    changed = {**release_spec(), "source": {"template_id": 3}}
    with pytest.raises(RefusedError, match=r"release\.source changed, but 1\.1\.0 is already committed"):
        up(provider, changed, outs)
    assert fake.writes == [COMMIT, SUBMIT]


def test_rejection_during_the_wait_fails_with_the_reason(fake: FakeWeChat, provider: ReleaseProvider,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("providers.release.time.sleep", lambda _: fake.decide(1, "no privacy guide", "m1|m2"))
    with pytest.raises(RefusedError, match="no privacy guide") as failure:
        up(provider, release_spec(wait=5), None)
    assert "m1, m2" in str(failure.value)
    assert fake.writes == [COMMIT, SUBMIT]


def test_rejected_then_a_new_version(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    outs = up(provider, release_spec(), None)
    fake.decide(1, "crashes on start", "m9")
    with pytest.raises(RefusedError, match="crashes on start"):
        up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT]
    outs = up(provider, release_spec(version="1.1.1"), outs)
    assert fake.writes == [COMMIT, SUBMIT, COMMIT, SUBMIT]
    assert outs["phase"] == "auditing" and fake.latest()["user_version"] == "1.1.1"  # type: ignore[index]


def test_gray_10_50_100(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    outs = up(provider, release_spec(percentage=10), None)
    fake.decide(0)
    outs = up(provider, release_spec(percentage=10), outs)
    assert (outs["phase"], outs["gray_percentage"]) == ("released", 10)
    outs = up(provider, release_spec(percentage=50), outs)
    assert fake.gray is not None and fake.gray["gray_percentage"] == 50
    outs = up(provider, release_spec(percentage=100), outs)
    assert fake.writes == [COMMIT, SUBMIT, GRAY, GRAY, RELEASE]
    assert fake.live == "1.1.0" and outs["gray_percentage"] == 100
    up(provider, release_spec(), outs)
    assert fake.writes[-1] == RELEASE  # no more writes


def test_a_gray_rollout_started_in_the_second_of_its_audit_is_recorded_as_vs(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    """WeChat's times are whole seconds: a gray plan that started in the second V's audit was submitted may be
    an earlier version's, as far as WeChat's answers tell. This run's grayrelease names it, even when its
    answer was lost and a read settled it, so the next `up` has nothing to do (no cancel and restart)."""
    fake.exp, fake.now = "1.1.0", 1000
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": "",
                        "submit_audit_time": 1000})  # decided at once, as the demo platform does
    fake.lose(GRAY, "after")
    outs = up(provider, release_spec(percentage=20), None)
    assert fake.gray is not None and fake.gray["create_timestamp"] == 1000, "the tie this test is about"
    assert (outs["phase"], outs["version"], outs["gray_percentage"]) == ("released", "1.1.0", 20)
    up(provider, release_spec(percentage=20), outs)
    assert fake.writes == [GRAY], "the next up leaves V's own rollout alone"


def test_lowering_gray_cancels_and_restarts(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    fake.gray = {"status": 1, "gray_percentage": 50}
    outs = up(provider, release_spec(percentage=20), None)
    assert fake.writes == [REVERT_GRAY, GRAY]
    assert fake.gray is not None and fake.gray["gray_percentage"] == 20
    assert outs["gray_percentage"] == 20


def test_rollback(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.live = "1.1.0"
    fake.history = [{"app_version": 2, "user_version": "1.0.0"}, {"app_version": 1, "user_version": "0.9.0"}]
    outs = up(provider, release_spec(version="0.9.0"), None)
    assert fake.writes == [ROLLBACK]
    assert fake.live == "0.9.0" and outs["phase"] == "released"


def test_withdraw_only_when_allowed(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 2, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    with pytest.raises(RefusedError, match="allow_withdraw"):
        up(provider, release_spec(version="1.2.0"), None)
    assert fake.writes == []
    outs = up(provider, release_spec(version="1.2.0", allow_withdraw=True), None)
    assert fake.writes == [UNDO, COMMIT, SUBMIT]
    assert fake.audits[0]["status"] == 3 and outs["auditid"] == 101


def test_withdraw_skipped_when_the_other_audit_ended_meanwhile(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    desired = provider.normalize(release_spec(version="1.2.0", allow_withdraw=True))
    fake.audits.append({"auditid": 7, "status": 2, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    plan = decide(APPID, desired, snapshot(fake.get_version_info(), fake.get_latest_audit_status(), None), None)
    fake.decide(0)  # the other audit passed between the plan and the withdrawal
    execute(provider, release_spec(version="1.2.0", allow_withdraw=True), plan)
    assert fake.writes == [COMMIT, SUBMIT]


def test_owner_mode_needs_no_client(provider: ReleaseProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_client(*args: Any) -> Any:
        raise AssertionError("owner mode must not build a client (it cannot read or write releases)")

    monkeypatch.setattr(providers._clients, "client_for", no_client)
    owner = {"mode": "owner", "app_secret_config": "appSecret"}
    assert provider.diff("id", {}, props(release_spec(), owner)).changes
    outs = provider.create(props(release_spec(), owner)).outs or {}
    assert outs["phase"] == "unknown" and len(outs["manual_steps"]) == 3


def test_owner_mode_is_manual_steps(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    owner = {"mode": "owner", "app_secret_config": "appSecret"}
    plan, live = provider.observe(provider.context(props(release_spec(), owner)), props(release_spec(), owner), None)
    assert live is None and plan.calls == []
    assert len(plan.manual) == 3 and all("mp.weixin.qq.com" in step.text for step in plan.manual)
    outs = provider.create(props(release_spec(), owner)).outs or {}
    assert fake.writes == []
    assert len(outs["manual_steps"]) == 3


def test_delete_forgets(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    outs = up(provider, release_spec(), None)
    provider.delete("id", outs)
    assert fake.writes == [COMMIT, SUBMIT]


def test_conflict_on_release_that_already_happened_is_settled(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    desired = provider.normalize(release_spec())
    plan = decide(APPID, desired, snapshot(fake.get_version_info(), fake.get_latest_audit_status(), None), None)
    fake.lose(RELEASE, "after", ConflictError(85052, "app is already released", "wxa/release"))
    record = execute(provider, release_spec(), plan)
    assert fake.writes == [RELEASE] and record["phase"] == "released"


def test_owner_mode_plans_the_folder_upload_and_fails_with_the_reason_when_it_cannot_run(
    fake: FakeWeChat, provider: ReleaseProvider, tmp_path: Any
) -> None:
    owner = {"mode": "owner", "app_secret_config": "appSecret"}
    spec = {**release_spec(), "source": {"path": str(tmp_path)}}
    plan, _ = provider.observe(provider.context(props(spec, owner)), props(spec, owner), None)
    assert [call.path for call in plan.calls] == ["miniprogram-ci:upload-own"], "owner credentials can upload"
    assert len(plan.manual) == 3  # the rest is the console's
    with pytest.raises(RefusedError, match="uploader"):  # (preflight says so before any resource is touched)
        provider.create(props(spec, owner))
    assert fake.writes == []


# --- WeChat as it really answers: fields left out, another party acting between our calls -------------


@pytest.mark.parametrize("omit", [{"user_version"}, {"user_version", "submit_audit_time"},
                                  {"user_version", "reason", "ScreenShot"}])
def test_audit_answers_without_user_version_never_lead_to_a_second_submission(
    fake: FakeWeChat, provider: ReleaseProvider, omit: set[str]
) -> None:
    """WeChat does not always send user_version: the auditid submit_audit returned is kept, and the
    clocks (submit_audit_time >= exp_time) tell the rest. Three ups, one audit, then the release."""
    fake.omit = omit
    outs = up(provider, release_spec(), None)
    assert outs["auditid"] == 101 and outs["phase"] == "auditing"
    outs = up(provider, release_spec(), outs)
    outs = up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT] and fake.rest == 19
    fake.decide(0)
    outs = up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT, RELEASE] and fake.live == "1.1.0" and outs["phase"] == "released"


def test_without_user_version_the_first_up_waits_and_releases_with_one_submission(
    fake: FakeWeChat, provider: ReleaseProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.omit = {"user_version", "submit_audit_time", "reason", "ScreenShot"}
    monkeypatch.setattr("providers.release.time.sleep", lambda _: fake.decide(0))
    outs = up(provider, release_spec(wait=5), None)
    assert fake.writes == [COMMIT, SUBMIT, RELEASE] and outs["phase"] == "released"


def test_a_lost_submit_answer_without_user_version_is_settled_by_the_new_audit(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    fake.omit = {"user_version", "submit_audit_time"}
    fake.lose(SUBMIT, "after")
    outs = up(provider, release_spec(), None)
    assert fake.writes == [COMMIT, SUBMIT] and outs["auditid"] == 101
    up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT]


def test_another_party_committing_between_our_commit_and_submit_stops_the_submission(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    fake.after[COMMIT] = lambda: fake.commit_as("9.9.9")  # the console, right after our commit
    with pytest.raises(RefusedError, match=r"experience version is now 9\.9\.9, not 1\.1\.0") as failure:
        up(provider, release_spec(), None)
    assert "nothing was submitted" in str(failure.value)
    assert fake.writes == [COMMIT] and fake.audits == [] and fake.rest == 20


def test_release_refused_when_the_latest_approved_audit_is_not_v(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    desired = provider.normalize(release_spec())
    plan = decide(APPID, desired, snapshot(fake.get_version_info(), fake.get_latest_audit_status(), None), None)
    fake.audits.append({"auditid": 8, "status": 0, "user_version": "9.9.9", "reason": "", "ScreenShot": ""})
    with pytest.raises(RefusedError, match="latest approved audit"):
        execute(provider, release_spec(), plan)
    assert fake.writes == [] and fake.live == "1.0.0"


def test_v_approved_then_replaced_by_a_later_audit_is_not_submitted_again(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    outs = up(provider, release_spec(), None)
    fake.decide(0)
    fake.commit_as("9.9.9")  # someone else commits and submits 9.9.9, which passes
    fake.now += 1
    fake.audits.append({"auditid": 200, "status": 0, "user_version": "9.9.9", "reason": "", "ScreenShot": "",
                        "submit_audit_time": fake.now})
    with pytest.raises(RefusedError, match="was submitted already"):
        up(provider, release_spec(), outs)
    assert fake.writes == [COMMIT, SUBMIT]  # planned from the live state: neither committed nor submitted again


# --- a platform release keeps only the platform's domains -----------------------------------------

DECLARED = {"server": {"requestdomain": ["https://api.shop.example.com"]}, "webview": ["h5.shop.example.com"]}


def test_a_release_that_would_drop_a_declared_domain_is_refused_before_any_write(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    fake.dropped = {"https://api.shop.example.com"}
    spec = {**release_spec(), "declared_domains": DECLARED}
    with pytest.raises(RefusedError, match=r"would drop domains the spec declares: request https://api\.shop") as info:
        up(provider, spec, None)
    assert "modify_wxa_server_domain" in str(info.value) and "accept_domain_loss" in str(info.value)
    assert fake.writes == [] and fake.live == "1.0.0"
    # acknowledged in the spec: released
    outs = up(provider, {**spec, "accept_domain_loss": ["api.shop.example.com"]}, None)
    assert fake.writes == [RELEASE] and outs["phase"] == "released"


def test_an_answer_without_effective_domain_is_unknown_not_everything_dropped(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    """WeChat's get_effective_domain may leave `effective_domain` out: that tells nothing about what the
    release keeps. Refused (nothing released on a guess), and the message says so, never "would drop"."""
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    fake.omitted = {"effective_domain"}
    spec = {**release_spec(), "declared_domains": DECLARED}
    plan, _ = provider.observe(provider.context(props(spec)), props(spec), None)
    assert "cannot tell whether releasing 1.1.0" in str(plan.blocked), "the plan says what up will do"
    with pytest.raises(RefusedError, match=r"cannot tell whether releasing 1\.1\.0") as info:
        up(provider, spec, None)
    assert "would drop" not in str(info.value) and "effective_domain" in str(info.value)
    assert fake.writes == [] and fake.live == "1.0.0"
    outs = up(provider, {**spec, "accept_domain_loss": ["api.shop.example.com"]}, None)
    assert fake.writes == [RELEASE] and outs["phase"] == "released"


def test_a_submission_warns_that_the_release_after_it_would_drop_a_declared_domain(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    fake.dropped = {"https://api.shop.example.com"}
    spec = {**release_spec(), "declared_domains": DECLARED}
    plan, _ = provider.observe(provider.context(props(spec)), props(spec), None)
    assert plan.blocked is None and [call.path for call in plan.calls] == [COMMIT, SUBMIT]
    assert any("would be refused" in warning for warning in plan.warnings)


def test_the_domain_guard_rereads_right_before_the_release(fake: FakeWeChat, provider: ReleaseProvider) -> None:
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    spec = provider.normalize({**release_spec(), "declared_domains": DECLARED})
    plan = decide(APPID, spec, {**snapshot(fake.get_version_info(), fake.get_latest_audit_status(), None)}, None)
    fake.dropped = {"https://api.shop.example.com"}  # the platform's list changed after the plan was made
    with pytest.raises(RefusedError, match="would drop"):
        execute(provider, {**release_spec(), "declared_domains": DECLARED}, plan)
    assert fake.writes == []


def test_a_declared_domain_this_up_sets_first_is_judged_right_before_the_release(
    fake: FakeWeChat, provider: ReleaseProvider
) -> None:
    """The spec declares a domain the mini-program does not have yet: the domain resources set it in this
    very `up`, before the release (it depends on them), so the plan does not call it dropped (that would
    block a release `up` then makes); the guard judges it right before the release."""
    fake.exp = "1.1.0"
    fake.audits.append({"auditid": 7, "status": 0, "user_version": "1.1.0", "reason": "", "ScreenShot": ""})
    declared = {"server": {"requestdomain": ["https://api.shop.example.com", "https://new.shop.example.com"]}}
    spec = {**release_spec(), "declared_domains": declared}
    plan, _ = provider.observe(provider.context(props(spec)), props(spec), None)
    assert plan.blocked is None and [call.path for call in plan.calls] == [RELEASE]
    with pytest.raises(RefusedError, match=r"would drop domains the spec declares: request https://new\.shop"):
        up(provider, spec, None)  # still not in force at the release (nothing set it): refused, not released
    assert fake.writes == [] and fake.live == "1.0.0"


SERVER_ANSWER = {"mp_domain": {"requestdomain": ["https://a.example.com"]},
                 "third_domain": {"requestdomain": ["https://api.shop.example.com"]},
                 "direct_domain": {}, "effective_domain": {"requestdomain": ["https://api.shop.example.com"]}}
WEBVIEW_ANSWER = {"mp_webviewdomain": [], "third_webviewdomain": ["h5.shop.example.com"],
                  "direct_webviewdomain": [], "effective_webviewdomain": ["h5.shop.example.com"]}


@pytest.mark.parametrize(("answer", "field"), [("server", key) for key in SERVER_ANSWER]
                         + [("webview", key) for key in WEBVIEW_ANSWER])
def test_effective_domain_answers_with_any_field_left_out(answer: str, field: str) -> None:
    """No field of get_effective_domain / get_effective_webviewdomain is promised: each left out, the
    read never fails, and only a missing `effective_*` list makes that part unknown (never dropped)."""
    server = {k: v for k, v in SERVER_ANSWER.items() if not (answer == "server" and k == field)}
    webview = {k: v for k, v in WEBVIEW_ANSWER.items() if not (answer == "webview" and k == field)}
    domains = release_domains.read(server, webview)
    unknown = field.startswith("effective_")
    assert domains["unread"] == ([answer] if unknown else [])
    assert release_domains.unjudged(DECLARED, domains) == ([answer] if unknown else [])
    declared_lost, _others = release_domains.lost(DECLARED, domains)
    assert declared_lost == [], "a part WeChat did not tell about is never called dropped"
