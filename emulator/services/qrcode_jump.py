"""Jump QR-code rules ("扫普通链接二维码打开小程序"): a scanned link under a rule's URL prefix opens the
mini-program at the rule's page. wxopen/qrcodejumpget, qrcodejumpadd, qrcodejumppublish,
qrcodejumpdelete and qrcodejumpdownload (the confirm file), authorizer token, permission set 18
or 3 ("该接口所属的权限集 id 为：3、18 … 获得其中之一权限集授权后").

App state: `qrcode_jump` = {"open": 0|1, "rules": [{prefix, permit_sub_rule, path, open_version,
debug_url, state}] (oldest first), "published": {period, used}, "confirm_dirs": {dir: file_name}}.
`confirm_dirs` stands in for the web server WeChat fetches the confirm file from: which directory
serves which file (console `serve_confirm_file`, seed). Sources and choices: COVERAGE.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string
from dataclasses import dataclass
from typing import Any

from emulator import errors
from emulator.clock import month_key, used
from emulator.errors import Err
from emulator.routing import (
    APP,
    DEV_MANAGEMENT,
    ConsoleError,
    Ctx,
    SeedError,
    console_action,
    field_int,
    field_list,
    field_str,
    route,
    seed_keys,
    seed_section,
)
from emulator.services.domains import valid_host
from emulator.state import Doc, Tx

QRCODE_SETS = (DEV_MANAGEMENT, 3)
RULE_LIMIT = 100  # "一个小程序帐号可配置不多于100个二维码前缀规则" (miniprogram/introduction/qrcode)
PUBLISH_PER_MONTH = 100  # 886000 "本月发布次数达到上线(100次)"
DEBUG_URL_LIMIT = 5  # "至多 5 个用于测试的二维码完整链接"
UNPUBLISHED, PUBLISHED = 1, 2
OPEN_VERSIONS = (1, 2, 3)  # development, trial, release version
PERMIT_SUB_RULE = (1, 2)  # 1: others may add sub-rules; 2: this rule occupies all of them

# The errcodes of the qrcodejumpadd / qrcodejumppublish / qrcodejumpdelete pages.
DOC_JUMP = "doc jumpqrcode-config pages (as transcribed in Mud.Wechat MpErrorCodes)"
LINK_INVALID = Err(85066, "链接错误", DOC_JUMP)
DEBUG_URL_NOT_SUB = Err(85068, "test url is not the sub prefix", DOC_JUMP)
CONFIRM_FILE_FAIL = Err(85069, "check confirm file fail", "a captured answer (community); " + DOC_JUMP)
PREFIX_ALREADY_ADDED = Err(85071, "链接重复", DOC_JUMP)
PREFIX_OCCUPIED = Err(85072, "链接被占用", DOC_JUMP)
RULES_FULL = Err(85073, "规则数已满", DOC_JUMP)
NOT_RELEASED = Err(85074, "小程序未发布", DOC_JUMP)
PERSONAL_ACCOUNT = Err(85075, "can not access", DOC_JUMP)  # "个人类型小程序无法设置二维码规则"
PUBLISH_QUOTA = Err(886000, "本月发布次数达到上线（100次）", "Third-party_Platforms qrcodejumppublish's return codes")

_PREFIX = re.compile(r"^(https?)://([^/:?#]+)(:\d{1,5})?([^#]*)$")
_CONFIRM_KEY = b"wechat-emulator-qrcode-confirm-file"
_ALPHABET = string.ascii_letters + string.digits  # names like the captured "UASjIrr8C9.txt"


@dataclass(frozen=True)
class Rule:
    prefix: str
    path: str
    open_version: int
    permit_sub_rule: int
    debug_url: tuple[str, ...] = ()

    def doc(self, state: int) -> Doc:
        return {"prefix": self.prefix, "permit_sub_rule": self.permit_sub_rule, "path": self.path,
                "open_version": self.open_version, "debug_url": list(self.debug_url), "state": state}


# --- state functions ---
def _jump(app: Doc) -> Doc:
    return app.setdefault("qrcode_jump", {"open": 0, "rules": [], "published": {}, "confirm_dirs": {}})


def find(app: Doc, prefix: str) -> Doc | None:
    return next((r for r in _jump(app)["rules"] if r["prefix"] == prefix), None)


def confirm_file(appid: str) -> tuple[str, str]:
    """(file_name, file_content): random-looking, stable per mini-program (a second download
    gives the same file, as the community reports)."""
    digest = hmac.new(_CONFIRM_KEY, appid.encode(), hashlib.sha256).digest()
    name = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])
    return f"{name}.txt", digest[10:26].hex()


def confirm_dir(prefix: str) -> str:
    """Where WeChat looks for the confirm file: "放置于 URL 中声明的最后一级子目录下，若无子目录，则放置
    于 host 所属服务器的顶层目录下" (the path up to its last "/", the query left out)."""
    m = _PREFIX.match(prefix)
    if m is None:
        return prefix
    path = m.group(4).split("?", 1)[0]
    return f"{m.group(1)}://{m.group(2)}{m.group(3) or ''}{path[:path.rfind('/') + 1] or '/'}"


