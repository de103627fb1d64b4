"""providers.qrcode_jump: the plan table (desired, live, last applied) -> changes and calls with their
args, the writes a fake client receives on `up`, adoption, and the spec model's rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import providers._clients
from providers._base import Context
from providers._plan import UNKNOWN
from providers._settings import Settings
from providers.models.qrcode_jump import QRCodeJumpSpec
from providers.qrcode_jump import ADD, DELETE, NOT_RELEASED, PUBLISH, QRCodeJumpProvider, adopt

APPID = "wx2222222222222222"
P1, P2 = "https://shop.example.com/qr/", "https://shop.example.com/go"


def ctx(mode: str = "platform") -> Context:
    return Context(APPID, {"mode": mode}, Settings("http://127.0.0.1:1", {}))


def rule(prefix: str = P1, path: str = "pages/index/index", **extra: Any) -> dict[str, Any]:
    return {"prefix": prefix, "path": path, "open_version": "release", "exclusive": False, "debug_urls": [],
            "publish": True, **extra}


def spec(*rules: dict[str, Any]) -> dict[str, Any]:
    return QRCodeJumpSpec.model_validate({"rules": list(rules)}).normalised()


def live(*rules: dict[str, Any], released: bool = True, left: int | None = 100) -> dict[str, Any]:
    return {"rules": list(rules), "released": released, "publishes_left": left}


def add_args(prefix: str = P1, path: str = "pages/index/index", is_edit: int = 0) -> dict[str, Any]:
    return {"prefix": prefix, "path": path, "open_version": 3, "permit_sub_rule": 1, "debug_url": [],
            "is_edit": is_edit}


def calls(plan: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(call.path, dict(call.args)) for call in plan.calls]


@pytest.mark.parametrize(
    ("desired", "now", "last", "expected", "drift"),
    [
        # create: add, then publish
        (spec(rule()), live(), None, [(ADD, add_args()), (PUBLISH, {"prefix": P1})], [False]),
        # converged: nothing to do
        (spec(rule()), live(rule()), spec(rule()), [], []),
        # an unpublished rule changes in place (is_edit 1), then is published
        (spec(rule(path="pages/a/a")), live(rule(publish=False)), None,
         [(ADD, add_args(path="pages/a/a", is_edit=1)), (PUBLISH, {"prefix": P1})], [False]),
        # a published rule cannot change: delete, add, publish
        (spec(rule(path="pages/a/a")), live(rule()), spec(rule()),
         [(DELETE, {"prefix": P1}), (ADD, add_args(path="pages/a/a")), (PUBLISH, {"prefix": P1})], [False]),
        # unpublishing a published rule: delete and add it again, unpublished
        (spec(rule(publish=False)), live(rule()), spec(rule()), [(DELETE, {"prefix": P1}), (ADD, add_args())],
         [False]),
        # publishing an unpublished rule: one publish
        (spec(rule()), live(rule(publish=False)), spec(rule(publish=False)), [(PUBLISH, {"prefix": P1})], [False]),
        # drift: a console rule is deleted, a rule deleted in the console is added back
        (spec(rule()), live(rule(P2)), spec(rule()),
         [(DELETE, {"prefix": P2}), (ADD, add_args()), (PUBLISH, {"prefix": P1})], [True, True]),
        # the block's rules removed from the spec: deleted, not drift
        (spec(), live(rule()), spec(rule()), [(DELETE, {"prefix": P1})], [False]),
    ],
)
def test_plan_table(desired: Any, now: Any, last: Any, expected: Any, drift: list[bool]) -> None:
    plan = QRCodeJumpProvider().plan(ctx(), desired, now, {"spec": last} if last is not None else None)
    assert calls(plan) == expected
    assert [change.drift for change in plan.changes] == drift
    assert plan.blocked is None


def test_args_carry_every_field_as_wechat_names_it() -> None:
    desired = spec(rule(open_version="trial", exclusive=True, debug_urls=[P1 + "a?x=1"], publish=False))
    plan = QRCodeJumpProvider().plan(ctx(), desired, live(), None)
    assert calls(plan) == [(ADD, {**add_args(), "open_version": 2, "permit_sub_rule": 2, "debug_url": [P1 + "a?x=1"]})]
    assert any("confirm file" in warning and "https://shop.example.com/qr/" in warning for warning in plan.warnings)


def test_without_a_live_version_the_rule_is_added_and_publishing_waits() -> None:
    plan = QRCodeJumpProvider().plan(ctx(), spec(rule()), live(released=False), None)
    assert [path for path, _ in calls(plan)] == [ADD]
    assert plan.changes[0].after == NOT_RELEASED


def test_a_rule_whose_publishing_waited_for_a_release_is_published_without_drift() -> None:
    plan = QRCodeJumpProvider().plan(ctx(), spec(rule()), live(rule(publish=False)), {"spec": spec(rule())})
    assert calls(plan) == [(PUBLISH, {"prefix": P1})]
    assert [change.drift for change in plan.changes] == [False]


def test_more_publishes_than_are_left_block_the_plan() -> None:
    plan = QRCodeJumpProvider().plan(ctx(), spec(rule(), rule(P2)), live(left=1), None)
    assert plan.blocked and "only 1 of the 100" in plan.blocked
    assert "(1 left)" in (plan.calls[1].quota or "")


def test_owner_mode_plans_every_rule_against_unknown() -> None:
    plan, now = QRCodeJumpProvider().observe(ctx("owner"), {"spec": spec(rule())}, None)
    assert now is None and plan.calls == []
    assert [(change.field, change.old) for change in plan.changes] == [("rules", UNKNOWN)]
    assert plan.manual and "扫普通链接二维码打开小程序" in plan.manual[0].text


def test_delete_clears_only_the_spec_rules_when_asked() -> None:
    outs = {"appid": APPID, "credentials": {"mode": "platform"}, "spec": {**spec(rule()), "on_delete": "clear"}}
    assert calls(QRCodeJumpProvider().plan_delete(outs)) == [(DELETE, {"prefix": P1})]
    assert QRCodeJumpProvider().plan_delete({**outs, "spec": spec(rule())}).calls == []


class FakeWeChat:
    """The rules WeChat keeps; writes land as the docs say (publish needs a live version)."""

    def __init__(self, *rules: dict[str, Any]) -> None:
        self.rules = {item["prefix"]: dict(item) for item in rules}
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def get_qrcode_jump_rules(self) -> dict[str, Any]:
        return {"rule_list": list(self.rules.values()), "qrcodejump_pub_quota": 99}  # no list_size: optional

    def get_version_info(self) -> dict[str, Any]:
        return {"release_info": {"release_version": "1.0.0"}}

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((method, path, dict(args)))
        prefix = args["prefix"]
        if path == ADD:
            self.rules[prefix] = {**{k: v for k, v in args.items() if k != "is_edit"}, "state": 1}
        elif path == PUBLISH:
            self.rules[prefix]["state"] = 2
        elif path == DELETE:
            self.rules.pop(prefix, None)
        return {}


def test_up_sends_exactly_the_planned_calls_and_adoption_reads_them_back(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeWeChat({"prefix": P2, "path": "pages/old/old", "open_version": 3, "permit_sub_rule": 1, "state": 2})
    monkeypatch.setattr(providers._clients, "client_for", lambda *args: fake)
    provider = QRCodeJumpProvider()
    provider._settings = Settings("http://127.0.0.1:1", {})
    desired = spec(rule(debug_urls=[P1 + "x"]))
    props = {"appid": APPID, "credentials": {"mode": "platform"}, "spec": desired}
    planned = provider.plan(ctx(), desired, provider.read_live(ctx()), None)
    provider.create(props)
    assert [(path, args) for _method, path, args in fake.sent] == calls(planned)
    assert [path for _m, path, _a in fake.sent] == [DELETE, ADD, PUBLISH]
    value, notes = adopt(ctx())
    assert value == {"rules": [{"prefix": P1, "path": "pages/index/index", "debug_urls": [P1 + "x"]}]}
    assert notes == []
    assert QRCodeJumpSpec.model_validate(value).normalised() == desired


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"rules": [{"prefix": "ftp://x.example.com/", "path": "pages/a/a"}]}, "http(s) link"),
        ({"rules": [{"prefix": P1, "path": "/pages/a/a"}]}, "no leading '/'"),
        ({"rules": [{"prefix": P2, "path": "pages/a/a", "debug_urls": ["https://shop.example.com/go/1"]}]},
         "is not a link the prefix"),
        ({"rules": [{"prefix": P1, "path": "pages/a/a"}, {"prefix": P1, "path": "pages/b/b"}]}, "duplicate"),
        ({"rules": [{"prefix": P1, "path": "pages/a/a", "debug_urls": [f"{P1}{n}" for n in range(6)]}]}, "at most 5"),
        ({"rules": [{"prefix": P1, "path": "pages/a/a", "open_version": "beta"}]}, "develop"),
    ],
)
def test_the_spec_refuses_what_wechat_would(block: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        QRCodeJumpSpec.model_validate(block)
    assert message in str(error.value)
