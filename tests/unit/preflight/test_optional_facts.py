"""Preflight's checks on WeChat's real answers (the emulator's, demo seed) with a field left out.

A field the docs do not promise is optional: an answer without it gives "unknown" (⚪), never a
⛔ drawn from reading it as empty, and never a traceback. Each answer is read through the real
client with the emulator's `omit` fault hook (emulator/CONTROL.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulator.testing import APPID, COMPONENT_APPID, EmulatorControl
from providers import release_domains
from providers._clients import client_for
from providers._platform import component_client, hosts
from providers._settings import Settings
from providers.preflight import checks_access, checks_domains, checks_release
from providers.preflight.findings import UNKNOWN, Finding
from tests.unit.preflight.preflight_helpers import facts
from tests.unit.providers.test_optional_fields import COMPONENT, PLATFORM, context
from tests.unit.providers.test_optional_fields import isolated as isolated  # autouse: token cache and clients per test


def settings(emu: EmulatorControl) -> Settings:
    return context(emu, APPID, PLATFORM).settings


def read(emu: EmulatorControl, path: str, omit: list[str] | None, reader: Callable[[Any, Any], Any]) -> Any:
    """`reader(mini-program client, component client)`, with `omit` left out of `path`'s answer."""
    config = settings(emu)
    if omit:
        emu.inject_fault(path, omit=omit, count=10)
    return reader(client_for(APPID, PLATFORM, config), component_client(COMPONENT, config))


def categories(answer: Any) -> Finding:
    return checks_release.categories(APPID, "shop", facts({"category": answer}), None,
                                     [{"first_id": 304, "second_id": 305}], True)


def privacy(answer: Any) -> Finding:
    return checks_release.privacy(APPID, "shop", facts({"privacy": answer}), None, ["UserInfo"], "the code", True)


def effective(answer: tuple[Any, Any]) -> Finding:
    declared = release_domains.declared({"request": ["https://api.shop.example.com"]}, None)
    found = facts({"effective": answer[0], "effective_webview": answer[1]})
    return checks_domains.effective(APPID, "shop", found, declared, [], "approved")[0]


def registration(answer: Any) -> Finding:
    lists = {"server": {"published": hosts(answer, "published_wxa_server_domain"),
                        "testing": hosts(answer, "testing_wxa_server_domain")}}
    return checks_domains.registration(APPID, "shop", ["new.shop.example.com"], [], lists, "live")


def quota(answer: Any) -> Finding:
    return checks_release.audit_quota(COMPONENT_APPID, "platform", facts({"quota": answer}), 1, 0)[0]


def authorization(answer: Any) -> Finding:
    return checks_access.authorization(APPID, "shop", facts({"authorizer": answer}), ["release"])


def icp(answer: Any) -> Finding:
    return checks_release.icp(APPID, "shop", facts({"icp": answer}), True, True, True)


CASES = [
    # (check, endpoint, field left out, read, check of the answer)
    ("categories", "/cgi-bin/wxopen/getcategory", "categories", lambda c, _: c.get_category(), categories),
    ("privacy", "/cgi-bin/component/getprivacysetting", "setting_list", lambda c, _: c.get_privacy_setting(2),
     privacy),
    *[("effective_domains", "/wxa/get_effective_domain", field,
       lambda c, _: (c.get_effective_domain(), c.get_effective_webview_domains()), effective)
      for field in ("effective_domain", "third_domain")],
    ("effective_domains", "/wxa/get_effective_webviewdomain", "effective_webviewdomain",
     lambda c, _: (c.get_effective_domain(), c.get_effective_webview_domains()), effective),
    ("domain_registration", "/cgi-bin/component/modify_wxa_server_domain", "published_wxa_server_domain",
     lambda _, p: p.modify_wxa_server_domain("get"), registration),
    ("audit_quota", "/wxa/queryquota", "rest", lambda c, _: c.query_quota(), quota),
    ("authorization", "/cgi-bin/component/api_get_authorizer_info", "authorization_info.func_info",
     lambda _, p: p.get_authorizer_info(APPID), authorization),
    ("icp", "/wxa/icp/get_icp_entrance_info", "info.status", lambda c, _: c.get_icp_entrance_info(), icp),
]


@pytest.mark.parametrize(("check", "path", "field", "reader", "judge"), CASES,
                         ids=[f"{case[0]}-{case[2]}" for case in CASES])
def test_an_answer_without_the_field_is_unknown_never_a_block(
        emu: EmulatorControl, check: str, path: str, field: str, reader: Callable[[Any, Any], Any],
        judge: Callable[[Any], Finding]) -> None:
    whole = judge(read(emu, path, None, reader))
    assert (whole.check, whole.severity) != (check, UNKNOWN), "the whole answer is judged"
    trimmed = judge(read(emu, path, [field], reader))
    assert (trimmed.check, trimmed.severity) == (check, UNKNOWN), trimmed.message


@pytest.mark.parametrize("field", ["limit", "speedup_rest", "speedup_limit"])
def test_quota_without_a_counter_still_judges_what_it_has(emu: EmulatorControl, field: str) -> None:
    found = checks_release.audit_quota(COMPONENT_APPID, "platform",
                                       facts({"quota": read(emu, "/wxa/queryquota", [field],
                                                            lambda c, _: c.query_quota())}), 1, 0)
    assert found[0].severity != UNKNOWN and "None" not in " ".join(item.message for item in found)
