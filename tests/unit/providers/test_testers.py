"""providers.testers: the plan table (desired, live userstrs, old outputs) and the writes behind it.

A fake of WeChat's three member endpoints stands in for the client: userstr is "u-<wechat id>", a
bind of someone already bound answers 85004, and any write can lose its answer before or after it
lands. The e2e tests prove the same against the emulator with the real CLI.
"""

from __future__ import annotations

from typing import Any

import pytest

import providers._clients
from providers._errors import RefusedError
from providers._plan import UNKNOWN
from providers._settings import Settings
from providers.testers import TestersProvider, decide
from wechat import AmbiguousWriteError, APIError, api_error

APPID = "wx2222222222222222"
PLATFORM = {"mode": "platform", "component_appid": "wx1111111111111111"}
OWNER = {"mode": "owner", "secret_config": "appSecret"}


class FakeWeChat:
    def __init__(self, *bound: str) -> None:
        self.bound = {wechat_id: f"u-{wechat_id}" for wechat_id in bound}
        self.writes: list[tuple[str, str]] = []  # every write that reached "WeChat", landed or not
        self.reads = 0
        self.faults: dict[tuple[str, str], tuple[str, Exception]] = {}

    def lose(self, op: str, target: str, when: str, error: Exception | None = None) -> None:
        self.faults[(op, target)] = (when, error or AmbiguousWriteError("no answer", endpoint=op))

    def _write(self, op: str, target: str, effect: Any) -> Any:
        self.writes.append((op, target))
        when, error = self.faults.pop((op, target), ("", None))
        if when == "before" and error:
            raise error
        result = effect()
        if error:
            raise error
        return result

    def list_testers(self) -> list[str]:
        self.reads += 1
        return sorted(self.bound.values())

    def bind_tester(self, wechatid: str) -> str:
        def effect() -> str:
            if wechatid.startswith("nonexistent"):
                raise api_error(85001, "user not exist or user cannot be searched", "wxa/bind_tester")
            if wechatid in self.bound:
                raise api_error(85004, "user already bind", "wxa/bind_tester")
            if len(self.bound) >= 3:
                raise api_error(85002, "number of tester reach bind limit", "wxa/bind_tester")
            self.bound[wechatid] = f"u-{wechatid}"
            return self.bound[wechatid]

        return str(self._write("bind", wechatid, effect))

    def unbind_tester(self, wechatid: str | None = None, userstr: str | None = None) -> None:
        def effect() -> None:
            for bound, ustr in list(self.bound.items()):
                if bound == wechatid or ustr == userstr:
                    del self.bound[bound]

        self._write("unbind", str(wechatid or userstr), effect)

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        """The executor's one entry point: the planned call exactly as planned."""
        assert method == "POST"
        if path == "/wxa/bind_tester":
            return {"userstr": self.bind_tester(**args)}
        assert path == "/wxa/unbind_tester", path
        self.unbind_tester(**args)
        return {}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeWeChat:
    wechat = FakeWeChat()
    monkeypatch.setattr(providers._clients, "client_for", lambda *args: wechat)
    return wechat


@pytest.fixture
def provider() -> TestersProvider:
    provider = TestersProvider()
    provider._settings = Settings(base_url="http://emulator.invalid", config={})
    return provider


def spec(*members: str, authoritative: bool = False) -> dict[str, Any]:
    return {"members": list(members), "authoritative": authoritative}


def props(spec: dict[str, Any], credentials: dict[str, Any] = PLATFORM) -> dict[str, Any]:
    return {"appid": APPID, "credentials": credentials, "spec": spec}


def olds(*members: str, userstrs: dict[str, str] | None = None, unmapped: tuple[str, ...] = ()) -> dict[str, Any]:
    """The outputs the last `up` left: the roster it declared, the userstrs it learned."""
    return {"spec": spec(*members), "userstrs": userstrs or {}, "unmapped": list(unmapped)}


def up(provider: TestersProvider, desired: dict[str, Any], old: dict[str, Any] | None,
       credentials: dict[str, Any] = PLATFORM) -> dict[str, Any]:
    """One `pulumi up`: create the first time, then update only when diff() reports changes."""
    if old is None:
        return provider.create(props(desired, credentials)).outs or {}
    if not provider.diff("id", old, props(desired, credentials)).changes:
        return old
    return provider.update("id", old, props(desired, credentials)).outs or {}


