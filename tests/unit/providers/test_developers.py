"""providers.developers: a checklist from the declared roster, recorded, and never an API call."""

from __future__ import annotations

from typing import Any

import pytest

import providers._clients
from providers._settings import Settings
from providers.developers import DevelopersProvider

APPID = "wx2222222222222222"
PLATFORM = {"mode": "platform", "component_appid": "wx1111111111111111"}
OWNER = {"mode": "owner", "secret_config": "appSecret"}
WHERE = "in mp.weixin.qq.com → 管理 → 成员管理 → 项目成员: "
DEV, OPS, DATA = "developer (开发者)", "operator (运营者)", "data analyst (数据分析者)"


def member(wechat_id: str, *roles: str) -> dict[str, Any]:
    return {"wechat_id": wechat_id, "roles": list(roles)}


@pytest.fixture(autouse=True)
def no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("the developers resource must never make a WeChat client")

    monkeypatch.setattr(providers._clients, "client_for", refuse)


@pytest.fixture
def provider() -> DevelopersProvider:
    provider = DevelopersProvider()
    provider._settings = Settings(base_url="http://emulator.invalid", config={})
    return provider


def props(members: list[dict[str, Any]], credentials: dict[str, Any] = PLATFORM) -> dict[str, Any]:
    return {"appid": APPID, "credentials": credentials, "spec": members}


def recorded(*members: dict[str, Any]) -> dict[str, Any]:
    """Old outputs: the roster the last `up` recorded."""
    return {"spec": {"members": list(members)}, "credentials": PLATFORM}


CAROL = member("carol_wx", "developer")

# (previously declared roster, declared now) -> (item changes, checklist). Nothing can read the
# live roster, so every declared member is a step in every plan, against "unknown"; a member dropped
# from the spec since the last up is a step to remove them.
AFTER = " [after this up: unchanged (a manual step)]"
CAROL_STEP = f"{WHERE}make sure carol_wx is a project member with {DEV}"
PLANS = {
    "first create: every declared member is a checklist item": (
        None, [CAROL, member("dave_wx", "operator", "data_analyst")],
        ["+ members: carol_wx (developer)" + AFTER, "+ members: dave_wx (data_analyst, operator)" + AFTER],
        [CAROL_STEP, f"{WHERE}make sure dave_wx is a project member with {DATA}, {OPS}"]),
    "same roster: the same checklist, never done by up": (
        recorded(CAROL), [CAROL], ["+ members: carol_wx (developer)" + AFTER], [CAROL_STEP]),
    "an added member": (
        recorded(CAROL), [CAROL, member("erin_wx", "developer")],
        ["+ members: carol_wx (developer)" + AFTER, "+ members: erin_wx (developer)" + AFTER],
        [CAROL_STEP, f"{WHERE}make sure erin_wx is a project member with {DEV}"]),
    "a removed member": (
        recorded(CAROL, member("erin_wx", "operator")), [CAROL],
        ["- members: erin_wx (operator)" + AFTER, "+ members: carol_wx (developer)" + AFTER],
        [f"{WHERE}remove erin_wx from the project members", CAROL_STEP]),
    "changed roles": (
        recorded(member("carol_wx", "developer", "operator")), [member("carol_wx", "developer", "data_analyst")],
        ["+ members: carol_wx (data_analyst, developer)" + AFTER],
        [f"{WHERE}make sure carol_wx is a project member with {DATA}, {DEV}"]),
    "a WeChat id differing only in case is the same member": (
        recorded(member("Carol_WX", "developer")), [CAROL], ["+ members: carol_wx (developer)" + AFTER],
        [CAROL_STEP]),
}


@pytest.mark.parametrize(("old", "members", "changes", "checklist"), PLANS.values(), ids=PLANS)
def test_plan_table(provider: DevelopersProvider, old: dict[str, Any] | None, members: list[dict[str, Any]],
                    changes: list[str], checklist: list[str]) -> None:
    for credentials in (PLATFORM, OWNER):  # the same checklist whatever the credentials
        plan, live = provider.observe(provider.context(props(members, credentials)), props(members), old)
        assert live is None and plan.calls == []
        assert [change.describe() for change in plan.changes] == changes
        assert all(change.after for change in plan.changes), "up never does any of it"
        assert [step.text for step in plan.manual] == checklist
        assert all("admin confirms" in step.reason for step in plan.manual)
        assert bool(plan.warnings) == bool(checklist)
        assert all("checklist" in text and "not done" in text for text in plan.warnings)


def test_outputs_record_the_roster_and_keep_the_checklist(provider: DevelopersProvider,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    checked = provider.check({}, props([CAROL]))  # as the engine does before a create: it shows the plan
    outs = provider.create(checked.inputs).outs or {}
    assert outs["roster"] == {"carol_wx": ["developer"]}
    assert outs["spec"] == {"members": [CAROL]}
    assert outs["manual_steps"] == [CAROL_STEP]
    printed = capsys.readouterr().out
    assert "MANUAL STEP" in printed and "not done by `pulumi up`" in printed

    assert provider.diff("id", outs, props([CAROL])).changes is False, "manual steps alone are no update"
    outs = provider.update("id", outs, props([CAROL, member("erin_wx", "operator")])).outs or {}
    assert outs["roster"] == {"carol_wx": ["developer"], "erin_wx": ["operator"]}
    assert outs["manual_steps"] == [CAROL_STEP, f"{WHERE}make sure erin_wx is a project member with {OPS}"]


def test_check_keeps_the_list_as_members_and_reports_paths(provider: DevelopersProvider) -> None:
    checked = provider.check({}, props([CAROL]))
    assert checked.failures == [] and checked.inputs["spec"] == {"members": [CAROL]}
    assert provider.check({}, checked.inputs).inputs["spec"] == {"members": [CAROL]}, "idempotent"
    failures = provider.check({}, props([member("carol_wx", "admin")])).failures
    assert [failure.property for failure in failures] == ["spec[0].roles[0]"]


def test_refresh_and_delete_make_no_call(provider: DevelopersProvider) -> None:
    outs = provider.create(props([CAROL])).outs or {}
    assert provider.read("id", {**outs, "__provider": "x"}).outs == outs
    provider.delete("id", outs)  # forgets; the autouse fixture fails if a client is made
