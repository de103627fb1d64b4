"""QRCodeJump: the jump QR-code rules (扫普通链接二维码打开小程序), converged to the spec's list.

Live read: `cgi-bin/wxopen/qrcodejumpget` (rules, publishes left this month) and `wxa/getversioninfo`
(whether a version is live: WeChat publishes rules only then, 85074). Every field is optional.
Writes, per rule, in the spec's order after the deletions: `qrcodejumpadd` (is_edit 1 changes an
unpublished rule in place), then `qrcodejumppublish`. A published rule cannot change (40097): it
is deleted (`qrcodejumpdelete`) and added again, and so is one the spec says to unpublish. A
rule WeChat lists but the spec does not is deleted. Publishing costs one of the 100 publishes a
month: a plan needing more than are left is blocked before any call.

A write whose answer is lost is settled by the base's fresh plan: a fresh read no longer plans an
add or a publish that took effect (a repeated add would answer 85071). Before adding a rule WeChat
fetches the confirm file (`qrcodejumpdownload`) from the prefix's last directory (85069 otherwise):
the plan says where. Owner credentials can neither read nor write rules: every plan shows them as
manual steps against "unknown". Delete: `on_delete: forget` (default) leaves the rules in WeChat;
`clear` deletes the spec's rules.
"""

from __future__ import annotations

from typing import Any

from providers._base import (
    Adopted,
    Context,
    Props,
    WeChatResource,
    WeChatResourceProvider,
    clears_on_delete,
    unknown,
)
from providers._plan import ApiCall, Change, Plan
from providers.models.qrcode_jump import OPEN_VERSIONS, QRCodeJumpSpec

API = "/cgi-bin/wxopen/"
ADD, PUBLISH, DELETE = f"{API}qrcodejumpadd", f"{API}qrcodejumppublish", f"{API}qrcodejumpdelete"
PUBLISHED = 2  # qrcodejumpget's state: 1 unpublished, 2 published
EXCLUSIVE = 2  # permit_sub_rule: 1 others may add sub-rules, 2 this rule occupies them
MONTHLY_PUBLISHES = 100
VERSION_NAMES = {number: name for name, number in OPEN_VERSIONS.items()}
NOT_RELEASED = "added, not published: WeChat publishes rules only once a version is live (85074)"


def rule_from_wire(item: Props) -> Props:
    """A `rule_list` item in the spec's form (what `plan` compares; what adoption writes)."""
    return {
        "prefix": str(item.get("prefix") or ""),
        "path": str(item.get("path") or ""),
        "open_version": VERSION_NAMES.get(int(item.get("open_version") or 3), "release"),
        "exclusive": int(item.get("permit_sub_rule") or 1) == EXCLUSIVE,
        "debug_urls": sorted(str(url) for url in item.get("debug_url") or []),
        "publish": int(item.get("state") or 1) == PUBLISHED,
    }


def add(rule: Props, is_edit: bool) -> ApiCall:
    args = {"prefix": rule["prefix"], "path": rule["path"], "open_version": OPEN_VERSIONS[rule["open_version"]],
            "permit_sub_rule": EXCLUSIVE if rule["exclusive"] else 1, "debug_url": list(rule["debug_urls"]),
            "is_edit": int(is_edit)}
    verb = "change the unpublished rule" if is_edit else "add the rule"
    return ApiCall(ADD, f"{verb} {rule['prefix']} -> {rule['path']}", args=args)


def publish(prefix: str, left: int | None) -> ApiCall:
    quota = f"1 of the {MONTHLY_PUBLISHES} rule publishes WeChat allows a month" + (
        f" ({left} left)" if left is not None else "")
    return ApiCall(PUBLISH, f"publish the rule {prefix}", quota, args={"prefix": prefix})


def delete(prefix: str, why: str = "") -> ApiCall:
    return ApiCall(DELETE, f"delete the rule {prefix}{why}", args={"prefix": prefix})


def unpublished(rule: Props) -> Props:
    return {**rule, "publish": False}


def describe(rule: Props) -> str:
    extras = [rule["open_version"] if not rule["publish"] else "published"]
    extras += ["exclusive"] if rule["exclusive"] else []
    extras += [f"{len(rule['debug_urls'])} debug links"] if rule["debug_urls"] else []
    return f"{rule['path']} ({', '.join(extras)})"


def item(rule: Props) -> str:
    """A rule as one line of the plan: `https://shop.example.com/qr/ -> pages/index/index (published)`."""
    return f"{rule['prefix']} -> {describe(rule)}"


