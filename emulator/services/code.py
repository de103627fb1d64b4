"""The platform's template library and the mini-program's experience version (commit, pages, QR).

Platform state: `drafts` and `templates` (each with `pages` and the `privacy_list` the code would
be detected to use). App state: `exp` = the committed experience version. Drafts arrive through
the control API, standing in for miniprogram-ci uploads from the development mini-program.
"""

from __future__ import annotations

import json
from typing import Any

from emulator import errors
from emulator.data.qrcode import QRCODE_JPEG
from emulator.errors import Err
from emulator.routing import (
    COMPONENT_ONLY,
    DEV_MANAGEMENT,
    PLATFORM,
    Binary,
    ConsoleError,
    Ctx,
    console_action,
    field_int,
    field_str,
    route,
    seed_section,
)
from emulator.services import audit_clock
from emulator.services.domains import apply_direct_domains
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
DOC_COMMIT = "doc code-management/api_commit"
EXT_JSON_INVALID = Err(85013, "invalid ext_json, parse fail or containing invalid path", DOC_COMMIT)
TEMPLATE_NOT_EXIST = Err(85014, "template not exist", DOC_COMMIT)
EXT_JSON_PATH = Err(85045, "some path in ext_json not exist", DOC_COMMIT)
TEMPLATE_OR_DRAFT_NOT_FOUND = Err(85064, "template not found", "doc template-management/addToTemplate, deleteTemplate")
TEMPLATE_LIBRARY_FULL = Err(85065, "template list is full", "doc template-management/addToTemplate")
NO_EXP_VERSION = Err(86001, "component experience version not exists", "doc code-management/getCodePage")

TEMPLATE_LIMIT = 200
DEFAULT_PAGES = ["pages/index/index"]


# --- state functions ---
def land_draft(tx: Tx, platform: Doc, draft: dict[str, Any]) -> Doc:
    """Add a draft (what a miniprogram-ci upload from the development mini-program produces)."""
    draft_id = int(draft.get("draft_id") or platform.get("next_draft_id", 1))
    platform["next_draft_id"] = max(int(platform.get("next_draft_id", 1)), draft_id + 1)
    source = str(draft.get("source_miniprogram_appid", ""))
    source_app = tx.get("app", source) if source else None
    item = {
        "draft_id": draft_id,
        "user_version": str(draft.get("user_version", "")),
        "user_desc": str(draft.get("user_desc", "")),
        "create_time": int(draft.get("create_time") or tx.now),
        "source_miniprogram_appid": source,
        "source_miniprogram": (source_app or {}).get("nickname", ""),
        "developer": str(draft.get("developer", "ci robot 1")),
        "pages": list(draft.get("pages") or DEFAULT_PAGES),
        "privacy_list": list(draft.get("privacy_list") or []),
    }
    drafts = [d for d in platform.setdefault("drafts", []) if d["draft_id"] != draft_id]
    platform["drafts"] = [*drafts, item]
    return item


def add_template(tx: Tx, platform: Doc, draft: Doc, template_type: int = 0,
                 template_id: int | None = None) -> Doc:
    templates = platform.setdefault("templates", [])
    if len(templates) >= TEMPLATE_LIMIT:
        raise TEMPLATE_LIBRARY_FULL()
    tid = int(template_id or platform.get("next_template_id", 1))
    platform["next_template_id"] = max(int(platform.get("next_template_id", 1)), tid + 1)
    item = {
        "template_id": tid, "draft_id": draft.get("draft_id", 0),
        "user_version": draft.get("user_version", ""), "user_desc": draft.get("user_desc", ""),
        "create_time": int(draft.get("create_time") or tx.now), "template_type": template_type,
        "pages": list(draft.get("pages") or DEFAULT_PAGES),
        "privacy_list": list(draft.get("privacy_list") or []),
    }
    platform["templates"] = [*[t for t in templates if t["template_id"] != tid], item]
    return item


_PUBLIC_DRAFT = ("draft_id", "user_version", "user_desc", "create_time", "source_miniprogram_appid",
                 "source_miniprogram", "developer")
_PUBLIC_TEMPLATE = ("template_id", "draft_id", "user_version", "user_desc", "create_time", "template_type")


# --- request handling ---
@route("/wxa/gettemplatedraftlist", ("GET",), kinds=COMPONENT_ONLY, body="none")
def gettemplatedraftlist(ctx: Ctx) -> dict[str, Any]:
    drafts = ctx.platform().get("drafts", [])
    return {"draft_list": [{k: d[k] for k in _PUBLIC_DRAFT} for d in drafts]}


@route("/wxa/addtotemplate", kinds=COMPONENT_ONLY)
def addtotemplate(ctx: Ctx) -> dict[str, Any]:
    platform = ctx.platform()
    draft_id = field_int(ctx.body, "draft_id")
    template_type = field_int(ctx.body, "template_type", required=False)
    if template_type not in (0, 1):
        raise errors.INVALID_ARGS()
    draft = next((d for d in platform.get("drafts", []) if d["draft_id"] == draft_id), None)
    if draft is None:
        raise TEMPLATE_OR_DRAFT_NOT_FOUND()
    add_template(ctx.tx, platform, draft, template_type)
    return {}


