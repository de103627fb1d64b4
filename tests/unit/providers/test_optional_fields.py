"""Every provider read, with each field the docs do not promise left out of WeChat's real answer.

The answers are the emulator's own (real HTTP, the demo seed), trimmed by its `omit` fault hook
(emulator/CONTROL.md), and read through the real client. A list WeChat's answer leaves out is
unknown, never empty: no traceback, no write planned on a guess (the plan is refused, or plans
nothing for it), and the plan says what is unknown. A provider that read the field as required
fails here: a KeyError, or an absent list read as empty plans removing every item.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import providers._clients
import providers._platform
from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    OWNER_APPID,
    OWNER_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
)
from providers._base import Context, WeChatResourceProvider
from providers._plan import UNKNOWN
from providers._settings import Settings
from providers.categories import CategoriesProvider
from providers.platform_jump_domains import PlatformJumpDomainsProvider
from providers.platform_server_domains import PlatformServerDomainsProvider
from providers.privacy import PrivacySettingsProvider
from providers.server_domains import ServerDomainsProvider
from providers.testers import TestersProvider
from providers.webview_domains import WebviewDomainsProvider

PLATFORM = {"mode": "platform", "component_appid": COMPONENT_APPID, "component_secret_config": "componentSecret",
            "verify_ticket_config": "componentVerifyTicket", "refresh_token_config": "refresh"}
COMPONENT = {"mode": "component", "component_appid": COMPONENT_APPID, "component_secret_config": "componentSecret",
             "verify_ticket_config": "componentVerifyTicket"}
OWNER = {"mode": "owner", "app_secret_config": "ownerSecret"}
API = "https://api.shop.example.com"
H5 = "https://h5.shop.example.com"
GUIDE = {"owner_setting": {"contact_email": "a@shop.example.com", "notice_method": "弹窗"},
         "settings": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]}
SERVER_WIRES = ["requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain", "tcpdomain"]
READS = {"/wxa/modify_domain", "/wxa/setwebviewdomain", "/wxa/memberauth", "/cgi-bin/wxopen/getcategory",
         "/cgi-bin/wxopen/getallcategories", "/cgi-bin/component/getprivacysetting", "/wxa/getwxadevinfo",
         "/cgi-bin/component/modify_wxa_server_domain", "/cgi-bin/component/modify_wxa_jump_domain"}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path / "tokens"))
    monkeypatch.setattr(providers._clients, "_clients", {})
    monkeypatch.setattr(providers._platform, "_clients", {})
    yield


def context(emu: EmulatorControl, appid: str, credentials: dict[str, Any]) -> Context:
    values = {"baseUrl": emu.base_url, "componentSecret": COMPONENT_SECRET, "componentVerifyTicket": VERIFY_TICKET,
              "refresh": REFRESH_TOKEN, "ownerSecret": OWNER_SECRET}
    settings = Settings.from_config({f"wechat-iac:{key}": value for key, value in values.items()})
    return Context(appid, dict(credentials), settings)


def observe(emu: EmulatorControl, provider: WeChatResourceProvider, credentials: dict[str, Any], spec: Any,
            path: str | None = None, omit: list[str] | None = None) -> Any:
    """The plan `preview` and `up` make, from the emulator's answer with `omit` left out of `path`."""
    appid = COMPONENT_APPID if credentials is COMPONENT else OWNER_APPID if credentials is OWNER else APPID
    ctx = context(emu, appid, credentials)
    if path is not None:
        emu.inject_fault(path, omit=omit, count=10)
    plan, _live = provider.observe(ctx, {"appid": appid, "credentials": credentials, "spec": spec}, None)
    writes = [call["path"] for call in emu.calls() if call["path"] not in READS and "token" not in call["path"]]
    assert writes == [], "a read must never write"
    return plan


