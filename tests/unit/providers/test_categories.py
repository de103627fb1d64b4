"""Categories plans: (desired pairs, live getcategory + tree, old outputs) -> changes, calls, refusals.

Plus apply() making one addcategory/deletecategory per planned call, in the plan's order.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers._base import Context
from providers._executor import Run
from providers._plan import UNKNOWN, Change
from providers._settings import Settings
from providers.categories import ADD, DELETE, CategoriesProvider
from wechat import ConflictError

APPID = "wx2222222222222222"
NAMES = {(304, 305): "商家自营 > 服装/鞋/箱包", (304, 322): "商家自营 > 美妆/洗护", (287, 616): "工具 > 信息查询"}


def ctx(mode: str = "platform") -> Context:
    return Context(APPID, {"mode": mode}, Settings("http://127.0.0.1:1", {}))


def spec(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"first": first, "second": second} for first, second in pairs]


def held(first: int, second: int, status: int = 3, reason: str = "") -> dict[str, Any]:
    return {
        "first": first,
        "second": second,
        "name": NAMES.get((first, second), "? > ?"),
        "audit_status": status,
        "audit_reason": reason,
    }


def live(
    *items: dict[str, Any], quota: int = 5, limit: int = 5, category_limit: int = 20, tree: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = {"categories": list(items), "limit": limit, "quota": quota, "category_limit": category_limit}
    return {**found, "tree": tree} if tree is not None else found


def node(pair: tuple[int, int], sensitive: bool = False, remark: str = "") -> dict[str, Any]:
    return {"name": NAMES.get(pair, "食品"), "sensitive": sensitive, "remark": remark}


TREE_322 = {"304/322": node((304, 322))}


def paths(plan: Any) -> list[str]:
    return [call.path for call in plan.calls]


@pytest.mark.parametrize(
    ("desired", "observed", "olds", "changes", "calls"),
    [
        # converged
        (spec((304, 305)), live(held(304, 305)), None, [], []),
        # one to add: named from getallcategories
        (
            spec((304, 305), (304, 322)),
            live(held(304, 305), tree=TREE_322),
            None,
            [Change("categories", "add", new="304/322 (商家自营 > 美妆/洗护)")],
            [ADD],
        ),
        # one to remove: named from getcategory
        (
            spec((304, 305)),
            live(held(304, 305), held(287, 616)),
            None,
            [Change("categories", "remove", old="287/616 (工具 > 信息查询)")],
            [DELETE],
        ),
        # swapped: added first, then removed (room enough)
        (
            spec((304, 322)),
            live(held(304, 305), tree=TREE_322),
            None,
            [
                Change("categories", "add", new="304/322 (商家自营 > 美妆/洗护)"),
                Change("categories", "remove", old="304/305 (商家自营 > 服装/鞋/箱包)"),
            ],
            [ADD, DELETE],
        ),
        # deleted in the console after our up: drift, added back
        (
            spec((304, 305), (304, 322)),
            live(held(304, 305), tree=TREE_322),
            {"spec": spec((304, 305), (304, 322))},
            [Change("categories", "add", new="304/322 (商家自营 > 美妆/洗护)", drift=True)],
            [ADD],
        ),
        # pulumi hands numbers back as floats
        (
            [{"first": 304.0, "second": 305.0}],
            live(held(304, 305)),
            {"spec": [{"first": 304.0, "second": 305.0}]},
            [],
            [],
        ),
    ],
)
def test_set_of_pairs(desired, observed, olds, changes, calls) -> None:
    plan = CategoriesProvider().plan(ctx(), desired, observed, olds)
    assert (plan.changes, paths(plan), plan.blocked) == (changes, calls, None)


def test_an_addition_says_what_is_left_this_cycle_and_the_total_limit() -> None:
    plan = CategoriesProvider().plan(
        ctx(), spec((304, 305), (304, 322)), live(held(304, 305), quota=4, tree=TREE_322), None
    )
    assert plan.calls[0].quota == (
        "1 of the 4 category additions left this cycle (5 a cycle); 2 of at most 20 categories after this up"
    )


def test_deletes_go_first_when_adding_first_would_pass_the_total_limit() -> None:
    plan = CategoriesProvider().plan(
        ctx(), spec((304, 322)), live(held(304, 305), category_limit=1, tree=TREE_322), None
    )
    assert paths(plan) == [DELETE, ADD] and plan.blocked is None


@pytest.mark.parametrize(
    ("desired", "observed", "message"),
    [
        (
            spec((304, 305), (304, 322)),
            live(held(304, 305), quota=0, tree=TREE_322),
            "1 categories to add, but WeChat allows 5 additions a cycle and 0 are left (53300)",
        ),
        (
            spec((304, 305), (304, 322)),
            live(held(304, 305), category_limit=1, tree=TREE_322),
            "2 categories, but the account may hold at most 1 (53301)",
        ),
        (
            spec((304, 305)),
            live(held(304, 305), held(287, 616, status=1)),
            "category 287/616 (工具 > 信息查询) is under WeChat review and cannot be deleted",
        ),
        (
            spec((304, 305), (1, 2)),
            live(held(304, 305), tree={"1/2": None}),
            "category 1/2 is not one WeChat offers (53303)",
        ),
    ],
)
def test_refusals_before_any_call(desired, observed, message) -> None:
    plan = CategoriesProvider().plan(ctx(), desired, observed, None)
    assert plan.blocked is not None and message in plan.blocked, plan.blocked


def test_categories_under_review_or_rejected_are_reported() -> None:
    observed = live(held(304, 305, status=2, reason="资质不符"), held(287, 616, status=1))
    plan = CategoriesProvider().plan(ctx(), spec((304, 305), (287, 616)), observed, None)
    assert plan.changes == [] and plan.calls == []
    assert plan.warnings == [
        "category 287/616 (工具 > 信息查询) is under WeChat review; audits cannot use it yet",
        "drift: WeChat rejected category 304/305 (商家自营 > 服装/鞋/箱包): 资质不符; it stays on the account but "
        "audits cannot use it: fix its qualification in the console",
    ]


def test_a_category_needing_documents_is_a_manual_step_until_wechat_lists_it() -> None:
    tree = {"304/321": node((304, 321), sensitive=True, remark="需提供《食品经营许可证》")}
    desired = spec((304, 305), (304, 321))
    first = CategoriesProvider().plan(ctx(), desired, live(held(304, 305), tree=tree), None)
    assert paths(first) == [] and [(c.op, bool(c.after)) for c in first.changes] == [("add", True)]
    assert "add category 304/321 (食品)" in first.manual[0].text and "食品经营许可证" in first.manual[0].reason
    later = CategoriesProvider().plan(ctx(), desired, live(held(304, 305), tree=tree), {"spec": desired})
    assert (later.changes, later.manual, later.calls) == (first.changes, first.manual, [])


def test_owner_mode_shows_the_declared_categories_against_unknown() -> None:
    plan = CategoriesProvider().plan(ctx("owner"), spec((304, 305), (304, 322)), None, {"spec": spec((304, 305))})
    assert [(c.op, c.old, c.new) for c in plan.changes] == [("add", UNKNOWN, "304/305"), ("add", UNKNOWN, "304/322")]
    assert paths(plan) == []


class FakeClient:
    """The executor's one entry point, and getcategory for a settle."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, path, args))
        return {}


