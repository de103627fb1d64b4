"""Profile plans: (desired, live, old outputs) -> changes, calls, manual steps, warnings, refusals.

Plus the paths around plan(): observe() asking about a pending rename, owner mode reading nothing,
and `up` sending exactly the planned calls, arguments included, in the planned order (a fake client).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import providers._clients
from providers._base import Context
from providers._errors import RefusedError
from providers._executor import resolve
from providers._plan import UNKNOWN, Change, File
from providers._settings import Settings
from providers.profile import SET_AVATAR, SET_NICKNAME, SET_SIGNATURE, UPLOAD, ProfileProvider
from wechat import AmbiguousWriteError

APPID = "wx2222222222222222"
INTRO = "演示商城小程序，提供商品浏览与下单服务"
NEW_INTRO = "一个演示用的小商城，售卖示例商品"
URL = "http://wx.qlogo.cn/mmhead/demo-shop/0"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def ctx(mode: str = "platform") -> Context:
    return Context(APPID, {"mode": mode}, Settings("http://127.0.0.1:1", {}))


def live(
    nickname: str = "Demo Shop", signature: str = INTRO, url: str = URL, used: dict[str, int] | None = None
) -> dict[str, Any]:
    quotas, used = {"nickname": 2, "signature": 5, "avatar": 5}, used or {}
    return {
        "nickname": nickname,
        "signature": signature,
        "head_image_url": url,
        "quota": {name: {"used": used.get(name, 0), "quota": quota} for name, quota in quotas.items()},
    }


@pytest.fixture
def avatar(tmp_path: Path) -> str:
    path = tmp_path / "avatar.png"
    path.write_bytes(PNG)
    return str(path)


@pytest.fixture(autouse=True)
def licence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The naming material the specs below name (a plan pins each file it uploads by its content)."""
    monkeypatch.chdir(tmp_path)
    for name in ("licence.jpg", "l.jpg"):
        (tmp_path / name).write_bytes(PNG)
    return "l.jpg"


def sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def paths(plan: Any) -> list[str]:
    return [call.path for call in plan.calls]


# --- intro and nickname ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("desired", "observed", "olds", "changes", "calls"),
    [
        # converged
        ({"signature": INTRO}, live(), None, [], []),
        # only the fields the spec sets are managed: the live nickname is left alone
        (
            {"signature": NEW_INTRO},
            live(nickname="Anything"),
            None,
            [Change("signature", "update", old=INTRO, new=NEW_INTRO)],
            [SET_SIGNATURE],
        ),
        # the console changed the intro after our up: drift, repaired
        (
            {"signature": NEW_INTRO},
            live(signature=INTRO),
            {"spec": {"signature": NEW_INTRO}},
            [Change("signature", "update", old=INTRO, new=NEW_INTRO, drift=True)],
            [SET_SIGNATURE],
        ),
        # a rename with the naming material: upload + setnickname
        (
            {"nickname": "新的商城名字", "license": "licence.jpg"},
            live(),
            None,
            [Change("nickname", "update", old="Demo Shop", new="新的商城名字")],
            [UPLOAD, SET_NICKNAME],
        ),
    ],
)
def test_text_fields(desired, observed, olds, changes, calls) -> None:
    plan = ProfileProvider().plan(ctx(), desired, observed, olds)
    assert (plan.changes, paths(plan), plan.blocked) == (changes, calls, None)


def test_each_call_says_what_it_costs_and_what_is_left() -> None:
    plan = ProfileProvider().plan(ctx(), {"signature": NEW_INTRO}, live(used={"signature": 3}), None)
    assert plan.calls[0].quota == "1 of the 5 intro changes WeChat allows this month; 2 left before this one"


