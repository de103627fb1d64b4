"""The audit-quota ledger every runner of a platform shares, and what each runner saw of its apps.

WeChat's monthly audit quota (`wxa/queryquota`: `rest` of `limit`) belongs to the third-party
platform and is spent by every submission of any of its mini-programs, from any machine. Two
`up`s of two shards that each read `rest = 5` and submit 5 would send ten: WeChat answers the last
five with 85085. The ledger prevents that; the live `queryquota`, read under the ledger's lock at
the start of each reservation, stays the source of truth.

Where: the team's shared state database. A PostgreSQL URL (`postgres://…`, what
`PULUMI_BACKEND_URL` holds when Pulumi's state is in PostgreSQL) or, on one machine, an SQLite
file (`sqlite:///path`). Two tables, created on first use:

    wechat_iac_audit_quota  (component_appid PK, rest, quota_limit, read_at, read_by,
                             refused_until, refused_cause)
        one row per platform: the row a reservation locks (SELECT … FOR UPDATE; SQLite: BEGIN
        IMMEDIATE), the last live queryquota read, for display, and a back-off: WeChat answered
        85085 although queryquota showed audits left (its other limit, too many mini-programs
        submitted in the last 7 days, which no API shows), so nothing is reserved or claimed
        until `refused_until`
    wechat_iac_fleet_apps   (component_appid, version, appid PK; phase, percentage, released_at,
                             cause, observed_at, observed_by; reservation, reserved_by, lease_until)
        what the runner that owns an app last saw of its release of `version` (other shards read
        it to know whether a wave is done), and the app's audit reservation, if any

A reservation lives from `reserve()` (the program, before any resource is declared) through
`claim()` (the provider, right before `submit_audit`: the fence) to `settle()` (right after).
Under the platform row's lock, `reserve()` reads the live `rest`, subtracts the reserve and every
*pending* reservation (`reserved` or `submitting`, lease not expired) of other apps, and grants the
rest in the order asked. The pending reservations are read *before* the quota: while the row is
locked no reservation can be made, so the set can only shrink, and a submission that lands (and is
settled) while `queryquota` is being read is counted once, never missed. A pending reservation is
counted even after its submission landed and WeChat's `rest` already shows it, until it is settled:
that errs towards spending less, never more.
A runner that dies leaves its reservations to expire (`lease_until`, 30 minutes by default), and
`claim()` refuses an expired one, so a submission never goes out on a reservation the others have
stopped counting. A rerun takes over its own apps' reservations at once (one row per app and
version).

Timestamps are epoch seconds from one clock: the database server's (PostgreSQL), or this machine's
(SQLite, which only one machine uses).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from providers.fleet.planner import FAILED, IN_FLIGHT, TO_SUBMIT, AppState

LEDGER_ENV = "WECHAT_IAC_FLEET_LEDGER"  # where runner/env.py puts the ledger's URL for program and providers
LEASE_SECONDS = 30 * 60
RESERVED, SUBMITTING = "reserved", "submitting"
PENDING = (RESERVED, SUBMITTING)
# phases that show an audit of V exists: a submission of V is spent (WeChat's rest shows it)
SPENT_PHASES = ("auditing", "delayed", "approved", "rejected", "released", "superseded")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS wechat_iac_audit_quota (
        component_appid TEXT PRIMARY KEY,
        rest INTEGER, quota_limit INTEGER, read_at DOUBLE PRECISION, read_by TEXT,
        refused_until DOUBLE PRECISION, refused_cause TEXT)""",
    """CREATE TABLE IF NOT EXISTS wechat_iac_fleet_apps (
        component_appid TEXT NOT NULL, version TEXT NOT NULL, appid TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT 'unseen', percentage INTEGER, released_at DOUBLE PRECISION,
        cause TEXT NOT NULL DEFAULT '', observed_at DOUBLE PRECISION, observed_by TEXT,
        reservation TEXT, reserved_by TEXT, lease_until DOUBLE PRECISION,
        PRIMARY KEY (component_appid, version, appid))""",
)
SCHEMA_LOCK = 0x77656368  # pg_advisory_xact_lock key: concurrent first runs create the tables once


class LedgerError(RuntimeError):
    """The ledger's database cannot be reached or used; the message names it without its password."""


