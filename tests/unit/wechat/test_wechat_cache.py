"""Tokens cached on disk across runs: modes, reuse, expiry, rotation, isolation."""

from __future__ import annotations

import json
import stat
import threading
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
    platform_source,
)

from wechat import MiniProgramClient, OwnerTokenSource, TokenCache, TokenSourceError, default_cache_dir

MakeClient = Callable[..., MiniProgramClient]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_private(make_client: MakeClient, cache: TokenCache, clock: FakeClock) -> None:
    make_client(platform_source(cache, clock)).get_page()
    assert _mode(cache.directory) == 0o700
    files = sorted(cache.directory.iterdir())
    assert sorted(f.name.split("-", 1)[1] for f in files if f.suffix == ".json") == [
        "wx_component-component.json", "wx_test_app-authorizer.json"]
    assert all(_mode(f) == 0o600 for f in files)
    assert not [f for f in files if f.name.endswith(".tmp")]


def test_a_loose_directory_is_tightened(tmp_path: Path, make_client: MakeClient, clock: FakeClock) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    make_client(OwnerTokenSource(APPID, OWNER_SECRET, TokenCache(loose), clock=clock)).get_page()
    assert _mode(loose) == 0o700


def test_secrets_are_never_written(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                   fake: FakeWeChat) -> None:
    make_client(platform_source(cache, clock)).get_page()
    make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)).get_page()
    text = "".join(f.read_text() for f in cache.directory.glob("*.json"))
    for secret in (OWNER_SECRET, COMPONENT_SECRET, TICKET, REFRESH_TOKEN):
        assert secret not in text
    assert all(token in text for token in fake.issued)  # the tokens themselves are what is cached


def test_second_client_reuses_disk_tokens(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                          fake: FakeWeChat) -> None:
    first = make_client(platform_source(cache, clock))
    first.get_page()
    second = make_client(platform_source(cache, clock))  # a new process would build a new source
    second.get_page()
    assert second.stats.token_fetches == {}
    assert fake.count("cgi-bin/component/api_component_token") == 1
    assert fake.count("cgi-bin/component/api_authorizer_token") == 1
    assert fake.requests[-1].url.params["access_token"] == fake.issued[1]


def test_expired_disk_tokens_are_not_used(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                          fake: FakeWeChat) -> None:
    make_client(platform_source(cache, clock)).get_page()
    later = FakeClock(clock.now + 7200 - 300)  # inside the refresh buffer
    second = make_client(platform_source(cache, later))
    second.get_page()
    assert second.stats.token_fetches == {"component": 1, "platform": 1}
    assert fake.requests[-1].url.params["access_token"] == fake.issued[3]
    entry = json.loads(cache.path("http://127.0.0.1:9", APPID, "authorizer").read_text())
    assert entry["access_token"] == fake.issued[3]
    assert entry["expires_at"] == later.now + 7200


def test_rotated_refresh_token_is_persisted_and_used(make_client: MakeClient, cache: TokenCache,
                                                     clock: FakeClock, fake: FakeWeChat) -> None:
    rotated = "refreshtoken@@@rotated-9f8e7d6c"
    fake.rotate_refresh_token = rotated
    make_client(platform_source(cache, clock)).get_page()
    stored = json.loads(cache.path("http://127.0.0.1:9", APPID, "authorizer_refresh").read_text())
    assert stored["refresh_token"] == rotated and REFRESH_TOKEN not in json.dumps(stored)
    later = FakeClock(clock.now + 7200)
    fake.rotate_refresh_token = None
    make_client(platform_source(cache, later)).get_page()  # a new run, tokens expired
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == [REFRESH_TOKEN, rotated]


def test_a_new_configured_refresh_token_beats_an_old_rotated_one(make_client: MakeClient, cache: TokenCache,
                                                                 clock: FakeClock, fake: FakeWeChat) -> None:
    fake.rotate_refresh_token = "refreshtoken@@@rotated-1111"
    make_client(platform_source(cache, clock)).get_page()
    fake.rotate_refresh_token = None
    reauthorized = "refreshtoken@@@after-reauth-2222"
    make_client(platform_source(cache, FakeClock(clock.now + 7200), refresh=reauthorized)).get_page()
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == [REFRESH_TOKEN, reauthorized]


def test_rejected_token_is_removed_from_disk(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                             fake: FakeWeChat) -> None:
    make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)).get_page()
    fake.expired.add(fake.issued[0])
    second = make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock))
    second.get_page()  # disk token -> 42001 -> dropped -> fetched again
    entry = json.loads(cache.path("http://127.0.0.1:9", APPID, "owner").read_text())
    assert entry["access_token"] == fake.issued[1]
    assert second.stats.token_refreshes == 1


