"""The audit-quota ledger on a real PostgreSQL server and on SQLite: reservations against the live
quota, the fence before a submission, settling, leases of runners that died, and several processes
reserving at once never spending more than WeChat's quota less the reserve."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from providers.fleet.ledger import Ledger, LedgerError, ledger_url, redacted
from providers.fleet.planner import AppState
from tests.postgres import PostgresServer

PLATFORM = "wxc0c0c0c0c0c0c0c0"
V = "1.2.0"


# SQLite's cases are fast; a real PostgreSQL server and racing processes are the slow (e2e) part
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.e2e)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"ledger_{random.randrange(1 << 30)}")


@pytest.fixture
def ledger(url: str) -> Iterator[Ledger]:
    with Ledger(url) as opened:
        yield opened


def quota(rest: int | None, limit: int | None = 20) -> Any:
    return lambda: (rest, limit)


def test_reservations_count_against_the_live_quota_less_the_reserve(ledger: Ledger) -> None:
    first = ledger.reserve(PLATFORM, V, ["a", "b", "c"], quota(4), audit_reserve=1, max_in_flight=20, runner="r1")
    assert first.granted == ("a", "b", "c") and first.pending == 0
    # another runner, same live rest (nothing submitted yet): the three pending ones are counted
    second = ledger.reserve(PLATFORM, V, ["d", "e"], quota(4), audit_reserve=1, max_in_flight=20, runner="r2")
    assert second.granted == () and second.pending == 3
    assert ledger.pending(PLATFORM) == 3


@pytest.mark.e2e
def test_a_submission_settled_while_the_quota_is_read_is_still_counted(postgres: PostgresServer) -> None:
    """Settling takes no lock: another runner's audit can land, and be settled, while this runner reads
    queryquota under the platform's lock. The rest it read predates that audit, so the audit must be
    counted as pending (it was, when the read began); counting it after the read missed it."""
    url = postgres.create_database(f"ledger_{random.randrange(1 << 30)}")
    with Ledger(url) as ledger, Ledger(url) as other:
        other.reserve(PLATFORM, V, ["b"], quota(5), audit_reserve=0, max_in_flight=20, runner="r2")
        assert other.claim(PLATFORM, V, "b", "r2")

        def read_quota_while_b_lands() -> tuple[int, int]:
            other.settle(PLATFORM, V, "b", "auditing", "", "r2")  # b's submission landed just after the read
            return 5, 20

        grant = ledger.reserve(PLATFORM, V, ["a1", "a2", "a3", "a4", "a5"], read_quota_while_b_lands,
                               audit_reserve=0, max_in_flight=20, runner="r1")
    assert grant.granted == ("a1", "a2", "a3", "a4")  # 5 read, b's audit spends one of them


def test_a_rerun_takes_over_its_own_reservations(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, ["a", "b"], quota(2), audit_reserve=0, max_in_flight=20, runner="killed")
    again = ledger.reserve(PLATFORM, V, ["a", "b"], quota(2), audit_reserve=0, max_in_flight=20, runner="rerun")
    assert again.granted == ("a", "b") and again.pending == 0


def test_unknown_rest_grants_nothing_and_the_in_flight_cap_applies(ledger: Ledger) -> None:
    assert ledger.reserve(PLATFORM, V, ["a"], quota(None), audit_reserve=0, max_in_flight=5, runner="r").granted == ()
    ledger.report(PLATFORM, V, [AppState("x", "auditing"), AppState("y", "delayed")], "other-shard")
    grant = ledger.reserve(PLATFORM, V, ["a", "b", "c", "d"], quota(20), audit_reserve=0, max_in_flight=4, runner="r")
    assert grant.granted == ("a", "b") and grant.in_flight == 2


def test_claim_is_the_fence_and_settle_frees_the_reservation(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, ["a"], quota(5), audit_reserve=0, max_in_flight=20, runner="r")
    assert not ledger.claim(PLATFORM, V, "zzz", "r")  # never reserved: never submitted
    assert ledger.claim(PLATFORM, V, "a", "r")
    ledger.settle(PLATFORM, V, "a", "auditing", "", "r")
    assert ledger.pending(PLATFORM) == 0
    assert not ledger.claim(PLATFORM, V, "a", "r")  # settled: a second submission is refused
    assert ledger.records(PLATFORM, V)["a"].phase == "auditing"


def test_an_expired_reservation_is_neither_counted_nor_claimable(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, ["a"], quota(5), audit_reserve=0, max_in_flight=20, runner="r", lease_seconds=0.5)
    time.sleep(0.7)
    assert ledger.pending(PLATFORM) == 0
    assert not ledger.claim(PLATFORM, V, "a", "r")


def test_reports_clear_spent_reservations_and_keep_refusals(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, ["a", "b"], quota(5), audit_reserve=0, max_in_flight=20, runner="r")
    ledger.settle(PLATFORM, V, "b", "failed", "85077: category not approved", "r")
    ledger.report(PLATFORM, V, [AppState("a", "auditing"), AppState("b", "committed")], "r")
    records = ledger.records(PLATFORM, V)
    assert ledger.pending(PLATFORM) == 0  # a's audit shows: its reservation is spent
    assert (records["b"].phase, records["b"].cause) == ("failed", "85077: category not approved")
    assert ledger.forget_failure(PLATFORM, V, "b") and ledger.records(PLATFORM, V)["b"].phase == "unseen"


def test_release_time_is_wechats_or_the_first_time_a_runner_saw_it(ledger: Ledger) -> None:
    ledger.report(PLATFORM, V, [AppState("a", "released", 100, 1234.0), AppState("b", "released", 100)], "r")
    first = ledger.records(PLATFORM, V)
    time.sleep(0.05)
    ledger.report(PLATFORM, V, [AppState("b", "released", 100)], "r")
    assert first["a"].released_at == 1234.0
    assert ledger.records(PLATFORM, V)["b"].released_at == first["b"].released_at is not None


def test_where_the_ledger_lives() -> None:
    pg = "postgres://u:secret@db:5432/pulumi?sslmode=require&table=state"
    assert ledger_url(None, pg) == "postgres://u:secret@db:5432/pulumi?sslmode=require"
    assert ledger_url("sqlite:///x.db", pg) == "sqlite:///x.db"
    assert ledger_url(None, "file:///srv/state") == "sqlite:////srv/state/fleet-ledger.sqlite3"
    assert ledger_url(None, "s3://bucket/x") is None and ledger_url(None, None) is None
    assert redacted(pg) == "postgres://u:***@db:5432/pulumi?sslmode=require&table=state"


def test_an_unreachable_database_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(LedgerError) as caught:
        Ledger("postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=1", connect_timeout=1)
    assert "hunter2" not in str(caught.value) and "u:***@127.0.0.1:1" in str(caught.value)
    with pytest.raises(LedgerError, match="postgres:// or sqlite:///"):
        Ledger("mysql://x")


# --- several processes at once ---------------------------------------------------------------------
def _wechat(url: str) -> tuple[Any, str]:
    """A stand-in for WeChat's quota in the same database: rest, and the submissions it refused."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url[len("sqlite:///"):], timeout=60, isolation_level=None), "?"
    import psycopg

    return psycopg.connect(url, autocommit=True), "%s"


