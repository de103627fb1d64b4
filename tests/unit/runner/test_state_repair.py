"""File-backend first aid on synthetic backends (runner/state_repair.py); the e2e proof that Pulumi
then loads the stack is tests/e2e/test_production_recovery.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runner.state_repair import StateError, clear_stale_locks, first_aid, repair_sidecars
from tests.pulumi_locks import dead_pid, lock_folder, write_lock

PROJECT, STACK = "wechat-iac", "dev"
CHECKPOINT = {"version": 3, "checkpoint": {"stack": "dev", "latest": {"resources": []}}}


def backend(tmp_path: Path) -> Path:
    stacks = tmp_path / ".pulumi" / "stacks" / PROJECT
    stacks.mkdir(parents=True)
    (stacks / "dev.json").write_text(json.dumps(CHECKPOINT))
    (stacks / "dev.json.attrs").write_text('{"md5": "x"}\n')
    return tmp_path


def test_a_lock_of_a_gone_process_on_this_host_is_removed_others_are_kept(tmp_path: Path) -> None:
    root = backend(tmp_path)
    gone = dead_pid()
    stale = write_lock(lock_folder(root), "a.json", gone)
    live = write_lock(lock_folder(root), "b.json", os.getpid())
    elsewhere = write_lock(lock_folder(root), "c.json", dead_pid(), host="another-machine")
    printed: list[str] = []

    held = clear_stale_locks(root, PROJECT, STACK, printed.append)

    assert not stale.exists() and not stale.with_name("a.json.attrs").exists()
    assert live.exists() and elsewhere.exists()  # a pid on another machine cannot be judged from here
    assert {h.path for h in held} == {live, elsewhere}
    assert printed == [f"removed a stale lock on stack 'dev': pulumi (pid {gone}) ended without releasing it"]


@pytest.mark.parametrize("content", ["", '{"pid": 12', "not json at all", '{"hostname": "x"}'])
def test_a_file_that_is_not_a_lock_is_named_and_kept(tmp_path: Path, content: str) -> None:
    root = backend(tmp_path)
    garbage = lock_folder(root) / "g.json"
    garbage.write_text(content)
    with pytest.raises(StateError) as raised:
        first_aid(root, PROJECT, STACK, print)
    assert str(garbage) in str(raised.value) and f"rm {garbage}" in str(raised.value)
    assert garbage.exists()


def test_a_fresh_temp_lock_is_a_write_in_progress(tmp_path: Path) -> None:
    root = backend(tmp_path)
    (lock_folder(root) / "x.json.18b2.tmp").write_text('{"pi')
    assert clear_stale_locks(root, PROJECT, STACK, print) == []


@pytest.mark.parametrize("sidecar", ["", "{not json"])
def test_a_broken_checkpoint_sidecar_is_deleted(tmp_path: Path, sidecar: str) -> None:
    root = backend(tmp_path)
    attrs = root / ".pulumi" / "stacks" / PROJECT / "dev.json.attrs"
    attrs.write_text(sidecar)
    done = repair_sidecars(root, PROJECT, STACK, print)
    assert not attrs.exists() and len(done) == 1 and "dev.json.attrs" in done[0]


def test_the_completed_checkpoint_that_missed_its_rename_is_moved_into_place(tmp_path: Path) -> None:
    root = backend(tmp_path)
    folder = root / ".pulumi" / "stacks" / PROJECT
    os.utime(folder / "dev.json", (1_000, 1_000))
    newer = {**CHECKPOINT, "checkpoint": {"stack": "dev", "latest": {"resources": [{"urn": "u"}]}}}
    (folder / "dev.json.aa.tmp").write_text(json.dumps(newer))
    (folder / "dev.json.bb.tmp").write_text('{"version": 3, "checkp')  # cut short by an earlier kill
    os.utime(folder / "dev.json.aa.tmp", (2_000, 2_000))
    (folder / "dev.json.attrs").write_text("")

    done = repair_sidecars(root, PROJECT, STACK, print)

    assert json.loads((folder / "dev.json").read_text()) == newer
    assert not (folder / "dev.json.aa.tmp").exists() and (folder / "dev.json.bb.tmp").exists()
    assert any("moved the completed checkpoint dev.json.aa.tmp into place" in line for line in done)


def test_nothing_is_touched_while_a_live_process_holds_the_stack(tmp_path: Path) -> None:
    root = backend(tmp_path)
    write_lock(lock_folder(root), "b.json", os.getpid())
    attrs = root / ".pulumi" / "stacks" / PROJECT / "dev.json.attrs"
    attrs.write_text("")
    first_aid(root, PROJECT, STACK, print)
    assert attrs.exists()


def test_a_healthy_backend_is_left_as_it_is(tmp_path: Path) -> None:
    root = backend(tmp_path)
    before = sorted((p, p.read_bytes()) for p in root.rglob("*") if p.is_file())
    printed: list[str] = []
    first_aid(root, PROJECT, STACK, printed.append)
    assert printed == [] and sorted((p, p.read_bytes()) for p in root.rglob("*") if p.is_file()) == before
