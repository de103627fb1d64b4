"""A fleet member's Release: the single-app release engine (`providers/release.py`), held to what the
fleet's wave planner admits for it in this `up`.

The program plans the whole fleet before it declares any resource (`providers/fleet/run.py`) and
hands each member's Release one more input, `spec.fleet`:

    {"platform": component appid, "wave": "canary", "allow": "hold" | "release" | "submit",
     "calls_per_second": the platform's limit divided by the shards}

`allow` is the furthest this `up` may take the app: `hold` makes no write at all (and shows no
change, so 400 waiting apps do not clutter the diff); `release` may release or widen a rollout of
an approved version but never commits or submits; `submit` may also commit and submit, on the
audit reservation the program took in the ledger for it. The Release engine's own plan is cut to
that, so the per-resource plans, the fleet plan and what the executor sends say the same.

The calls run on the one executor (`providers/_executor.py`) like any Release's; the ledger
(`providers/fleet/ledger.py`) joins at the submission's own hooks. `guard_submit`: after the
Release's re-read, the reservation is claimed (the fence: no pending, unexpired reservation, no
submission). `send`: the answer settles it (WeChat refusing the submission, such as 85077, is the
app's failure, which counts against its wave's budget; 85085 backs the platform off). A lost answer
or a conflict is settled by reading (`landed_submitted`): an audit that appeared settles the
reservation as spent; one that did not leaves it to expire, which errs towards spending less.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
from typing import Any

from providers._base import Context, Props
from providers._clients import client_for
from providers._errors import RefusedError
from providers._executor import UNSETTLED, Run
from providers._plan import ApiCall, Plan
from providers.fleet.ledger import LEDGER_ENV, Ledger, LedgerError, ledger_url
from providers.fleet.observe import RateLimiter, Throttled
from providers.fleet.planner import AUDITING, COMMITTED, FAILED
from providers.release import Release, ReleaseProvider
from providers.release_live import phase_of
from providers.release_plan import COMMIT, SUBMIT, UNDO, ReleasePlan
from providers.release_source import ADD_TO_TEMPLATE, UPLOAD
from wechat import APIError, ConflictError, QuotaError

HOLD, RELEASE_ONLY, SUBMIT_TOO = "hold", "release", "submit"
ALLOWS = (HOLD, RELEASE_ONLY, SUBMIT_TOO)
SUBMISSION_CALLS = frozenset({COMMIT, SUBMIT, UNDO, UPLOAD, ADD_TO_TEMPLATE})  # the road to a new audit
LEDGER_CONFIG = "fleetLedger"  # stack config key: the ledger's URL (secret if it holds a password)
AUDIT_QUOTA_ERRCODE = 85085
BACK_OFF_SECONDS = 3600.0
REFUSED_85085 = ("WeChat answered 85085 although queryquota showed audits left (its other limit: too many "
                 "mini-programs submitted in the last 7 days, which no API shows); the fleet submits nothing "
                 "for an hour")


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def open_ledger(settings: Any) -> Ledger:
    """The ledger this stack shares: stack config fleetLedger, else $WECHAT_IAC_FLEET_LEDGER, which
    `runner env` derives from the backend (Pulumi's PostgreSQL: the shared state database; a file
    backend: an SQLite file beside it)."""
    url = ledger_url(settings.lookup(LEDGER_CONFIG) or os.environ.get(LEDGER_ENV), os.environ.get("PULUMI_BACKEND_URL"))
    if url is None:
        raise LedgerError(
            "a fleet release needs its audit ledger in a database every runner shares: set stack config "
            f"{LEDGER_CONFIG} (pulumi config set --secret {LEDGER_CONFIG} postgres://…), or ${LEDGER_ENV}; with "
            "a PostgreSQL or file backend, `python -m runner` (or `eval \"$(python -m runner env)\"`) sets it")
    return Ledger(url)


def cut_to(plan: ReleasePlan, allow: str, wave: str) -> ReleasePlan:
    """The Release engine's plan, limited to what the fleet allows this `up`."""
    if allow == SUBMIT_TOO:
        return plan
    if allow == HOLD:
        waiting = bool(plan.calls or plan.changes or plan.blocked)
        plan.calls, plan.changes, plan.warnings, plan.blocked = [], [], [], None  # the fleet plan says why
        if waiting:
            plan.warnings.append(f"held by the fleet ({wave}): no write in this `up`; the fleet plan says why")
        return plan
    if any(call.path in SUBMISSION_CALLS for call in plan.calls):
        # every call of a plan that submits serves that submission (a release waits for its audit)
        plan.calls = []
        plan.changes = [dataclasses.replace(change, after="unchanged: not submitted in this `up`")
                        for change in plan.changes]
        plan.warnings = [w for w in plan.warnings if "submit" not in w and "audit" not in w]
        plan.warnings.append(f"not submitted in this `up`: the fleet admitted no audit for it ({wave})")
    return plan


