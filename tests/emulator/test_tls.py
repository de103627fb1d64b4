"""HTTPS on loopback (opt-in): the emulator makes a test CA at start and prints its path; a client
that trusts it (WECHAT_IAC_CA_BUNDLE for our client, `verify=` for others) talks TLS and reuses one
connection for many calls, as against api.weixin.qq.com; a client that does not trust it fails."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from emulator.testing import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    DEMO_SEED,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    EmulatorProcess,
    RawWeChat,
    start_emulator,
)
from wechat import ComponentCredentials, MiniProgramClient, PlatformTokenSource
from wechat import http as wechat_http


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[EmulatorProcess]:
    with start_emulator(DEMO_SEED, tls=True) as process:
        yield process


def test_tls_serves_https_with_a_printed_ca(tls_emulator: EmulatorProcess) -> None:
    assert tls_emulator.base_url.startswith("https://127.0.0.1:")
    assert tls_emulator.ca_path is not None and "BEGIN CERTIFICATE" in tls_emulator.ca_path.read_text()
    trusting = ssl.create_default_context(cafile=str(tls_emulator.ca_path))
    control = EmulatorControl(tls_emulator.base_url, verify=trusting)
    assert control.health()["status"] == "ok"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_emulator.base_url + "/_emulator/health")  # not trusted by default
    localhost = tls_emulator.base_url.replace("127.0.0.1", "localhost")
    assert httpx.get(localhost + "/_emulator/health", verify=trusting).status_code == 200


def test_raw_calls_over_tls(tls_emulator: EmulatorProcess) -> None:
    wx = RawWeChat(tls_emulator.base_url, verify=ssl.create_default_context(cafile=str(tls_emulator.ca_path)))
    token = wx.authorizer_token()
    assert wx.post("/wxa/modify_domain", token, {"action": "get"})["errcode"] == 0


def test_our_client_trusts_the_ca_from_the_environment_and_reuses_the_connection(
        tls_emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tls_emulator.ca_path is not None
    monkeypatch.setenv("WECHAT_IAC_CA_BUNDLE", str(tls_emulator.ca_path))
    wechat_http._ssl_context.cache_clear()  # one context per process: rebuild it with the variable set
    try:
        context: ssl.SSLContext = wechat_http._ssl_context()
        source = PlatformTokenSource(ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET),
                                     APPID, REFRESH_TOKEN, None)
        with MiniProgramClient(APPID, source, tls_emulator.base_url, max_retries=0) as client:
            for _ in range(3):
                client.get_domains()
        assert context.session_stats()["connect_good"] == 1  # one handshake, then keep-alive
    finally:
        monkeypatch.delenv("WECHAT_IAC_CA_BUNDLE")
        wechat_http._ssl_context.cache_clear()
