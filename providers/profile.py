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
  accounts), uploaded just before. Without one a rename is a manual step, in every plan until
  WeChat shows the new name;
- avatar: `cgi-bin/media/upload` (with this mini-program's own authorizer token: WeChat refuses
  media from any other token, 40007) + `cgi-bin/account/modifyheadimage`. WeChat reports only the
  image's URL, so the outputs keep the file's sha256 and the URL seen after the upload (`avatar`):
  the avatar is set again when the file's content changes or the live URL is no longer that one.
  A `modifyheadimage` whose answer is lost is settled by reading, never sent again: it took effect
  when the avatar's change counter rose or its URL changed (`landed_avatar`).
Delete: forget. WeChat has no "unset" for any of these; they keep their last value.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from providers import _events, _preflight_reads
from providers._base import MANUAL, Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._diff import field_changes
from providers._executor import Run
from providers._plan import ApiCall, Change, File, ManualStep, Plan, Ref
from providers.models import ProfileSpec
from wechat import ConflictError, NotFoundError

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
WHOLE_IMAGE = {"x1": 0, "y1": 0, "x2": 1, "y2": 1}  # modifyheadimage's crop box: the whole (square) image


def file_sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def upload(plan: Plan, path: str, summary: str) -> Ref:
    """Plan a temporary image upload; the media_id its answer carries, for the call that uses it."""
    plan.calls.append(ApiCall(UPLOAD, summary, args={"type": "image", "media": File.of(path)}))
    return Ref(len(plan.calls) - 1, "media_id")


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
        info = _preflight_reads.read(ctx, "getaccountbasicinfo")  # in diff(), preflight's answer of this run
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

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """When the last rename to this very name went to review: how that review stands."""
        review = (olds or {}).get("nickname_review")
        name = desired.get("nickname")
        if not review or review.get("nickname") != name or live["nickname"] == name:
            return {}
        return {"nickname_review": {**review, **(query_nickname(ctx, review["audit_id"]) or {})}}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        if live is None:  # owner mode: nothing readable, so nothing is known either way
            plan.changes = [unknown(name, desired[name]) for name in QUOTAS if desired.get(name)]
            return plan
        last = olds.get("spec") if olds else None
        texts = {name: desired.get(name) for name in ("signature", "nickname")}
        for name in [name for name, value in texts.items() if value is not None and live and live.get(name) is None]:
            texts[name] = None  # WeChat's answer left it out: not compared, nothing changed on a guess
            plan.warnings.append(f"WeChat's answer did not include the {name}: it is not compared, and not set")
        refusals: list[str] = []
        # intro, nickname, avatar: the order `up` writes them in
        for change in sorted(field_changes(live, texts, last), key=lambda change: change.field != "signature"):
            if change.field == "signature":
                plan.changes.append(change)
                plan.calls.append(ApiCall(SET_SIGNATURE, f"set the intro to {change.new!r}", _cost(live, "signature"),
                                          args={"signature": change.new}))
            else:
                refusals += self._plan_rename(plan, change, desired, live)
        if desired.get("avatar"):
            self._plan_avatar(plan, str(desired["avatar"]), live, olds)
        refusals += filter(None, (_spent(live, name) for name in _fields_changed(plan)))
        if refusals:
            plan.blocked = "; ".join(refusals) + ". Nothing was changed"
        return plan

    def _plan_rename(self, plan: Plan, change: Change, desired: Props, live: Props) -> list[str]:
        """Plans a nickname change; returns why `up` must refuse it, if it must."""
        name = str(change.new)
        review = live.get("nickname_review") or {}
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
        if material is None:  # a manual step in every plan until WeChat shows the new name
            plan.changes.append(replace(change, after=MANUAL, drift=False))  # Pulumi never wrote it
            plan.manual.append(
                ManualStep(
                    f"in {self.console_path}: rename to {name!r}",
                    "WeChat wants the business licence (organisations) or ID card (personal) image with every "
                    "rename, and the spec gives none",
                )
            )
            return []
        plan.changes.append(change)
        media = upload(plan, material[1], f"upload the naming material {material[1]} as temporary media")
        plan.calls.append(ApiCall(SET_NICKNAME, f"rename to {name!r}", _cost(live, "nickname"),
                                  args={"nick_name": name, material[0]: media}))
        plan.warnings.append(
            f"RENAME to {name!r}: WeChat may review the new name for days, and allows 2 renames a year; "
            "a rename cannot be taken back without spending another"
        )
        return []

    def _plan_avatar(self, plan: Plan, path: str, live: Props, olds: Props | None) -> None:
        record = (olds or {}).get("avatar") or {}
        live_url = live["head_image_url"]
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
        media = upload(plan, path, f"upload {path} as temporary image media")
        plan.calls.append(ApiCall(SET_AVATAR, f"set the avatar to the uploaded {path}", _cost(live, "avatar"),
                                  args={"head_img_media_id": media, **WHOLE_IMAGE}, landed="avatar"))

    def landed_avatar(self, run: Run, error: Exception) -> Props | None:
        """A lost modifyheadimage answer: the avatar's quota is small (5 a month), and a fresh plan
        would set it again (the record of what was set is written only after), so it took effect only
        when the live change counter rose or the URL changed since the plan's read."""
        if isinstance(error, ConflictError):
            return None
        return {} if avatar_landed(run.live, self.read_live(run.ctx)) else None

    def record(self, run: Run, desired: Props, olds: Props | None) -> Props:
        """The rename under review (setnickname's audit_id), and the avatar set: its file's hash and
        the URL WeChat shows afterwards (WeChat reports only a URL, so that is how it is recognised)."""
        extra: Props = {}
        for step, (call, answer) in enumerate(zip(run.plan.calls, run.answers, strict=False)):
            if call.path == SET_NICKNAME:
                name = call.args["nick_name"]
                extra["nickname_review"] = {"audit_id": answer["audit_id"], "nickname": name} \
                    if answer.get("audit_id") else None
                if answer.get("audit_id"):
                    _events.say(run.ctx.appid, self.kind,
                                f"the rename to {name!r} is under WeChat review (audit_id {answer['audit_id']})")
            elif call.path == SET_AVATAR:
                media = run.plan.calls[step - 1].args["media"]
                info = run.ctx.client.get_account_basic_info()
                url = (info.get("head_image_info") or {}).get("head_image_url", "")
                extra["avatar"] = {"path": media.path, "sha256": media.sha256, "head_image_url": url}
        return extra


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