def matches(rule: str, link: str) -> bool:
    """The client's matching rules (miniprogram/introduction/qrcode): the same scheme and host; a
    sub path only under a rule ending in "/"; query parameters by prefix."""
    if link == rule:
        return True
    if "?" in rule or rule.endswith("/"):
        return link.startswith(rule)
    return link.startswith(rule + "?")


def valid_prefix(prefix: str) -> bool:
    m = _PREFIX.match(prefix)
    return m is not None and valid_host(m.group(2).lower()) and not any(c.isspace() for c in prefix)


def serve_confirm_file(app: Doc, directory: str, file_name: str | None) -> None:
    """The mini-program's owner puts a confirm file (None: removes it) in a directory of its server."""
    dirs = _jump(app)["confirm_dirs"]
    if file_name is None:
        dirs.pop(directory, None)
    else:
        dirs[directory] = file_name


def add(tx: Tx, app: Doc, rule: Rule, is_edit: bool, enforce: bool = True) -> None:
    """qrcodejumpadd: a new rule (is_edit false) or a changed unpublished one. `enforce=False` (the
    MP console) skips the confirm file, the occupation of other accounts and the limits."""
    jump = _jump(app)
    existing = find(app, rule.prefix)
    if enforce:
        if app.get("account_type") == "personal":
            raise PERSONAL_ACCOUNT()
        if not valid_prefix(rule.prefix):
            raise LINK_INVALID()
        if any(not matches(rule.prefix, url) for url in rule.debug_url):
            raise DEBUG_URL_NOT_SUB()
        if is_edit and existing is None:
            raise errors.INVALID_ARGS()
        if is_edit and existing is not None and existing["state"] == PUBLISHED:
            raise errors.INVALID_ARGS()  # "已经发布的规则，不支持修改"
        if not is_edit and existing is not None:
            raise PREFIX_ALREADY_ADDED()
        if not is_edit and len(jump["rules"]) >= RULE_LIMIT:
            raise RULES_FULL()
        if not is_edit and _occupied(tx, app["appid"], rule.prefix):
            raise PREFIX_OCCUPIED()
        if jump["confirm_dirs"].get(confirm_dir(rule.prefix)) != confirm_file(app["appid"])[0]:
            raise CONFIRM_FILE_FAIL()
    if existing is not None:
        existing.update(rule.doc(existing["state"]))
    else:
        jump["rules"].append(rule.doc(UNPUBLISHED))
    jump["open"] = 1


def _occupied(tx: Tx, appid: str, prefix: str) -> bool:
    """Another account has this very prefix, or a rule occupying every sub-rule it matches."""
    for other_id, other in tx.all("app").items():
        if other_id == appid:
            continue
        for r in (other.get("qrcode_jump") or {}).get("rules", []):
            if r["prefix"] == prefix or (r["permit_sub_rule"] == 2 and matches(r["prefix"], prefix)):
                return True
    return False


def publish(now: float, app: Doc, prefix: str, enforce: bool = True) -> None:
    """qrcodejumppublish: scanned links under the rule open the release version from now on."""
    jump, rule = _jump(app), find(app, prefix)
    if enforce:
        if app.get("account_type") == "personal":
            raise PERSONAL_ACCOUNT()
        if rule is None:
            raise errors.INVALID_ARGS()
        if not app.get("live"):
            raise NOT_RELEASED()
        month = month_key(now)
        if used(jump["published"], month) >= PUBLISH_PER_MONTH:
            raise PUBLISH_QUOTA()
        jump["published"] = {"period": month, "used": used(jump["published"], month) + 1}
    if rule is not None:
        rule["state"] = PUBLISHED


def delete(app: Doc, prefix: str, enforce: bool = True) -> None:
    """qrcodejumpdelete: published or not; deleting an absent prefix succeeds."""
    if enforce and app.get("account_type") == "personal":
        raise PERSONAL_ACCOUNT()
    jump = _jump(app)
    jump["rules"] = [r for r in jump["rules"] if r["prefix"] != prefix]


def publish_quota_left(app: Doc, now: float) -> int:
    return max(PUBLISH_PER_MONTH - used(_jump(app)["published"], month_key(now)), 0)


# --- request handling ---
def _rule(body: dict[str, Any]) -> Rule:
    debug_url = field_list(body, "debug_url")
    if len(debug_url) > DEBUG_URL_LIMIT or not all(isinstance(u, str) for u in debug_url):
        raise errors.INVALID_ARGS()
    rule = Rule(prefix=field_str(body, "prefix").strip(), path=field_str(body, "path"),
                open_version=field_int(body, "open_version"), permit_sub_rule=field_int(body, "permit_sub_rule"),
                debug_url=tuple(debug_url))
    if rule.open_version not in OPEN_VERSIONS or rule.permit_sub_rule not in PERMIT_SUB_RULE or not rule.path:
        raise errors.INVALID_ARGS()
    return rule