class FleetReleaseProvider(ReleaseProvider):
    """ReleaseProvider with the fleet's gate (see the module docstring)."""

    def normalize(self, spec: Any) -> Any:
        spec = dict(spec)
        gate = dict(spec.pop("fleet", None) or {})
        out = super().normalize(spec)
        if gate.get("allow") not in ALLOWS or not gate.get("platform"):
            raise RefusedError(f"spec.fleet must say platform and allow (one of {', '.join(ALLOWS)}), got {gate}")
        return {**out, "fleet": {"platform": str(gate["platform"]), "wave": str(gate.get("wave") or ""),
                                 "allow": str(gate["allow"]),
                                 "calls_per_second": float(gate.get("calls_per_second") or 0)}}

    def context(self, props: dict[str, Any]) -> Context:
        """The member's client waits for the platform's rate limiter (one per provider host)."""
        ctx = super().context(props)
        gate = (props.get("spec") or {}).get("fleet") or {}
        rate = float(gate.get("calls_per_second") or 0)
        if rate > 0 and gate.get("platform"):
            client = client_for(ctx.appid, ctx.credentials, ctx.settings)
            ctx.__dict__["client"] = Throttled(client, limiter_for(str(gate["platform"]), rate))
        return ctx

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = super().plan(ctx, desired, live, olds)
        assert isinstance(plan, ReleasePlan)
        gate = desired["fleet"]
        return cut_to(plan, gate["allow"], gate["wave"])

    # --- the ledger around the submission (the executor's hooks; see the module docstring) ----------
    def guard_submit(self, run: Run) -> bool:
        """The Release's re-read first (never a second audit of V); then the ledger's fence."""
        go = super().guard_submit(run)
        with open_ledger(run.ctx.settings) as ledger:
            if not go:  # V's audit exists already (a crash, another run): the reservation is spent
                live = {**(self.read_live(run.ctx) or {}), "history": []}
                self.settle(run, ledger, phase_of(self.version(run), live, run.olds).name)
                return False
            platform, runner = run.desired["fleet"]["platform"], runner_id()
            if ledger.claim(platform, self.version(run), run.ctx.appid, runner):
                return True
            refused = ledger.refused(platform)
            if refused:
                self.settle(run, ledger, COMMITTED)
                raise RefusedError(f"{run.ctx.appid} release: {self.version(run)} was not submitted: {refused}")
        raise RefusedError(
            f"{run.ctx.appid} release: {self.version(run)} was not submitted: its audit reservation in the fleet "
            "ledger is gone (it expired, or another run took it over). Run `pulumi up` again: it reserves "
            "afresh within the audit quota")

    def send(self, run: Run, call: ApiCall, args: Props) -> Props:
        """submit_audit's answer settles the reservation; a lost answer or a conflict is the executor's
        to settle by reading (`landed_submitted`)."""
        if call.path != SUBMIT:
            return super().send(run, call, args)
        try:
            answer = super().send(run, call, args)
        except UNSETTLED:
            raise
        except QuotaError as error:  # not this app's fault: a platform limit
            with open_ledger(run.ctx.settings) as ledger:
                if error.errcode == AUDIT_QUOTA_ERRCODE:  # admitted by the quota, refused all the same
                    ledger.back_off(run.desired["fleet"]["platform"], BACK_OFF_SECONDS, REFUSED_85085)
                self.settle(run, ledger, COMMITTED, f"submit_audit refused: {error.errcode} {_meaning(error)}")
            raise
        except APIError as error:  # WeChat refused this app's submission: its failure
            with open_ledger(run.ctx.settings) as ledger:
                self.settle(run, ledger, FAILED, f"submit_audit refused: {error.errcode} {_meaning(error)}")
            raise
        with open_ledger(run.ctx.settings) as ledger:
            self.settle(run, ledger, AUDITING)
        return answer

    def landed_submitted(self, run: Run, error: Exception) -> Props | None:
        answer = super().landed_submitted(run, error)
        if answer is not None or isinstance(error, ConflictError):
            with open_ledger(run.ctx.settings) as ledger:
                if answer is not None:
                    self.settle(run, ledger, AUDITING)
                else:  # another audit runs (85009): not this app's failure
                    self.settle(run, ledger, COMMITTED, f"submit_audit refused: {_errcode(error)}")
        return answer  # not landed after a lost answer: the reservation expires on its own

    def settle(self, run: Run, ledger: Ledger, phase: str, cause: str = "") -> None:
        ledger.settle(run.desired["fleet"]["platform"], self.version(run), run.ctx.appid, phase, cause, runner_id())


def _meaning(error: APIError) -> str:
    """The errcode's meaning from the client's table (the same for every app: it groups well)."""
    return (error.meaning or error.errmsg or "").rstrip(".")[:120]


def _errcode(error: Exception) -> str:
    return f"{error.errcode} {_meaning(error)}" if isinstance(error, APIError) else type(error).__name__


class FleetRelease(Release, module="wechat", name="Release"):
    """A fleet member's release (same type as Release: an app moves in and out of a fleet in place)."""

    provider_class = FleetReleaseProvider


def gate_input(platform: str, wave: str, allow: str, calls_per_second: float = 0.0) -> dict[str, Any]:
    return {"platform": platform, "wave": wave, "allow": allow, "calls_per_second": calls_per_second}


_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(platform: str, rate: float) -> RateLimiter:
    """The provider host's limiter for a platform: every member's calls in this host share it."""
    with _limiters_lock:
        return _limiters.setdefault((platform, rate), RateLimiter(rate))


__all__ = ["ALLOWS", "HOLD", "RELEASE_ONLY", "SUBMIT_TOO", "FleetRelease", "FleetReleaseProvider", "LedgerError",
           "cut_to", "gate_input", "open_ledger"]
