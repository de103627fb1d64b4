"""Token sharing, single-flight refresh, proactive refresh and refresh-on-errcode."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from wechat_fakes import (
    APPID,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    OWNER_SECRET,
    REFRESH_TOKEN,
    TICKET,
    FakeClock,
    FakeWeChat,
    platform_source,
)

from wechat import MiniProgramClient, OwnerTokenSource, TokenError

MakeClient = Callable[..., MiniProgramClient]


def _run_threads(n: int, target: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_sixteen_threads_share_one_refresh(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.token_delay = 0.05  # widen the window in which a second refresh could start
    client = make_client()
    results = _run_threads(16, client.get_page)
    assert results == [[]] * 16
    assert fake.count("cgi-bin/stable_token") == 1
    assert client.stats.token_fetches == {"owner": 1}
    tokens = {r.url.params["access_token"] for r in fake.requests if r.url.path == "/wxa/get_page"}
    assert tokens == {fake.issued[0]}


def test_owner_mode_uses_stable_token_only_and_never_forces(fake: FakeWeChat,
                                                            make_client: MakeClient) -> None:
    make_client().get_page()
    assert fake.count("cgi-bin/token") == 0
    assert fake.bodies("cgi-bin/stable_token") == [
        {"grant_type": "client_credential", "appid": APPID, "secret": OWNER_SECRET, "force_refresh": False}]


def test_token_is_refreshed_before_it_expires(fake: FakeWeChat, make_client: MakeClient,
                                              clock: FakeClock) -> None:
    client = make_client()
    client.get_page()
    clock.advance(7200 - 300 - 1)  # one second before the refresh buffer starts
    client.get_page()
    assert fake.count("cgi-bin/stable_token") == 1
    clock.advance(1)
    client.get_page()
    assert fake.count("cgi-bin/stable_token") == 2
    used = [r.url.params["access_token"] for r in fake.requests if r.url.path == "/wxa/get_page"]
    assert used == [fake.issued[0], fake.issued[0], fake.issued[1]]


def test_short_lived_token_refreshes_at_half_its_life(fake: FakeWeChat, make_client: MakeClient,
                                                      clock: FakeClock) -> None:
    fake.expires_in = 300
    client = make_client()
    client.get_page()
    clock.advance(149)
    client.get_page()
    clock.advance(1)
    client.get_page()
    assert fake.count("cgi-bin/stable_token") == 2


def test_42001_mid_run_refreshes_once_and_succeeds(fake: FakeWeChat, make_client: MakeClient) -> None:
    client = make_client()
    assert client.get_page() == []
    fake.expired.add(fake.issued[0])  # WeChat expires the token early: the fake answers 42001
    fake.defaults["wxa/get_page"] = {"page_list": ["pages/a"]}
    assert client.get_page() == ["pages/a"]
    used = [r.url.params["access_token"] for r in fake.requests if r.url.path == "/wxa/get_page"]
    assert used == [fake.issued[0], fake.issued[0], fake.issued[1]]
    assert fake.count("cgi-bin/stable_token") == 2
    assert fake.count("wxa/get_page") == 3
    assert client.stats.token_refreshes == 1
    assert client.stats.retries == 0


def test_40001_refreshes_once_then_raises(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/release"] = {"errcode": 40001, "errmsg": "invalid credential rid: 1-2-3"}
    client = make_client()
    with pytest.raises(TokenError) as info:
        client.release()
    assert info.value.errcode == 40001 and info.value.rid == "1-2-3"
    assert fake.count("wxa/release") == 2  # the call and one replay, no loop
    assert fake.count("cgi-bin/stable_token") == 2
    assert client.stats.token_refreshes == 1


def test_concurrent_42001_on_one_token_refreshes_once(fake: FakeWeChat, make_client: MakeClient) -> None:
    client = make_client()
    client.get_page()
    fake.expired.add(fake.issued[0])
    fake.token_delay = 0.02
    results = _run_threads(8, client.get_page)
    assert results == [[]] * 8
    assert fake.count("cgi-bin/stable_token") == 2


def test_invalidate_only_drops_the_current_token(fake: FakeWeChat, make_client: MakeClient,
                                                  clock: FakeClock) -> None:
    source = OwnerTokenSource(APPID, OWNER_SECRET, clock=clock)
    client = make_client(source)
    client.get_page()
    first = fake.issued[0]
    source.invalidate(first)
    client.get_page()
    second = fake.issued[1]
    source.invalidate(first)  # a late 42001 for the old token must not wipe the new one
    client.get_page()
    assert fake.count("cgi-bin/stable_token") == 2
    assert fake.requests[-1].url.params["access_token"] == second


def test_platform_mode_token_chain(fake: FakeWeChat, make_client: MakeClient, clock: FakeClock) -> None:
    fake.script("wxa/get_page", {"errcode": 0, "errmsg": "ok", "page_list": ["pages/index/index"]})
    client = make_client(platform_source(None, clock))
    assert client.get_page() == ["pages/index/index"]
    component, authorizer = fake.issued
    assert fake.bodies("cgi-bin/component/api_authorizer_token") == [
        {"component_appid": COMPONENT_APPID, "authorizer_appid": APPID,
         "authorizer_refresh_token": REFRESH_TOKEN}]
    auth_req = next(r for r in fake.requests if r.url.path.endswith("api_authorizer_token"))
    assert auth_req.url.params["component_access_token"] == component
    assert fake.requests[-1].url.params["access_token"] == authorizer
    assert client.stats.token_fetches == {"component": 1, "platform": 1}


def test_stale_component_token_is_replaced_once(fake: FakeWeChat, make_client: MakeClient,
                                                 clock: FakeClock) -> None:
    source = platform_source(None, clock)
    client = make_client(source)
    client.get_page()
    component = fake.issued[0]
    fake.valid.discard(component)  # WeChat no longer accepts the component token
    source.invalidate(fake.issued[1])  # force the authorizer token to be fetched again
    client.get_page()
    assert fake.count("cgi-bin/component/api_component_token") == 2
    assert fake.count("cgi-bin/component/api_authorizer_token") == 3  # ok, 40001, ok
    assert client.stats.token_fetches["platform"] == 2


def test_repr_never_shows_secrets(clock: FakeClock) -> None:
    source = platform_source(None, clock)
    owner = OwnerTokenSource(APPID, OWNER_SECRET)
    for text in (repr(source), repr(owner), repr(source._component), repr(source._component.credentials)):
        assert OWNER_SECRET not in text and REFRESH_TOKEN not in text and "secret-" not in text
        assert "ticket@@@" not in text
    assert repr(owner) == "OwnerTokenSource(appid='wx_test_app', secret=***)"


def test_client_refuses_a_token_source_for_another_appid(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="not 'wx_other'"):
        MiniProgramClient("wx_other", OwnerTokenSource(APPID, OWNER_SECRET, clock=clock))


# --- an expired verify ticket says where it came from and how to feed a fresh one in ----------------


@pytest.mark.parametrize(("credentials", "where", "how"), [
    ({"verify_ticket_config": "componentVerifyTicket"}, "stack config key wechat-iac:componentVerifyTicket",
     "pulumi config set --secret componentVerifyTicket"),
    ({"verify_ticket_env": "WX_TICKET"}, "environment variable WX_TICKET", "export WX_TICKET="),
    ({"verify_ticket_file": "/run/ticket"}, "file /run/ticket", "write each new ticket to /run/ticket"),
])
def test_an_expired_ticket_names_its_source_and_the_10_minute_push(
        fake: FakeWeChat, make_client: Any, clock: FakeClock, credentials: dict[str, str], where: str,
        how: str) -> None:
    from providers._settings import ticket_origin
    from wechat import AuthError, ComponentCredentials, PlatformTokenSource

    fake.script("cgi-bin/component/api_component_token",
                {"errcode": 61005, "errmsg": "component ticket is expired rid: 1-2-3"})
    creds = ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, TICKET, ticket_origin(credentials))
    source = PlatformTokenSource(creds, APPID, REFRESH_TOKEN, None, clock=clock)
    with pytest.raises(AuthError) as info:
        make_client(source=source).get_page()
    message = str(info.value)
    assert "errcode 61005" in message and where in message and how in message
    assert "every 10 minutes" in message and "12 hours" in message
    assert TICKET not in message  # the ticket itself never shows