@route("/cgi-bin/wxopen/qrcodejumpget", perm=QRCODE_SETS)
def qrcodejumpget(ctx: Ctx) -> dict[str, Any]:
    """The rules with their publication state, whether the feature is on, the publishes left
    this month (no total_count: only the service-account variant documents it)."""
    app = ctx.app()
    jump = _jump(app)
    return {"rule_list": [dict(r) for r in jump["rules"]], "qrcodejump_open": jump["open"],
            "qrcodejump_pub_quota": publish_quota_left(app, ctx.tx.now), "list_size": len(jump["rules"])}


@route("/cgi-bin/wxopen/qrcodejumpadd", perm=QRCODE_SETS, body="required")
def qrcodejumpadd(ctx: Ctx) -> dict[str, Any]:
    is_edit = field_int(ctx.body, "is_edit")
    if is_edit not in (0, 1):
        raise errors.INVALID_ARGS()
    add(ctx.tx, ctx.app(), _rule(ctx.body), bool(is_edit))
    return {}


@route("/cgi-bin/wxopen/qrcodejumppublish", perm=QRCODE_SETS, body="required")
def qrcodejumppublish(ctx: Ctx) -> dict[str, Any]:
    publish(ctx.tx.now, ctx.app(), field_str(ctx.body, "prefix").strip())
    return {}


@route("/cgi-bin/wxopen/qrcodejumpdelete", perm=QRCODE_SETS, body="required")
def qrcodejumpdelete(ctx: Ctx) -> dict[str, Any]:
    delete(ctx.app(), field_str(ctx.body, "prefix").strip())
    return {}


@route("/cgi-bin/wxopen/qrcodejumpdownload", perm=QRCODE_SETS, body="required")
def qrcodejumpdownload(ctx: Ctx) -> dict[str, Any]:
    """The confirm file to serve from the last sub-directory of a rule's URL (or the host's root)."""
    file_name, file_content = confirm_file(ctx.app()["appid"])
    return {"file_name": file_name, "file_content": file_content}


# --- the MP console and the seed ---
@console_action("serve_confirm_file")
def console_serve_confirm_file(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """The owner's web server serves the mini-program's confirm file in the directory of `prefix`
    (or `dir`); `file_name` another file (a stale one); `remove: true` takes it away."""
    directory = str(body.get("dir") or confirm_dir(str(body.get("prefix") or "")))
    if not directory.startswith(("http://", "https://")):
        raise ConsoleError("prefix or dir: an http(s) URL")
    name = None if body.get("remove") else str(body.get("file_name") or confirm_file(app["appid"])[0])
    serve_confirm_file(app, directory, name)
    return {"dir": directory, "file_name": name}


@console_action("set_qrcode_jump_rule")
def console_set_rule(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """An admin adds or edits a rule in the MP console (no confirm file, no occupation check, even a
    published rule), publishes it (`publish: true`) or deletes it (`delete: true`)."""
    prefix = str(body.get("prefix") or "")
    if not prefix:
        raise ConsoleError("prefix is required")
    if body.get("delete"):
        delete(app, prefix, enforce=False)
        return {}
    current = find(app, prefix) or {}
    rule = Rule(prefix=prefix, path=str(body.get("path") or current.get("path") or "pages/index/index"),
                open_version=int(body.get("open_version") or current.get("open_version") or 3),
                permit_sub_rule=int(body.get("permit_sub_rule") or current.get("permit_sub_rule") or 1),
                debug_url=tuple(body.get("debug_url") or current.get("debug_url") or ()))
    add(tx, app, rule, is_edit=bool(current), enforce=False)
    if body.get("publish"):
        publish(tx.now, app, prefix, enforce=False)
    return {"rule": find(app, prefix)}


_SEED_RULE = {"prefix", "path", "open_version", "permit_sub_rule", "debug_url", "state"}


@seed_section(APP, "qrcode_jump")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """`qrcode_jump: {open, rules: [{prefix, path, open_version?, permit_sub_rule?, debug_url?,
    state?}], confirm_dirs: [url]}`: the confirm file is served in the directory of each URL of
    `confirm_dirs` (a rule's prefix will do)."""
    value = item.get("qrcode_jump")
    if value is None:
        return
    seeded = seed_keys(f"{where}.qrcode_jump", value, {"open", "rules", "confirm_dirs"})
    jump = _jump(app)
    jump["open"] = int(seeded.get("open", 1))
    for i, raw in enumerate(seeded.get("rules") or []):
        r = seed_keys(f"{where}.qrcode_jump.rules[{i}]", raw, _SEED_RULE, ("prefix", "path"))
        state = int(r.get("state", UNPUBLISHED))
        if state not in (UNPUBLISHED, PUBLISHED):
            raise SeedError(f"{where}.qrcode_jump.rules[{i}].state: 1 (unpublished) or 2 (published)")
        jump["rules"].append(Rule(str(r["prefix"]), str(r["path"]), int(r.get("open_version", 3)),
                                  int(r.get("permit_sub_rule", 1)), tuple(r.get("debug_url") or ())).doc(state))
    for url in seeded.get("confirm_dirs") or []:
        serve_confirm_file(app, confirm_dir(str(url)), confirm_file(app["appid"])[0])