A, B, X = "alice_wx", "bob_wx", "u-console-x"  # X: a userstr bound in the console, unknown to us
ALICE = {A: "u-alice_wx"}


# (desired, live userstrs, old outputs) -> (writes in order, item changes, a warning fragment)
PLANS = {
    "create binds each tester": (
        spec(A, B), [], None,
        [("bind", A), ("bind", B)], [f"+ members: {A}", f"+ members: {B}"], None),
    "create keeps a console tester, with a warning": (
        spec(A), [X], None,
        [("bind", A)], [f"+ members: {A}"], "bound outside Pulumi (userstr u-console-x): kept"),
    "authoritative unbinds the console tester first": (
        spec(A, authoritative=True), [X], None,
        [("unbind", X), ("bind", A)],
        ["- members: tester u-console-… (bound outside Pulumi) (drift: changed outside Pulumi)", f"+ members: {A}"],
        None),
    "no-op writes nothing": (
        spec(A), ["u-alice_wx"], olds(A, userstrs=ALICE),
        [], [], None),
    "no-op with a console tester warns and writes nothing": (
        spec(A), ["u-alice_wx", X], olds(A, userstrs=ALICE),
        [], [], "kept, because `authoritative` is false"),
    "unbound in the console: bound again": (
        spec(A), [], olds(A, userstrs=ALICE),
        [("bind", A)], [f"+ members: {A} (drift: changed outside Pulumi)"], None),
    "removed from the spec: unbound by userstr": (
        spec(), ["u-alice_wx"], olds(A, userstrs=ALICE),
        [("unbind", "u-alice_wx")], [f"- members: {A}"], None),
    "removed from the spec and already unbound: nothing to call": (
        spec(), [], olds(A, userstrs=ALICE),
        [], [], None),
    "a WeChat id differing only in case is the same tester": (
        spec("Alice_WX"), ["u-alice_wx"], olds(A, userstrs=ALICE),
        [], [], None),
    "85004 earlier: kept, with a warning that it cannot be checked": (
        spec(A), [X], olds(A, unmapped=(A,)),
        [], [], "whether they still are cannot be checked"),
    "85004 earlier and no unknown userstr left: it was unbound, bind again": (
        spec(A), [], olds(A, unmapped=(A,)),
        [("bind", A)], [f"+ members: {A} (drift: changed outside Pulumi)"], None),
    "85004 earlier, removed from the spec: unbound by WeChat id": (
        spec(), [X], olds(A, unmapped=(A,)),
        [("unbind", A)], [f"- members: {A}"], "bound outside Pulumi"),
    "85004 earlier and authoritative: unknowns unbound, then bound again to learn the userstr": (
        spec(A, authoritative=True), [X], olds(A, unmapped=(A,)),
        [("unbind", X), ("bind", A)],
        ["- members: tester u-console-… (bound outside Pulumi) (drift: changed outside Pulumi)", f"+ members: {A}"],
        "they lose access for a moment"),
    "85004 earlier, removed, authoritative: unbound once, as one of the unknown userstrs": (
        spec(authoritative=True), [X], olds(A, unmapped=(A,)),
        [("unbind", X)],
        [f"- members: {A}", "- members: tester u-console-… (bound outside Pulumi) (drift: changed outside Pulumi)"],
        None),
    "unbinds come before binds (they free places)": (
        spec(B), ["u-alice_wx"], olds(A, userstrs=ALICE),
        [("unbind", "u-alice_wx"), ("bind", B)], [f"- members: {A}", f"+ members: {B}"], None),
}


@pytest.mark.parametrize(("desired", "live", "old", "writes", "changes", "warning"), PLANS.values(), ids=PLANS)
def test_plan_table(desired: dict[str, Any], live: list[str], old: dict[str, Any] | None,
                    writes: list[tuple[str, str]], changes: list[str], warning: str | None) -> None:
    plan = decide(APPID, desired, {"userstrs": live}, old)
    assert [(call.path.split("/")[-1].removesuffix("_tester"), call.args.get("wechatid") or call.args.get("userstr"))
            for call in plan.calls] == writes
    assert all(call.landed == "tester" for call in plan.calls), "a lost answer is settled by memberauth"
    assert [change.describe() for change in plan.changes] == changes
    assert plan.manual == []
    if warning is None:
        assert plan.warnings == []
    else:
        assert any(warning in text for text in plan.warnings), plan.warnings


