"""PrivacySettings plans: (desired guide, live ver=2 guide, old outputs) -> changes, one call, warnings."""

from __future__ import annotations

from typing import Any

import pytest

from providers._base import Context
from providers._plan import UNKNOWN, Change
from providers._settings import Settings
from providers.privacy import SET, PrivacySettingsProvider

APPID = "wx2222222222222222"
EMAIL = "privacy@shop.example.com"
OWNER = {"contact_email": EMAIL, "notice_method": "弹窗提示"}
USER_INFO = {"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}
LOCATION = {"privacy_key": "Location", "privacy_text": "用于推荐附近门店"}
AFTER_RELEASE = "a ver=2 privacy guide takes effect only after the next audit is approved and that version is released"


def ctx(mode: str = "platform") -> Context:
    return Context(APPID, {"mode": mode}, Settings("http://127.0.0.1:1", {}))


def guide(owner: dict[str, Any] | None = None, *settings: dict[str, str]) -> dict[str, Any]:
    return {"owner_setting": dict(OWNER if owner is None else owner), "settings": list(settings)}


def live(owner: dict[str, Any] | None = None, *settings: dict[str, str], used: list[str] | None = None) -> Any:
    return {**guide(owner, *settings), "privacy_list": used or [], "code_exist": 1 if used else 0}


@pytest.mark.parametrize(
    ("desired", "observed", "olds", "changes"),
    [
        # converged
        (guide(None, USER_INFO), live(None, USER_INFO), None, []),
        # no guide yet: everything is new
        (
            guide(None, USER_INFO),
            live({}),
            None,
            [
                Change("owner_setting.contact_email", "update", new=EMAIL),
                Change("owner_setting.notice_method", "update", new="弹窗提示"),
                Change("settings", "add", new="UserInfo"),
            ],
        ),
        # a key's text changed in the spec
        (
            guide(None, {**USER_INFO, "privacy_text": "登录"}),
            live(None, USER_INFO),
            None,
            [Change("settings.UserInfo", "update", old="用于展示头像昵称", new="登录")],
        ),
        # a key the spec no longer declares is removed; settings are a set by privacy_key
        (guide(None, USER_INFO), live(None, LOCATION, USER_INFO), None, [Change("settings", "remove", old="Location")]),
        # an owner field only live has is dropped by the next set, so it shows as a removal
        (
            guide(None, USER_INFO),
            live({**OWNER, "contact_qq": "12345"}, USER_INFO),
            {"spec": guide(None, USER_INFO)},
            [Change("owner_setting.contact_qq", "remove", old="12345", drift=True)],
        ),
        # the console changed a text after our up: drift
        (
            guide(None, USER_INFO),
            live(None, {**USER_INFO, "privacy_text": "别的"}),
            {"spec": guide(None, USER_INFO)},
            [Change("settings.UserInfo", "update", old="别的", new="用于展示头像昵称", drift=True)],
        ),
    ],
)
def test_guide_differences(desired, observed, olds, changes) -> None:
    plan = PrivacySettingsProvider().plan(ctx(), desired, observed, olds)
    assert plan.changes == changes and plan.blocked is None
    if changes:
        assert [call.path for call in plan.calls] == [SET] and AFTER_RELEASE in plan.warnings
    else:
        assert plan.calls == [] and plan.warnings == []


def test_any_number_of_differences_is_one_call() -> None:
    desired = guide({"contact_phone": "021-1234-5678", "notice_method": "站内信"}, USER_INFO, LOCATION)
    plan = PrivacySettingsProvider().plan(ctx(), desired, live({}), None)
    assert len(plan.changes) == 4 and len(plan.calls) == 1
    assert plan.calls[0].summary == "set the development (ver=2) privacy guide (Location, UserInfo)"


def test_keys_the_code_uses_but_the_spec_does_not_declare_are_warned_about() -> None:
    plan = PrivacySettingsProvider().plan(
        ctx(), guide(None, USER_INFO), live(None, USER_INFO, used=["Location", "UserInfo", "PhoneNumber"]), None
    )
    assert plan.calls == []
    assert plan.warnings == [
        "the committed code uses Location, PhoneNumber, which privacy.settings does not declare: "
        "an audit would likely be rejected"
    ]


def test_an_empty_settings_list_is_refused_before_calling() -> None:
    plan = PrivacySettingsProvider().plan(ctx(), guide(None), live({}), None)
    assert plan.blocked == "privacy.settings is empty, and WeChat wants at least one privacy key in a ver=2 guide"


def test_owner_mode_shows_the_declared_guide_against_unknown() -> None:
    provider = PrivacySettingsProvider()
    plan = provider.plan(ctx("owner"), guide(None, USER_INFO), None, {"spec": guide(None, USER_INFO)})
    assert {change.old for change in plan.changes} == {UNKNOWN}, "never the last spec: it is not WeChat"
    assert "settings.UserInfo" in [change.field for change in plan.changes] and plan.calls == []


def test_the_planned_call_is_the_whole_guide_as_ver_2() -> None:
    desired = PrivacySettingsProvider().normalize(guide(None, USER_INFO))
    plan = PrivacySettingsProvider().plan(ctx(), desired, live({}), None)
    assert [(call.method, call.path, call.args) for call in plan.calls] == [
        ("POST", "/cgi-bin/component/setprivacysetting",
         {"privacy_ver": 2, "owner_setting": OWNER, "setting_list": [USER_INFO]})]
