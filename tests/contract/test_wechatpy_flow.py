"""wechatpy 1.8.18 from PyPI, unmodified, against the emulator: an independent client must work.

wechatpy builds URLs from class attributes (`WeChatComponent.API_BASE_URL`, `WeChatClient.API_BASE_URL`,
`WeChatWxa.API_BASE_URL`), which the `wechatpy_env` fixture points at the emulator. Its
`WeChatClient.fetch_access_token` hard-codes https://api.weixin.qq.com/cgi-bin/token, so the
owner-mode test mounts a standard requests adapter on the client's session instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from wechatpy.client import WeChatClient, WeChatComponentClient
from wechatpy.client.api.wxa import WeChatWxa
from wechatpy.component import WeChatComponent
from wechatpy.exceptions import APILimitedException, WeChatClientException

from emulator.testing import (
    APP_SECRET,
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    REFRESH_TOKEN,
    RID,
    VERIFY_TICKET,
    EmulatorControl,
)

pytestmark = pytest.mark.contract
AES_KEY = "a" * 43  # wechatpy's crypto needs a well-formed EncodingAESKey even if no event is decrypted


@pytest.fixture
def wechatpy_env(emu: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmulatorControl:
    monkeypatch.setattr(WeChatComponent, "API_BASE_URL", emu.base_url + "/cgi-bin")
    monkeypatch.setattr(WeChatClient, "API_BASE_URL", emu.base_url + "/cgi-bin/")
    monkeypatch.setattr(WeChatWxa, "API_BASE_URL", emu.base_url + "/")
    emu.console(COMPONENT_APPID, "set_audit", auto_decide_after_seconds=None)
    return emu


@pytest.fixture
def component(wechatpy_env: EmulatorControl) -> WeChatComponent:
    component = WeChatComponent(COMPONENT_APPID, COMPONENT_SECRET, "token", AES_KEY)
    # What parse_message would store when WeChat pushes the ticket; the seed's ticket is current.
    component.session.set("component_verify_ticket", VERIFY_TICKET)
    component.session.set(f"{APPID}_refresh_token", REFRESH_TOKEN)
    return component


@pytest.fixture
def client(component: WeChatComponent) -> WeChatComponentClient:
    return component.get_client_by_appid(APPID)


def _errcode(exc: pytest.ExceptionInfo[WeChatClientException]) -> int:
    assert RID.search(exc.value.errmsg), exc.value.errmsg
    return int(exc.value.errcode)


def test_component_and_authorizer_tokens(component: WeChatComponent, client: WeChatComponentClient) -> None:
    assert component.access_token.startswith("emu_")
    assert client.access_token.startswith("emu_")
    assert component.create_preauthcode()["expires_in"] == 600


def test_domains(client: WeChatComponentClient) -> None:
    got = client.wxa.modify_domain("get")
    assert got["requestdomain"] == ["https://api.shop.example.com"]
    added = client.wxa.modify_domain("add", request_domain=["https://api2.shop.example.com"])
    assert "https://api2.shop.example.com" in added["requestdomain"]
    with pytest.raises(WeChatClientException) as exc:
        client.wxa.modify_domain("add", wsrequest_domain=["https://ws.shop.example.com"])
    assert _errcode(exc) == 85301


def test_testers(client: WeChatComponentClient, wechatpy_env: EmulatorControl) -> None:
    userstr = client.wxa.bind_tester("wechatpy-user")["userstr"]
    members = client.post("wxa/memberauth", data={"action": "get_experiencer"},
                          api_base_url=wechatpy_env.base_url + "/")["members"]
    assert {"userstr": userstr} in members
    with pytest.raises(WeChatClientException) as exc:
        client.wxa.bind_tester("wechatpy-user")
    assert _errcode(exc) == 85004
    client.wxa.unbind_tester("wechatpy-user")


def test_commit_audit_release(client: WeChatComponentClient, wechatpy_env: EmulatorControl) -> None:
    client.wxa.commit(1, "{}", "1.0.0", "via wechatpy")
    assert client.wxa.get_page() == ["pages/index/index", "pages/cart/cart", "pages/order/order"]
    category = client.wxa.get_category()[0]
    assert (category["first_id"], category["second_id"]) == (304, 305)
    qrcode = client.wxa.get_qrcode()  # not JSON: wechatpy hands back the requests.Response
    assert isinstance(qrcode, requests.Response) and qrcode.headers["Content-Type"] == "image/jpeg"
    item = {"address": "pages/index/index", "tag": "商城", "first_class": category["first_class"],
            "second_class": category["second_class"], "first_id": 304, "second_id": 305, "title": "首页"}
    auditid = client.wxa.submit_audit({"item_list": [item]})["auditid"]
    with pytest.raises(WeChatClientException) as exc:
        client.wxa.submit_audit({"item_list": [item]})
    assert _errcode(exc) == 85009
    assert client.wxa.get_audit_status(auditid)["status"] == 2
    assert client.wxa.query_quota()["rest"] == 19
    wechatpy_env.decide_audit(APPID, "approve")
    latest = client.wxa.get_latest_audit_status()
    assert (latest["auditid"], latest["status"]) == (auditid, 0)
    client.wxa.release()
    with pytest.raises(WeChatClientException) as exc:
        client.wxa.release()
    assert _errcode(exc) == 85052
    client.wxa.change_visit_status(close=True)
    client.wxa.revert_code_release()  # back to the seeded 0.9.0


def test_undo_and_speedup(client: WeChatComponentClient) -> None:
    client.wxa.commit(1, "{}", "1.0.0", "x")
    auditid = client.wxa.submit_audit({})["auditid"]
    client.wxa.speed_up_audit(auditid)
    client.wxa.undo_code_audit()
    assert client.wxa.get_latest_audit_status()["status"] == 3


def test_expired_tokens_are_refreshed_by_wechatpy(client: WeChatComponentClient,
                                                  wechatpy_env: EmulatorControl) -> None:
    before = client.access_token
    wechatpy_env.advance_clock(7201)  # both the authorizer and the component token expire
    assert "requestdomain" in client.wxa.modify_domain("get")  # 42001 -> refresh -> retry
    assert client.access_token != before
    paths = [c["path"] for c in wechatpy_env.calls()]
    assert paths[-3:] == ["/cgi-bin/component/api_component_token", "/cgi-bin/component/api_authorizer_token",
                          "/wxa/modify_domain"]


def test_daily_limit_is_an_api_limited_exception(client: WeChatComponentClient,
                                                 wechatpy_env: EmulatorControl) -> None:
    wechatpy_env.inject_fault("/wxa/queryquota", errcode=45009, errmsg="reach max api daily quota limit")
    with pytest.raises(APILimitedException):
        client.wxa.query_quota()


class _ToEmulator(HTTPAdapter):
    """A plain requests transport adapter sending api.weixin.qq.com requests to the emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = request.url.replace("https://api.weixin.qq.com", self.base_url, 1)
        return super().send(request, *args, **kwargs)


@pytest.fixture
def owner_client(wechatpy_env: EmulatorControl) -> Iterator[WeChatClient]:
    client = WeChatClient(APPID, APP_SECRET, auto_retry=False)
    client._http.mount("https://api.weixin.qq.com/", _ToEmulator(wechatpy_env.base_url))
    yield client


def test_owner_token_gets_48001_on_platform_apis(owner_client: WeChatClient) -> None:
    owner_client.fetch_access_token()  # cgi-bin/token with appid + secret
    with pytest.raises(WeChatClientException) as exc:
        owner_client.wxa.bind_tester("someone")
    assert _errcode(exc) == 48001
    with pytest.raises(WeChatClientException) as exc:
        owner_client.wxa.submit_audit({})
    assert _errcode(exc) == 48001
    devinfo = owner_client.post("wxa/getwxadevinfo", data={}, api_base_url="https://api.weixin.qq.com/")
    assert devinfo["requestdomain"] == ["https://api.shop.example.com"]
