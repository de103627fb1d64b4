"""State where the team keeps it: two clones ("two CI machines") share one stack on a real
PostgreSQL backend (Pulumi's DIY `postgres://` backend), through `python -m runner` as a team runs it.

- an `up` from one clone is seen by a `preview` from the other, and nothing is lost when the
  clone that made it is deleted;
- two `up`s started at once take turns on the backend's lock: both finish, and WeChat sees each
  write once.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest

from emulator.testing import REFRESH_TOKEN, VERIFY_TICKET, EmulatorControl
from tests.e2e.clones import Clone, make_clone
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

STACK = "staging"
PASSPHRASE = "staging-passphrase-for-tests-only"
SECRETS = f"componentSecret=demo-component-secret-0001\ncomponentVerifyTicket={VERIFY_TICKET}\n" \
          f"demoShopRefreshToken={REFRESH_TOKEN}\n"
WRITES = ("/wxa/commit", "/wxa/submit_audit", "/wxa/release", "/wxa/modify_domain")


def machines(tmp_path: Path, postgres: PostgresServer, names: str) -> tuple[str, list[Clone]]:
    """Clones pointed at a fresh database of the session's server; returns (database, clones)."""
    database = f"state_{uuid.uuid4().hex[:12]}"
    environment = {"PULUMI_BACKEND_URL": postgres.create_database(database), "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
    return database, [make_clone(tmp_path, name, environment) for name in names]


def init_staging(clone: Clone, emu: EmulatorControl, *others: Clone) -> None:
    """`runner init` on one machine, then the stack settings committed for the others."""
    done = clone.runner("init", STACK, "--base-url", emu.base_url, stdin=SECRETS)
    assert done.returncode == 0, done.stdout + done.stderr
    clone.push_file(f"Pulumi.{STACK}.yaml", *others)


def write_counts(emu: EmulatorControl) -> Counter[str]:
    return Counter(call["path"] for call in emu.calls()
                   if call["path"] in WRITES and (call.get("body") or {}).get("action") != "get")


def test_two_clones_share_one_stack_and_nothing_is_lost(tmp_path: Path, postgres: PostgresServer,
                                                        emu: EmulatorControl) -> None:
    database, (first, second) = machines(tmp_path, postgres, "ab")
    init_staging(first, emu, second)

    up = first.runner("up", "--stack", STACK)
    assert up.returncode == 0, up.stdout + up.stderr
    assert write_counts(emu)["/wxa/commit"] == 1

    emu.clear_calls()
    preview = second.runner("preview", "--stack", STACK)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "13 unchanged" in preview.stdout, preview.stdout  # the other machine's up, read from PostgreSQL
    assert write_counts(emu) == Counter()

    # The machine that made the stack goes away; a new one starts from the repository alone.
    for path in (first.root, first.machine):
        shutil.rmtree(path)
    third = make_clone(tmp_path, "c", {key: second.env[key] for key in ("PULUMI_BACKEND_URL",
                                                                         "PULUMI_CONFIG_PASSPHRASE")})
    second.push_file(f"Pulumi.{STACK}.yaml", third)
    outputs = third.shell(f"pulumi stack output --json --stack {STACK}", stack=STACK)
    assert outputs.returncode == 0, outputs.stdout + outputs.stderr
    release = json.loads(outputs.stdout)["demo-shop"]["release"]
    assert (release["version"], release["phase"], release["gray_percentage"]) == ("1.1.0", "released", 100)
    again = third.runner("up", "--stack", STACK)
    assert again.returncode == 0 and "13 unchanged" in again.stdout, again.stdout + again.stderr
    assert write_counts(emu) == Counter()
    assert postgres.psql("SELECT count(*) FROM pulumi_state WHERE key LIKE '%/stacks/wechat-iac/staging.json'",
                         database=database) == "1\n"  # the state lives in PostgreSQL, and only there


def test_two_concurrent_ups_take_turns_on_the_backend_lock(tmp_path: Path, postgres: PostgresServer,
                                                           emu: EmulatorControl) -> None:
    _, (first, second) = machines(tmp_path, postgres, "ab")
    init_staging(first, emu, second)
    emu.inject_fault("/wxa/commit", delay_seconds=6)  # the first up holds the lock for a while

    runs = [clone.start_runner("up", "--stack", STACK) for clone in (first, second)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], "\n=====\n".join(outputs)
    waited = [output for output in outputs if "is locked by another run" in output]
    assert len(waited) == 1, "\n=====\n".join(outputs)
    assert "waiting for it" in waited[0]
    counts = write_counts(emu)
    assert (counts["/wxa/commit"], counts["/wxa/submit_audit"], counts["/wxa/release"]) == (1, 1, 1), counts