@pytest.mark.parametrize(("desired", "live", "old", "writes", "changes", "warning"), PLANS.values(), ids=PLANS)
def test_up_makes_exactly_the_planned_writes(fake: FakeWeChat, provider: TestersProvider, desired: dict[str, Any],
                                             live: list[str], old: dict[str, Any] | None,
                                             writes: list[tuple[str, str]], changes: list[str],
                                             warning: str | None) -> None:
    by_userstr = {f"u-{w}": w for w in (A, B)} | {X: "console-x"}
    fake.bound = {by_userstr[u]: u for u in live}
    up(provider, desired, old)
    assert fake.writes == writes


def test_outputs_carry_the_userstr_map(fake: FakeWeChat, provider: TestersProvider) -> None:
    outs = up(provider, spec(A, B), None)
    assert outs["userstrs"] == {A: "u-alice_wx", B: "u-bob_wx"}
    assert outs["unmapped"] == [] and outs["manual_steps"] == []
    assert outs["spec"] == spec(A, B)

    fake.writes.clear()
    assert up(provider, spec(A, B), outs) is outs, "a no-op run is not even an update"
    assert fake.writes == []

    outs = up(provider, spec(A), outs)
    assert fake.writes == [("unbind", "u-bob_wx")]
    assert outs["userstrs"] == ALICE


def test_a_tester_dropped_after_a_console_unbind_leaves_the_map(fake: FakeWeChat, provider: TestersProvider) -> None:
    outs = up(provider, spec(A, B), None)
    fake.bound.pop(B)  # unbound in the console
    fake.writes.clear()
    outs = up(provider, spec(A), outs)
    assert fake.writes == []
    assert outs["userstrs"] == ALICE, "bob is no longer declared, so his userstr is no longer ours"


