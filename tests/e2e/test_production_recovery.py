"""What a `pulumi` killed at the wrong moment leaves in a file backend, and the next run getting
past it (runner/state_repair.py): an empty `.attrs` sidecar ("failed to load checkpoint: EOF"
before the fix), a completed checkpoint that never got its rename, a stale lock, a garbage lock."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from tests.pulumi_locks import dead_pid, lock_folder, write_lock

pytestmark = pytest.mark.e2e


def stack_files(stack: Any) -> Path:
    return Path(stack.env.state_dir) / "backend" / ".pulumi" / "stacks" / "wechat-iac"


def lock_dir(stack: Any) -> Path:
    return lock_folder(Path(stack.env.state_dir) / "backend")


def test_an_empty_attrs_sidecar_and_an_unrenamed_checkpoint_are_repaired(make_stack: Any,
                                                                          emu: EmulatorControl) -> None:
    stack = make_stack(config={"baseUrl": emu.base_url})
    assert stack.up().summary.result == "succeeded", stack.text()
    folder = stack_files(stack)
    # As a kill between fileblob's writes leaves it: the new checkpoint complete in its temp file,
    # the old one still in place, and the sidecar truncated.
    newest, older = (folder / "dev.json").read_bytes(), (folder / "dev.json.bak").read_bytes()
    assert newest != older
    pending = folder / "dev.json.18b2c3d4e5f60718.tmp"
    pending.write_bytes(newest)
    (folder / "dev.json").write_bytes(older)
    os.utime(folder / "dev.json", (1_000_000_000, 1_000_000_000))
    (folder / "dev.json.attrs").write_bytes(b"")

    preview = stack.preview()

    assert preview.change_summary == {"same": 13}, stack.text()  # the newest checkpoint, not the older
    assert "deleted" in stack.text() and "dev.json.attrs" in stack.text()
    assert "moved the completed checkpoint dev.json.18b2c3d4e5f60718.tmp into place" in stack.text()
    assert not pending.exists() and (folder / "dev.json").read_bytes() == newest


def test_a_stale_lock_is_removed_and_a_garbage_lock_is_named(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(config={"baseUrl": emu.base_url})
    stale = write_lock(lock_dir(stack), "0b5e8c2a-stale.json", dead_pid())

    assert stack.up().summary.result == "succeeded", stack.text()
    assert "removed a stale lock on stack 'dev'" in stack.text() and not stale.exists()

    garbage = lock_dir(stack) / "3f1d9a7e-garbage.json"
    garbage.write_text('{"pid": 12', encoding="utf-8")  # cut short
    with pytest.raises(auto.CommandError):
        stack.up()
    assert f"not a lock Pulumi wrote (10 bytes): {garbage}" in stack.text()
    assert f"rm {garbage}" in stack.text() and "Traceback" not in stack.text()
    assert garbage.exists()  # only a person can tell nothing is writing it
