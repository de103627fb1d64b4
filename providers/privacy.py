"""PrivacySettings: the development (ver=2) privacy guide (用户隐私保护指引).

Live read: `cgi-bin/component/getprivacysetting` with privacy_ver 2: `owner_setting`, one
`setting_list` entry per privacy key (compared as a set by `privacy_key`), and `privacy_list`, the
keys WeChat detected in the committed code. Write: one `cgi-bin/component/setprivacysetting` with
privacy_ver 2 carrying the whole guide, when anything differs. A ver=2 guide goes live only with
the next approved audit and release (the live, ver=1, guide is not touched). Keys the code uses
that the spec does not declare are warned about: an audit would likely be rejected.
An answer without `owner_setting` or `setting_list` leaves the guide unknown: the plan refuses the
set (it replaces the whole guide); without `privacy_list` the plan says the check was not made.
Delete: forget. WeChat keeps the guide; there is no API to remove it.
"""

from __future__ import annotations

from typing import Any

from providers import _preflight_reads
from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._diff import field_changes, set_changes
from providers._plan import ApiCall, Change, Plan
from providers.models import PrivacyOwnerSetting, PrivacySpec

SET = "/cgi-bin/component/setprivacysetting"
DEV = _preflight_reads.PRIVACY_VER  # privacy_ver: 1 = the live guide, 2 = the development guide (2)


def texts(settings: Any) -> dict[str, str]:
    """privacy_key -> privacy_text, from the spec's `settings` or WeChat's `setting_list`."""
    return {str(item["privacy_key"]): str(item.get("privacy_text", "")) for item in settings or []
            if isinstance(item, dict) and item.get("privacy_key")}


def owner_changes(live: Props, desired: Props, last: Props | None) -> list[Change]:
    """`owner_setting` field by field; a live field the spec leaves out is removed by the next set."""
    changes = [
        Change(f"owner_setting.{change.field}", change.op, change.old, change.new, change.drift)
        for change in field_changes(live, desired, last)
    ]
    for name in sorted(set(live) - set(desired)):
        if live[name] not in (None, ""):
            drift = last is not None and name not in last
            changes.append(Change(f"owner_setting.{name}", "remove", old=live[name], drift=drift))
    return changes


def settings_changes(live: dict[str, str], desired: dict[str, str], last: dict[str, str] | None) -> list[Change]:
    """Keys added or removed (a set by privacy_key), then texts changed under a kept key."""
    changes = set_changes("settings", live, desired, last)
    for name in sorted(set(live) & set(desired)):
        if live[name] != desired[name]:
            drift = last is not None and last.get(name) == desired[name]
            changes.append(Change(f"settings.{name}", "update", old=live[name], new=desired[name], drift=drift))
    return changes


class PrivacySettingsProvider(WeChatResourceProvider):
    kind = "privacy"
    spec_model = PrivacySpec
    console_path = "mp.weixin.qq.com → 设置 → 服务内容声明 → 用户隐私保护指引"

    def read_live(self, ctx: Context) -> Props | None:
        info = _preflight_reads.read(ctx, "getprivacysetting")  # privacy_ver DEV; in diff(), preflight's answer
        owner, listed, used = (info.get(name) for name in ("owner_setting", "setting_list", "privacy_list"))
        return {  # None: not in WeChat's answer (unknown, not empty)
            "owner_setting": dict(owner) if isinstance(owner, dict) else None,
            "settings": [
                {"privacy_key": key, "privacy_text": text} for key, text in sorted(texts(listed).items())
            ] if isinstance(listed, list) else None,
            "privacy_list": sorted(str(key) for key in used) if isinstance(used, list) else None,
            "code_exist": info.get("code_exist"),
        }

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:  # owner mode: nothing readable, so nothing is known either way
            plan.changes = [unknown(f"owner_setting.{name}", value) for name, value in desired["owner_setting"].items()]
            plan.changes += [unknown(f"settings.{name}", text) for name, text in texts(desired["settings"]).items()]
            return plan
        unread = [wire for name, wire in (("owner_setting", "owner_setting"), ("settings", "setting_list"))
                  if live.get(name) is None]
        if unread:
            plan.changes = [unknown(f"owner_setting.{name}", value) for name, value in desired["owner_setting"].items()]
            plan.changes += [unknown(f"settings.{name}", text) for name, text in texts(desired["settings"]).items()]
            plan.blocked = (f"WeChat's getprivacysetting answer has no {' or '.join(unread)}: the guide is unknown "
                            "(not empty), and a set replaces it whole, so it would change it unseen. Nothing was "
                            "changed; run again")
            return plan
        last = olds.get("spec") if olds else None
        plan.changes = owner_changes(
            live.get("owner_setting") or {}, desired["owner_setting"], last["owner_setting"] if last else None
        )
        plan.changes += settings_changes(
            texts(live.get("settings")), texts(desired["settings"]), texts(last["settings"]) if last else None
        )
        undeclared = sorted(set(live.get("privacy_list") or []) - set(texts(desired["settings"])))
        if live.get("privacy_list") is None:
            plan.warnings.append("WeChat's answer has no privacy_list: which privacy interfaces the committed code "
                                 "uses is unknown, so privacy.settings is not checked against it")
        if undeclared:
            plan.warnings.append(
                f"the committed code uses {', '.join(undeclared)}, which privacy.settings does not declare: "
                "an audit would likely be rejected"
            )
        if not plan.changes:
            return plan
        if not desired["settings"]:
            plan.blocked = "privacy.settings is empty, and WeChat wants at least one privacy key in a ver=2 guide"
        keys = ", ".join(sorted(texts(desired["settings"]))) or "no privacy keys"
        args = {"privacy_ver": DEV, **PrivacySpec.model_validate(desired).to_wire()}
        plan.calls = [ApiCall(SET, f"set the development (ver=2) privacy guide ({keys})", args=args)]
        plan.warnings.append(
            "a ver=2 privacy guide takes effect only after the next audit is approved and that version is released"
        )
        return plan


def adopt(ctx: Context) -> Adopted:
    """The development (ver=2) privacy guide: its owner settings and its texts."""
    guide = ctx.client.get_privacy_setting(2)
    owner = {key: value for key, value in (guide.get("owner_setting") or {}).items()
             if key in PrivacyOwnerSetting.model_fields and value not in (None, "")}
    settings = sorted(({"privacy_key": item["privacy_key"], "privacy_text": item["privacy_text"]}
                       for item in guide.get("setting_list") or []), key=lambda item: item["privacy_key"])
    if owner or settings:
        return {"owner_setting": owner, "settings": settings}, []
    return None, ["privacy: no development (ver=2) privacy guide is set yet: nothing to adopt"]


class PrivacySettings(WeChatResource, module="wechat", name="PrivacySettings"):
    """A mini-program's development privacy guide, converged to the spec."""

    provider_class = PrivacySettingsProvider