def confirm_dir(prefix: str) -> str:
    """Where WeChat fetches the confirm file: the prefix's last directory (query left out)."""
    scheme, rest = prefix.split("://", 1)
    path = rest.split("?", 1)[0]
    return f"{scheme}://{path[: path.rfind('/') + 1] if '/' in path else path + '/'}"


class QRCodeJumpProvider(WeChatResourceProvider):
    kind = "qrcode_jump"
    spec_model = QRCodeJumpSpec
    console_path = "mp.weixin.qq.com → 开发管理 → 开发设置 → 扫普通链接二维码打开小程序"

    def read_live(self, ctx: Context) -> Props | None:
        answer = ctx.client.get_qrcode_jump_rules()
        release = (ctx.client.get_version_info().get("release_info") or {}).get("release_version")
        left = answer.get("qrcodejump_pub_quota")
        return {"rules": sorted((rule_from_wire(item) for item in answer.get("rule_list") or []),
                                key=lambda rule: rule["prefix"]),
                "publishes_left": int(left) if left is not None else None, "released": bool(release)}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:  # owner credentials: nothing readable, so nothing is known either way
            plan.changes = [unknown("rules", item(rule), "add") for rule in desired["rules"]]
            return plan
        have = {rule["prefix"]: rule for rule in live["rules"]}
        want = {rule["prefix"]: rule for rule in desired["rules"]}
        last = {rule["prefix"]: rule for rule in olds["spec"]["rules"]} if olds else None

        def drift(prefix: str) -> bool:  # live is not what the last `up` left
            if last is None:
                return False
            was, now = last.get(prefix), have.get(prefix)
            if was is not None and now is not None and was["publish"] and not now["publish"]:
                return unpublished(was) != now  # its publishing may have waited for a live version
            return was != now

        for prefix in sorted(set(have) - set(want)):
            plan.changes.append(Change("rules", "remove", old=prefix, drift=drift(prefix)))
            plan.calls.append(delete(prefix))
            plan.warnings.append(f"deleting {prefix}: scanned links under it stop opening the mini-program")
        left = live.get("publishes_left")
        for prefix, rule in want.items():
            current = have.get(prefix)
            if current == rule:
                continue
            if current is None:
                calls = [add(rule, is_edit=False)]
            elif current["publish"]:  # a published rule cannot change nor be unpublished (40097): delete, add again
                calls = [delete(prefix, " (a published rule cannot change)"), add(rule, is_edit=False)]
            else:
                calls = [add(rule, is_edit=True)] if unpublished(current) != unpublished(rule) else []
            # from here on the rule is unpublished: publish it if the spec says so and a version is live
            after = NOT_RELEASED if rule["publish"] and not live.get("released") else None
            if rule["publish"] and after is None:
                calls.append(publish(prefix, left))
                left = None if left is None else left - 1
            if current is None:
                plan.changes.append(Change("rules", "add", new=item(rule), drift=drift(prefix), after=after))
            else:
                plan.changes.append(Change(f"rules {prefix}", "update", old=describe(current), new=describe(rule),
                                           drift=drift(prefix), after=after))
            if any(call.path == ADD for call in calls):
                plan.warnings.append(f"WeChat fetches the confirm file (named by cgi-bin/wxopen/qrcodejumpdownload) "
                                     f"from {confirm_dir(prefix)} before it adds {prefix} (85069 otherwise)")
            plan.calls += calls
        if left is not None and left < 0:
            publishes = sum(call.path == PUBLISH for call in plan.calls)
            plan.blocked = (f"this plan publishes {publishes} rules, but only {live['publishes_left']} of the "
                            f"{MONTHLY_PUBLISHES} publishes WeChat allows a month are left: wait for next month "
                            "(Beijing time)")
        return plan

    def plan_delete(self, outs: Props) -> Plan:
        plan = Plan(self.kind, str(outs.get("appid")))
        if clears_on_delete(outs):
            plan.calls = [delete(rule["prefix"], " (on_delete: clear)") for rule in outs["spec"].get("rules") or []]
        return plan


def adopt(ctx: Context) -> Adopted:
    """The rules as the spec writes them (unpublished ones with `publish: false`)."""
    live = QRCodeJumpProvider().read_live(ctx) or {}
    rules: list[dict[str, Any]] = [
        {key: value for key, value in rule.items()
         if (key, value) not in (("open_version", "release"), ("exclusive", False), ("debug_urls", []),
                                 ("publish", True))}
        for rule in live.get("rules") or []]
    return ({"rules": rules} if rules else None), ([] if rules else ["qrcode_jump: no jump QR-code rule is set"])


class QRCodeJump(WeChatResource, module="wechat", name="QRCodeJump"):
    """A mini-program's jump QR-code rules, converged to the spec's list."""

    provider_class = QRCodeJumpProvider