def test_a_rename_warns_loudly_and_costs_one_of_two_a_year() -> None:
    plan = ProfileProvider().plan(
        ctx(), {"nickname": "新的商城名字", "license": "l.jpg"}, live(used={"nickname": 1}), None
    )
    assert plan.calls[1].quota == "1 of the 2 nickname changes WeChat allows this year; 1 left before this one"
    assert any(
        warning.startswith("RENAME to '新的商城名字'") and "2 renames a year" in warning for warning in plan.warnings
    )


@pytest.mark.parametrize(
    ("desired", "used", "message"),
    [
        ({"signature": NEW_INTRO}, {"signature": 5}, "the intro quota is spent: 5 of 5 changes used this month"),
        (
            {"nickname": "新的商城名字", "license": "l.jpg"},
            {"nickname": 2},
            "the nickname quota is spent: 2 of 2 changes used this year",
        ),
    ],
)
def test_a_spent_quota_refuses_before_any_call(desired, used, message) -> None:
    plan = ProfileProvider().plan(ctx(), desired, live(used=used), None)
    assert plan.blocked is not None and message in plan.blocked and plan.blocked.endswith("Nothing was changed")


def test_a_spent_quota_of_an_unchanged_field_refuses_nothing() -> None:
    plan = ProfileProvider().plan(
        ctx(), {"signature": INTRO}, live(used={"signature": 5, "nickname": 2, "avatar": 5}), None
    )
    assert plan.blocked is None and plan.calls == []


def test_a_counter_wechat_leaves_out_refuses_nothing_on_a_guess() -> None:
    observed = {**live(), "quota": {**live()["quota"], "signature": None}}
    plan = ProfileProvider().plan(ctx(), {"signature": NEW_INTRO}, observed, None)
    assert (paths(plan), plan.calls[0].quota, plan.blocked) == ([SET_SIGNATURE], None, None)


def test_a_rename_without_material_is_a_manual_step_until_wechat_shows_it_done() -> None:
    desired = {"nickname": "演示商城"}
    first = ProfileProvider().plan(ctx(), desired, live(), None)
    assert paths(first) == [] and [change.field for change in first.changes] == ["nickname"]
    assert first.changes[0].after, "this up does not reach it"
    assert len(first.manual) == 1 and "rename to '演示商城'" in first.manual[0].text
    assert "licence" in first.manual[0].reason
    later = ProfileProvider().plan(ctx(), desired, live(), {"spec": desired})
    assert later.manual == first.manual and later.calls == [], "still to do: WeChat still shows the old name"
    done = ProfileProvider().plan(ctx(), desired, live(nickname="演示商城"), {"spec": desired})
    assert (done.changes, done.manual) == ([], [])


@pytest.mark.parametrize(
    ("review", "blocked", "warning"),
    [
        ({"audit_id": 1001, "nickname": "新的商城名字", "audit_stat": 1}, None, "under WeChat review (audit_id 1001)"),
        (
            {"audit_id": 1001, "nickname": "新的商城名字", "audit_stat": 2, "fail_reason": "trademark"},
            "WeChat rejected the rename to '新的商城名字' (audit_id 1001): trademark",
            None,
        ),
    ],
)
def test_a_rename_under_review_is_not_submitted_again(review, blocked, warning) -> None:
    desired = {"nickname": "新的商城名字", "license": "l.jpg"}
    plan = ProfileProvider().plan(ctx(), desired, {**live(), "nickname_review": review}, {"spec": desired})
    assert SET_NICKNAME not in paths(plan)
    assert (blocked in (plan.blocked or "")) if blocked else plan.blocked is None
    if warning:
        assert plan.changes == [] and any(warning in text for text in plan.warnings)


def test_a_passed_review_followed_by_a_console_rename_is_renamed_again() -> None:
    desired = {"nickname": "新的商城名字", "license": "l.jpg"}
    review = {"audit_id": 1001, "nickname": "新的商城名字", "audit_stat": 3}
    plan = ProfileProvider().plan(ctx(), desired, {**live(), "nickname_review": review}, {"spec": desired})
    assert paths(plan) == [UPLOAD, SET_NICKNAME]