@pytest.mark.parametrize("category_limit", [20, 2])
def test_up_sends_the_plan_call_for_call(category_limit: int) -> None:
    context = Context(APPID, {"mode": "platform"}, Settings("http://127.0.0.1:1", {}))
    client = FakeClient()
    context.__dict__["client"] = client
    desired = spec((304, 322), (287, 616))
    observed = live(
        held(304, 305),
        held(287, 612),
        category_limit=category_limit,
        tree={"304/322": node((304, 322)), "287/616": node((287, 616))},
    )
    provider = CategoriesProvider()
    plan = provider.plan(context, desired, observed, None)
    assert plan.blocked is None
    provider.execute(Run(context, plan, observed, lambda: []))
    assert [(method, path) for method, path, _ in client.calls] == [("POST", path) for path in paths(plan)]
    sent = sorted((path, json.dumps(args, sort_keys=True)) for _, path, args in client.calls)
    assert sent == sorted([
        (ADD, json.dumps({"categories": [{"first": 287, "second": 616, "certicates": []}]}, sort_keys=True)),
        (ADD, json.dumps({"categories": [{"first": 304, "second": 322, "certicates": []}]}, sort_keys=True)),
        (DELETE, json.dumps({"first": 287, "second": 612}, sort_keys=True)),
        (DELETE, json.dumps({"first": 304, "second": 305}, sort_keys=True)),
    ])