Choose = Callable[[int | None, int | None, int, str], Sequence[str]]  # (rest, limit, pending, refused) -> apps


@dataclass(frozen=True)
class Grant:
    """What `reserve()` granted, and the live quota it was granted against."""

    granted: tuple[str, ...]
    rest: int | None
    limit: int | None
    pending: int  # other apps' pending reservations, counted against rest
    in_flight: int


def redacted(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def ledger_url(explicit: str | None, backend_url: str | None) -> str | None:
    """Where the ledger lives: an explicit URL; else Pulumi's PostgreSQL backend, the shared state
    database; else an SQLite file beside a local file backend (one machine only). None for other
    backends (S3, Pulumi Cloud): they hold no database, so the ledger must be named."""
    url = explicit or backend_url
    if url and url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "table"]  # Pulumi's own option, not libpq's
        return urlunsplit(parts._replace(query=urlencode(query)))
    if explicit:
        return explicit
    if backend_url and backend_url.startswith("file://"):
        return "sqlite:///" + str(Path(backend_url[len("file://"):]) / "fleet-ledger.sqlite3")
    return None


class Ledger:
    """One connection to the ledger's database (not thread-safe: one per thread or process)."""

    def __init__(self, url: str, connect_timeout: float = 10.0) -> None:
        self.url = url
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        try:
            if self.postgres:
                import psycopg

                self._db: Any = psycopg.connect(url, connect_timeout=int(connect_timeout), autocommit=True)
            elif url.startswith("sqlite:///"):
                path = Path(url[len("sqlite:///"):])
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
            else:
                raise LedgerError(f"the fleet ledger needs a postgres:// or sqlite:/// URL, not {redacted(url)!r}")
        except LedgerError:
            raise
        except Exception as error:  # the driver's own errors: say where, never the password
            raise LedgerError(f"cannot open the fleet ledger at {redacted(url)}: "
                              f"{str(error).replace(url, redacted(url)).strip()}") from None
        self._schema()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plumbing --------------------------------------------------------------------------------
    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.postgres else text

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A transaction; SQLite's takes the database's write lock at once (BEGIN IMMEDIATE)."""
        cursor = self._db.cursor()
        try:
            cursor.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
            yield cursor
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _run(self, cursor: Any, text: str, args: Sequence[Any] = ()) -> Any:
        cursor.execute(self._sql(text), tuple(args))
        return cursor

    def _now(self, cursor: Any) -> float:
        if self.postgres:
            return float(self._run(cursor, "SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])
        return time.time()

    def _schema(self) -> None:
        with self._transaction() as cursor:
            if self.postgres:
                self._run(cursor, "SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            for statement in SCHEMA:
                self._run(cursor, statement)

    # --- what runners saw ------------------------------------------------------------------------
    def report(self, component: str, version: str, states: Iterable[AppState], runner: str) -> None:
        """Record what this runner saw live of its apps. A reservation whose audit now shows is
        spent (WeChat's rest counts it): it is cleared. A recorded refusal stays while the app
        still shows no audit of V (a refused submission leaves no trace in WeChat)."""
        with self._transaction() as cursor:
            now = self._now(cursor)
            for state in states:
                spent = state.phase in SPENT_PHASES
                # WeChat's release_time when it gave one; else the first time a runner saw it released
                released_at = state.released_at if state.phase == "released" else None
                self._run(cursor, """
                    INSERT INTO wechat_iac_fleet_apps (component_appid, version, appid, phase, percentage,
                        released_at, cause, observed_at, observed_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (component_appid, version, appid) DO UPDATE SET
                        phase = CASE WHEN wechat_iac_fleet_apps.phase = ? AND excluded.phase IN (?, ?, ?)
                                     THEN wechat_iac_fleet_apps.phase ELSE excluded.phase END,
                        cause = CASE WHEN wechat_iac_fleet_apps.phase = ? AND excluded.phase IN (?, ?, ?)
                                     THEN wechat_iac_fleet_apps.cause ELSE excluded.cause END,
                        percentage = excluded.percentage,
                        released_at = CASE WHEN excluded.phase <> 'released' THEN NULL
                                           WHEN CAST(? AS DOUBLE PRECISION) IS NOT NULL THEN excluded.released_at
                                           ELSE COALESCE(wechat_iac_fleet_apps.released_at, excluded.released_at)
                                           END,
                        observed_at = excluded.observed_at, observed_by = excluded.observed_by,
                        reservation = CASE WHEN ? THEN NULL ELSE wechat_iac_fleet_apps.reservation END,
                        reserved_by = CASE WHEN ? THEN NULL ELSE wechat_iac_fleet_apps.reserved_by END,
                        lease_until = CASE WHEN ? THEN NULL ELSE wechat_iac_fleet_apps.lease_until END
                    """, (component, version, state.appid, state.phase, state.percentage,
                          released_at if released_at is not None else (now if state.phase == "released" else None),
                          state.cause, now, runner, FAILED, *sorted(TO_SUBMIT), FAILED, *sorted(TO_SUBMIT),
                          released_at, spent, spent, spent))

    def records(self, component: str, version: str) -> dict[str, AppState]:
        """Every app of this fleet release some runner reported, as it reported it."""
        with self._transaction() as cursor:
            rows = self._run(cursor, """
                SELECT appid, phase, percentage, released_at, cause FROM wechat_iac_fleet_apps
                WHERE component_appid = ? AND version = ?""", (component, version)).fetchall()
        return {row[0]: AppState(row[0], row[1], _int(row[2]), _float(row[3]), row[4] or "", local=False)
                for row in rows}

    def pending(self, component: str, exclude: Iterable[tuple[str, str]] = ()) -> int:
        """Reservations of the platform still pending (any version), other than `exclude` (version, appid)."""
        with self._transaction() as cursor:
            return self._pending(cursor, self._now(cursor), component, set(exclude))

    def _pending(self, cursor: Any, now: float, component: str, exclude: set[tuple[str, str]]) -> int:
        return len(self._pending_apps(cursor, now, component) - exclude)

    def _pending_apps(self, cursor: Any, now: float, component: str) -> set[tuple[str, str]]:
        """(version, appid) of the platform's pending, unexpired reservations."""
        rows = self._run(cursor, """
            SELECT version, appid FROM wechat_iac_fleet_apps
            WHERE component_appid = ? AND reservation IN (?, ?) AND lease_until > ?""",
                         (component, *PENDING, now)).fetchall()
        return {(row[0], row[1]) for row in rows}

    # --- reservations ----------------------------------------------------------------------------
    def reserve(self, component: str, version: str, wanted: Sequence[str] | Choose,
                read_quota: Callable[[], tuple[int | None, int | None]], *, audit_reserve: int,
                max_in_flight: int, runner: str, own: Iterable[str] = (),
                lease_seconds: float = LEASE_SECONDS) -> Grant:
        """Reserve one audit for each app wanted, in order, as far as the live quota allows.

        `read_quota` reads WeChat's queryquota (rest, limit); it is called with the platform's row
        locked, so no other runner reserves between that read and these reservations. `wanted` is
        the list of apps, or a function of (rest, limit, pending) that returns it (the wave
        planner, run on the numbers read under the lock); `own` are the apps whose earlier
        reservations this runner may take over (its shard's), not counted as pending for it.
        """
        with self._transaction() as cursor:
            self._run(cursor, "INSERT INTO wechat_iac_audit_quota (component_appid) VALUES (?) "
                              "ON CONFLICT (component_appid) DO NOTHING", (component,))
            lock = " FOR UPDATE" if self.postgres else ""
            row = self._run(cursor, "SELECT refused_until, refused_cause FROM wechat_iac_audit_quota "
                                    f"WHERE component_appid = ?{lock}", (component,)).fetchone()
            now = self._now(cursor)
            # before the quota read: another runner may submit and settle while queryquota is read
            # (settling takes no lock), and its audit must then be counted here as pending
            pending_before = self._pending_apps(cursor, now, component)
            rest, limit = read_quota()
            refused = (row[1] or "refused") if row[0] is not None and float(row[0]) > now else ""
            self._run(cursor, "UPDATE wechat_iac_audit_quota SET rest = ?, quota_limit = ?, read_at = ?, "
                              "read_by = ? WHERE component_appid = ?", (rest, limit, now, runner, component))
            mine = {(version, appid) for appid in set(own) | (set() if callable(wanted) else set(wanted))}
            chosen = list(wanted(rest, limit, len(pending_before - mine), refused) if callable(wanted) else wanted)
            # the cap itself: only the chosen apps' own old reservations are not pending
            pending = len(pending_before - {(version, appid) for appid in chosen})
            in_flight = self._run(cursor, f"""
                SELECT count(*) FROM wechat_iac_fleet_apps WHERE component_appid = ? AND version = ?
                AND phase IN ({', '.join('?' for _ in IN_FLIGHT)})""",
                                  (component, version, *sorted(IN_FLIGHT))).fetchone()[0]
            room = 0 if rest is None or refused else max(rest - audit_reserve - pending, 0)
            room = min(room, max(max_in_flight - int(in_flight) - pending, 0))
            granted = tuple(chosen[:room])
            for appid in granted:
                self._run(cursor, """
                    INSERT INTO wechat_iac_fleet_apps (component_appid, version, appid, reservation,
                        reserved_by, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (component_appid, version, appid) DO UPDATE SET
                        reservation = excluded.reservation, reserved_by = excluded.reserved_by,
                        lease_until = excluded.lease_until""",
                          (component, version, appid, RESERVED, runner, now + lease_seconds))
        return Grant(granted, rest, limit, pending, int(in_flight))

    def claim(self, component: str, version: str, appid: str, runner: str,
              lease_seconds: float = LEASE_SECONDS) -> bool:
        """The fence right before submit_audit: True if this app's reservation is still pending and
        unexpired (it is then `submitting`, with a fresh lease); False means do not submit."""
        with self._transaction() as cursor:
            now = self._now(cursor)
            if self._refused(cursor, now, component):
                return False
            found = self._run(cursor, """
                UPDATE wechat_iac_fleet_apps SET reservation = ?, reserved_by = ?, lease_until = ?
                WHERE component_appid = ? AND version = ? AND appid = ? AND reservation IN (?, ?)
                AND lease_until > ?""", (SUBMITTING, runner, now + lease_seconds, component, version, appid,
                                         *PENDING, now)).rowcount
        return bool(found)

    def settle(self, component: str, version: str, appid: str, phase: str, cause: str, runner: str) -> None:
        """After the submission (or after finding it needs none): the reservation is gone, and the
        app's phase is what the provider saw (FAILED with the errcode when WeChat refused it)."""
        with self._transaction() as cursor:
            now = self._now(cursor)
            self._run(cursor, """
                INSERT INTO wechat_iac_fleet_apps (component_appid, version, appid, phase, cause,
                    observed_at, observed_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (component_appid, version, appid) DO UPDATE SET
                    phase = excluded.phase, cause = excluded.cause, observed_at = excluded.observed_at,
                    observed_by = excluded.observed_by, reservation = NULL, reserved_by = NULL,
                    lease_until = NULL""", (component, version, appid, phase, cause, now, runner))

    def back_off(self, component: str, seconds: float, cause: str) -> None:
        """WeChat refused a submission the quota admitted (85085 with audits left): reserve and
        claim nothing for `seconds`."""
        with self._transaction() as cursor:
            now = self._now(cursor)
            self._run(cursor, "INSERT INTO wechat_iac_audit_quota (component_appid) VALUES (?) "
                              "ON CONFLICT (component_appid) DO NOTHING", (component,))
            self._run(cursor, "UPDATE wechat_iac_audit_quota SET refused_until = ?, refused_cause = ? "
                              "WHERE component_appid = ?", (now + seconds, cause, component))

    def refused(self, component: str) -> str:
        """Why nothing is submitted for now ('' when submissions may go out)."""
        with self._transaction() as cursor:
            return self._refused(cursor, self._now(cursor), component)

    def _refused(self, cursor: Any, now: float, component: str) -> str:
        row = self._run(cursor, "SELECT refused_until, refused_cause FROM wechat_iac_audit_quota "
                                "WHERE component_appid = ?", (component,)).fetchone()
        return (row[1] or "refused") if row and row[0] is not None and float(row[0]) > now else ""

    def forget_failure(self, component: str, version: str, appid: str) -> bool:
        """Drop a recorded refusal (after fixing its cause) so the fleet submits the app again."""
        with self._transaction() as cursor:
            return bool(self._run(cursor, """
                UPDATE wechat_iac_fleet_apps SET phase = 'unseen', cause = '' WHERE component_appid = ?
                AND version = ? AND appid = ? AND phase = ?""", (component, version, appid, FAILED)).rowcount)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