# --- avatar ----------------------------------------------------------------------------------------


def test_avatar_first_time_is_uploaded_because_wechat_shows_only_a_url(avatar: str) -> None:
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(), None)
    assert plan.changes == [Change("avatar", "update", old=URL, new=f"{avatar} (sha256 {sha(avatar)[:12]})")]
    assert paths(plan) == [UPLOAD, SET_AVATAR]
    assert plan.calls[1].quota == "1 of the 5 avatar changes WeChat allows this month; 5 left before this one"
    assert any("only the avatar's URL" in warning for warning in plan.warnings)


def test_avatar_unchanged_file_and_url_is_left_alone(avatar: str) -> None:
    olds = {"spec": {"avatar": avatar}, "avatar": {"sha256": sha(avatar), "head_image_url": URL}}
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(), olds)
    assert (plan.changes, plan.calls, plan.warnings) == ([], [], [])


def test_avatar_new_file_content_is_uploaded(avatar: str) -> None:
    olds = {"spec": {"avatar": avatar}, "avatar": {"sha256": "0" * 64, "head_image_url": URL}}
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(), olds)
    assert [(c.field, c.drift) for c in plan.changes] == [("avatar", False)] and paths(plan) == [UPLOAD, SET_AVATAR]


def test_avatar_changed_in_the_console_is_drift(avatar: str) -> None:
    olds = {"spec": {"avatar": avatar}, "avatar": {"sha256": sha(avatar), "head_image_url": URL}}
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(url="http://wx.qlogo.cn/mmhead/other/0"), olds)
    assert [(c.old, c.drift) for c in plan.changes] == [("http://wx.qlogo.cn/mmhead/other/0", True)]
    assert paths(plan) == [UPLOAD, SET_AVATAR]


def test_avatar_quota_spent_refuses(avatar: str) -> None:
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(used={"avatar": 5}), None)
    assert plan.blocked is not None and "the avatar quota is spent: 5 of 5 changes used this month" in plan.blocked


def test_writes_are_planned_intro_then_nickname_then_avatar(avatar: str) -> None:
    desired = {"signature": NEW_INTRO, "nickname": "新的商城名字", "license": "l.jpg", "avatar": avatar}
    plan = ProfileProvider().plan(ctx(), desired, live(), None)
    assert paths(plan) == [SET_SIGNATURE, UPLOAD, SET_NICKNAME, UPLOAD, SET_AVATAR]


# --- owner mode, observe() and apply() ------------------------------------------------------------


class FakeClient:
    def __init__(self, audit: dict[str, Any] | None = None, review: dict[str, Any] | None = None) -> None:
        self.audit, self.review = audit, review
        self.calls: list[tuple[str, Any]] = []
        self.url = URL

    def get_account_basic_info(self) -> dict[str, Any]:
        self.calls.append(("getaccountbasicinfo", None))
        quota = {"modify_used_count": 0, "modify_quota": 5}
        return {
            "nickname": "Demo Shop",
            "nickname_info": {"nickname": "Demo Shop", "modify_used_count": 0, "modify_quota": 2},
            "signature_info": {"signature": INTRO, **quota},
            "head_image_info": {"head_image_url": self.url, **quota},
        }

    def query_nickname(self, audit_id: Any) -> dict[str, Any]:
        self.calls.append(("wxa/api_wxa_querynickname", {"audit_id": audit_id}))
        return dict(self.review or {})

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        """The executor's one entry point: record the call as sent, answer as WeChat would."""
        self.calls.append((path, args))
        if path == UPLOAD:
            return {"media_id": f"media-{len(self.calls)}"}
        if path == SET_NICKNAME:
            return dict(self.audit or {"wording": ""})
        if path == SET_AVATAR:
            self.url = "http://wx.qlogo.cn/mmhead/new/0"
        return {}


def with_client(context: Context, client: FakeClient) -> Context:
    context.__dict__["client"] = client  # Context.client is a cached_property
    return context