# (provider, credentials, spec, path, field): each plan is refused, names the field, and plans no call.
REFUSED = [
    *[(ServerDomainsProvider, PLATFORM, {"request": [API]}, "/wxa/modify_domain", wire) for wire in SERVER_WIRES],
    (WebviewDomainsProvider, PLATFORM, {"domains": [H5]}, "/wxa/setwebviewdomain", "webviewdomain"),
    (TestersProvider, PLATFORM, {"members": ["alice"]}, "/wxa/memberauth", "members"),
    (CategoriesProvider, PLATFORM, [{"first": 304, "second": 305}], "/cgi-bin/wxopen/getcategory", "categories"),
    (CategoriesProvider, PLATFORM, [{"first": 304, "second": 305}, {"first": 304, "second": 322}],
     "/cgi-bin/wxopen/getallcategories", "categories_list"),
    (PrivacySettingsProvider, PLATFORM, GUIDE, "/cgi-bin/component/getprivacysetting", "owner_setting"),
    (PrivacySettingsProvider, PLATFORM, GUIDE, "/cgi-bin/component/getprivacysetting", "setting_list"),
    (PlatformServerDomainsProvider, COMPONENT, {"published": ["api.shop.example.com"]},
     "/cgi-bin/component/modify_wxa_server_domain", "published_wxa_server_domain"),
    (PlatformServerDomainsProvider, COMPONENT, {"published": ["api.shop.example.com"]},
     "/cgi-bin/component/modify_wxa_server_domain", "testing_wxa_server_domain"),
    (PlatformJumpDomainsProvider, COMPONENT, {"published": ["h5.shop.example.com"]},
     "/cgi-bin/component/modify_wxa_jump_domain", "published_wxa_jump_h5_domain"),
    (PlatformJumpDomainsProvider, COMPONENT, {"published": ["h5.shop.example.com"]},
     "/cgi-bin/component/modify_wxa_jump_domain", "testing_wxa_jump_h5_domain"),
]


@pytest.mark.parametrize(("provider", "credentials", "spec", "path", "field"), REFUSED,
                         ids=[f"{case[0].kind}-{case[4]}" for case in REFUSED])
def test_an_absent_list_is_unknown_and_nothing_is_written_on_a_guess(
        emu: EmulatorControl, provider: type[WeChatResourceProvider], credentials: dict[str, Any], spec: Any,
        path: str, field: str) -> None:
    baseline = observe(emu, provider(), credentials, spec)
    assert baseline.blocked is None, "the same spec against the whole answer plans normally"
    plan = observe(emu, provider(), credentials, spec, path, [field])
    assert plan.blocked is not None and field in plan.blocked and "unknown" in plan.blocked
    assert plan.calls == []  # `up` refuses this resource before any call
    if path != "/cgi-bin/wxopen/getallcategories":  # (there the account's categories are known: only the tree is not)
        assert UNKNOWN in [change.old for change in plan.changes], "the plan shows the unread part as unknown"


@pytest.mark.parametrize(("provider", "spec", "path", "field"), [
    (ServerDomainsProvider, {"request": [API]}, "/wxa/getwxadevinfo", "requestdomain"),
    (WebviewDomainsProvider, {"domains": [H5]}, "/wxa/getwxadevinfo", "bizdomain"),
])
def test_owner_mode_shows_an_absent_list_against_unknown(
        emu: EmulatorControl, provider: type[WeChatResourceProvider], spec: Any, path: str, field: str) -> None:
    plan = observe(emu, provider(), OWNER, spec, path, [field])
    assert [change.old for change in plan.changes] == [UNKNOWN]
    assert plan.calls == [] and plan.blocked is None  # owner mode writes nothing: manual steps only


@pytest.mark.parametrize("field", ["quota", "limit", "category_limit"])
def test_categories_without_a_limit_leave_that_check_to_wechat_and_say_so(emu: EmulatorControl, field: str) -> None:
    converged = observe(emu, CategoriesProvider(), PLATFORM, [{"first": 304, "second": 305}],
                        "/cgi-bin/wxopen/getcategory", [field])
    assert converged.blocked is None and converged.calls == [], "no number is read as 0 (it refused every plan)"
    two = [{"first": 304, "second": 305}, {"first": 304, "second": 322}]
    adding = observe(emu, CategoriesProvider(), PLATFORM, two, "/cgi-bin/wxopen/getcategory", [field])
    assert adding.blocked is None and [call.path for call in adding.calls] == ["/cgi-bin/wxopen/addcategory"]
    assert any(field in warning and "53300" in warning for warning in adding.warnings)
    assert "unknown" in (adding.calls[0].quota or "")


def test_privacy_without_privacy_list_says_the_code_check_was_not_made(emu: EmulatorControl) -> None:
    plan = observe(emu, PrivacySettingsProvider(), PLATFORM, GUIDE, "/cgi-bin/component/getprivacysetting",
                   ["privacy_list"])
    assert plan.blocked is None and [call.path for call in plan.calls] == ["/cgi-bin/component/setprivacysetting"]
    assert any("privacy_list" in warning for warning in plan.warnings)
