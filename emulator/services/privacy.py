"""Privacy guide (用户隐私保护指引): a dev version (ver 2) and a live version (ver 1).

App state: `privacy` = {"dev": guide | None, "live": guide | None}, a guide being
{owner_setting, setting_list, update_time}. submit_audit snapshots the dev guide and release makes
that snapshot live, which is how a ver=2 change "takes effect after audit and release".
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.errors import Err
from emulator.routing import APP, BASIC_INFO, Ctx, console_action, field_list, route, seed_section
from emulator.state import Doc, Tx

# --- the errcodes this area answers (the shared ones are in emulator/errors.py) ---
PRIVACY_OWNER_SETTING = Err(86069, "owner_setting必填字段字段缺失", "reference §4.6 (C-86069)")
PRIVACY_VER_INVALID = Err(86071, "privacy_ver参数无效", "reference §4.6 (C-86071)")
PRIVACY_NO_LIVE = Err(86074, "no online privacy setting exists, use privacy_ver=2")

PRIVACY_LABELS = {
    "UserInfo": "用户信息（微信昵称、头像）", "Location": "位置信息", "Address": "地址",
    "Invoice": "发票信息", "RunData": "微信运动数据", "Record": "麦克风", "Album": "选中的照片或视频信息",
    "Camera": "摄像头", "PhoneNumber": "手机号码", "Contact": "通讯录（仅写入）权限",
    "DeviceInfo": "设备信息", "EXIDNumber": "身份证号码", "EXOrderInfo": "订单信息",
    "EXUserPublishContent": "发布内容", "EXUserFollowAcct": "所关注账号", "EXUserOpLog": "操作日志",
    "AlbumWriteOnly": "相册（仅写入）权限", "LicensePlate": "车牌号", "BlueTooth": "蓝牙",
    "CalendarWriteOnly": "日历（仅写入）权限", "Email": "邮箱", "MessageFile": "选中的文件",
}
CONTACT_FIELDS = ("contact_email", "contact_phone", "contact_qq", "contact_weixin")


# --- state functions ---
def _privacy(app: Doc) -> Doc:
    return app.setdefault("privacy", {"dev": None, "live": None})


def validate_owner_setting(owner: Any) -> dict[str, Any]:
    if not isinstance(owner, dict) or not owner.get("notice_method"):
        raise PRIVACY_OWNER_SETTING()
    if not any(owner.get(f) for f in CONTACT_FIELDS):
        raise PRIVACY_OWNER_SETTING()
    return dict(owner)


def validate_setting_list(items: list[Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in items:
        if (not isinstance(item, dict) or item.get("privacy_key") not in PRIVACY_LABELS
                or not item.get("privacy_text")):
            raise errors.INVALID_ARGS()
        out.append({"privacy_key": item["privacy_key"], "privacy_text": str(item["privacy_text"])})
    return out


def write_guides(app: Doc, versions: tuple[str, ...], owner: dict[str, Any], settings: list[dict[str, str]],
                 now: float) -> None:
    """Replace the "dev" and/or "live" guide (the API writes dev; the console and the seed both)."""
    privacy = _privacy(app)
    for ver in versions:
        privacy[ver] = {"owner_setting": dict(owner), "setting_list": list(settings), "update_time": int(now)}


def update_live_owner(app: Doc, owner: dict[str, Any], now: float) -> None:
    """privacy_ver=1: only owner_setting of the live guide changes (its ext_file_media_id stays)."""
    live = _privacy(app).get("live")
    if not live:
        raise PRIVACY_NO_LIVE()
    owner = {k: v for k, v in owner.items() if k != "ext_file_media_id"}
    kept = live["owner_setting"].get("ext_file_media_id")
    live["owner_setting"] = {**owner, **({"ext_file_media_id": kept} if kept else {})}
    live["update_time"] = int(now)


# --- request handling ---
def _version(ctx: Ctx) -> int:
    ver = ctx.body.get("privacy_ver", 2)
    if isinstance(ver, bool) or ver not in (1, 2, "1", "2"):
        raise PRIVACY_VER_INVALID()
    return int(ver)


@route("/cgi-bin/component/setprivacysetting", perm=BASIC_INFO, body="required")
def setprivacysetting(ctx: Ctx) -> dict[str, Any]:
    app = ctx.app()
    ver = _version(ctx)
    owner = validate_owner_setting(ctx.body.get("owner_setting"))
    settings = field_list(ctx.body, "setting_list")
    if ver == 1:  # a setting_list is not allowed here
        if settings:
            raise errors.INVALID_ARGS()
        update_live_owner(app, owner, ctx.tx.now)
        return {}
    if not settings:
        raise errors.INVALID_ARGS()
    write_guides(app, ("dev",), owner, validate_setting_list(settings), ctx.tx.now)
    return {}


@route("/cgi-bin/component/getprivacysetting", perm=BASIC_INFO)
def getprivacysetting(ctx: Ctx) -> dict[str, Any]:
    """The guide of one version, plus what the committed code was detected to use."""
    app = ctx.app()
    guide = _privacy(app).get("live" if _version(ctx) == 1 else "dev") or {}
    exp = app.get("exp")
    return {
        "code_exist": 1 if exp else 0,
        "privacy_list": list(exp.get("privacy_list", [])) if exp else [],
        "setting_list": [{**s, "privacy_label": PRIVACY_LABELS[s["privacy_key"]]}
                         for s in guide.get("setting_list", [])],
        "update_time": guide.get("update_time", 0),
        "owner_setting": guide.get("owner_setting", {}),
        "privacy_desc": {"privacy_desc_list": [{"privacy_key": k, "privacy_desc": v}
                                               for k, v in PRIVACY_LABELS.items()]},
    }


# --- the MP console and the seed ---
@console_action("set_privacy")
def console_set_privacy(tx: Tx, app: Doc, body: dict[str, Any]) -> dict[str, Any]:
    """Edits both the dev and the live guide unless privacy_ver names one."""
    versions = {1: ("live",), 2: ("dev",)}.get(int(body.get("privacy_ver", 0) or 0), ("dev", "live"))
    write_guides(app, versions, validate_owner_setting(body.get("owner_setting")),
                 validate_setting_list(body.get("setting_list") or []), tx.now)
    return {}


@seed_section(APP, "privacy")
def seed_app(tx: Tx, app: Doc, item: dict[str, Any], where: str) -> None:
    """`privacy: {owner_setting, setting_list}` seeds both guides (unchecked, as found in the wild)."""
    if item.get("privacy"):
        guide = item["privacy"]
        write_guides(app, ("dev", "live"), guide.get("owner_setting", {}), guide.get("setting_list", []), tx.now)