def props(spec: dict[str, Any], mode: str = "platform") -> dict[str, Any]:
    return {"appid": APPID, "credentials": {"mode": mode}, "spec": spec}


def up(client: FakeClient, desired: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One `pulumi up` creating the resource, with `client` standing in for WeChat."""
    monkeypatch.setattr(providers._clients, "client_for", lambda *args: client)
    provider = ProfileProvider()
    provider._settings = Settings("http://127.0.0.1:1", {})
    return provider.create(props(desired)).outs or {}


def test_owner_mode_reads_nothing_and_shows_every_field_against_unknown(avatar: str) -> None:
    class Unreadable(ProfileProvider):
        def read_live(self, ctx: Context) -> dict[str, Any] | None:
            raise AssertionError("owner credentials must not read (48001)")

    spec = {"nickname": "演示商城", "signature": NEW_INTRO, "avatar": avatar}
    plan, observed = Unreadable().observe(ctx("owner"), props(spec, "owner"), None)
    assert observed is None and plan.calls == [] and plan.blocked is None
    items = [step.text.removeprefix("in mp.weixin.qq.com → 设置 → 基本设置: ") for step in plan.manual]
    assert items == [f"make sure signature is {NEW_INTRO}", "make sure nickname is 演示商城",
                     f"make sure avatar is {avatar}"]
    assert all("48001" in step.reason for step in plan.manual)
    assert {change.old for change in plan.changes} == {UNKNOWN}, "never the last spec: it is not WeChat"
    # a later run is no wiser: the same steps, until something can read WeChat
    again, _ = Unreadable().observe(ctx("owner"), props(spec, "owner"), {"spec": spec})
    assert (again.changes, again.manual) == (plan.changes, plan.manual)


def test_observe_asks_about_a_pending_rename_and_does_not_submit_it_again() -> None:
    review = {"audit_id": 1001.0, "nickname": "新的商城名字"}  # Pulumi's state reads numbers back as floats
    client = FakeClient(review={"nickname": "新的商城名字", "audit_stat": 1})
    spec = {"nickname": "新的商城名字"}
    plan, observed = ProfileProvider().observe(
        with_client(ctx(), client), props(spec), {"spec": spec, "nickname_review": review}
    )
    assert ("wxa/api_wxa_querynickname", {"audit_id": 1001}) in client.calls
    assert all(type(body["audit_id"]) is int for path, body in client.calls if path.endswith("querynickname"))
    assert observed["nickname_review"]["audit_stat"] == 1 and plan.calls == [] and plan.manual == []
    assert any("under WeChat review (audit_id 1001)" in warning for warning in plan.warnings)


def test_up_sends_the_planned_calls_in_order_and_records_review_and_avatar(
    avatar: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FakeClient(audit={"wording": "under review", "audit_id": 1002})
    desired = {"signature": NEW_INTRO, "nickname": "新的商城名字", "license": avatar, "avatar": avatar}
    plan = ProfileProvider().plan(ctx(), desired, live(), None)
    outs = up(client, desired, monkeypatch)
    writes = [(path, args) for path, args in client.calls if path != "getaccountbasicinfo"]
    assert [path for path, _ in writes] == paths(plan) == [SET_SIGNATURE, UPLOAD, SET_NICKNAME, UPLOAD, SET_AVATAR]
    assert writes[0][1] == {"signature": NEW_INTRO}
    upload = writes[1][1]
    assert upload["type"] == "image" and upload["media"] == ("avatar.png", PNG, "image/png")
    assert writes[2][1] == {"nick_name": "新的商城名字", "license": "media-3"}, "the media_id the upload answered"
    assert writes[4][1] == {"head_img_media_id": "media-5", "x1": 0, "y1": 0, "x2": 1, "y2": 1}
    assert outs["nickname_review"] == {"audit_id": 1002, "nickname": "新的商城名字"}
    assert outs["avatar"] == {"path": avatar, "sha256": sha(avatar), "head_image_url": "http://wx.qlogo.cn/mmhead/new/0"}


def test_a_rename_set_at_once_records_no_review(monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(audit={"wording": ""})
    outs = up(client, {"nickname": "Demo Shop Ltd", "license": "l.jpg"}, monkeypatch)
    assert outs["nickname_review"] is None


def test_a_file_changed_since_the_plan_is_not_uploaded(avatar: str) -> None:
    plan = ProfileProvider().plan(ctx(), {"avatar": avatar}, live(), None)
    assert plan.calls[0].args["media"] == File.of(avatar)
    Path(avatar).write_bytes(PNG + b"changed")
    with pytest.raises(RefusedError, match="changed since the plan was made"):
        resolve(plan.calls[0].args, [])


# --- a lost answer on modifyheadimage is settled by reading, never sent again --------------------


class LosingClient(FakeClient):
    """modifyheadimage whose answer is lost: after it took effect (`landed`) or before."""

    def __init__(self, landed: bool, used: int = 0) -> None:
        super().__init__()
        self.landed, self.used = landed, used

    def get_account_basic_info(self) -> dict[str, Any]:
        info = super().get_account_basic_info()
        info["head_image_info"]["modify_used_count"] = self.used
        return info

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        if path != SET_AVATAR:
            return super().send(method, path, args)
        self.calls.append((path, args))
        if self.landed:
            self.url, self.used = "http://wx.qlogo.cn/mmhead/new/0", self.used + 1
        raise AmbiguousWriteError("POST cgi-bin/account/modifyheadimage failed: ReadTimeout.", endpoint=SET_AVATAR)


def test_a_lost_avatar_answer_that_took_effect_is_recorded_not_resent(avatar: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client = LosingClient(landed=True)
    desired = {"avatar": avatar}
    outs = up(client, desired, monkeypatch)
    assert [path for path, _ in client.calls].count(SET_AVATAR) == 1
    assert outs["avatar"]["sha256"] == sha(avatar)  # recorded: the next up sets nothing
    again = ProfileProvider().plan(ctx(), desired, live(url=client.url), {"spec": desired, **outs})
    assert paths(again) == []


def test_a_lost_avatar_answer_with_the_same_url_is_settled_by_the_change_counter(
    avatar: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting the image already live keeps its URL: the counter still tells."""
    client = LosingClient(landed=True)
    client.url = "http://wx.qlogo.cn/mmhead/new/0"
    outs = up(client, {"avatar": avatar}, monkeypatch)
    assert [path for path, _ in client.calls].count(SET_AVATAR) == 1 and outs["avatar"]["sha256"] == sha(avatar)


def test_a_lost_avatar_answer_that_did_not_take_effect_stops_without_resending(
    avatar: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = LosingClient(landed=False)
    with pytest.raises(RefusedError, match="did not take effect, and it was not sent again"):
        up(client, {"avatar": avatar}, monkeypatch)
    assert [path for path, _ in client.calls].count(SET_AVATAR) == 1


def test_fields_wechat_leaves_out_are_unknown_and_never_changed_on_a_guess(avatar: str) -> None:
    """getaccountbasicinfo without nickname_info / signature_info / head_image_info: no rename, no intro,
    no avatar is planned (each spends a small quota)."""

    class Thin(FakeClient):
        def get_account_basic_info(self) -> dict[str, Any]:
            return {"appid": APPID}

    context = with_client(ctx(), Thin())
    spec = {"nickname": "新的商城名字", "license": avatar, "signature": NEW_INTRO, "avatar": avatar}
    olds = {"spec": spec, "avatar": {"path": avatar, "sha256": sha(avatar), "head_image_url": URL}}
    plan, observed = ProfileProvider().observe(context, props(spec), olds)
    assert observed["nickname"] is None and plan.calls == [] and plan.blocked is None
    assert any("did not include the nickname" in warning for warning in plan.warnings)