def test_85004_is_recorded_as_bound_with_an_unknown_userstr(fake: FakeWeChat, provider: TestersProvider,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake.bound = {A: "u-alice_wx"}  # bound in the console before Pulumi managed testers
    outs = up(provider, spec(A, B), None)
    assert fake.writes == [("bind", A), ("bind", B)], "never unbound and bound again to learn the userstr"
    assert outs["userstrs"] == {B: "u-bob_wx"}
    assert outs["unmapped"] == [A]
    assert "alice_wx: already a tester (85004)" in capsys.readouterr().out

    fake.writes.clear()
    assert up(provider, spec(A, B), outs) is outs
    assert fake.writes == [], "nothing changes on the next run"

    outs = up(provider, spec(B), outs)
    assert fake.writes == [("unbind", A)], "removed by WeChat id, the only handle we have"
    assert outs["unmapped"] == [] and A not in fake.bound


def test_a_lost_bind_answer_that_landed_is_settled_by_re_reading(fake: FakeWeChat, provider: TestersProvider) -> None:
    fake.bound = {"console-x": X}
    fake.lose("bind", A, "after")
    outs = up(provider, spec(A), None)
    assert fake.writes == [("bind", A)], "the list shows one new userstr: it landed, nothing is sent again"
    assert fake.reads == 2, "the plan's read, then one re-read"
    assert outs["userstrs"] == ALICE


def test_a_lost_bind_answer_that_did_not_land_is_not_sent_again(fake: FakeWeChat, provider: TestersProvider) -> None:
    fake.lose("bind", A, "before")
    with pytest.raises(RefusedError, match="did not take effect, and it was not sent again"):
        up(provider, spec(A), None)
    assert fake.writes == [("bind", A)]
    assert up(provider, spec(A), None)["userstrs"] == ALICE, "the next up does what is missing"


def test_errcode_minus_1_on_bind_is_settled_the_same_way(fake: FakeWeChat, provider: TestersProvider) -> None:
    fake.lose("bind", A, "after", api_error(-1, "system error", "wxa/bind_tester"))
    outs = up(provider, spec(A), None)
    assert fake.writes == [("bind", A)]
    assert outs["userstrs"] == ALICE


def test_a_lost_unbind_answer_is_not_resent_when_it_landed(fake: FakeWeChat, provider: TestersProvider) -> None:
    outs = up(provider, spec(A), None)
    fake.writes.clear()
    fake.lose("unbind", "u-alice_wx", "after")
    outs = up(provider, spec(), outs)
    assert fake.writes == [("unbind", "u-alice_wx")]
    assert outs["userstrs"] == {}


@pytest.mark.parametrize(
    ("bound", "members", "fragments"),
    [
        ((), ["nonexistent_wx"], ["errcode 85001", "nonexistent_wx does not exist", "微信号"]),
        (("c1", "c2", "c3"), [A], ["errcode 85002", "already has 3 testers", "personal: 15",
                                   "organization, verified and published: 90"]),
    ],
)
def test_bind_failures_say_who_and_why(fake: FakeWeChat, provider: TestersProvider, bound: tuple[str, ...],
                                       members: list[str], fragments: list[str]) -> None:
    fake.bound = {wechat_id: f"u-{wechat_id}" for wechat_id in bound}
    with pytest.raises(APIError) as failure:
        up(provider, spec(*members), None)
    for fragment in fragments:
        assert fragment in str(failure.value)


def test_85003_names_the_person_and_the_limit(fake: FakeWeChat, provider: TestersProvider) -> None:
    fake.lose("bind", A, "before", api_error(85003, "user already bind too many weapps", "wxa/bind_tester"))
    with pytest.raises(APIError, match=r"alice_wx already tests 50 mini-programs") as failure:
        up(provider, spec(A), None)
    assert failure.value.errcode == 85003


def test_a_failure_midway_says_what_was_already_done(fake: FakeWeChat, provider: TestersProvider) -> None:
    with pytest.raises(APIError) as failure:
        up(provider, spec(A, "nonexistent_wx"), None)
    message = str(failure.value)
    assert "Already done in this run: bind alice_wx as a tester" in message
    assert "unknown userstr" in message
    assert fake.writes == [("bind", A), ("bind", "nonexistent_wx")]


def test_owner_mode_shows_the_roster_against_unknown_in_every_plan(fake: FakeWeChat, provider: TestersProvider) -> None:
    outs = up(provider, spec(A, B), None, OWNER)
    assert fake.writes == [] and fake.reads == 0, "owner tokens can neither read nor write testers (48001)"
    console = "in mp.weixin.qq.com → 管理 → 成员管理 → 体验成员: "
    assert outs["manual_steps"] == [f"{console}make sure members includes {who}" for who in (A, B)]
    assert outs["spec"] == spec(A, B) and outs["userstrs"] == {}

    # nothing compares with the roster declared last time: the steps stay until WeChat can show them done,
    # and manual steps alone are no update
    assert up(provider, spec(A, B), outs, OWNER) is outs
    plan, _ = provider.observe(provider.context(props(spec(A, B), OWNER)), props(spec(A, B), OWNER), outs)
    assert [(change.old, change.new, change.drift) for change in plan.changes] == [(UNKNOWN, A, False),
                                                                                   (UNKNOWN, B, False)]
    assert all(change.after for change in plan.changes), "this up does not reach them"
    assert [step.text for step in plan.manual] == outs["manual_steps"]
    assert plan.calls == [] and fake.writes == []


def test_acknowledged_testers_bound_outside_pulumi_are_kept_without_a_warning() -> None:
    live = {"userstrs": ["u-alice_wx", X]}
    warned = decide(APPID, spec(A), live, olds(A, userstrs=ALICE))
    assert any(X in warning and "known_outside" in warning for warning in warned.warnings)
    quiet = decide(APPID, {**spec(A), "known_outside": [X]}, live, olds(A, userstrs=ALICE))
    assert quiet.warnings == [] and quiet.calls == []
    kept = decide(APPID, {**spec(A, authoritative=True), "known_outside": [X]}, live, olds(A, userstrs=ALICE))
    assert kept.calls == [], "authoritative unbinds unknown testers, never acknowledged ones"


def test_delete_forgets(fake: FakeWeChat, provider: TestersProvider) -> None:
    outs = up(provider, spec(A), None)
    fake.writes.clear()
    provider.delete("id", {**outs, **props(spec(A))})
    assert fake.writes == [] and A in fake.bound
