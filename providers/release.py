"""Release: version V of the code live for P% of users (P = 100: a full release).

Live read: `wxa/getversioninfo`, `wxa/get_latest_auditstatus`, `wxa/getgrayreleaseplan`, plus
`wxa/revertcoderelease?action=get_history_version` when V is not the live version, `wxa/queryquota`
when V may be submitted, the effective domains before a release, and the platform's template library
when a commit may follow (which code ships: `release_source`). The plan is the pure
`release_phases.decide()`: its calls carry their arguments, and the base's executor sends them in
order, nothing else: `wxa/undocodeaudit`, for a source folder `miniprogram-ci:upload` and
`wxa/addtotemplate` (this provider's `send` routes them), `wxa/commit`, `wxa/submit_audit`,
`wxa/release` or `wxa/grayrelease`, `wxa/revertgrayrelease`, `wxa/revertcoderelease`.

Right before a write that must not be repeated, a guard re-reads (`guard_*`, with the pure checks of
`release_guards`): commit only if V is not the experience version; submit only if no audit of V
exists or replaced it, the experience version is V and the quota is not spent; release or gray-release
only once V's audit passed (waiting up to wait_for_audit_minutes: when the wait ends first, the run
stops short, records where it stands, and the runner exits non-zero), V's is the latest approved audit,
and no declared domain is dropped. A write whose answer was lost (AmbiguousWriteError, errcode -1, an
answer without errcode) or answered as a conflict is settled by reading (`landed_*`), never by sending
it again. Each `up` records where V stands (outputs `phase`, `version`, `auditid`, `gray_percentage`,
`released_versions`, `uploaded_version`): hints for the next run, which may only make it refuse or skip
a write. Delete: forgets the resource; it never unpublishes anything.
"""

from __future__ import annotations

import time
from typing import Any

from providers import _events, _preflight_reads, release_domains, release_quota
from providers import release_guards as guard
from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider
from providers._errors import RefusedError
from providers._executor import Run, Stop, resolve
from providers._plan import ApiCall, Plan
from providers._preflight_reads import latest_audit
from providers._source import upload_owner
from providers.audit_events import EventWatch
from providers.models import ReleaseSpec
from providers.release_live import (
    APPROVED,
    DELAYED,
    IN_FLIGHT,
    REJECTED,
    WITHDRAWN,
    audit_of,
    audit_version,
    history_entries,
    phase_of,
    snapshot,
)
from providers.release_phases import decide, extra_reads
from providers.release_plan import (
    CONSOLE,
    DOMAINS,
    GRAY,
    HISTORY,
    OWN_UPLOAD,
    QUOTA,
    RECORDED_AUDIT,
    RELEASE,
    SOURCE,
    SUBMIT,
    ReleasePlan,
    rejection_message,
)
from providers.release_source import ADD_TO_TEMPLATE, UPLOAD, landed_template, send_step, source_state
from wechat import MiniProgramClient, NotFoundError

DEFAULT_POLL_SECONDS = 30.0  # stack config `auditPollSeconds` overrides it (tests use 1)
EVENT_FALLBACK_POLL_SECONDS = 120.0  # with audit events, WeChat is read on an event or this often


def read_domains(ctx: Context) -> Props:
    """What is in force now and after a release through the platform (release_domains.read); in
    diff(), preflight's answers of this run (`_preflight_reads`), else read now."""
    return release_domains.read(*_preflight_reads.read_together(ctx, "get_effective_domain",
                                                                "get_effective_webviewdomain"))


def recorded_audit(client: MiniProgramClient, auditid: Any) -> Props | None:
    """get_auditstatus of the audit the last `up` recorded for V; None when WeChat knows it no more (85012)."""
    try:
        return {**audit_of(client.get_audit_status(int(auditid))), "auditid": int(auditid)}
    except NotFoundError:
        return None


