"""The document store: transactions write back only what changed, roll back on errors, serialise
concurrent writers, and keep state in a file across Store instances."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from emulator.state import Store


def test_changes_are_written_back_on_commit() -> None:
    store = Store()
    with store.tx() as tx:
        tx.put("app", "a", {"n": 1})
    with store.tx() as tx:
        doc = tx.get("app", "a")
        assert doc is not None
        doc["n"] = 2  # mutate in place; no explicit put
    with store.tx() as tx:
        assert tx.get("app", "a") == {"n": 2}
        assert tx.keys("app") == ["a"]


def test_an_exception_rolls_everything_back() -> None:
    store = Store()
    with store.tx() as tx:
        tx.put("app", "a", {"n": 1})
    with pytest.raises(RuntimeError), store.tx() as tx:
        doc = tx.get("app", "a")
        assert doc is not None
        doc["n"] = 99
        tx.put("app", "b", {})
        raise RuntimeError("boom")
    with store.tx() as tx:
        assert tx.get("app", "a") == {"n": 1} and tx.get("app", "b") is None


def test_delete_and_listing_see_pending_changes() -> None:
    store = Store()
    with store.tx() as tx:
        tx.put("k", "x", {})
        tx.put("k", "y", {})
    with store.tx() as tx:
        tx.delete("k", "x")
        tx.put("k", "z", {})
        assert tx.keys("k") == ["y", "z"]
    with store.tx() as tx:
        assert sorted(tx.all("k")) == ["y", "z"]


def test_concurrent_increments_do_not_lose_updates() -> None:
    store = Store()
    with store.tx() as tx:
        tx.put("c", "c", {"n": 0})

    def work() -> None:
        for _ in range(50):
            with store.tx() as tx:
                doc = tx.get("c", "c")
                assert doc is not None
                doc["n"] += 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.tx() as tx:
        assert tx.get("c", "c") == {"n": 400}


def test_id_sequences_and_clock_offset(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.sqlite3"))
    with store.tx() as tx:
        assert tx.next_id("audit", 100) == 100
        assert tx.next_id("audit", 100) == 101
        tx.meta()["clock_offset"] = 60.0
    assert store.clock_offset() == 60.0
    store.close()
    reopened = Store(str(tmp_path / "s.sqlite3"))
    with reopened.tx() as tx:
        assert tx.next_id("audit", 100) == 102
    assert reopened.clock_offset() == 60.0


def test_call_log_sequence_survives_clearing() -> None:
    store = Store()
    first = store.append_call({"path": "/a"})
    store.clear_calls()
    second = store.append_call({"path": "/b"})
    assert second > first
    assert [c["path"] for c in store.calls(since=first)] == ["/b"]


def test_wipe_keeps_or_drops_the_clock() -> None:
    store = Store()
    with store.tx() as tx:
        tx.meta()["clock_offset"] = 5.0
        tx.put("app", "a", {})
    store.wipe(keep_meta=True)
    assert store.clock_offset() == 5.0 and store.is_empty()
    store.wipe(keep_meta=False)
    assert store.clock_offset() == 0.0
