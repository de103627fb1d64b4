"""Categories: the service categories (服务类目), a set of (first, second) category-id pairs.

Live read: `cgi-bin/wxopen/getcategory`, with each category's review state and the account's
numbers: `limit` (additions a cycle), `quota` (additions left this cycle) and `category_limit`
(the most it may hold); `cgi-bin/wxopen/getallcategories` too when something is to be added, to
name it and to know whether it needs qualification documents. Writes: one
`cgi-bin/wxopen/addcategory` per category to add and one `cgi-bin/wxopen/deletecategory` per
category to remove, additions first unless that would pass `category_limit`. `up` refuses before
any call when the additions exceed what is left this cycle (53300), when the total would exceed
`category_limit` (53301), or when a category to remove is under review (53308). A category that
needs qualification documents is a manual step (the spec cannot carry certificates). An
addition WeChat answers with 53304 (the category is already there, e.g. added meanwhile in the
console or by a run whose answer was lost) is done, not a failure.
Delete: forget. The account keeps its categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from providers._base import Context, Props, WeChatResource, WeChatResourceProvider
from providers._diff import set_changes
from providers._plan import ApiCall, ManualStep, Plan
from providers.models import CategoriesSpec
from wechat import ConflictError

ADD = "/cgi-bin/wxopen/addcategory"
DELETE = "/cgi-bin/wxopen/deletecategory"
REVIEWING, REJECTED = 1, 2  # getcategory audit_status (3 = approved)
ALREADY_THERE = 53304  # addcategory: "duplicate category"

Pair = tuple[int, int]


def pairs(items: Any) -> list[Pair]:
    """The (first, second) pairs of a spec or of live categories, sorted (numbers may arrive as floats)."""
    return sorted({(int(item["first"]), int(item["second"])) for item in items or []})


def key(pair: Pair) -> str:
    return f"{pair[0]}/{pair[1]}"


def parse(text: str) -> Pair:
    first, second = text.split("/")
    return int(first), int(second)


def steps(desired: Any, live: Props) -> tuple[list[Pair], list[Pair]]:
    """(to add by API, to delete): what `plan` lists and `apply` does, from the same numbers."""
    wanted, held = set(pairs(desired)), set(pairs(live["categories"]))
    tree = live.get("tree") or {}
    adds = [pair for pair in sorted(wanted - held) if not (tree.get(key(pair)) or {}).get("sensitive")]
    return adds, sorted(held - wanted)


class CategoriesProvider(WeChatResourceProvider):
    kind = "categories"
    spec_model = CategoriesSpec
    console_path = "mp.weixin.qq.com → 设置 → 基本设置 → 服务类目"

    def read_live(self, ctx: Context) -> Props | None:
        info = ctx.client.get_category()
        categories = sorted(info.get("categories") or [], key=lambda item: (item["first"], item["second"]))
        return {
            "categories": [
                {
                    "first": int(item["first"]),
                    "second": int(item["second"]),
                    "name": f"{item.get('first_name', '')} > {item.get('second_name', '')}",
                    "audit_status": int(item.get("audit_status", 3)),
                    "audit_reason": item.get("audit_reason", ""),
                }
                for item in categories
            ],
            "limit": int(info.get("limit", 0)),
            "quota": int(info.get("quota", 0)),
            "category_limit": int(info.get("category_limit", 0)),
        }

    def read_tree(self, ctx: Context, wanted: list[Pair]) -> Props:
        """The categories to add as getallcategories describes them (None: WeChat does not offer it)."""
        nodes = {int(node["id"]): node for node in ctx.client.get_all_categories()["categories_list"]["categories"]}
        tree: Props = {}
        for first, second in wanted:
            node, parent = nodes.get(second), nodes.get(first)
            if node is None or parent is None or int(node.get("father", -1)) != first:
                tree[key((first, second))] = None
                continue
            remark = (node.get("qualify") or {}).get("remark", "")
            sensitive = int(node.get("sensitive_type", 0)) == 1
            tree[key((first, second))] = {
                "name": f"{parent['name']} > {node['name']}",
                "sensitive": sensitive,
                "remark": remark,
            }
        return tree

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """getallcategories, only when something is to be added (to name it and spot documents)."""
        new = sorted(set(pairs(desired)) - set(pairs(live["categories"])))
        return {"tree": self.read_tree(ctx, new)} if new else {}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = pairs(olds["spec"]) if olds else None
        held = {(item["first"], item["second"]): item for item in (live or {}).get("categories", [])}
        baseline = list(held) if live is not None else (last or [])  # owner mode: what the last up asked for
        tree = (live or {}).get("tree") or {}

        def label(text: str) -> str:
            item = held.get(parse(text)) or tree.get(text) or {}
            return f"{text} ({item['name']})" if item.get("name") else text

        changes = set_changes(
            "categories", map(key, baseline), map(key, pairs(desired)), None if last is None else map(key, last)
        )
        plan.changes = [replace(c, old=c.old and label(c.old), new=c.new and label(c.new)) for c in changes]
        for pair in pairs(desired):
            item = held.get(pair)
            if item and item["audit_status"] == REVIEWING:
                plan.warnings.append(f"category {label(key(pair))} is under WeChat review; audits cannot use it yet")
            if item and item["audit_status"] == REJECTED:
                plan.warnings.append(
                    f"drift: WeChat rejected category {label(key(pair))}: {item['audit_reason'] or 'no reason given'}; "
                    "it stays on the account but audits cannot use it: fix its qualification in the console"
                )
        if live is None:
            plan.calls = [
                ApiCall(ADD if c.op == "add" else DELETE, f"{c.op} category {c.new or c.old}") for c in changes
            ]
            return plan
        self._plan_calls(plan, desired, live, last, label)
        return plan

    def _plan_calls(
        self, plan: Plan, desired: Props, live: Props, last: list[Pair] | None, label: Callable[[str], str]
    ) -> None:
        adds, deletes = steps(desired, live)
        tree = live.get("tree") or {}
        refusals = [
            f"category {key(pair)} is not one WeChat offers (53303)" for pair in adds if tree.get(key(pair), 0) is None
        ]
        for text, node in tree.items():
            if not (node and node["sensitive"]):
                continue
            if last is not None and parse(text) in last:  # listed by the up that introduced it
                plan.changes = [change for change in plan.changes if change.new != label(text)]
                plan.warnings.append(f"category {label(text)} is still missing: add it in the console (manual step)")
                continue
            plan.manual.append(
                ManualStep(
                    f"in {self.console_path}: add category {label(text)} with its qualification documents",
                    f"WeChat wants certificates for it ({node['remark'] or 'see the console'}); a spec has none",
                )
            )
        refusals += [
            f"category {label(key(pair))} is under WeChat review and cannot be deleted until the review ends (53308)"
            for pair in deletes
            if any(
                (item["first"], item["second"]) == pair and item["audit_status"] == REVIEWING
                for item in live["categories"]
            )
        ]
        if len(adds) > live["quota"]:
            refusals.append(
                f"{len(adds)} categories to add, but WeChat allows {live['limit']} additions a cycle and "
                f"{live['quota']} are left (53300)"
            )
        count = len(live["categories"])
        final = count + len(adds) - len(deletes)
        if final > live["category_limit"]:
            refusals.append(f"{final} categories, but the account may hold at most {live['category_limit']} (53301)")
        if refusals:
            plan.blocked = "; ".join(refusals) + ". Nothing was changed"
        removing = [ApiCall(DELETE, f"delete category {label(key(pair))}") for pair in deletes]
        cost = (
            f"1 of the {live['quota']} category additions left this cycle ({live['limit']} a cycle); "
            f"{final} of at most {live['category_limit']} categories after this up"
        )
        adding = [ApiCall(ADD, f"add category {label(key(pair))}", cost) for pair in adds]
        deletes_first = count + len(adds) > live["category_limit"]  # make room first; else add first
        plan.calls = removing + adding if deletes_first else adding + removing
        if deletes:
            plan.warnings.append(
                "removing categories: the next audit cannot list pages under them, and adding one back spends an "
                "addition (and may need a new review)"
            )

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        """One addcategory / deletecategory per planned call, in the plan's order."""
        assert live is not None  # only platform credentials make calls
        adds, deletes = steps(desired, live)
        queue = {ADD: iter(adds), DELETE: iter(deletes)}
        for call in plan.calls:
            first, second = next(queue[call.path])
            if call.path == ADD:
                add_once(ctx, first, second)
            else:
                ctx.client.delete_category(first, second)
        return {}


def add_once(ctx: Context, first: int, second: int) -> None:
    """addcategory; 53304 means the category is already on the account: the goal is reached."""
    try:
        ctx.client.add_category(first, second)
    except ConflictError as error:
        if error.errcode != ALREADY_THERE:
            raise
        print(f"{ctx.appid} categories: {key((first, second))} is already on the account (53304): done", flush=True)


class Categories(WeChatResource, module="wechat", name="Categories"):
    """A mini-program's service categories, converged to the spec's set of (first, second) pairs."""

    provider_class = CategoriesProvider
