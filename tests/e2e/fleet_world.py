"""A generated platform of N mini-programs for the fleet tests: the emulator seed and the spec files.

The platform is the demo's (wx1111111111111111), so the dev stack's committed secrets (component
secret, verify ticket) work; every mini-program shares the demo refresh token (the emulator accepts
one refresh token for several authorizations), so the stack needs no extra config key. Each app is
a complete, published, ICP-filed mini-program live at 1.0.0 with an approved category and a privacy
guide covering what the template uses: nothing but the fleet's own rules holds it back.
"""

from __future__ import annotations

from typing import Any

import yaml

from emulator.testing import COMPONENT_APPID, COMPONENT_SECRET, REFRESH_TOKEN, VERIFY_TICKET, EmulatorControl
from providers.fleet.waves import Member, Waves, assign_waves, select_members
from providers.models.fleet import FleetSpec

VERSION, TEMPLATE = "1.2.0", 7
PLATFORM_NAME = "partner"
HOSTS = ["api.fleet.example.com", "h5.fleet.example.com"]


def appid_of(index: int) -> str:
    return f"wx{0xf1ee700000000000 + index:016x}"


def name_of(index: int) -> str:
    return f"shop-{index:02d}"


def app_seed(index: int, live: str = "1.0.0", audit: dict[str, Any] | None = None, icp: int = 6) -> dict[str, Any]:
    item: dict[str, Any] = {
        "appid": appid_of(index), "secret": f"fleet-secret-{index:04d}", "account_type": "organization",
        "verified": True, "published": True, "principal_name": f"Fleet Shop {index} Ltd",
        "nickname": f"Fleet Shop {index:02d}", "signature": "连锁门店的小程序，提供点单与配送服务",
        "head_image_url": f"http://wx.qlogo.cn/mmhead/fleet-{index}/0", "icp": {"status": icp},
        "categories": [{"first": 304, "second": 305}],
        "privacy": {"owner_setting": {"contact_email": "privacy@fleet.example.com", "notice_method": "弹窗"},
                    "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]},
        "release": {"user_version": live, "user_desc": f"version {live}"},
    }
    if audit is not None:
        item["audit"] = audit
    return item


def fleet_seed(count: int, rest: int = 100, limit: int = 100, live: dict[int, str] | None = None,
               audits: dict[int, dict[str, Any]] | None = None, icp: dict[int, int] | None = None) -> dict[str, Any]:
    """The emulator world: one platform auto-approving audits at once, `count` authorized apps
    (`live`, `audits`, `icp`: per app index, its live version, audit setting, ICP filing status)."""
    live, audits, icp = live or {}, audits or {}, icp or {}
    template = {"user_version": VERSION, "user_desc": "fleet release", "pages": ["pages/index/index"],
                "privacy_list": ["UserInfo"], "source_miniprogram_appid": "wx4444444444444444"}
    return {
        "known_users": None,
        "platforms": [{
            "component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
            "verify_ticket": VERIFY_TICKET, "verify_ticket_pushes": "same",
            "server_domains": HOSTS, "webview_domains": ["h5.fleet.example.com"],
            "audit_quota": {"limit": limit, "rest": rest, "speedup_limit": 10, "speedup_rest": 10},
            "drafts": [{"draft_id": TEMPLATE, **template}],
            "templates": [{"template_id": TEMPLATE, "draft_id": TEMPLATE, **template}],
            "audit": {"auto_decide_after_seconds": 0, "decision": "approve"},
        }],
        "miniprograms": [app_seed(i, live.get(i, "1.0.0"), audits.get(i), icp.get(i, 6)) for i in range(count)],
        "authorizations": [{"component_appid": COMPONENT_APPID, "authorizer_appid": appid_of(i),
                            "refresh_token": REFRESH_TOKEN, "permissions": [1, 18, 30]} for i in range(count)],
    }


def fleet_block(**overrides: Any) -> dict[str, Any]:
    block: dict[str, Any] = {
        "version": VERSION, "description": "fleet release", "source": {"template_id": TEMPLATE},
        "audit": {"version_desc": "what is new in 1.2.0"},
        "waves": [{"name": "canary", "apps": [name_of(0), name_of(1)]}, {"percent": 50}, {"percent": 100}],
        "audit_reserve": 2, "failure_budget": 1, "max_in_flight": 60, "calls_per_second": 500,
    }
    block.update(overrides)
    return block


def fleet_specs(count: int, **fleet: Any) -> dict[str, str]:
    """The spec files: the platform (with its fleet block) and one file per mini-program."""
    platform = {"kind": "platform", "name": PLATFORM_NAME, "component_appid": COMPONENT_APPID,
                "credentials": {"component_secret_config": "componentSecret",
                                "verify_ticket_config": "componentVerifyTicket"},
                "fleet": fleet_block(**fleet)}
    files = {"partner.yaml": yaml.safe_dump(platform, sort_keys=False, allow_unicode=True)}
    for i in range(count):
        files[f"{name_of(i)}.yaml"] = yaml.safe_dump(
            {"appid": appid_of(i), "name": name_of(i), "platform": PLATFORM_NAME,
             "credentials": {"mode": "platform", "refresh_token_config": "demoShopRefreshToken"}}, sort_keys=False)
    return files


def waves_for(count: int, **fleet: Any) -> Waves:
    """The waves the program computes for this fleet (the same pure function)."""
    spec = FleetSpec.model_validate(fleet_block(**fleet))
    return assign_waves(spec, select_members(spec, [Member(appid_of(i), name_of(i)) for i in range(count)]))


def index_of(appid: str) -> int:
    return int(appid[2:], 16) - 0xf1ee700000000000


def seed_world(emu: EmulatorControl, count: int, **seed: Any) -> None:
    emu.reset(fleet_seed(count, **seed))


def took_effect(call: dict[str, Any]) -> bool:
    """The call changed WeChat: it was answered with success, or a fault hid a success (applied_errcode)."""
    return call.get("errcode") == 0 or call.get("applied_errcode") == 0


def writes_by_app(calls: list[dict[str, Any]], path: str) -> dict[str, int]:
    """How many `path` calls took effect per appid."""
    counts: dict[str, int] = {}
    for call in calls:
        if call["path"] == path and took_effect(call):
            counts[str(call.get("appid"))] = counts.get(str(call.get("appid")), 0) + 1
    return counts


def errcodes(calls: list[dict[str, Any]]) -> set[int]:
    return {int(call["errcode"]) for call in calls if call.get("errcode")}


def live_versions(emu: EmulatorControl, count: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(count):
        version = str((emu.state(appid_of(i))["app"].get("live") or {}).get("user_version"))
        found[version] = found.get(version, 0) + 1
    return found
