"""Profile: the nickname (名称), avatar (头像) and intro (功能介绍, WeChat's `signature`).

Live read: `cgi-bin/account/getaccountbasicinfo`, which also reports each field's change quota
(`modify_used_count` of `modify_quota`; the nickname per year, avatar and intro per month). Only
the fields the spec sets are managed. A change whose quota is spent refuses the `up` before any
call. Writes, in this order:
- intro: `cgi-bin/account/modifysignature`;
- nickname: `cgi-bin/media/upload` (the naming material) + `wxa/setnickname`. A rename may start
  WeChat's own review: its `audit_id` is kept in the outputs (`nickname_review`), and while the
  review runs (`wxa/api_wxa_querynickname`) the same name is not submitted again. WeChat wants a
  material image with every rename: the spec's `license` (organisations) or `id_card` (personal
  accounts), uploaded just before. Without one a rename is a manual step, listed by the run that
  introduces it (later previews remind with a warning);
- avatar: `cgi-bin/media/upload` (with this mini-program's own authorizer token: WeChat refuses
  media from any other token, 40007) + `cgi-bin/account/modifyheadimage`. WeChat reports only the
  image's URL, so the outputs keep the file's sha256 and the URL seen after the upload (`avatar`):
  the avatar is set again when the file's content changes or the live URL is no longer that one.
  A `modifyheadimage` whose answer is lost is settled by reading, never sent again: it took effect
  when the avatar's change counter rose or its URL changed (`avatar_landed`).
Delete: forget. WeChat has no "unset" for any of these; they keep their last value.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from providers._base import Context, Props, WeChatResource, WeChatResourceProvider
from providers._diff import field_changes
from providers._errors import RefusedError
from providers._plan import ApiCall, Change, ManualStep, Plan
from providers.models import ProfileSpec
from wechat import AmbiguousWriteError, NotFoundError, ServerBusyError

UPLOAD = "/cgi-bin/media/upload"
SET_SIGNATURE = "/cgi-bin/account/modifysignature"
SET_NICKNAME = "/wxa/setnickname"
SET_AVATAR = "/cgi-bin/account/modifyheadimage"

# spec field -> (getaccountbasicinfo block, what a person calls it, quota period)
QUOTAS = {
    "signature": ("signature_info", "intro", "this month"),
    "nickname": ("nickname_info", "nickname", "this year"),
    "avatar": ("head_image_info", "avatar", "this month"),
}
MATERIAL_FIELDS = ("license", "id_card")  # setnickname's naming material, organisation / personal
REVIEWING, REJECTED = 1, 2  # querynickname audit_stat (3 = passed)


def file_sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def naming_material(desired: Props) -> tuple[str, str] | None:
    """(setnickname field, image path) when the spec gives one."""
    return next(((key, str(desired[key])) for key in MATERIAL_FIELDS if desired.get(key)), None)


def query_nickname(ctx: Context, audit_id: Any) -> Props | None:
    """`wxa/api_wxa_querynickname`: {nickname, audit_stat, fail_reason, ...}; None when unknown (91011)."""
    try:
        return ctx.client.query_nickname(audit_id)
    except NotFoundError:
        return None


class ProfileProvider(WeChatResourceProvider):
    kind = "profile"
    spec_model = ProfileSpec
    console_path = "mp.weixin.qq.com → 设置 → 基本设置"

    def read_live(self, ctx: Context) -> Props | None:
        info = ctx.client.get_account_basic_info()
        blocks = {name: info.get(block) or {} for name, (block, _, _) in QUOTAS.items()}
        # a field WeChat leaves out is unknown (None), never "": a rename, an intro or an avatar is
        # never planned (each spends a small quota) because an answer was thinner than usual
        return {
            "nickname": blocks["nickname"].get("nickname", info.get("nickname")),
            "signature": blocks["signature"].get("signature"),
            "head_image_url": blocks["avatar"].get("head_image_url"),
            "quota": {  # None when WeChat leaves a counter out: then nothing is refused on a guess
                name: {"used": int(block["modify_used_count"]), "quota": int(block["modify_quota"])}
                if "modify_used_count" in block and "modify_quota" in block
                else None
                for name, block in blocks.items()
            },
        }

    def observe(self, ctx: Context, props: dict[str, Any], olds: dict[str, Any] | None) -> tuple[Plan, Any]:
        """The base's observe; when the last rename to this very name went to review, ask how it stands."""
        plan, live = super().observe(ctx, props, olds)
        review = (olds or {}).get("nickname_review")
        desired = self.normalize(props["spec"])
        name = desired.get("nickname")
        if live is None or not review or review.get("nickname") != name or live["nickname"] == name:
            return plan, live
        # Pulumi's state reads numbers back as floats: the recorded 1001 is 1001.0, which WeChat would not find
        audit_id = review["audit_id"]
        if isinstance(audit_id, float) and audit_id.is_integer():
            review = {**review, "audit_id": int(audit_id)}
        live = {**live, "nickname_review": {**review, **(query_nickname(ctx, review["audit_id"]) or {})}}
        return self.plan(ctx, desired, live, olds), live

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = olds.get("spec") if olds else None
        baseline = live if live is not None else (last or {})  # owner mode: what the last up asked for
        texts = {name: desired.get(name) for name in ("signature", "nickname")}
        for name in [name for name, value in texts.items() if value is not None and live and live.get(name) is None]:
            texts[name] = None  # WeChat's answer left it out: not compared, nothing changed on a guess
            plan.warnings.append(f"WeChat's answer did not include the {name}: it is not compared, and not set")
        refusals: list[str] = []
        # intro, nickname, avatar: the order `up` writes them in
        for change in sorted(field_changes(baseline, texts, last), key=lambda change: change.field != "signature"):
            if change.field == "signature":
                plan.changes.append(change)
                plan.calls.append(ApiCall(SET_SIGNATURE, f"set the intro to {change.new!r}", _cost(live, "signature")))
            else:
                refusals += self._plan_rename(ctx, plan, change, desired, live, last)
        if desired.get("avatar"):
            self._plan_avatar(plan, str(desired["avatar"]), live, olds)
        refusals += filter(None, (_spent(live, name) for name in _fields_changed(plan)))
        if refusals:
            plan.blocked = "; ".join(refusals) + ". Nothing was changed"
        return plan

    def _plan_rename(
        self, ctx: Context, plan: Plan, change: Change, desired: Props, live: Props | None, last: Props | None
    ) -> list[str]:
        """Plans a nickname change; returns why `up` must refuse it, if it must."""
        name = str(change.new)
        review = (live or {}).get("nickname_review") or {}
        if review.get("audit_stat") == REVIEWING:
            plan.warnings.append(
                f"the rename to {name!r} is under WeChat review (audit_id {review['audit_id']}); "
                "it is not submitted again while the review runs"
            )
            return []
        if review.get("audit_stat") == REJECTED:
            plan.changes.append(change)
            return [
                f"WeChat rejected the rename to {name!r} (audit_id {review['audit_id']}): "
                f"{review.get('fail_reason') or 'no reason given'}. Submitting the same name again would spend "
                "one of the 2 renames a year; choose another profile.nickname or rename in the console"
            ]
        material = naming_material(desired)
        if material is None and ctx.mode != "owner":
            if last is not None and last.get("nickname") == name:
                plan.warnings.append(
                    f"the live nickname is still {change.old!r}, not {name!r}: the rename is a manual step "
                    "(listed by the up that introduced it)"
                )
                return []
            plan.changes.append(change)
            plan.manual.append(
                ManualStep(
                    f"in {self.console_path}: rename to {name!r}",
                    "WeChat wants the business licence (organisations) or ID card (personal) image with every "
                    "rename, and the spec gives none",
                )
            )
            return []
        plan.changes.append(change)
        if material is not None:
            plan.calls.append(ApiCall(UPLOAD, f"upload the naming material {material[1]} as temporary media"))
        plan.calls.append(ApiCall(SET_NICKNAME, f"rename to {name!r}", _cost(live, "nickname")))
        plan.warnings.append(
            f"RENAME to {name!r}: WeChat may review the new name for days, and allows 2 renames a year; "
            "a rename cannot be taken back without spending another"
        )
        return []

    def _plan_avatar(self, plan: Plan, path: str, live: Props | None, olds: Props | None) -> None:
        record = (olds or {}).get("avatar") or {}
        live_url = live["head_image_url"] if live is not None else None
        if live is None:  # owner mode: nothing is readable, so compare with what the last up asked for
            last_path = ((olds or {}).get("spec") or {}).get("avatar")
            if olds is not None and last_path == path:
                return
            plan.changes.append(Change("avatar", "update", old=None, new=path))
            plan.calls.append(ApiCall(SET_AVATAR, f"set the avatar to {path}"))
            return
        digest = file_sha256(path)
        if live_url is None and record.get("sha256") == digest:
            plan.warnings.append("WeChat's answer did not include the avatar URL: the recorded avatar is kept")
            return
        drift = bool(record) and record.get("sha256") == digest and record.get("head_image_url") != live_url
        if record.get("sha256") == digest and not drift:
            return
        new = f"{path} (sha256 {digest[:12]})"
        plan.changes.append(Change("avatar", "update", old=live_url, new=new, drift=drift))
        if not record:
            plan.warnings.append("WeChat reports only the avatar's URL: the file is uploaded once to know what is live")
        plan.calls.append(ApiCall(UPLOAD, f"upload {path} as temporary image media"))
        plan.calls.append(ApiCall(SET_AVATAR, f"set the avatar to the uploaded {path}", _cost(live, "avatar")))

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        """The plan's writes in its order; each upload belongs to the write that follows it."""
        extra: Props = {}
        for call in plan.calls:
            if call.path == SET_SIGNATURE:
                ctx.client.modify_signature(str(desired["signature"]))
            elif call.path == SET_NICKNAME:
                extra["nickname_review"] = self._rename(ctx, desired)
            elif call.path == SET_AVATAR:
                extra["avatar"] = self._set_avatar(ctx, str(desired["avatar"]), live)
        return extra

    def _rename(self, ctx: Context, desired: Props) -> Props | None:
        """setnickname; the review to remember, or None when WeChat set the name at once."""
        name, material = str(desired["nickname"]), naming_material(desired)
        media = {material[0]: ctx.client.upload_image(material[1])} if material else {}
        answer = ctx.client.set_nickname(name, **media)
        if not answer.get("audit_id"):
            return None
        print(
            f"{ctx.appid} {self.kind}: the rename to {name!r} is under WeChat review (audit_id {answer['audit_id']})",
            flush=True,
        )
        return {"audit_id": answer["audit_id"], "nickname": name}

    def _set_avatar(self, ctx: Context, path: str, live: Props | None) -> Props:
        """Upload + modifyheadimage; what to remember: the file's hash and the URL WeChat then shows.

        The avatar's quota is small (5 a month), so a lost answer is settled by reading: the live
        change counter and URL against those read before the write. It is never sent again.
        """
        content = Path(path).read_bytes()
        media_id = ctx.client.upload_image(content, filename=Path(path).name)
        try:
            ctx.client.modify_head_image(media_id)
        except (AmbiguousWriteError, ServerBusyError) as error:
            if not avatar_landed(live, self.read_live(ctx)):
                raise RefusedError(
                    f"{ctx.appid} {self.kind}: {SET_AVATAR}: {error} The live state shows the avatar did not "
                    "change, and the call was not sent again. Run `pulumi up` again: it re-reads and sets it once."
                ) from None
            print(f"{ctx.appid} {self.kind}: {SET_AVATAR}: the answer was lost, but the live state shows "
                  "the avatar changed", flush=True)
        url = (ctx.client.get_account_basic_info().get("head_image_info") or {}).get("head_image_url", "")
        return {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "head_image_url": url}


