"""Retries: what is retried, how often, how long it waits, and what is never resent."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from wechat_fakes import FakeWeChat, Sleeps

from wechat import (
    AmbiguousWriteError,
    MiniProgramClient,
    QuotaError,
    RequestTimeoutError,
    ServerBusyError,
    TransportError,
)

MakeClient = Callable[..., MiniProgramClient]
BUSY = {"errcode": -1, "errmsg": "system error rid: 9-9-9"}


def _raise(exc_type: type[httpx.HTTPError]) -> Callable[[httpx.Request], None]:
    def handler(request: httpx.Request) -> None:
        raise exc_type(f"boom while talking to {request.url}", request=request)  # type: ignore[call-arg]
    return handler


def test_busy_read_is_retried_until_it_succeeds(fake: FakeWeChat, make_client: MakeClient,
                                                 sleeps: Sleeps) -> None:
    fake.script("wxa/get_page", BUSY, BUSY, {"errcode": 0, "errmsg": "ok", "page_list": ["p"]})
    client = make_client()
    assert client.get_page() == ["p"]
    assert fake.count("wxa/get_page") == 3
    assert sleeps == [0.5, 1.0]
    assert client.stats.retries == 2


def test_busy_read_gives_up_after_max_retries(fake: FakeWeChat, make_client: MakeClient,
                                              sleeps: Sleeps) -> None:
    fake.always["wxa/get_page"] = BUSY
    with pytest.raises(ServerBusyError) as info:
        make_client().get_page()
    assert fake.count("wxa/get_page") == 3  # 1 + DEFAULT_MAX_RETRIES
    assert info.value.rid == "9-9-9"
    assert len(sleeps) == 2


def test_backoff_doubles_caps_at_eight_and_jitters(fake: FakeWeChat, make_client: MakeClient,
                                                   sleeps: Sleeps) -> None:
    fake.always["wxa/queryquota"] = BUSY
    with pytest.raises(ServerBusyError):
        make_client(max_retries=6).query_quota()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = Sleeps()
    with pytest.raises(ServerBusyError):
        make_client(sleep=jittered, jitter=lambda: 1.0).query_quota()
    assert jittered == [0.375, 0.75]  # at most 25 % shorter


def test_minute_quota_is_retried_for_reads(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.script("wxa/get_latest_auditstatus", {"errcode": 45011, "errmsg": "api minute-quota reach limit"},
                {"errcode": 0, "errmsg": "ok", "status": 2})
    assert make_client().get_latest_audit_status() == {"status": 2}


def test_daily_quota_is_never_retried(fake: FakeWeChat, make_client: MakeClient, sleeps: Sleeps) -> None:
    fake.always["wxa/get_page"] = {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    with pytest.raises(QuotaError) as info:
        make_client().get_page()
    assert fake.count("wxa/get_page") == 1 and sleeps == []
    assert "clear_quota" in str(info.value)


def test_busy_write_is_not_retried(fake: FakeWeChat, make_client: MakeClient, sleeps: Sleeps) -> None:
    fake.always["wxa/submit_audit"] = BUSY
    with pytest.raises(ServerBusyError):
        make_client().submit_audit(item_list=[])
    assert fake.count("wxa/submit_audit") == 1 and sleeps == []


def test_minute_quota_on_a_write_is_not_retried(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/release"] = {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
    with pytest.raises(QuotaError):
        make_client().release()
    assert fake.count("wxa/release") == 1


def test_read_timeout_on_a_read_is_retried(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.script("wxa/get_page", _raise(httpx.ReadTimeout), {"errcode": 0, "errmsg": "ok", "page_list": []})
    assert make_client().get_page() == []
    assert fake.count("wxa/get_page") == 2


def test_persistent_timeout_on_a_read_raises_timeout(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/get_page"] = _raise(httpx.ReadTimeout)
    with pytest.raises(RequestTimeoutError) as info:
        make_client().get_page()
    assert fake.count("wxa/get_page") == 3
    assert str(info.value).startswith("GET wxa/get_page failed: ReadTimeout: boom while talking to")
    assert info.value.__cause__ is None and info.value.__context__ is None  # nothing chains to httpx


@pytest.mark.parametrize("call", [
    lambda c: c.commit(7, {"extAppid": "wx1"}, "1.0.0", "first"),
    lambda c: c.submit_audit(item_list=[]),
    lambda c: c.release(),
    lambda c: c.gray_release(10),
    lambda c: c.bind_tester("someone"),
    lambda c: c.add_category(1, 2),
    lambda c: c.set_nickname("Name"),
    lambda c: c.upload_image(b"\x89PNG....."),
    lambda c: c.modify_domain("add", requestdomain=["https://a.example.com"]),
])
def test_write_that_may_have_been_sent_is_not_resent(fake: FakeWeChat, make_client: MakeClient,
                                                      call: Callable[[MiniProgramClient], object]) -> None:
    fake.always = {path: _raise(httpx.ReadTimeout) for path in (
        "wxa/commit", "wxa/submit_audit", "wxa/release", "wxa/grayrelease", "wxa/bind_tester",
        "cgi-bin/wxopen/addcategory", "wxa/setnickname", "cgi-bin/media/upload", "wxa/modify_domain")}
    client = make_client()
    with pytest.raises(AmbiguousWriteError) as info:
        call(client)
    api_calls = [r for r in fake.requests if "token" not in r.url.path]
    assert len(api_calls) == 1
    assert "re-read the live state" in str(info.value)
    assert isinstance(info.value, TransportError)


def test_domain_set_is_not_resent_after_a_timeout(fake: FakeWeChat, make_client: MakeClient) -> None:
    # every modify_domain that is not a get spends one of 50 changes a month, even a repeat
    fake.script("wxa/modify_domain", _raise(httpx.ReadTimeout), {"errcode": 0, "errmsg": "ok"})
    with pytest.raises(AmbiguousWriteError):
        make_client().modify_domain("set", requestdomain=["https://a.example.com"])
    assert fake.count("wxa/modify_domain") == 1


def test_domain_get_is_retried_after_a_timeout(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.script("wxa/modify_domain", _raise(httpx.ReadTimeout), {"errcode": 0, "errmsg": "ok"})
    make_client().get_domains()
    assert fake.count("wxa/modify_domain") == 2


def test_write_whose_connection_never_opened_is_retried(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.script("wxa/release", _raise(httpx.ConnectError), {"errcode": 0, "errmsg": "ok"})
    make_client().release()
    assert fake.count("wxa/release") == 2
    assert fake.bodies("wxa/release") == [{}, {}]


def test_http_502_without_envelope_is_retried_for_reads(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/get_page"] = httpx.Response(502, text="<html>bad gateway</html>")
    with pytest.raises(TransportError) as info:
        make_client().get_page()
    assert fake.count("wxa/get_page") == 3
    assert str(info.value) == "GET wxa/get_page got HTTP 502 without a WeChat JSON envelope."


def test_max_retries_zero_means_one_attempt(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/get_page"] = BUSY
    with pytest.raises(ServerBusyError):
        make_client(max_retries=0).get_page()
    assert fake.count("wxa/get_page") == 1


def test_errcode_sent_as_a_string_is_understood(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/release"] = {"errcode": "85019", "errmsg": "no version is under auditing"}
    with pytest.raises(Exception, match="errcode 85019"):
        make_client().release()


# --- answers WeChat's docs do not promise -----------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda c: c.commit(2, {}, "1.0.0", "d"),
    lambda c: c.release(),
    lambda c: c.modify_head_image("media-1"),
    lambda c: c.add_category(1, 2),
])
def test_write_answered_without_errcode_is_ambiguous_not_a_success(
        fake: FakeWeChat, make_client: MakeClient, call: Callable[[MiniProgramClient], object]) -> None:
    """`200 {"errmsg": "ok"}` on a write says nothing about whether it took effect: settle by reading."""
    fake.always = {path: {"errmsg": "ok"} for path in (
        "wxa/commit", "wxa/release", "cgi-bin/account/modifyheadimage", "cgi-bin/wxopen/addcategory")}
    with pytest.raises(AmbiguousWriteError, match="answered without an errcode") as info:
        call(make_client())
    assert len([r for r in fake.requests if "token" not in r.url.path]) == 1  # never resent
    assert "re-read the live state" in str(info.value)


def test_read_answered_without_errcode_is_its_data(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["wxa/get_page"] = {"page_list": ["pages/index/index"]}
    assert make_client().get_page() == ["pages/index/index"]


def test_media_upload_is_documented_without_errcode(fake: FakeWeChat, make_client: MakeClient) -> None:
    fake.always["cgi-bin/media/upload"] = {"type": "image", "media_id": "MEDIA-1", "created_at": 1}
    assert make_client().upload_image(b"\x89PNG....") == "MEDIA-1"
    fake.always["cgi-bin/media/upload"] = {"type": "image", "created_at": 1}
    with pytest.raises(TransportError, match="without a media_id"):
        make_client().upload_image(b"\x89PNG....")


def test_an_answer_longer_than_the_cap_is_refused_unread(fake: FakeWeChat, make_client: MakeClient) -> None:
    from wechat._constants import MAX_RESPONSE_BYTES

    huge = b'{"errcode": 0, "page_list": ["' + b"a" * (MAX_RESPONSE_BYTES + 10) + b'"]}'

    def endless(request: httpx.Request) -> httpx.Response:  # no content-length: a streamed answer
        return httpx.Response(200, content=iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]))

    fake.always["wxa/get_page"] = endless
    with pytest.raises(TransportError, match="more than"):
        make_client().get_page()
    assert fake.count("wxa/get_page") == 1  # refused, not retried
    fake.always["wxa/get_page"] = httpx.Response(200, content=huge)  # with a content-length
    with pytest.raises(TransportError, match="more than"):
        make_client().get_page()
