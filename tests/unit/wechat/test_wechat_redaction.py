"""No token or secret reaches an exception, a log record, a repr or the stats."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from wechat_fakes import (
    APPID,
    COMPONENT_SECRET,
    OWNER_SECRET,
    REFRESH_TOKEN,
    TICKET,
    FakeClock,
    FakeWeChat,
    Sleeps,
    platform_source,
)

from wechat import (
    CommandTokenSource,
    ComponentClient,
    ComponentCredentials,
    MiniProgramClient,
    OwnerTokenSource,
    TokenCache,
    WeChatError,
    register_secret,
    scrub,
)

MakeClient = Callable[..., MiniProgramClient]
ROTATED = "refreshtoken@@@rotated-leakcheck-5150"


def _echo_token(request: httpx.Request) -> dict[str, Any]:
    # A hostile errmsg that repeats the token it was given, bare and as a parameter.
    token = request.url.params["access_token"]
    return {"errcode": 40097, "errmsg": f"invalid args {token} access_token={token} rid: e-c-h"}


def _connect_error(request: httpx.Request) -> None:
    raise httpx.ConnectError(f"cannot reach {request.url}", request=request)


def _read_timeout(request: httpx.Request) -> None:
    raise httpx.ReadTimeout(f"no answer from {request.url} for {request.content!r}", request=request)


def test_nothing_secret_escapes_a_busy_run(fake: FakeWeChat, make_client: MakeClient, cache: TokenCache,
                                           clock: FakeClock, sleeps: Sleeps, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.rotate_refresh_token = ROTATED
    fake.defaults["wxa/submit_audit"] = {"auditid": 77}
    texts: list[str] = []
    errors: list[BaseException] = []

    def attempt(call: Callable[[], Any]) -> None:
        try:
            texts.append(repr(call()))
        except WeChatError as exc:
            errors.append(exc)

    platform = platform_source(cache, clock)
    owner = OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)
    clients = [make_client(platform), make_client(owner)]
    busy = {"errcode": -1, "errmsg": "busy"}
    fake.script("wxa/get_page", _echo_token, busy, _connect_error, _connect_error)
    for _ in clients:
        fake.script("wxa/commit", _read_timeout)
        fake.script("wxa/release", {"errcode": 48001, "errmsg": "api unauthorized rid: 1-2-3"})
        fake.script("wxa/submit_audit", {"errcode": 85009, "errmsg": "already submit a version"})
    fake.script("wxa/queryquota", httpx.Response(502, text="<html>bad gateway</html>"))
    fake.script("wxa/getversioninfo", {"errcode": 42001, "errmsg": "access_token expired"})
    for client in clients:
        for call in (client.get_page, client.get_page, client.get_page,
                     lambda c=client: c.commit(1, {}, "1", "d"), client.release,
                     lambda c=client: c.submit_audit(item_list=[]), client.query_quota,
                     client.get_version_info, client.list_testers, client.get_latest_audit_status,
                     lambda c=client: c.bind_tester("someone")):
            attempt(call)
        clock.advance(7200)  # every token expires; the next client refreshes everything
    attempt(lambda: make_client(platform_source(cache, clock)).get_page())  # a new run, rotated refresh token
    leaky = f"import sys; print('{OWNER_SECRET}'); sys.stderr.write('bad {TICKET}'); sys.exit(2)"
    for code in (leaky, "print('tok-' * 9)"):
        attempt(make_client(CommandTokenSource([sys.executable, "-c", code], APPID)).get_page)
    creds = ComponentCredentials("wx_component", COMPONENT_SECRET, TICKET)
    with ComponentClient(creds, "http://127.0.0.1:9", cache, transport=fake.transport(), sleep=sleeps) as cc:
        attempt(cc.get_templates)
        texts += [repr(cc), repr(cc.stats)]

    # Everything a user, a log or a benchmark could see:
    assert len(errors) == 10
    assert [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")] == [
        REFRESH_TOKEN, ROTATED, ROTATED]
    texts += [str(e) for e in errors] + [repr(e) for e in errors] + [repr(e.args) for e in errors]
    texts += ["".join(traceback.format_exception(e)) for e in errors]
    texts += [repr(platform), repr(owner), repr(creds), repr(cache)] + [repr(c) for c in clients]
    texts += [repr(c.stats.snapshot()) for c in clients]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    assert any(r.name == "httpx" for r in caplog.records)  # httpx logs each URL, token included ...
    assert any("access_token=***" in r.getMessage() for r in caplog.records if r.name == "httpx")  # redacted
    assert any(r.name == "wechat" and "errcode 85009" in r.getMessage() for r in caplog.records)

    secrets = [OWNER_SECRET, COMPONENT_SECRET, TICKET, REFRESH_TOKEN, ROTATED, *fake.issued]
    assert len(fake.issued) == 7
    leaks = [(secret, text) for text in texts for secret in secrets if secret in text]
    assert leaks == []
    # The scrubbing did happen: the hostile errmsg and the URL-bearing httpx errors were rewritten.
    assert any("invalid args *** access_token=***" in str(e) for e in errors)
    assert any("cannot reach http://127.0.0.1:9/wxa/get_page?access_token=***" in str(e) for e in errors)
    assert all(e.__context__ is None and e.__cause__ is None for e in errors)


def test_scrub_patterns() -> None:
    register_secret("s3cr3t-value-xyz")
    register_secret("ok")  # too short to register: would garble ordinary text
    assert scrub("GET /x?access_token=abc.DEF-1&b=2") == "GET /x?access_token=***&b=2"
    assert scrub("?component_access_token=zz9") == "?component_access_token=***"
    assert scrub('{"authorizer_refresh_token": "r1", "x": 1}') == ('{"authorizer_refresh_token": "***", '
                                                                  '"x": 1}')
    assert scrub("{'component_appsecret': 'a', 'secret': 'd'}") == ("{'component_appsecret': '***', "
                                                                   "'secret': '***'}")
    assert scrub("echo s3cr3t-value-xyz!") == "echo ***!"
    assert scrub("errmsg ok") == "errmsg ok"
    assert scrub("my_access_token=keep") == "my_access_token=keep"
