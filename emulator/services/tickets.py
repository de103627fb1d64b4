"""component_verify_ticket: WeChat pushes a new one every 10 minutes; each is valid 12 hours, so
several are valid at once ("建议保存最近可用的component_verify_ticket"); an expired one answers
61005, one never pushed 61006 (Third-party_Platforms/2.0/api/Before_Develop/component_verify_ticket).

Platform state: `tickets` (explicit pushes: the seed's ticket and `POST /_emulator/ticket`, each
{ticket, pushed_at, expires_at}), `ticket_pushes` (what the 10-minute pushes carry) and
`pushes_since` (when they started: the seed time):

- "fresh" (default): a new value each time, derived from the push time, so no background thread
  is needed; `GET /_emulator/ticket` reads the newest, as a platform's receiver would.
- "same": every push carries the seed's ticket again, so a ticket kept in fixed configuration
  (the demo stack's) stays usable for as long as the emulator clock runs.
- "none": nothing is pushed (the receiver is down): the seed's ticket lapses after 12 hours.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from emulator.routing import PLATFORM, SeedError, seed_section
from emulator.state import Doc, Tx

PUSH_INTERVAL = 600
TICKET_TTL = 12 * 3600
PUSH_MODES = ("fresh", "same", "none")
_KEEP = 50  # explicit pushes remembered (older ones then answer 61006 rather than 61005)
_PREFIX = "ticket@@@"


def _signature(platform: Doc, n: int) -> str:
    key = f"{platform['component_appid']}|{platform['component_appsecret']}".encode()
    return hmac.new(key, str(n).encode(), hashlib.sha256).hexdigest()[:24]


def _scheduled(platform: Doc, n: int) -> str:
    return f"{_PREFIX}{n}-{_signature(platform, n)}"


def _mode(platform: Doc) -> str:
    # A platform stored by an emulator older than this module (a demo database kept across an
    # upgrade) has no ticket list: its ticket was treated as re-pushed for ever, so keep it so.
    return str(platform.get("ticket_pushes") or ("fresh" if "tickets" in platform else "same"))


def _since(platform: Doc) -> float:
    return float(platform.get("pushes_since") or 0.0)


def _last_push_index(platform: Doc, now: float) -> int | None:
    """The index n of the newest scheduled push (pushed at n * 600 s), None before the first."""
    n = int(now // PUSH_INTERVAL)
    return n if n * PUSH_INTERVAL >= _since(platform) else None


def push(platform: Doc, now: float, ticket: str | None = None, expires_in: float = TICKET_TTL) -> Doc:
    """An explicit push (the seed, or the control API); older tickets stay valid until they expire."""
    item = {"ticket": ticket or _PREFIX + secrets.token_urlsafe(24), "pushed_at": now,
            "expires_at": now + expires_in}
    tickets = [t for t in platform.get("tickets", []) if t["ticket"] != item["ticket"]]
    platform["tickets"] = [*tickets, item][-_KEEP:]
    return item


def latest(platform: Doc, now: float) -> dict[str, Any]:
    """The most recently pushed ticket (what a receiver would have stored last)."""
    explicit = max(platform.get("tickets", []), key=lambda t: t["pushed_at"], default=None)
    mode = _mode(platform)
    n = _last_push_index(platform, now) if mode != "none" else None
    if n is not None and (explicit is None or n * PUSH_INTERVAL > explicit["pushed_at"]):
        value = _scheduled(platform, n) if mode == "fresh" else platform.get("verify_ticket")
        return {"verify_ticket": value, "pushed_at": n * PUSH_INTERVAL,
                "expires_at": n * PUSH_INTERVAL + TICKET_TTL}
    if explicit is None:
        return {"verify_ticket": None, "pushed_at": None, "expires_at": None}
    return {"verify_ticket": explicit["ticket"], "pushed_at": explicit["pushed_at"],
            "expires_at": explicit["expires_at"]}


def status(platform: Doc, ticket: str, now: float) -> str:
    """"valid", "expired" (61005) or "unknown" (61006) for a ticket a client presents."""
    mode = _mode(platform)
    if mode == "same" and ticket == platform.get("verify_ticket") and _last_push_index(platform, now) is not None:
        return "valid"  # re-pushed every 10 minutes: its 12 hours keep starting over
    for item in platform.get("tickets", []):
        if hmac.compare_digest(item["ticket"], ticket):
            return "valid" if now < item["expires_at"] else "expired"
    if mode == "fresh" and ticket.startswith(_PREFIX) and "-" in ticket:
        raw_n, signature = ticket[len(_PREFIX):].split("-", 1)
        if raw_n.isdigit() and hmac.compare_digest(signature, _signature(platform, int(raw_n))):
            pushed_at = int(raw_n) * PUSH_INTERVAL
            if _since(platform) <= pushed_at <= now:
                return "valid" if now < pushed_at + TICKET_TTL else "expired"
    return "unknown"


@seed_section(PLATFORM, "verify_ticket", "verify_ticket_expires_in", "verify_ticket_pushes")
def seed_platform(tx: Tx, platform: Doc, item: dict[str, Any], where: str) -> None:
    """The seed's ticket was pushed now and lives 12 hours (unless it says otherwise); what later
    pushes carry (`verify_ticket_pushes`) starts now too."""
    pushes = item.get("verify_ticket_pushes", "fresh")
    if pushes not in PUSH_MODES:
        raise SeedError(f"{where}.verify_ticket_pushes: one of {list(PUSH_MODES)}")
    platform.update(verify_ticket=str(item["verify_ticket"]), ticket_pushes=pushes, pushes_since=tx.now)
    lifetime = item.get("verify_ticket_expires_in")
    push(platform, tx.now, platform["verify_ticket"], TICKET_TTL if lifetime is None else float(lifetime))