def avatar_landed(before: Props | None, after: Props | None) -> bool:
    """Whether a modifyheadimage took effect, from the live state read before and after it.

    The change counter rising is proof; so is a new URL. Setting the image already live may keep
    the URL, and WeChat may leave the counter out, so each is read as optional.
    """
    if before is None or after is None:
        return False
    used_before, used_after = (((state.get("quota") or {}).get("avatar") or {}).get("used")
                               for state in (before, after))
    if used_before is not None and used_after is not None and int(used_after) > int(used_before):
        return True
    return bool(after.get("head_image_url")) and after.get("head_image_url") != before.get("head_image_url")


def _cost(live: Props | None, name: str) -> str | None:
    quota = live["quota"].get(name) if live is not None else None
    if quota is None:
        return None
    _, what, period = QUOTAS[name]
    left = quota["quota"] - quota["used"]
    return f"1 of the {quota['quota']} {what} changes WeChat allows {period}; {left} left before this one"


def _spent(live: Props | None, name: str) -> str | None:
    quota = live["quota"].get(name) if live is not None else None
    if quota is None or quota["used"] < quota["quota"]:
        return None
    _, what, period = QUOTAS[name]
    return (
        f"the {what} quota is spent: {quota['used']} of {quota['quota']} changes used {period}, "
        f"so WeChat would refuse the {name} change"
    )


def _fields_changed(plan: Plan) -> list[str]:
    """The fields the plan's calls change (a quota is only needed by a call)."""
    by_path = {SET_SIGNATURE: "signature", SET_NICKNAME: "nickname", SET_AVATAR: "avatar"}
    return [by_path[call.path] for call in plan.calls if call.path in by_path]


class Profile(WeChatResource, module="wechat", name="Profile"):
    """A mini-program's nickname, avatar and intro, converged to the spec's fields."""

    provider_class = ProfileProvider