def test_base_urls_do_not_share_tokens(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                       fake: FakeWeChat) -> None:
    make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)).get_page()
    other = OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)
    make_client(other, base_url="http://127.0.0.1:10").get_page()
    assert fake.count("cgi-bin/stable_token") == 2
    assert len(list(cache.directory.glob("*-owner.json"))) == 2


def test_corrupt_file_is_a_miss(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                fake: FakeWeChat) -> None:
    cache.directory.mkdir(parents=True)
    cache.path("http://127.0.0.1:9", APPID, "owner").write_text("{not json")
    make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)).get_page()
    assert fake.count("cgi-bin/stable_token") == 1


def test_two_sources_on_one_cache_refresh_once(make_client: MakeClient, cache: TokenCache, clock: FakeClock,
                                               fake: FakeWeChat) -> None:
    # Two independent sources stand in for two processes: only the file lock serialises them.
    fake.token_delay = 0.05
    clients = [make_client(OwnerTokenSource(APPID, OWNER_SECRET, cache, clock=clock)) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(client: MiniProgramClient) -> None:
        barrier.wait()
        client.get_page()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert fake.count("cgi-bin/stable_token") == 1
    assert fake.count("wxa/get_page") == 2


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    assert TokenCache().directory == tmp_path / "explicit"
    monkeypatch.delenv("WECHAT_IAC_TOKEN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "wechat-iac" / "tokens"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "wechat-iac" / "tokens"


# --- rotation: never retried blindly, and a token recorded elsewhere (the state) is used ------------


def test_a_lost_answer_on_api_authorizer_token_is_asked_again_once_and_its_rotation_kept(
        make_client: MakeClient, cache: TokenCache, clock: FakeClock, fake: FakeWeChat) -> None:
    rotated = "refreshtoken@@@rotated-lost-answer"
    fake.rotate_refresh_token = rotated
    fake.script("cgi-bin/component/api_authorizer_token", httpx.ReadTimeout("lost"))
    seen: list[Any] = []
    source = platform_source(cache, clock)
    source._on_rotate = lambda base, record: seen.append(record)
    make_client(source).get_page()
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == [REFRESH_TOKEN, REFRESH_TOKEN]  # asked again once, deliberately, with the same token
    assert [record.token for record in seen] == [rotated]
    assert source.rotated_refresh_token("http://127.0.0.1:9").token == rotated  # type: ignore[union-attr]


def test_api_authorizer_token_lost_twice_stops_with_what_to_do(
        make_client: MakeClient, cache: TokenCache, clock: FakeClock, fake: FakeWeChat) -> None:
    fake.script("cgi-bin/component/api_authorizer_token", httpx.ReadTimeout("lost"), httpx.ReadTimeout("lost"),
                httpx.ReadTimeout("lost"))
    with pytest.raises(TokenSourceError, match="within 5 minutes") as info:
        make_client(platform_source(cache, clock)).get_page()
    assert fake.count("cgi-bin/component/api_authorizer_token") == 2  # never a third time
    assert "61023" in str(info.value)


def test_a_token_recorded_in_the_state_is_used_on_a_machine_with_no_cache(
        make_client: MakeClient, tmp_path: Any, clock: FakeClock, fake: FakeWeChat) -> None:
    from wechat import RotatedRefreshToken

    recorded = "refreshtoken@@@recorded-in-state"
    source = platform_source(TokenCache(tmp_path / "empty"), clock)
    source._recorded = lambda base: RotatedRefreshToken(recorded, clock.now - 60, source.configured_id)
    make_client(source).get_page()
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == [recorded]


def test_61023_on_a_recorded_token_falls_back_to_the_configured_one(
        make_client: MakeClient, tmp_path: Any, clock: FakeClock, fake: FakeWeChat) -> None:
    from wechat import RotatedRefreshToken

    source = platform_source(TokenCache(tmp_path / "empty"), clock)
    source._recorded = lambda base: RotatedRefreshToken("refreshtoken@@@stale", clock.now, source.configured_id)
    fake.script("cgi-bin/component/api_authorizer_token",
                {"errcode": 61023, "errmsg": "refresh_token is invalid rid: 1-1-1"})
    make_client(source).get_page()
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == ["refreshtoken@@@stale", REFRESH_TOKEN]


def test_a_recorded_token_from_an_older_configuration_is_ignored(
        make_client: MakeClient, tmp_path: Any, clock: FakeClock, fake: FakeWeChat) -> None:
    from wechat import RotatedRefreshToken

    source = platform_source(TokenCache(tmp_path / "empty"), clock)
    source._recorded = lambda base: RotatedRefreshToken("refreshtoken@@@before-reauth", clock.now, "another-id")
    make_client(source).get_page()
    sent = [b["authorizer_refresh_token"] for b in fake.bodies("cgi-bin/component/api_authorizer_token")]
    assert sent == [REFRESH_TOKEN]
