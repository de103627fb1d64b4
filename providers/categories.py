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
A getcategory answer without its list (or a category without its ids) leaves the categories
unknown: the plan refuses every addition and deletion. Without `limit` / `quota` /
`category_limit` those checks are left to WeChat, and the plan says so.
Delete: forget. The account keeps its categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from providers import _preflight_reads
from providers._base import MANUAL, Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._diff import set_changes
from providers._plan import ApiCall, ManualStep, Plan
from providers.models import CategoriesSpec

ADD = "/cgi-bin/wxopen/addcategory"
DELETE = "/cgi-bin/wxopen/deletecategory"
REVIEWING, REJECTED, APPROVED = 1, 2, 3  # getcategory audit_status

Pair = tuple[int, int]
UNREAD: Props = {"unread": True, "name": None, "sensitive": False, "remark": ""}  # getallcategories had no list


def number(value: Any) -> int | None:
    """A number from WeChat's answer (ints may arrive as floats); None when absent or not a number."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def unknown_or(value: int | None) -> str:
    return "unknown" if value is None else str(value)


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
        info = _preflight_reads.read(ctx, "getcategory")  # in diff(), preflight's answer of this run
        raw = info.get("categories")
        items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        known = isinstance(raw, list) and all(number(i.get("first")) is not None and number(i.get("second"))
                                              is not None for i in items)
        categories = [
            {
                "first": number(item.get("first")),
                "second": number(item.get("second")),
                "name": " > ".join(str(item[k]) for k in ("first_name", "second_name") if item.get(k)) or None,
                "audit_status": number(item.get("audit_status")),  # None: WeChat did not say
                "audit_reason": item.get("audit_reason") or "",
            }
            for item in items
        ]
        return {
            # None: no list, or a category without its ids, in WeChat's answer (unknown, not empty)
            "categories": sorted(categories, key=lambda item: (item["first"], item["second"])) if known else None,
            "limit": number(info.get("limit")),
            "quota": number(info.get("quota")),
            "category_limit": number(info.get("category_limit")),
        }

    def read_tree(self, ctx: Context, wanted: list[Pair]) -> Props:
        """The categories to add as getallcategories describes them (None: WeChat does not offer it)."""
        listed = (ctx.client.get_all_categories().get("categories_list") or {}).get("categories")
        if not isinstance(listed, list):
            return {key(pair): dict(UNREAD) for pair in wanted}
        nodes = {number(node.get("id")): node for node in listed if isinstance(node, dict)}
        tree: Props = {}
        for first, second in wanted:
            node, parent = nodes.get(second), nodes.get(first)
            father = number((node or {}).get("father"))
            if node is None or parent is None or father not in (None, first):  # no father: not a contradiction
                tree[key((first, second))] = None
                continue
            remark = (node.get("qualify") or {}).get("remark", "")
            sensitive = number(node.get("sensitive_type")) == 1
            tree[key((first, second))] = {
                "name": f"{parent.get('name') or first} > {node.get('name') or second}",
                "sensitive": sensitive,
                "remark": remark,
            }
        return tree

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """getallcategories, only when something is to be added (to name it and spot documents)."""
        if live["categories"] is None:
            return {}
        new = sorted(set(pairs(desired)) - set(pairs(live["categories"])))
        return {"tree": self.read_tree(ctx, new)} if new else {}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:  # owner mode: nothing readable, so nothing is known either way
            plan.changes = [unknown("categories", key(pair), "add") for pair in pairs(desired)]
            return plan
        if live["categories"] is None:
            plan.changes = [unknown("categories", key(pair), "add") for pair in pairs(desired)]
            plan.blocked = ("WeChat's getcategory answer has no categories list (or a category without its ids): the "
                            "account's categories are unknown (not none), so none is added or deleted on a guess. "
                            "Nothing was changed; run again")
            return plan
        last = pairs(olds["spec"]) if olds else None
        held = {(item["first"], item["second"]): item for item in live.get("categories", [])}
        tree = live.get("tree") or {}

        def label(text: str) -> str:
            item = held.get(parse(text)) or tree.get(text)
            return f"{text} ({item['name']})" if isinstance(item, dict) and item.get("name") else text

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
        unread = [key(pair) for pair in adds if (tree.get(key(pair)) or {}).get("unread")]
        if unread:
            refusals.append(f"WeChat's getallcategories answer has no categories_list: whether {', '.join(unread)} "
                            "is offered, and needs qualification documents, is unknown")
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
        quota, limit, most = (live.get(name) for name in ("quota", "limit", "category_limit"))
        if quota is not None and len(adds) > quota:
            refusals.append(
                f"{len(adds)} categories to add, but WeChat allows {unknown_or(limit)} additions a cycle and "
                f"{quota} are left (53300)"
            )
        count = len(live["categories"])
        final = count + len(adds) - len(deletes)
        if most is not None and final > most:
            refusals.append(f"{final} categories, but the account may hold at most {most} (53301)")
        missing = [name for name, value in (("quota", quota), ("limit", limit), ("category_limit", most))
                   if value is None]
        if missing and adds:
            plan.warnings.append(f"WeChat's getcategory answer has no {', '.join(missing)}: the additions are not "
                                 "checked against it (WeChat refuses one over its limits with 53300 / 53301)")
        if refusals:
            plan.blocked = "; ".join(refusals) + ". Nothing was changed"
        removing = [ApiCall(DELETE, f"delete category {label(key(pair))}", args={"first": pair[0], "second": pair[1]})
                    for pair in deletes]
        cost = (
            f"1 of the {unknown_or(quota)} category additions left this cycle ({unknown_or(limit)} a cycle); "
            f"{final} of at most {unknown_or(most)} categories after this up"
        )
        adding = [ApiCall(ADD, f"add category {label(key(pair))}", cost,
                          args={"categories": [{"first": pair[0], "second": pair[1], "certicates": []}]})
                  for pair in adds]
        deletes_first = most is not None and count + len(adds) > most  # make room first; else add first
        plan.calls = removing + adding if deletes_first else adding + removing
        if deletes:
            plan.warnings.append(
                "removing categories: the next audit cannot list pages under them, and adding one back spends an "
                "addition (and may need a new review)"
            )



def adopt(ctx: Context) -> Adopted:
    """The categories WeChat lists (as the provider reads them), each with its names as a comment."""
    live = CategoriesProvider().read_live(ctx) or {}
    items = live.get("categories")
    if items is None:
        return None, ["categories: not adopted: WeChat's getcategory answer has no complete categories list"]
    notes = [f"{item['first']}/{item['second']}: {item['name'] or 'unnamed'}"
             + ("" if item["audit_status"] in (APPROVED, None) else " (still under review)") for item in items]
    return [{"first": item["first"], "second": item["second"]} for item in items] or None, notes


class Categories(WeChatResource, module="wechat", name="Categories"):
    """A mini-program's service categories, converged to the spec's set of (first, second) pairs."""

    provider_class = CategoriesProvider
