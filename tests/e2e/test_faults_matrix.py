"""The fault matrix: the real CLI against the emulator, with faults injected through its control API.

Each case states its expected outcome next to it. The outcome is always one of:

- CONVERGED: the run succeeds despite the fault (a retry, a token refresh, or a re-read that
  shows a write whose answer was lost did take effect);
- ERROR_THEN_CONVERGED: the run stops with a clear message (no traceback) and the next run
  finishes the job without any manual step.

And always: no write takes effect twice (a second domain `set` spends one of the 50 domain
changes a month, a second submission one of the platform's monthly audits), nothing configured
is lost, and afterwards the providers' own planning finds nothing left to do.

Two specs: DOMAINS (a ServerDomains change: one `modify_domain set`) and RELEASE (commit, submit,
release in one run: the demo platform approves at once and the spec waits up to a minute). The
client's read timeout is 2.5 s in these runs (hooks/sitecustomize.py), so "slower than the client
waits" costs seconds, not the 30 s default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import COMPONENT_APPID, COMPONENT_SECRET, REFRESH_TOKEN, VERIFY_TICKET, EmulatorControl, RawWeChat
from tests.reliability.support import (
    APP,
    Loopback,
    assert_converged,
    domain_changes_used,
    duplicate_writes,
    fault_on_call,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    spec_text,
    token_dir,
    wait_until,
    write_paths,
)
from wechat import ComponentCredentials, MiniProgramClient, PlatformTokenSource, TokenCache

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

DOMAINS, COMMIT, SUBMIT, RELEASE = "/wxa/modify_domain", "/wxa/commit", "/wxa/submit_audit", "/wxa/release"
CLIENT_TIMEOUT = 2.5
SLOW = 4.0  # seconds: longer than CLIENT_TIMEOUT

DOMAINS_SPEC = spec_text({"server_domains": {
    "request": ["https://api.shop.example.com", "https://api2.shop.example.com"],
    "socket": ["wss://ws.shop.example.com"],
    "upload": ["https://upload.shop.example.com"],
    "download": ["https://cdn.shop.example.com", "https://img.shop.example.com"],
}})
RELEASE_SPEC = spec_text({"release": {
    "version": "1.1.0",
    "description": "cart and coupons",
    "source": {"template_id": 2},
    "audit": {"version_desc": "cart and coupons"},
    "rollout": {"gray_percentage": 100},
    "wait_for_audit_minutes": 1,
}})
DOMAINS_WRITES = [DOMAINS]
RELEASE_WRITES = [COMMIT, SUBMIT, RELEASE]

CONVERGED = "converged in one run"
ERROR_THEN_CONVERGED = "clear error, then the next run converges"

# In one `up` that creates ServerDomains, modify_domain is called three times: a read for the
# creation plan (check), a read before the write (create), then the `set`.
SET_CALL = 3


def prefill_token_cache(emu: EmulatorControl, stack: Any) -> None:
    """A previous run's tokens on disk: fetched now with the stack's own token cache."""
    source = PlatformTokenSource(ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET),
                                 APP, REFRESH_TOKEN, TokenCache(token_dir(stack)))
    with MiniProgramClient(APP, source, base_url=emu.base_url) as client:
        client.get_domains()
    emu.clear_calls()


def expire_every_token(emu: EmulatorControl, stack: Any) -> None:
    prefill_token_cache(emu, stack)
    emu.advance_clock(7200 + 100)  # past the 2 h lifetime on WeChat's clock; the cache still trusts them


def another_party_refreshes_the_tokens(emu: EmulatorControl, stack: Any) -> None:
    prefill_token_cache(emu, stack)
    other = RawWeChat(emu.base_url)
    other.authorizer_token()  # e.g. the platform's own server: new component + authorizer tokens
    other.close()
    emu.advance_clock(301)  # the superseded tokens' 5 minutes of grace are over
    emu.clear_calls()


@dataclass(frozen=True)
class Case:
    name: str
    spec: str
    arrange: Callable[[EmulatorControl, Any], None]
    expected: str
    error: tuple[str, ...] = ()  # text the failed run's message must contain
    errcodes: dict[int, int | tuple[int, int]] = field(default_factory=dict)  # errcode -> times (or a range)
    writes_sent: int | None = None  # write requests that reached WeChat, effective or not
    held: tuple[str, int] | None = None  # a delayed call is logged when answered: wait for (path, calls)


CASES = [
    # --- tokens -------------------------------------------------------------------------------
    Case("token expired (42001, WeChat's clock moved 2 h)", DOMAINS_SPEC, expire_every_token,
         # the authorizer token on the API, the component one on its refresh; preflight's parallel reads
         # may both meet the stale component token before one of them has refreshed it
         CONVERGED, errcodes={42001: (2, 3)}),
    Case("token expired mid-run (42001 on the commit)", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(COMMIT, errcode=42001),
         CONVERGED, errcodes={42001: 1}, writes_sent=4),  # refreshed once, the commit sent again: it had no effect
    Case("token invalidated by another party (40001)", DOMAINS_SPEC, another_party_refreshes_the_tokens,
         CONVERGED, errcodes={40001: (2, 3)}),  # as above
    # --- system busy -------------------------------------------------------------------------
    Case("system busy (-1) on a read, twice", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, count=2, errcode=-1),
         CONVERGED, errcodes={-1: 2}),  # reads are retried (0.5 s, 1 s)
    Case("system busy (-1) on every read attempt", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, count=6, errcode=-1),
         ERROR_THEN_CONVERGED, error=("errcode -1",), errcodes={-1: 6}),  # 3 attempts x 2 reads; nothing written
    Case("system busy (-1) on the domain write, after it took effect", DOMAINS_SPEC,
         lambda emu, _: fault_on_call(emu, DOMAINS, SET_CALL, errcode=-1, when="after"),
         ERROR_THEN_CONVERGED, error=("/wxa/modify_domain", "errcode -1"), writes_sent=1),  # never sent twice
    Case("system busy (-1) on the release, after it took effect", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(RELEASE, errcode=-1, when="after"),
         CONVERGED, writes_sent=3),  # the re-read shows the release happened
    Case("system busy (-1) on the release, before it took effect", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(RELEASE, errcode=-1),
         ERROR_THEN_CONVERGED, error=("/wxa/release", "did not take effect"), writes_sent=4),
    # --- quotas --------------------------------------------------------------------------------
    Case("minute quota (45011) on a read", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, errcode=45011),
         CONVERGED, errcodes={45011: 1}),  # retried after a pause
    Case("minute quota (45011) on the domain write", DOMAINS_SPEC,
         lambda emu, _: fault_on_call(emu, DOMAINS, SET_CALL, errcode=45011),
         ERROR_THEN_CONVERGED, error=("45011",), writes_sent=2),
    Case("daily quota (45009) on the reads", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, count=2, errcode=45009),
         ERROR_THEN_CONVERGED, error=("45009",), errcodes={45009: 2}),  # never retried: it burns tomorrow's
    Case("daily quota (45009) on the commit", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(COMMIT, errcode=45009),
         ERROR_THEN_CONVERGED, error=("/wxa/commit", "45009"), writes_sent=4),
    # --- slow answers, past the client's timeout -----------------------------------------------
    Case("slow read (past the client timeout)", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, delay_seconds=SLOW),
         CONVERGED, held=(DOMAINS, 4)),  # timed out, retried
    Case("slow answer to the domain write, after it took effect", DOMAINS_SPEC,
         lambda emu, _: fault_on_call(emu, DOMAINS, SET_CALL, delay_seconds=SLOW, when="after"),
         ERROR_THEN_CONVERGED, error=("/wxa/modify_domain", "may or may not"), writes_sent=1, held=(DOMAINS, 5)),
    Case("slow answer to the commit, after it took effect", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(COMMIT, delay_seconds=SLOW, when="after"),
         CONVERGED, writes_sent=3, held=(COMMIT, 1)),  # the re-read shows the commit happened
    # --- dropped connections -------------------------------------------------------------------
    Case("dropped connection on a read", DOMAINS_SPEC,
         lambda emu, _: emu.inject_fault(DOMAINS, drop=True),
         CONVERGED),
    Case("dropped answer to the domain write, after it took effect", DOMAINS_SPEC,
         lambda emu, _: fault_on_call(emu, DOMAINS, SET_CALL, drop=True, when="after"),
         ERROR_THEN_CONVERGED, error=("/wxa/modify_domain", "may or may not"), writes_sent=1),
    Case("dropped answer to the release, after it took effect", RELEASE_SPEC,
         lambda emu, _: emu.inject_fault(RELEASE, drop=True, when="after"),
         CONVERGED, writes_sent=3),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fault(case: Case, make_stack: Any, emu: EmulatorControl, loopback_only: Loopback) -> None:  # noqa: F811
    stack = fault_stack(make_stack, emu, loopback_only, {"shop.yaml": case.spec},
                        extra_env={"WECHAT_IAC_TEST_HTTP_TIMEOUT": str(CLIENT_TIMEOUT)},
                        config={"auditPollSeconds": "0.2"})
    case.arrange(emu, stack)
    expected_writes = DOMAINS_WRITES if case.spec is DOMAINS_SPEC else RELEASE_WRITES

    if case.expected == CONVERGED:
        result = stack.up()
        assert result.summary.result == "succeeded", stack.text()
    else:
        with pytest.raises(auto.CommandError) as failure:
            stack.up()
        message = str(failure.value)
        for text in case.error:
            assert text in message, f"{text!r} not in the error:\n{message}"
        assert "Traceback" not in message, message
        shown = [line.strip() for line in message.splitlines() if line.strip().startswith("error:")]
        print(f"OBSERVED[{case.name}] first run failed: {shown[:1]}")
        rerun = stack.up()  # the next run, with no manual step in between
        assert rerun.summary.result == "succeeded", stack.text()

    if case.held is not None:
        path, count = case.held
        wait_until(lambda: len([c for c in emu.calls() if c["path"] == path]) >= count, SLOW + 10,
                   f"the held {path} call to be answered")
    calls = emu.calls()
    assert duplicate_writes(calls) == {}, "a write took effect twice"
    # sorted: a call held by a `delay` fault is logged when it is answered, after later calls
    assert sorted(write_paths(calls)) == sorted(expected_writes), stack.text()
    if case.writes_sent is not None:
        assert len(write_paths(calls, effective_only=False)) == case.writes_sent, [c["path"] for c in calls]
    seen = [call.get("errcode") for call in calls]
    for errcode, times in case.errcodes.items():
        low, high = times if isinstance(times, tuple) else (times, times)
        assert low <= seen.count(errcode) <= high, (errcode, seen)
    app = emu.state(APP)["app"]
    if case.spec is DOMAINS_SPEC:
        assert domain_changes_used(emu) == 1, "one change, one of the 50 a month"
        assert "https://api2.shop.example.com" in app["domains"]["requestdomain"]
    else:
        assert len(app["audits"]) == 1 and app["live"]["user_version"] == "1.1.0"
    assert_converged(stack)
    sent = len(write_paths(calls, effective_only=False))
    print(f"OBSERVED[{case.name}] converged; effective writes {write_paths(calls)}, write requests {sent}, "
          f"errcodes {sorted({c.get('errcode') for c in calls if c.get('errcode')}, key=str)}")