def _runner(url: str, name: str, apps: list[str], rounds: int, reserve: int, seed: int) -> None:
    rng = random.Random(seed)
    wechat, mark = _wechat(url)

    def read_quota() -> tuple[int, int]:
        return int(wechat.execute("SELECT rest FROM fake_wechat").fetchone()[0]), 40

    with Ledger(url) as ledger:
        todo = list(apps)
        for _ in range(rounds):
            if not todo:
                break
            wanted = rng.sample(todo, min(len(todo), rng.randint(1, 6)))
            grant = ledger.reserve(PLATFORM, V, wanted, read_quota, audit_reserve=reserve, max_in_flight=100,
                                   runner=name, lease_seconds=1.0)
            for appid in grant.granted:
                if rng.random() < 0.1:
                    continue  # this run "dies" before the fence: the lease runs out
                if not ledger.claim(PLATFORM, V, appid, name):
                    continue
                if wechat.execute(f"SELECT 1 FROM submitted WHERE appid = {mark}", (appid,)).fetchone():
                    ledger.settle(PLATFORM, V, appid, "auditing", "", name)  # the Release guard's re-read
                    todo.remove(appid)
                    continue
                time.sleep(rng.random() * 0.01)
                spent = wechat.execute("UPDATE fake_wechat SET rest = rest - 1 WHERE rest > 0 RETURNING rest")
                if spent.fetchone() is None:  # what WeChat would answer with 85085
                    wechat.execute(f"INSERT INTO refused (appid) VALUES ({mark})", (appid,))
                    continue
                wechat.execute(f"INSERT INTO submitted (appid) VALUES ({mark})", (appid,))
                if rng.random() < 0.1:
                    continue  # "dies" after the submission, before settling
                ledger.settle(PLATFORM, V, appid, "auditing", "", name)
                todo.remove(appid)
            time.sleep(rng.random() * 0.02)


@pytest.mark.e2e
@pytest.mark.parametrize("rest,reserve", [(15, 3), (40, 0)])
def test_concurrent_runners_never_overspend(url: str, rest: int, reserve: int) -> None:
    wechat, _mark = _wechat(url)
    for statement in ("CREATE TABLE fake_wechat (rest INTEGER)", "CREATE TABLE submitted (appid TEXT)",
                      "CREATE TABLE refused (appid TEXT)"):
        wechat.execute(statement)
    wechat.execute(f"INSERT INTO fake_wechat (rest) VALUES ({rest})")
    Ledger(url).close()  # the tables exist before the runners race
    spawn = multiprocessing.get_context("spawn")
    runners = [spawn.Process(target=_runner, args=(url, f"shard-{i}", [f"s{i}-app{j}" for j in range(30)],
                                                   40, reserve, i)) for i in range(3)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(120)
        assert runner.exitcode == 0
    submitted = [row[0] for row in wechat.execute("SELECT appid FROM submitted").fetchall()]
    refused = wechat.execute("SELECT count(*) FROM refused").fetchone()[0]
    assert refused == 0  # WeChat never had to refuse one: no 85085
    assert len(submitted) <= rest - reserve
    assert len(submitted) == len(set(submitted))  # one submission per app and version
    assert len(submitted) >= (rest - reserve) // 2  # and the quota was used, not hoarded


def test_after_wechat_refused_an_admitted_submission_nothing_is_reserved_or_claimed(ledger: Ledger) -> None:
    ledger.reserve(PLATFORM, V, ["a"], quota(10), audit_reserve=0, max_in_flight=20, runner="r")
    ledger.back_off(PLATFORM, 60, "85085 with audits left")
    assert not ledger.claim(PLATFORM, V, "a", "r")
    seen: list[str] = []

    def choose(rest: int | None, limit: int | None, pending: int, refused: str) -> list[str]:
        seen.append(refused)
        return ["b"]

    assert ledger.reserve(PLATFORM, V, choose, quota(10), audit_reserve=0, max_in_flight=20, runner="r").granted == ()
    assert seen == ["85085 with audits left"] and ledger.refused(PLATFORM) == "85085 with audits left"
    ledger.back_off(PLATFORM, -1, "over")
    assert ledger.refused(PLATFORM) == ""