class ReleaseProvider(WeChatResourceProvider):
    kind = "release"
    spec_model = ReleaseSpec
    console_path = CONSOLE
    plans_from_diff = True  # every write that must not be repeated re-reads right before it (guard_*)

    def read_live(self, ctx: Context) -> Props | None:
        """getversioninfo, get_latest_auditstatus (in diff(), preflight's answers of this run, when it read
        them: `_preflight_reads`) and getgrayreleaseplan."""
        info, audit = _preflight_reads.read_together(ctx, "getversioninfo", "get_latest_auditstatus")
        return snapshot(info, audit, ctx.client.get_gray_release_plan())

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """The reads only some phases need (`release_phases.extra_reads`): history, audit quota,
        domains, the recorded audit, and which template a commit would ship."""
        reads = extra_reads(desired, live, olds)
        extra: Props = {}
        if HISTORY in reads:
            extra["history"] = history_entries(_preflight_reads.read(ctx, "get_history_version"))
        if QUOTA in reads:
            extra["quota"] = release_quota.figure(ctx)  # once per platform per `up` (release_quota)
        if DOMAINS in reads:
            extra["domains"] = read_domains(ctx)
        if RECORDED_AUDIT in reads:
            extra["recorded_audit"] = recorded_audit(ctx.client, (olds or {}).get("auditid"))
        if SOURCE in reads and ctx.mode == "platform":
            extra["source"] = source_state(ctx, desired)
        return extra

    def normalize(self, spec: Any) -> Any:
        """The release block, plus what the program adds from the other specs (stack_inputs): the
        domains the spec declares, and where the platform's audit events are."""
        spec = dict(spec)
        added = {key: spec.pop(key, None) for key in ("declared_domains", "audit_events")}
        return {**super().normalize(spec), **{key: value for key, value in added.items() if value}}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        return decide(ctx.appid, desired, live, olds)

    def reuses(self, plan: Plan) -> bool:
        """update() sends the plan diff() made unless it makes a template (a miniprogram-ci upload and
        addtotemplate carry no guard: another app of the fleet may have made it since; read again)."""
        return not any(call.path in (UPLOAD, ADD_TO_TEMPLATE, OWN_UPLOAD) for call in plan.calls)

    def send(self, run: Run, call: ApiCall, args: Props) -> Props:
        """Steps that are not WeChat API calls: the miniprogram-ci uploads and the platform's template
        library (component token); every other call goes through the mini-program's client."""
        if call.path in (UPLOAD, ADD_TO_TEMPLATE):
            return send_step(run.ctx, call, args)
        if call.path == OWN_UPLOAD:
            result = upload_owner(run.ctx, {"version": args["version"], "description": args["desc"],
                                            "source": {"path": args["project"]}})
            if not result.get("uploaded"):
                self.say(run, f"{args['version']} was not uploaded: {result.get('message') or result.get('status')}")
            return result
        return super().send(run, call, args)

    # --- reads right before a write (guards) and after a lost answer (landed) ----------------------
    def fresh(self, run: Run) -> Props:
        """getversioninfo + get_latest_auditstatus, read now."""
        return snapshot(run.ctx.client.get_version_info(), latest_audit(run.ctx.client), None)

    def gray_percentage(self, run: Run) -> int | None:
        gray = snapshot({}, None, run.ctx.client.get_gray_release_plan())["gray"]
        return None if gray is None else int(gray["percentage"])

    def known(self, run: Run) -> dict[int, str]:
        """auditid -> version, as WeChat handed them back to this run's submit_audit."""
        version = self.version(run)
        return {int(answer["auditid"]): version for call, answer in zip(run.plan.calls, run.answers, strict=False)
                if call.path == SUBMIT and answer.get("auditid") is not None}

    def version(self, run: Run) -> str:
        return str(getattr(run.plan, "version", ""))

    def say(self, run: Run, text: str) -> None:
        _events.say(run.ctx.appid, self.kind, text)

    def guard_withdraw(self, run: Run) -> bool:
        """Withdraw only while another version's audit is still running."""
        live = self.fresh(run)
        audit = live["audit"]
        of = audit_version(live, run.olds, self.known(run))
        running = audit is not None and audit["status"] in IN_FLIGHT and of is not None and of != self.version(run)
        if running:
            self.say(run, f"WITHDRAWING the audit {audit['auditid']} of {of}")
            self.before_write(run, live)
        return running

    def landed_withdrawn(self, run: Run, error: Exception) -> Props | None:
        before, after = (run.live or {}).get("audit") or {}, self.fresh(run)["audit"] or {}
        return {} if after.get("auditid") == before.get("auditid") and after.get("status") == WITHDRAWN else None

    def guard_commit(self, run: Run) -> bool:
        """Commit only if V is not the experience version already (a crash, another run)."""
        return not guard.v_is_the_experience_version(self.fresh(run), self.version(run))

    def landed_committed(self, run: Run, error: Exception) -> Props | None:
        return {} if self.fresh(run)["exp_version"] == self.version(run) else None

    def guard_submit(self, run: Run) -> bool:
        """Never a second audit of V: not when V's audit exists, not when a later audit replaced it,
        not when the experience version is no longer V; and not with the monthly quota spent."""
        appid, version, live = run.ctx.appid, self.version(run), self.fresh(run)
        done = guard.v_already_submitted(appid, live, version, self.known(run), run.olds)
        if done is not None:
            self.say(run, f"{version} is already submitted (audit {done['auditid']}): not submitting again")
            return False
        latest = live["audit"]["auditid"] if live["audit"] else None
        guard.v_superseded(appid, version, self.audits_by_id(run, exclude=latest))
        guard.exp_is_v(appid, live, version)
        left, quota = release_quota.spend(run.ctx)  # the platform's figure, counted down by this host
        if not left:
            raise RefusedError(f"{appid} release: the platform's monthly audit quota is spent "
                               f"(0 of {quota['limit']} left): {version} was not submitted")
        self.before_write(run, live)
        return True

    def before_write(self, run: Run, live: Props) -> None:
        """The latest audit a guard read right before its write: what a lost answer's landed_* read
        compares with (the plan's live state may be diff()'s, older, when update() reuses it)."""
        run.live = {**(run.live or {}), "audit": live["audit"]}

    def landed_submitted(self, run: Run, error: Exception) -> Props | None:
        after = self.fresh(run)
        if not guard.new_audit_appeared((run.live or {}).get("audit"), after):
            return None
        return {"auditid": after["audit"]["auditid"]}  # the experience version was V right before: V's

    def audits_by_id(self, run: Run, exclude: int | None) -> dict[int, Props]:
        """wxa/get_auditstatus for V's audits this tool knows (other than `exclude`, the latest)."""
        found: dict[int, Props] = {}
        for auditid in guard.known_auditids(self.version(run), self.known(run), run.olds):
            if auditid == exclude:
                continue
            try:
                found[auditid] = audit_of(run.ctx.client.get_audit_status(auditid))
            except NotFoundError:
                continue  # 85012: WeChat knows no such audit (any more)
        return found

    def guard_release(self, run: Run) -> bool:
        """release / grayrelease: V's audit must have passed (waiting for it up to wait_for_audit_minutes),
        be the latest approved one (WeChat releases that), and no declared domain may be dropped."""
        if getattr(run.plan, "phase", "") not in ("approved", "released"):
            live = self.await_approval(run)  # submitted by this run, or under audit when the plan was made
        else:
            live = self.fresh(run)
        guard.latest_approved_is_v(run.ctx.appid, live, self.version(run), self.known(run), run.olds)
        self.domains_survive(run)
        return True

    def landed_released(self, run: Run, error: Exception) -> Props | None:
        return {} if self.fresh(run)["release_version"] == self.version(run) else None

    def landed_gray(self, run: Run, error: Exception) -> Props | None:
        target = int(run.call.args["gray_percentage"])
        if target == 100 and self.fresh(run)["release_version"] == self.version(run):
            return {}
        return {} if self.gray_percentage(run) == target else None

    def landed_gray_cancelled(self, run: Run, error: Exception) -> Props | None:
        return {} if self.gray_percentage(run) is None else None

    def guard_rollback(self, run: Run) -> bool:
        """Roll back only if V is not live already (the plan may be diff()'s), and no declared domain goes."""
        if self.fresh(run)["release_version"] == self.version(run):
            return False
        self.say(run, f"ROLLING BACK to {self.version(run)}")
        self.domains_survive(run)
        return True

    def landed_rolled_back(self, run: Run, error: Exception) -> Props | None:
        return {} if self.fresh(run)["release_version"] == self.version(run) else None

    def landed_template(self, run: Run, error: Exception) -> Props | None:
        return landed_template(run.ctx, resolve(run.call.args, run.answers))

    def domains_survive(self, run: Run) -> None:
        guard.declared_domains_survive(run.ctx.appid, self.version(run), run.desired, read_domains(run.ctx))

    def await_approval(self, run: Run) -> Props:
        """Poll the audit of V until it passes (returns the live state that shows it), fails
        (RefusedError), or the wait is over (Stop: this `up` ends short of the target and exits
        non-zero; the next resumes)."""
        minutes = int(getattr(run.plan, "wait_minutes", 0))
        events = run.desired.get("audit_events")
        watch = EventWatch(events, run.ctx.appid) if events else None  # an event wakes the wait early
        sleep = watch.sleep if watch else time.sleep
        deadline, version = time.monotonic() + minutes * 60, self.version(run)
        poll = poll_seconds(run.ctx, watch is not None)
        while True:
            live = self.fresh(run)
            audit = live["audit"]
            if audit is None or audit_version(live, run.olds, self.known(run)) != version:
                raise RefusedError(f"{run.ctx.appid} release: the latest audit is no longer of {version}; "
                                   "run `pulumi up` again to see where it stands")
            if audit["status"] == APPROVED:
                return live
            if audit["status"] == REJECTED:
                why = rejection_message(version, audit["auditid"], audit["reason"], audit["screenshots"])
                raise RefusedError(f"{run.ctx.appid} release: {why}")
            if audit["status"] == WITHDRAWN:
                raise RefusedError(f"{run.ctx.appid} release: the audit {audit['auditid']} of {version} was withdrawn "
                                   "outside Pulumi; run `pulumi up` again to submit it again")
            left = deadline - time.monotonic()
            state = "under review" if audit["status"] != DELAYED else f"delayed by WeChat: {audit['reason']}"
            what = f"audit {audit['auditid']} of {version}"
            if left <= 0:
                raise Stop(f"{what} is still {state} after {minutes} min: not released yet; "
                           "the next `pulumi up` resumes from here")
            self.say(run, f"waiting for {what}: {state} ({left / 60:.1f} min left)")
            sleep(min(poll, left))

    def record(self, run: Run, desired: Props, olds: Props | None) -> Props:
        """Where V stands after this run (from WeChat's answers, or a fresh read: `reached`): phase, auditid, gray
        percentage, the versions seen live, the version uploaded in owner mode. Hints for the next run."""
        plan = run.plan
        record = plan.record() if isinstance(plan, ReleasePlan) else {}
        for call, answer in zip(plan.calls, run.answers, strict=False):
            if call.path == OWN_UPLOAD and answer.get("uploaded"):
                record["uploaded_version"] = self.version(run)
        if any(call.path.startswith("/") for call in plan.calls[: len(run.answers)]):
            known = self.known(run)
            hint = {**(olds or {}), "version": self.version(run), "auditid": next(iter(known), record.get("auditid"))}
            hint.update(self.gray_in_effect(run))
            reached = self.reached(run)
            if reached is not None:
                record.update(phase=reached[0], auditid=hint["auditid"], gray_percentage=reached[1])
                return record
            live = {**(self.read_live(run.ctx) or {}), "history": []}
            phase = phase_of(self.version(run), live, hint)
            # a released phase names no audit: keep the one this run submitted or the plan knew
            auditid = phase.auditid if phase.auditid is not None else hint["auditid"]
            record.update(phase=phase.name, auditid=auditid, gray_percentage=phase.percentage)
        return record

    def gray_in_effect(self, run: Run) -> Props:
        """V's gray rollout as this run left it (its grayrelease answered, or shown in effect by a read after a
        lost answer), as the hint for reading the live gray plan: WeChat's answers alone cannot tell V's plan
        from an earlier version's when it started in the second V's audit was submitted
        (release_live.gray_started_after_the_audit)."""
        done = [call for call in run.plan.calls[: len(run.answers)] if call.path == GRAY]
        if not done:
            return {}
        return {"phase": "released", "gray_percentage": int(done[-1].args["gray_percentage"])}

    def reached(self, run: Run) -> tuple[str, int | None] | None:
        """(phase, gray percentage) that WeChat's answers tell without reading again: every planned call
        was sent and answered, and the last is a submit_audit (auditing: WeChat handed back its auditid),
        a release (released to everyone) or a grayrelease (released to its percentage). None: read
        (a call skipped or settled by reading, a run stopped short, or another last call)."""
        calls = run.plan.calls
        if not calls or run.acknowledged != set(range(len(calls))):
            return None
        last = calls[-1]
        if last.path == SUBMIT:
            return "auditing", None
        if last.path == RELEASE:
            return "released", 100
        if last.path == GRAY:
            return "released", int(last.args["gray_percentage"])
        return None


def poll_seconds(ctx: Context, events: bool = False) -> float:
    """How often a waiting `up` reads the audit; with audit events, a slow fallback (an event wakes it)."""
    raw = ctx.settings.lookup("auditPollSeconds")
    try:
        poll = max(float(raw), 0.1) if raw else DEFAULT_POLL_SECONDS
    except ValueError:
        poll = DEFAULT_POLL_SECONDS
    return max(poll, EVENT_FALLBACK_POLL_SECONDS) if events else poll


def adopt(ctx: Context) -> Adopted:
    """Never a block (a release block names the next version to ship): the live and experience versions."""
    versions = ctx.client.get_version_info()
    live = (versions.get("release_info") or {}).get("release_version") or "none"
    experience = (versions.get("exp_info") or {}).get("exp_version") or "none"
    return None, [f"release: not adopted: live version {live}, experience version {experience}; add a release "
                  "block (see specs/demo-shop.yaml) to manage the next version"]


class Release(WeChatResource, module="wechat", name="Release"):
    """The mini-program's target release, advanced one `pulumi up` at a time."""

    provider_class = ReleaseProvider
    extra_outputs = ("version", "phase", "gray_percentage", "auditid")  # where it stands (Plan.record)
