"""A rotated authorizer refresh token, kept where the next run on any machine finds it: the state.

When WeChat rotates a mini-program's authorizer refresh token, the superseded one works 5 more
minutes, then answers 61023 on every run: a team whose rotated token lived only in one machine's
token cache (a CI runner, a laptop) is locked out. The stack's state is the one place every later
run reads before its first WeChat call: each resource's old outputs reach check(), diff(), update(),
read() and delete(). So:

- every resource of the mini-program records the newest rotated token in its outputs under
  `authorizer_refresh` (`{token, rotated_at, configured}`), marked secret, so the state holds it
  encrypted (`WeChatResource` adds it to `additional_secret_outputs`);
- before any call, the old outputs' record is remembered here (`offer_recorded`); the token source
  asks for it (`recorded`) before it picks a refresh token, and uses the newest it knows (on 61023,
  the older ones);
- the token source reports a rotation (`rotated`), which is announced loudly;
- a resource whose record is older than the newest known makes diff() report a change, so the
  `up` records it even when nothing else changed (`needs_recording`);
- a rotation this machine's token cache holds counts as known too (`cached`): another process may
  have seen it (a preview, the reviewers' plan, preflight in the program), and its `up` must still
  record it in the state, or other machines get 61023 five minutes later.

Nothing here makes a WeChat client (the Developers resource has no API at all). Records are kept
per (base URL, appid) and tied to the configured token they descend from: after a re-authorization
(a new configured token) older records no longer apply.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from wechat import RotatedRefreshToken

OUTPUT = "authorizer_refresh"
Props = dict[str, Any]

_lock = threading.Lock()
_newest: dict[tuple[str, str], RotatedRefreshToken] = {}


def _keep(base_url: str, appid: str, record: RotatedRefreshToken) -> None:
    key = (base_url.rstrip("/"), appid)
    with _lock:
        known = _newest.get(key)
        if known is None or record.rotated_at > known.rotated_at:
            _newest[key] = record


def recorded(base_url: str, appid: str) -> RotatedRefreshToken | None:
    """The newest rotated refresh token known for this mini-program (from the state or this run)."""
    with _lock:
        return _newest.get((base_url.rstrip("/"), appid))


def rotated(base_url: str, appid: str, record: RotatedRefreshToken) -> None:
    """The token source saw WeChat rotate the refresh token: remember it and say so loudly."""
    _keep(base_url, appid, record)
    announce(appid)


def offer_recorded(ctx: Any, outputs: Props | None) -> None:
    """Remember the refresh token the old outputs recorded (before any call)."""
    record = (outputs or {}).get(OUTPUT)
    if ctx.mode != "platform" or not isinstance(record, dict):
        return
    try:
        rotated_record = RotatedRefreshToken(str(record["token"]), float(record["rotated_at"]),
                                             str(record["configured"]))
    except (KeyError, TypeError, ValueError):
        return
    _keep(ctx.settings.base_url, ctx.appid, rotated_record)


def cached(base_url: str, appid: str) -> RotatedRefreshToken | None:
    """The rotated refresh token this machine's token cache holds (what the token source keeps there)."""
    from providers._settings import token_cache  # not at import time: _settings imports this module

    raw = token_cache().load(base_url.rstrip("/"), appid, "authorizer_refresh") or {}
    token, at, configured = raw.get("refresh_token"), raw.get("rotated_at"), raw.get("configured")
    if not isinstance(token, str) or not token or not isinstance(at, int | float) or not isinstance(configured, str):
        return None
    return RotatedRefreshToken(token, float(at), configured)


def current(ctx: Any) -> Props | None:
    """What the outputs should record now: the newest rotated token for the configured one, or None."""
    if ctx.mode != "platform":
        return None
    from_cache = cached(ctx.settings.base_url, ctx.appid)
    if from_cache is not None:
        _keep(ctx.settings.base_url, ctx.appid, from_cache)
    record = recorded(ctx.settings.base_url, ctx.appid)
    key = ctx.settings.lookup(str(ctx.credentials.get("refresh_token_config") or ""))
    if record is None or not key or record.configured != configured_id(key):
        return None
    return {"token": record.token, "rotated_at": record.rotated_at, "configured": record.configured}


def configured_id(refresh_token: str) -> str:
    """The id a configured refresh token is known by (as PlatformTokenSource.configured_id)."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


def outputs(ctx: Any) -> Props:
    """`{authorizer_refresh: ...}` to merge into a resource's outputs, or {} when it never rotated."""
    now = current(ctx)
    return {OUTPUT: now} if now is not None else {}


def needs_recording(ctx: Any, outputs_: Props | None) -> bool:
    """A newer rotated token is known than these outputs record."""
    now = current(ctx)
    if now is None:
        return False
    return bool(((outputs_ or {}).get(OUTPUT) or {}).get("token") != now["token"])


def announce(appid: str) -> None:
    print(
        f"{appid}: WARNING: WeChat ROTATED the authorizer refresh token; the superseded one stops working in 5 "
        "minutes. The new one is in this machine's token cache, and an `up` (or `refresh`) records it, "
        "encrypted, in the stack's state (output authorizer_refresh), where the next run on any machine finds "
        "it. A preview cannot record it: if this was one, run `pulumi up` from this machine, or other machines "
        "will get 61023.",
        flush=True,
    )
