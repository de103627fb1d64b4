"""The platform's domain lists: desired/live/last -> changes and the set calls that converge them."""

from __future__ import annotations

from typing import Any

import pytest

from providers import _executor
from providers._base import Context
from providers._settings import Settings
from providers.platform_jump_domains import PlatformJumpDomainsProvider
from providers.platform_server_domains import PlatformServerDomainsProvider

CTX = Context("wx1111111111111111", {"mode": "component"}, Settings("http://127.0.0.1:1", {}))
PATH = "/cgi-bin/component/modify_wxa_server_domain"


class FakeClient:
    """The component client's one road to WeChat, recorded: (method, path, args) per call."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.answer = answer or {}

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((method, path, args))
        return self.answer

    def modify_wxa_server_domain(self, action: str) -> dict[str, Any]:
        self.sent.append(("get", "modify_wxa_server_domain", {"action": action}))
        return self.answer

    def modify_wxa_jump_domain(self, action: str) -> dict[str, Any]:
        self.sent.append(("get", "modify_wxa_jump_domain", {"action": action}))
        return self.answer


class Recording(PlatformServerDomainsProvider):
    """Sends to a FakeClient instead of WeChat."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.fake = FakeClient(answer)

    def client(self, ctx: Context) -> Any:
        return self.fake


def spec(published: list[str], testing: list[str] | None = None) -> dict[str, Any]:
    return {"published": published, **({"testing": testing} if testing is not None else {})}


def live(published: list[str], testing: list[str]) -> dict[str, Any]:
    return {"published": published, "testing": testing}


@pytest.mark.parametrize(("desired", "now", "writes"), [
    (spec(["a.com"]), live(["a.com"], ["a.com"]), []),
    (spec(["a.com", "b.com"]), live(["a.com"], ["a.com"]), [("set", ["a.com", "b.com"], True)]),
    (spec(["a.com"], ["a.com", "t.com"]), live(["a.com"], ["a.com"]), [("set", ["a.com", "t.com"], False)]),
    (spec(["b.com"], ["t.com"]), live(["a.com"], ["a.com"]), [("set", ["b.com"], True), ("set", ["t.com"], False)]),
    (spec(["a.com"]), live(["a.com"], ["a.com", "x.com"]), [("set", ["a.com"], False)]),
    (spec([]), live(["a.com"], ["a.com"]), [("set", [], True)]),
])
def test_the_fewest_set_calls_and_up_sends_exactly_them(desired: dict, now: dict, writes: list) -> None:
    provider = Recording()
    plan = provider.plan(CTX, desired, now, None)
    assert [call.path for call in plan.calls] == [PATH] * len(writes)
    assert all("1 of the 50 changes a month" in (call.quota or "") for call in plan.calls)
    assert [(call.args["action"], call.args["wxa_server_domain"], call.args["is_modify_published_together"])
            for call in plan.calls] == [(action, ";".join(items), together) for action, items, together in writes]
    provider.execute(_executor.Run(CTX, plan, now, lambda: plan.calls))
    assert provider.fake.sent == [("POST", call.path, call.args) for call in plan.calls], "what the plan printed"


def test_changes_name_the_copy_and_drift_against_the_last_up() -> None:
    plan = Recording().plan(CTX, spec(["a.com"]), live(["a.com", "x.com"], ["a.com", "x.com"]),
                            {"spec": spec(["a.com"])})
    assert [(c.field, c.op, c.old, c.drift) for c in plan.changes] == [
        ("published", "remove", "x.com", True), ("testing", "remove", "x.com", True)]


def test_removing_a_published_host_warns_that_mini_programs_lose_it_at_their_next_release() -> None:
    plan = Recording().plan(CTX, spec(["a.com"]), live(["a.com", "b.com"], ["a.com", "b.com"]), None)
    assert len(plan.warnings) == 1 and "b.com" in plan.warnings[0] and "next release" in plan.warnings[0]
    only_testing = Recording().plan(CTX, spec(["a.com"], []), live(["a.com"], ["a.com"]), None)
    assert only_testing.warnings == []


def test_the_jump_list_reads_its_own_fields() -> None:
    class Jump(PlatformJumpDomainsProvider):
        def client(self, ctx: Context) -> Any:
            return FakeClient({"published_wxa_jump_h5_domain": "H5.example.com;b.example.com",
                               "testing_wxa_jump_h5_domain": ""})

    assert Jump().read_live(CTX) == {"published": ["b.example.com", "h5.example.com"], "testing": []}


def test_a_get_answer_without_the_lists_reads_as_unknown_never_empty() -> None:
    provider = Recording()
    assert provider.read_live(CTX) == {"published": None, "testing": None}  # "" is the empty list
    assert provider.fake.sent == [("get", "modify_wxa_server_domain", {"action": "get"})], "a read, never `send`"
