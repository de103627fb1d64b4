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
console or by a run whose answer was lost) is done, not a failure: like a lost answer, it is
settled by reading (the base's executor), and a fresh plan no longer adds it.
Delete: forget. The account keeps its categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from providers._base import MANUAL, Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._diff import set_changes
from providers._plan import ApiCall, ManualStep, Plan
from providers.models import CategoriesSpec

ADD = "/cgi-bin/wxopen/addcategory"
DELETE = "/cgi-bin/wxopen/deletecategory"
REVIEWING, REJECTED, APPROVED = 1, 2, 3  # getcategory audit_status

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
    """(to add by API, to delete)."""
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
                    "audit_status": int(item.get("audit_status", APPROVED)),
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
        if live is None:  # owner mode: nothing readable, so nothing is known either way
            plan.changes = [unknown("categories", key(pair), "add") for pair in pairs(desired)]
            return plan
        last = pairs(olds["spec"]) if olds else None
        held = {(item["first"], item["second"]): item for item in live.get("categories", [])}
        tree = live.get("tree") or {}

        def label(text: str) -> str:
            item = held.get(parse(text)) or tree.get(text) or {}
            return f"{text} ({item['name']})" if item.get("name") else text

        changes = set_changes(
            "categories", map(key, held), map(key, pairs(desired)), None if last is None else map(key, last)
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
        self._plan_calls(plan, desired, live, label)
        return plan

    def _plan_calls(self, plan: Plan, desired: Props, live: Props, label: Callable[[str], str]) -> None:
        adds, deletes = steps(desired, live)
        tree = live.get("tree") or {}
        refusals = [
            f"category {key(pair)} is not one WeChat offers (53303)" for pair in adds if tree.get(key(pair), 0) is None
        ]
        for text, node in tree.items():
            if not (node and node["sensitive"]):
                continue
            # a manual step in every plan until WeChat lists the category (the spec has no certificates)
            plan.changes = [replace(c, after=MANUAL, drift=False) if c.new == label(text) else c for c in plan.changes]
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
        removing = [ApiCall(DELETE, f"delete category {label(key(pair))}", args={"first": pair[0], "second": pair[1]})
                    for pair in deletes]
        cost = (
            f"1 of the {live['quota']} category additions left this cycle ({live['limit']} a cycle); "
            f"{final} of at most {live['category_limit']} categories after this up"
        )
        adding = [ApiCall(ADD, f"add category {label(key(pair))}", cost,
                          args={"categories": [{"first": pair[0], "second": pair[1], "certicates": []}]})
                  for pair in adds]
        deletes_first = count + len(adds) > live["category_limit"]  # make room first; else add first
        plan.calls = removing + adding if deletes_first else adding + removing
        if deletes:
            plan.warnings.append(
                "removing categories: the next audit cannot list pages under them, and adding one back spends an "
                "addition (and may need a new review)"
            )



def adopt(ctx: Context) -> Adopted:
    """The categories WeChat lists, each with its names (and whether still under review) as a comment."""
    items = sorted(ctx.client.get_category().get("categories") or [], key=lambda item: (item["first"], item["second"]))
    notes = [f"{item['first']}/{item['second']}: {item.get('first_name', '')} > {item.get('second_name', '')}"
             + ("" if int(item.get("audit_status", APPROVED)) == APPROVED else " (still under review)")
             for item in items]
    return [{"first": int(item["first"]), "second": int(item["second"])} for item in items] or None, notes


class Categories(WeChatResource, module="wechat", name="Categories"):
    """A mini-program's service categories, converged to the spec's set of (first, second) pairs."""

    provider_class = CategoriesProvider