class ReadingClient:
    """getcategory and getallcategories as the emulator answers them."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def get_category(self) -> dict[str, Any]:
        self.reads.append("getcategory")
        item = {"first": 304, "first_name": "商家自营", "second": 305, "second_name": "服装/鞋/箱包", "audit_status": 3}
        return {"categories": [item], "limit": 5, "quota": 5, "category_limit": 20}

    def get_all_categories(self) -> dict[str, Any]:
        self.reads.append("getallcategories")
        nodes = [
            {"id": 304, "name": "商家自营", "father": 0, "sensitive_type": 0},
            {"id": 322, "name": "美妆/洗护", "father": 304, "sensitive_type": 0},
            {"id": 321, "name": "食品", "father": 304, "sensitive_type": 1, "qualify": {"remark": "许可证"}},
        ]
        return {"categories_list": {"categories": nodes}}


@pytest.mark.parametrize(
    ("pairs", "reads", "calls", "manual"),
    [
        ([(304, 305)], ["getcategory"], [], 0),
        ([(304, 305), (304, 322)], ["getcategory", "getallcategories"], [ADD], 0),
        ([(304, 305), (304, 321)], ["getcategory", "getallcategories"], [], 1),
    ],
)
def test_observe_reads_the_tree_only_when_something_is_added(pairs, reads, calls, manual) -> None:
    context = ctx()
    client = ReadingClient()
    context.__dict__["client"] = client
    props = {"appid": APPID, "credentials": {"mode": "platform"}, "spec": spec(*pairs)}
    plan, _live = CategoriesProvider().observe(context, props, None)
    assert (client.reads, paths(plan), len(plan.manual)) == (reads, calls, manual)


class DuplicateClient(FakeClient):
    """addcategory answers 53304: the category is already there (added meanwhile, or a lost answer)."""

    def __init__(self, errcode: int = 53304) -> None:
        super().__init__()
        self.errcode = errcode

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, path, args))
        raise ConflictError(self.errcode, "duplicate category", "cgi-bin/wxopen/addcategory")


def added_meanwhile(desired: Any, observed: Any) -> Any:
    """What a plan made from a fresh read calls once 304/322 is on the account."""
    return lambda: CategoriesProvider().plan(ctx(), desired, live(held(304, 305), held(304, 322)), None).calls


def test_an_addition_answered_53304_is_done_not_a_failure() -> None:
    context = Context(APPID, {"mode": "platform"}, Settings("http://127.0.0.1:1", {}))
    client = DuplicateClient()
    context.__dict__["client"] = client
    desired = spec((304, 305), (304, 322))
    observed = live(held(304, 305), tree={"304/322": node((304, 322))})
    plan = CategoriesProvider().plan(context, desired, observed, None)
    CategoriesProvider().execute(Run(context, plan, observed, added_meanwhile(desired, observed)))
    assert [path for _, path, _ in client.calls] == [ADD]  # once: never sent again


def test_other_conflicts_on_an_addition_still_fail() -> None:
    context = Context(APPID, {"mode": "platform"}, Settings("http://127.0.0.1:1", {}))
    context.__dict__["client"] = DuplicateClient(errcode=53308)
    desired = spec((304, 305), (304, 322))
    observed = live(held(304, 305), tree={"304/322": node((304, 322))})
    plan = CategoriesProvider().plan(context, desired, observed, None)
    with pytest.raises(ConflictError):  # a fresh read still lacks it: the conflict stands
        CategoriesProvider().execute(Run(context, plan, observed, lambda: plan.calls))