def _cost(live: Props, name: str) -> str | None:
    quota = live["quota"].get(name)
    if quota is None:
        return None
    _, what, period = QUOTAS[name]
    left = quota["quota"] - quota["used"]
    return f"1 of the {quota['quota']} {what} changes WeChat allows {period}; {left} left before this one"


def _spent(live: Props, name: str) -> str | None:
    quota = live["quota"].get(name)
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


def adopt(ctx: Context) -> Adopted:
    """Nickname and intro as WeChat shows them; the avatar only as a comment (WeChat gives a URL)."""
    info = ctx.client.get_account_basic_info()
    nickname = (info.get("nickname_info") or {}).get("nickname") or info.get("nickname")
    signature = (info.get("signature_info") or {}).get("signature")
    profile = {key: value for key, value in (("nickname", nickname), ("signature", signature)) if value}
    url = (info.get("head_image_info") or {}).get("head_image_url")
    return profile or None, [
        f"avatar: not adopted: WeChat reports only its URL ({url or 'none'}), and nothing is downloaded;",
        "  save the image next to this spec and add `avatar: <file>` to manage it"]


class Profile(WeChatResource, module="wechat", name="Profile"):
    """A mini-program's nickname, avatar and intro, converged to the spec's fields."""

    provider_class = ProfileProvider
