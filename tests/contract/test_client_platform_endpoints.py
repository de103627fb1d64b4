"""The client functions preflight and the platform resources use, against the emulator over HTTP:
the platform's jump-domain list, authorizer info with its permission sets, the ICP filing status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.testing import EmulatorControl
from wechat import ComponentClient, ComponentCredentials, MiniProgramClient, PlatformTokenSource, TokenCache
from wechat.errors import AuthError

pytestmark = pytest.mark.contract

PLATFORM, APP = "wx1111111111111111", "wx2222222222222222"
CREDENTIALS = ComponentCredentials(PLATFORM, "demo-component-secret-0001", "demo-verify-ticket-0001")


@pytest.fixture
def component(emu: EmulatorControl, tmp_path: Path) -> Iterator[ComponentClient]:
    with ComponentClient(CREDENTIALS, emu.base_url, TokenCache(tmp_path)) as client:
        yield client


@pytest.fixture
def app(emu: EmulatorControl, tmp_path: Path) -> Iterator[MiniProgramClient]:
    source = PlatformTokenSource(CREDENTIALS, APP, "demo-refresh-token-0002", TokenCache(tmp_path))
    with MiniProgramClient(APP, source, emu.base_url) as client:
        yield client


def test_the_jump_domain_list_round_trip(component: ComponentClient) -> None:
    before = component.modify_wxa_jump_domain("get")
    assert set(before["published_wxa_jump_h5_domain"].split(";")) == {"h5.shop.example.com", "shop.example.com"}
    after = component.modify_wxa_jump_domain("set", ["h5.shop.example.com", "m.example.com"],
                                              is_modify_published_together=True)
    assert after["published_wxa_jump_h5_domain"].split(";") == ["h5.shop.example.com", "m.example.com"]
    testing_only = component.modify_wxa_jump_domain("set", ["t.example.com"])
    assert testing_only["testing_wxa_jump_h5_domain"] == "t.example.com"
    assert testing_only["published_wxa_jump_h5_domain"].split(";") == ["h5.shop.example.com", "m.example.com"]


def test_authorizer_info_lists_the_permission_sets(component: ComponentClient, emu: EmulatorControl) -> None:
    info = component.get_authorizer_info(APP)
    ids = {item["funcscope_category"]["id"] for item in info["authorization_info"]["func_info"]}
    assert ids == {1, 18, 30}
    emu.console(APP, "set_permissions", component_appid=PLATFORM, permissions=[18])
    info = component.get_authorizer_info(APP)
    assert {item["funcscope_category"]["id"] for item in info["authorization_info"]["func_info"]} == {18}
    with pytest.raises(AuthError) as caught:
        component.get_authorizer_info("wx3333333333333333")  # not authorized: 61003
    assert caught.value.errcode == 61003


def test_icp_filing_status(app: MiniProgramClient, emu: EmulatorControl) -> None:
    assert app.get_icp_entrance_info()["status"] == 6
    emu.console(APP, "set_icp", status=1024)
    assert app.get_icp_entrance_info()["status"] == 1024


def test_check_token_fails_on_a_revoked_authorization(app: MiniProgramClient, emu: EmulatorControl) -> None:
    app.check_token()
    emu.console(APP, "set_permissions", component_appid=PLATFORM, revoke=True)
    with pytest.raises(AuthError):
        MiniProgramClient(APP, PlatformTokenSource(CREDENTIALS, APP, "demo-refresh-token-0002"),
                          emu.base_url).check_token()
