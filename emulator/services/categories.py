"""Categories: the tree, the mini-program's categories with their review status, monthly quota.

App state: `categories` ([{first, second, audit_status, audit_reason, decide_at}]),
`category_quota` ({limit: additions per month, category_limit: total}), `category_added`
(month counter). Categories that need qualifications start in review (audit_status 1).
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.clock import month_key, used
from emulator.data.categories import CATEGORY_TREE, ROOT, is_pair, name_of
from emulator.errors import Err
from emulator.routing import (
    APP,
    BASIC_INFO,
    DEV_MANAGEMENT,
    Ctx,
    console_action,
    field_int,
    field_list,
    route,
    seed_section,
)
from emulator.services import audit_clock
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
CATEGORY_MONTHLY_LIMIT = Err(53300, "category add quota of this month used up")
CATEGORY_TOTAL_LIMIT = Err(53301, "category count exceeds the limit")
CATEGORY_BAD_PARAMS = Err(53303, "invalid category")
CATEGORY_DUPLICATE = Err(53304, "category already exists")
CATEGORY_DELETE_AUDITING = Err(53308, "cannot delete a category under review")
CATEGORY_NEED_MATERIAL = Err(53311, "category needs qualification materials")

DEFAULT_MONTHLY_LIMIT = 5
DEFAULT_CATEGORY_LIMIT = 20


# --- state functions ---
def limits(app: Doc) -> tuple[int, int]:
    quota = app.get("category_quota", {})
    return (int(quota.get("limit", DEFAULT_MONTHLY_LIMIT)),
            int(quota.get("category_limit", DEFAULT_CATEGORY_LIMIT)))


def add(tx: Tx, app: Doc, first: int, second: int, review: bool) -> Doc:
    item = {"first": first, "second": second, "audit_status": 3, "audit_reason": "", "decide_at": None}
    if review:
        item.update(audit_status=1, decide_at=audit_clock.auto_decide_at(tx, app, tx.now))
    app.setdefault("categories", []).append(item)
    return item


def find(app: Doc, first: int, second: int) -> Doc | None:
    return next((c for c in app.get("categories", []) if (c["first"], c["second"]) == (first, second)), None)


def add_requested(tx: Tx, app: Doc, wanted: list[tuple[int, int, bool]]) -> None:
    """addcategory: (first, second, has qualification materials) each; all or nothing. Sensitive
    categories need materials and start in review; the monthly and total limits apply."""
    pairs: list[tuple[int, int, bool]] = []
    for first, second, has_materials in wanted:
        if not is_pair(first, second):
            raise CATEGORY_BAD_PARAMS()
        if find(app, first, second) or any((first, second) == p[:2] for p in pairs):
            raise CATEGORY_DUPLICATE()
        sensitive = CATEGORY_TREE[second]["sensitive_type"] == 1
        if sensitive and not has_materials:
            raise CATEGORY_NEED_MATERIAL()
        pairs.append((first, second, sensitive))
    limit, category_limit = limits(app)
    if len(app.get("categories", [])) + len(pairs) > category_limit:
        raise CATEGORY_TOTAL_LIMIT()
    month = month_key(tx.now)
    added = used(app.get("category_added", {}), month)
    if added + len(pairs) > limit:
        raise CATEGORY_MONTHLY_LIMIT()
    app["category_added"] = {"period": month, "used": added + len(pairs)}
    for first, second, sensitive in pairs:
        add(tx, app, first, second, review=sensitive)


def delete(app: Doc, first: int, second: int, enforce: bool = True) -> None:
    """Remove a category; `enforce=False` (the console) ignores an absent one and a running review."""
    item = find(app, first, second)
    if item is None:
        if enforce:
            raise CATEGORY_BAD_PARAMS()
        return
    if enforce and item["audit_status"] == 1:
        raise CATEGORY_DELETE_AUDITING()
    app["categories"].remove(item)


def approved(app: Doc) -> list[Doc]:
    return [c for c in app.get("categories", []) if c["audit_status"] == 3]


# --- request handling ---

@route("/cgi-bin/wxopen/getallcategories", ("GET",), perm=BASIC_INFO, body="none")
def getallcategories(ctx: Ctx) -> dict[str, Any]:
    return {"categories_list": {"categories": [ROOT, *CATEGORY_TREE.values()]}}


@route("/cgi-bin/wxopen/getcategory", ("GET",), perm=BASIC_INFO, body="none")
def getcategory(ctx: Ctx) -> dict[str, Any]:
    app = ctx.app()
    limit, category_limit = limits(app)
    added = used(app.get("category_added", {}), month_key(ctx.tx.now))
    return {
        "categories": [{
            "first": c["first"], "first_name": name_of(c["first"]),
            "second": c["second"], "second_name": name_of(c["second"]),
            "audit_status": c["audit_status"], "audit_reason": c.get("audit_reason", ""),
        } for c in app.get("categories", [])],
        "limit": limit, "quota": max(limit - added, 0), "category_limit": category_limit,
    }


@route("/cgi-bin/wxopen/addcategory", perm=BASIC_INFO)
def addcategory(ctx: Ctx) -> dict[str, Any]:
    wanted = field_list(ctx.body, "categories")
    if not wanted:
        raise errors.DATA_FORMAT_ERROR()
    if not all(isinstance(raw, dict) for raw in wanted):
        raise errors.DATA_FORMAT_ERROR()
    pairs = [(field_int(raw, "first"), field_int(raw, "second"), bool(field_list(raw, "certicates")))
             for raw in wanted]
    add_requested(ctx.tx, ctx.app(), pairs)
    return {}


@route("/cgi-bin/wxopen/deletecategory", perm=BASIC_INFO)
def deletecategory(ctx: Ctx) -> dict[str, Any]:
    delete(ctx.app(), field_int(ctx.body, "first"), field_int(ctx.body, "second"))
    return {}


@route("/wxa/get_category", ("GET",), perm=DEV_MANAGEMENT, body="none")
def get_category(ctx: Ctx) -> dict[str, Any]:
    """Approved categories, with the names and ids submit_audit's item_list uses."""
    return {"category_list": [{
        "first_class": name_of(c["first"]), "second_class": name_of(c["second"]),
        "first_id": c["first"], "second_id": c["second"],
    } for c in approved(ctx.app())]}


# --- the MP console and the seed ---
@console_action("add_category")
def console_add_category(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Approved at once; an existing category stays as it is."""
    first, second = int(body["first"]), int(body["second"])
    if find(app, first, second) is None:
        add(tx, app, first, second, review=False)
    return {}


@console_action("delete_category")
def console_delete_category(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    delete(app, int(body["first"]), int(body["second"]), enforce=False)
    return {}


@seed_section(APP, "categories", "category_quota")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """`categories`: [{first, second, audit_status (default 3, approved)}]."""
    if "category_quota" in item:
        app["category_quota"] = item["category_quota"]
    for c in item.get("categories") or []:
        added = add(tx, app, int(c["first"]), int(c["second"]), review=False)
        added["audit_status"] = int(c.get("audit_status", 3))