@route("/wxa/gettemplatelist", ("GET",), kinds=COMPONENT_ONLY, body="none")
def gettemplatelist(ctx: Ctx) -> dict[str, Any]:
    wanted = ctx.query.get("template_type")
    templates = ctx.platform().get("templates", [])
    if wanted not in (None, ""):
        templates = [t for t in templates if str(t["template_type"]) == wanted]
    return {"template_list": [{k: t[k] for k in _PUBLIC_TEMPLATE} for t in templates]}


@route("/wxa/deletetemplate", kinds=COMPONENT_ONLY)
def deletetemplate(ctx: Ctx) -> dict[str, Any]:
    platform = ctx.platform()
    template_id = field_int(ctx.body, "template_id")
    templates = platform.get("templates", [])
    if not any(t["template_id"] == template_id for t in templates):
        raise TEMPLATE_OR_DRAFT_NOT_FOUND()
    platform["templates"] = [t for t in templates if t["template_id"] != template_id]
    return {}


def _template_id(body: dict[str, Any]) -> int:
    raw = body.get("template_id")
    if isinstance(raw, bool) or raw is None:
        raise TEMPLATE_NOT_EXIST()
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise TEMPLATE_NOT_EXIST()  # e.g. the double-encoded "\"7\"" the community reports


@route("/wxa/commit", perm=DEV_MANAGEMENT, body="required")
def commit(ctx: Ctx) -> dict[str, Any]:
    """Create or replace the experience version from a template; ext_json is a JSON *string*."""
    app = ctx.app()
    template_id = _template_id(ctx.body)
    template = next((t for t in ctx.platform().get("templates", []) if t["template_id"] == template_id), None)
    if template is None:
        raise TEMPLATE_NOT_EXIST()
    raw_ext = ctx.body.get("ext_json", "{}")
    if not isinstance(raw_ext, str):
        raise EXT_JSON_INVALID()
    try:
        ext = json.loads(raw_ext) if raw_ext.strip() else {}
    except ValueError:
        raise EXT_JSON_INVALID() from None
    if not isinstance(ext, dict):
        raise EXT_JSON_INVALID()
    pages = ext.get("pages")
    if pages is not None and (not isinstance(pages, list) or any(p not in template["pages"] for p in pages)):
        raise EXT_JSON_PATH()
    user_version = field_str(ctx.body, "user_version")
    if not user_version or len(user_version) > 64:
        raise errors.INVALID_ARGS()
    set_experience(app, ctx.tx.now, template_id, user_version,
                   field_str(ctx.body, "user_desc", required=False), list(pages or template["pages"]),
                   list(template.get("privacy_list", [])), raw_ext)
    apply_direct_domains(app)
    return {}


def set_experience(app: Doc, now: float, template_id: int | None, user_version: str, user_desc: str,
                   pages: list[str], privacy_list: list[str], ext_json: str = "{}") -> Doc:
    """The committed experience version (wxa/commit, or another tool acting through the console)."""
    app["exp"] = {
        "template_id": template_id, "user_version": user_version, "user_desc": user_desc,
        "exp_time": int(now), "pages": pages, "privacy_list": privacy_list, "ext_json": ext_json,
    }
    return app["exp"]


def exp_version(app: Doc) -> Doc:
    exp = app.get("exp")
    if not exp:
        raise NO_EXP_VERSION()
    return exp


@route("/wxa/get_page", ("GET",), perm=DEV_MANAGEMENT, body="none")
def get_page(ctx: Ctx) -> dict[str, Any]:
    return {"page_list": list(exp_version(ctx.app())["pages"])}


@route("/wxa/get_qrcode", ("GET",), perm=DEV_MANAGEMENT, body="none")
def get_qrcode(ctx: Ctx) -> Binary:
    """The experience version's QR code as a JPEG; errors stay JSON."""
    exp_version(ctx.app())
    return Binary(QRCODE_JPEG, "image/jpeg",
                  {"Content-Disposition": 'attachment; filename="QRCode.jpg"'})


# --- the MP console and the seed ---
@console_action("commit")
def console_commit(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Another tool sets the experience version: from a template of the platform's library
    (`template_id`), or an upload of its own (`pages`, `privacy_list`)."""
    user_version = str(body.get("user_version") or "")
    if not user_version:
        raise ConsoleError("user_version is required")
    template = None
    if body.get("template_id") is not None:
        platform = audit_clock.acting_platform(tx, app, body)
        template = next((t for t in platform.get("templates", [])
                         if t["template_id"] == int(body["template_id"])), None)
        if template is None:
            raise ConsoleError(f"no template {body['template_id']} in the platform's library", 404)
    source = template or {"pages": body.get("pages") or DEFAULT_PAGES,
                          "privacy_list": body.get("privacy_list") or []}
    exp = set_experience(app, tx.now, template["template_id"] if template else None, user_version,
                         str(body.get("user_desc") or ""), list(source["pages"]), list(source["privacy_list"]))
    return {"exp": exp}


@seed_section(PLATFORM, "drafts", "templates")
def seed_platform(tx: Tx, platform: Doc, item: dict[str, Any], where: str) -> None:
    platform["drafts"], platform["templates"] = [], []
    for draft in item.get("drafts") or []:
        land_draft(tx, platform, draft)
    for tpl in item.get("templates") or []:
        add_template(tx, platform, tpl, int(tpl.get("template_type", 0)), int(tpl["template_id"]))
