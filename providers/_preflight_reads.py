"""Preflight's answers, handed to the provider host for the check() and diff() of the same engine run.

Before any resource is declared, the program's preflight reads, per mini-program, what the
resources' diffs read again seconds later in the provider host: getversioninfo,
get_latest_auditstatus, the rollback history, getaccountbasicinfo, getcategory, getprivacysetting
and the effective domains. A fleet `up` read each of them twice per mini-program.

The runner makes a private temporary folder per engine run (runner/engine.py) and names a file in it
(`READS_ENV`); the program writes there what preflight read (`hand_over`, before it declares
anything), each answer with the time it was read, and the folder is removed when the run ends. In
the provider host, a read made by check() or diff() (`Context.planning`) takes the answer from that
file instead of calling WeChat again, if it is younger than `TTL`: a read of this very run, seconds
old, as live as check()'s prefetch (`_prefetch`). Nothing that decides a write comes from here:
update()'s own reads, the guards' re-reads right before a write that must not be repeated, the reads
that settle a lost answer and record()'s read after the writes always call WeChat.

Only these answers, as WeChat sent them (every field still optional to whoever reads them); none
carries a token (the authorizer info does, and is never written). A read that failed in preflight is
not written: the host reads it. Without the runner (a bare `pulumi up`, the in-process plan,
`doctor`) the variable is unset and nothing is kept or handed over. The runner sets it in its own
process too (an inline program runs there); when it runs several shard stacks at once in threads
(runner/fleet.py), the last one set wins: a run may then hand over nothing, and its host reads WeChat.
Answers are kept by appid and shards hold different apps, so no run takes another app's answer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from providers import _observed
from wechat import MiniProgramClient, NotFoundError

READS_ENV = "WECHAT_IAC_PREFLIGHT_READS"
TTL = _observed.TTL  # seconds, the bound diff()'s own reads have for update(): an older answer is read again
PRIVACY_VER = 2  # the development guide: what preflight checks and what PrivacySettings manages


def latest_audit(client: MiniProgramClient) -> dict[str, Any] | None:
    """get_latest_auditstatus, or None when there has been no audit (errcode 85058)."""
    try:
        return client.get_latest_audit_status()
    except NotFoundError:
        return None


# The reads preflight and the resources' diffs both make: one name, one endpoint, the same arguments.
READS: dict[str, Callable[[MiniProgramClient], Any]] = {
    "getversioninfo": lambda client: client.get_version_info(),
    "get_latest_auditstatus": latest_audit,
    "get_history_version": lambda client: client.get_history_versions(),
    "getaccountbasicinfo": lambda client: client.get_account_basic_info(),
    "getcategory": lambda client: client.get_category(),
    "getprivacysetting": lambda client: client.get_privacy_setting(PRIVACY_VER),
    "get_effective_domain": lambda client: client.get_effective_domain(),
    "get_effective_webviewdomain": lambda client: client.get_effective_webview_domains(),
}

_lock = threading.Lock()
Answers = dict[str, dict[str, dict[str, Any]]]  # appid -> name -> {"answer": ..., "read_at": epoch seconds}
_kept: dict[str, Answers] = {}  # in the program, by the run's file: an inline program's process runs many
_loaded: dict[str, Answers] = {}  # in the host, by the run's file: read once


# --- in the program (preflight) ------------------------------------------------------------------
def preflight_read(appid: str, client: MiniProgramClient, name: str) -> Any:
    """`READS[name]` for preflight, its answer kept for the host when the runner named a file."""
    read_at = time.time()  # when the read started: the answer is at least this old
    answer = READS[name](client)
    path = os.environ.get(READS_ENV)
    if path:
        with _lock:
            _kept.setdefault(path, {}).setdefault(appid, {})[name] = {"answer": answer, "read_at": read_at}
    return answer


def hand_over() -> None:
    """Write what preflight read to the run's file (whole, then renamed: the host never sees half)."""
    path = os.environ.get(READS_ENV)
    if not path:
        return
    with _lock:
        text = json.dumps(_kept.pop(path, {}), ensure_ascii=False)
    partial = Path(f"{path}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except OSError:
        return  # the run's folder is gone: the host reads for itself


# --- in the provider host (check / diff) ---------------------------------------------------------
def read(ctx: Any, name: str) -> Any:
    """`READS[name]` for this resource: preflight's answer of this run when check() or diff() asks
    (`ctx.planning`) and it is younger than TTL; otherwise WeChat's, read now."""
    return read_together(ctx, name)[0]


def read_together(ctx: Any, *names: str) -> list[Any]:
    """Answers read as one snapshot (getversioninfo with get_latest_auditstatus: which version an audit
    is of is told by comparing their times): all preflight's, or all read now, never a mix."""
    if getattr(ctx, "planning", False):
        found = [_handed(ctx.appid, name) for name in names]
        now = time.time()
        if all(entry is not None and 0 <= now - entry["read_at"] <= TTL for entry in found):
            return [entry["answer"] for entry in found if entry is not None]
    return [READS[name](ctx.client) for name in names]


def _handed(appid: str, name: str) -> dict[str, Any] | None:
    path = os.environ.get(READS_ENV)
    if not path:
        return None
    with _lock:
        answers = _loaded.get(path)
    if answers is None:
        try:
            answers = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not written (preflight off or stopped): read again, and look again next time
        with _lock:
            _loaded[path] = answers
    entry = (answers.get(appid) or {}).get(name) if isinstance(answers, dict) else None
    if not isinstance(entry, dict) or "answer" not in entry or not isinstance(entry.get("read_at"), (int, float)):
        return None
    return entry


def forget() -> None:
    """Drop what was kept and loaded (tests; each process serves one engine run)."""
    with _lock:
        _kept.clear()
        _loaded.clear()
