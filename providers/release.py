"""Release: version V of the code live for P% of users (P = 100: a full release).

Live read: `wxa/getversioninfo`, `wxa/get_latest_auditstatus`, `wxa/getgrayreleaseplan`, plus
`wxa/revertcoderelease?action=get_history_version` when V is not the live version and
`wxa/queryquota` when V may be submitted. The decision is the pure `release_phases.decide()`.
Writes: `wxa/commit`, `wxa/submit_audit`, `wxa/undocodeaudit`, `wxa/release`, `wxa/grayrelease`,
`wxa/revertgrayrelease`, `wxa/revertcoderelease`, in the plan's order.

Each `up` advances as far as it can and records where it stopped (outputs `phase`, `version`,
`auditid`, `gray_percentage`, `released_versions`); the next one resumes from the live state (the
outputs are hints: they may only make `up` refuse, never make it write). Commit and submission are
never repeated for a version: the executor re-reads the live state right before each and runs the
guards of `release_guards`, keeps the auditid `submit_audit` hands back, and settles a write whose
answer was lost (AmbiguousWriteError, errcode -1, an answer without errcode) by re-reading, never
by sending it again. Delete: forgets the resource; it never unpublishes anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from providers import release_domains
from providers import release_guards as guard
from providers._base import Context, Props, WeChatResource, WeChatResourceProvider
from providers._errors import RefusedError
from providers._plan import ManualStep, Plan
from providers._source import ext_json_string, template_for_source, upload_owner
from providers.audit_events import EventWatch
from providers.models import AuditSpec, ReleaseSpec
from providers.release_live import audit_of, audit_version
from providers.release_phases import (
    AFTER_APPROVAL,
    APPROVED,
    COMMIT,
    CONSOLE,
    DELAYED,
    DOMAINS,
    GRAY,
    HISTORY,
    IN_FLIGHT,
    PHASE_OF_STATUS,
    QUOTA,
    RECORDED_AUDIT,
    REJECTED,
    RELEASE,
    REVERT_GRAY,
    ROLLBACK,
    SUBMIT,
    UNDO,
    WITHDRAWN,
    ReleasePlan,
    decide,
    extra_reads,
    history_entries,
    quota_of,
    rejection_message,
    snapshot,
)
from wechat import AmbiguousWriteError, ConflictError, MiniProgramClient, NotFoundError, ServerBusyError

DEFAULT_POLL_SECONDS = 30.0  # stack config `auditPollSeconds` overrides it (tests use 1)
EVENT_FALLBACK_POLL_SECONDS = 120.0  # with audit events, WeChat is read on an event or this often


def latest_audit(client: MiniProgramClient) -> Props | None:
    """get_latest_auditstatus, or None when there has been no audit (errcode 85058)."""
    try:
        return client.get_latest_audit_status()
    except NotFoundError:
        return None


def read_domains(client: MiniProgramClient) -> Props:
    """What is in force now and after a release through the platform (release_domains.read)."""
    return release_domains.read(client.get_effective_domain(), client.get_effective_webview_domains())


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
    apply_without_calls = True  # outputs always record where the release stands (e.g. under audit)

    def read_live(self, ctx: Context) -> Props | None:
        client = ctx.client
        return snapshot(client.get_version_info(), latest_audit(client), client.get_gray_release_plan())

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """The reads only some phases need (`release_phases.extra_reads`): history, audit quota."""
        reads = extra_reads(desired, live, olds)
        extra: Props = {}
        if HISTORY in reads:
            extra["history"] = history_entries(ctx.client.get_history_versions())
        if QUOTA in reads:
            extra["quota"] = quota_of(ctx.client.query_quota())
        if DOMAINS in reads:
            extra["domains"] = read_domains(ctx.client)
        if RECORDED_AUDIT in reads:
            extra["recorded_audit"] = recorded_audit(ctx.client, (olds or {}).get("auditid"))
        return extra

    def normalize(self, spec: Any) -> Any:
        """The release block, plus what the program adds from the other specs (stack_inputs): the
        domains the spec declares, and where the platform's audit events are."""
        spec = dict(spec)
        added = {key: spec.pop(key, None) for key in ("declared_domains", "audit_events")}
        return {**super().normalize(spec), **{key: value for key, value in added.items() if value}}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        return decide(ctx.appid, desired, live, olds)

    def apply(
        self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None
    ) -> Props:
        assert isinstance(plan, ReleasePlan)
        events = desired.get("audit_events")
        watch = EventWatch(events, ctx.appid) if events and plan.wait_minutes else None
        return Executor(ctx, plan, desired, olds=olds, sleep=watch.sleep if watch else None,
                        events=watch is not None).run()


class Executor:
    """Runs a plan's calls in order; re-reads before commit, submit and withdraw; settles lost
    answers by re-reading; waits for the audit (up to wait_for_audit_minutes) before a release."""

    def __init__(
        self,
        ctx: Context,
        plan: ReleasePlan,
        desired: Props,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        olds: Props | None = None,
        events: bool = False,  # `sleep` wakes when an audit event arrives: WeChat is read less often
    ) -> None:
        self.ctx, self.plan, self.desired, self.olds, self.events = ctx, plan, desired, olds, events
        self.version = str(desired["version"])
        self.known: dict[int, str] = {}  # auditid -> version, as WeChat handed them back to this run
        self.record = plan.record()
        self.approved = plan.phase in ("approved", "released")
        self.sleep, self.clock = sleep or time.sleep, clock or time.monotonic
        self.steps: dict[str, Callable[[], None]] = {
            UNDO: self.withdraw, COMMIT: self.commit, SUBMIT: self.submit, REVERT_GRAY: self.revert_gray,
            ROLLBACK: self.rollback, RELEASE: self.release, GRAY: self.gray,
        }

    @property
    def client(self) -> MiniProgramClient:
        return self.ctx.client  # made on first use: owner mode may never need one

    def run(self) -> Props:
        if self.plan.owner_upload:
            self.upload_as_owner()
        for call in self.plan.calls:
            if call.path in AFTER_APPROVAL and not self.approved and not self.await_approval():
                break
            self.steps[call.path]()
        return self.record

    def say(self, text: str) -> None:
        print(f"{self.ctx.appid} release: {text}", flush=True)

    # --- reads ---------------------------------------------------------------------------------
    def fresh(self) -> Props:
        """getversioninfo + get_latest_auditstatus, read now (the guards' input)."""
        return snapshot(self.client.get_version_info(), latest_audit(self.client), None)

    def exp_version(self) -> str | None:
        return snapshot(self.client.get_version_info(), None, None)["exp_version"]

    def release_version(self) -> str | None:
        return snapshot(self.client.get_version_info(), None, None)["release_version"]

    def audit(self) -> Props | None:
        return self.fresh()["audit"]

    def of_v(self, live: Props) -> bool:
        """The latest audit in `live` is V's (from every source of evidence; see release_live)."""
        return audit_version(live, self.olds, self.known) == self.version

    def audits_by_id(self, exclude: int | None) -> dict[int, Props]:
        """wxa/get_auditstatus for V's audits this tool knows (other than `exclude`, the latest)."""
        found: dict[int, Props] = {}
        for auditid in guard.known_auditids(self.version, self.known, self.olds):
            if auditid == exclude:
                continue
            try:
                found[auditid] = audit_of(self.client.get_audit_status(auditid))
            except NotFoundError:
                continue  # 85012: WeChat knows no such audit (any more)
        return found

    def gray_percentage(self) -> int | None:
        gray = snapshot({}, None, self.client.get_gray_release_plan())["gray"]
        return None if gray is None else int(gray["percentage"])

    # --- a write whose answer may be lost ------------------------------------------------------
    def write(self, path: str, send: Callable[[], Any], landed: Callable[[], bool]) -> None:
        """Send once. If the answer is lost (or WeChat reports a conflict), re-read: if the live
        state shows the write took effect, carry on; otherwise stop without sending it again."""
        try:
            send()
        except (AmbiguousWriteError, ServerBusyError) as error:
            if landed():
                self.say(f"{path}: the answer was lost, but the live state shows the call took effect")
                return
            raise RefusedError(
                f"{self.ctx.appid} release: {path}: {error} The live state shows it did not take effect, "
                "and it was not sent again. Run `pulumi up` again: it re-reads the live state and does "
                "only what is missing."
            ) from None
        except ConflictError:
            if landed():
                self.say(f"{path}: already done (the live state shows it)")
                return
            raise

    # --- steps ---------------------------------------------------------------------------------
    def upload_as_owner(self) -> None:
        """Owner credentials: upload the folder as a development version (the rest is manual)."""
        try:
            result = upload_owner(self.ctx, self.desired)
        except RefusedError as error:  # owner mode is manual anyway: say so rather than fail
            path = self.desired["source"].get("path")
            self.plan.manual.insert(0, ManualStep(f"upload {path} as {self.version} with miniprogram-ci",
                                                  f"the automatic upload did not run: {error}"))
            self.say(f"{self.version} was not uploaded: {error}")
            return
        if result.get("uploaded"):
            self.record["uploaded_version"] = self.version
            self.say(f"uploaded {self.version} with miniprogram-ci as a development version")
        else:
            self.say(f"{self.version} was not uploaded: {result.get('message') or result.get('status')}")

    def withdraw(self) -> None:
        live = self.fresh()
        audit = live["audit"]
        if audit is None or audit["status"] not in IN_FLIGHT or audit_version(live, self.olds, self.known) is None \
                or self.of_v(live):
            self.say("the other audit has ended meanwhile: nothing to withdraw")
            return
        self.say(f"WITHDRAWING the audit {audit['auditid']} of {audit.get('version') or 'another version'}")

        def withdrawn() -> bool:
            again = self.audit()
            return again is not None and again["auditid"] == audit["auditid"] and again["status"] == WITHDRAWN

        self.write(UNDO, self.client.undo_audit, withdrawn)

    def commit(self) -> None:
        if guard.v_is_the_experience_version(self.fresh(), self.version):
            self.say(f"{self.version} is already the experience version: not committing it again")
            return
        template_id = template_for_source(self.ctx, self.desired)
        ext_json = ext_json_string(self.desired)
        description = str(self.desired.get("description") or "")
        self.write(COMMIT, lambda: self.client.commit(template_id, ext_json, self.version, description),
                   lambda: self.exp_version() == self.version)
        self.record.update(phase="committed", auditid=None)
        self.say(f"committed {self.version} (template {template_id}) as the experience version")

    def submit(self) -> None:
        live = self.fresh()
        done = guard.v_already_submitted(self.ctx.appid, live, self.version, self.known, self.olds)
        if done is not None:
            self.say(f"{self.version} is already submitted (audit {done['auditid']}): not submitting again")
            self.note_audit(done)
            return
        latest = live["audit"]["auditid"] if live["audit"] else None
        guard.v_superseded(self.ctx.appid, self.version, self.audits_by_id(exclude=latest))
        guard.exp_is_v(self.ctx.appid, live, self.version)
        quota = quota_of(self.client.query_quota())
        if quota["rest"] is not None and quota["rest"] <= 0:
            raise RefusedError(
                f"{self.ctx.appid} release: the platform's monthly audit quota is spent "
                f"(0 of {quota['limit']} left): {self.version} was not submitted"
            )
        fields = AuditSpec.model_validate(self.desired.get("audit") or {}).to_wire()
        answer: dict[str, int] = {}

        def send() -> None:
            answer["auditid"] = self.client.submit_audit(**fields)
            self.known[answer["auditid"]] = self.version  # kept at once: the only proof when user_version is absent

        def landed() -> bool:
            after = self.fresh()
            if not guard.new_audit_appeared(live["audit"], after):
                return False
            self.known[after["audit"]["auditid"]] = self.version  # exp was V right before: it is V's
            return True

        self.write(SUBMIT, send, landed)
        audit = self.submitted_audit(answer.get("auditid"))
        self.note_audit(audit)
        left = f"{max(quota['rest'] - 1, 0)} of {quota['limit']}" if quota["rest"] is not None else "unknown"
        self.say(f"submitted {self.version} for audit {audit['auditid']} ({left} monthly audits left)")

    def submitted_audit(self, auditid: int | None) -> Props:
        """The audit just submitted: the latest one if it is V's, else by its id (get_auditstatus)."""
        live = self.fresh()
        audit = live["audit"]
        if audit is not None and self.of_v(live) and (auditid is None or audit["auditid"] == auditid):
            return dict(audit)
        if auditid is not None:
            return {**audit_of(self.client.get_audit_status(auditid)), "auditid": auditid, "version": self.version}
        raise RefusedError(f"{self.ctx.appid} release: {self.version} was submitted, but no audit of it shows; "
                           "run `pulumi up` again: it re-reads and never submits it twice")

    def note_audit(self, audit: Props) -> None:
        phase = PHASE_OF_STATUS.get(audit["status"], "auditing")
        self.record.update(phase=phase, auditid=audit["auditid"])
        self.approved = audit["status"] == APPROVED

    def await_approval(self) -> bool:
        """Poll the audit of V until it passes (True), fails (raise) or the wait is over (False)."""
        minutes = self.plan.wait_minutes
        deadline = self.clock() + minutes * 60
        poll = poll_seconds(self.ctx, self.events)
        while True:
            live = self.fresh()
            audit = live["audit"]
            if audit is None or not self.of_v(live):
                raise RefusedError(
                    f"{self.ctx.appid} release: the latest audit is no longer of {self.version}; "
                    "run `pulumi up` again to see where it stands"
                )
            self.note_audit(audit)
            if audit["status"] == APPROVED:
                self.say(f"audit {audit['auditid']} of {self.version} passed")
                return True
            if audit["status"] == REJECTED:
                why = rejection_message(self.version, audit["auditid"], audit["reason"], audit["screenshots"])
                raise RefusedError(f"{self.ctx.appid} release: {why}")
            if audit["status"] == WITHDRAWN:
                raise RefusedError(
                    f"{self.ctx.appid} release: the audit {audit['auditid']} of {self.version} was withdrawn "
                    "outside Pulumi; run `pulumi up` again to submit it again"
                )
            left = deadline - self.clock()
            state = "under review" if audit["status"] != DELAYED else f"delayed by WeChat: {audit['reason']}"
            what = f"audit {audit['auditid']} of {self.version}"
            if left <= 0:
                self.say(f"{what} is still {state} after {minutes} min")
                self.say("stopping here; the next `pulumi up` resumes from this point")
                return False
            self.say(f"waiting for {what}: {state} ({left / 60:.1f} min left)")
            self.sleep(min(poll, left))

    def domains_survive(self) -> None:
        guard.declared_domains_survive(self.ctx.appid, self.version, self.desired, read_domains(self.client))

    def release(self) -> None:
        guard.latest_approved_is_v(self.ctx.appid, self.fresh(), self.version, self.known, self.olds)
        self.domains_survive()
        self.write(RELEASE, self.client.release, lambda: self.release_version() == self.version)
        self.record.update(phase="released", gray_percentage=100)
        self.say(f"released {self.version} to every user")

    def gray(self) -> None:
        rollout = self.desired["rollout"]
        target = int(rollout["gray_percentage"])

        def send() -> Any:
            return self.client.gray_release(
                target, support_debuger_first=bool(rollout.get("support_debuger_first")),
                support_experiencer_first=bool(rollout.get("support_experiencer_first")),
            )

        def landed() -> bool:
            if target == 100 and self.release_version() == self.version:
                return True
            return self.gray_percentage() == target

        guard.latest_approved_is_v(self.ctx.appid, self.fresh(), self.version, self.known, self.olds)
        self.domains_survive()
        self.write(GRAY, send, landed)
        self.record.update(phase="released", gray_percentage=target)
        self.say(f"{self.version} is live for {target}% of users")

    def revert_gray(self) -> None:
        self.write(REVERT_GRAY, self.client.revert_gray_release, lambda: self.gray_percentage() is None)
        if self.record.get("phase") == "released" and self.record.get("gray_percentage") != 100:
            self.record.update(phase="approved", gray_percentage=None)  # V is no longer live for anyone
        self.say("CANCELLED the running gray rollout")

    def rollback(self) -> None:
        target = self.plan.rollback_to
        self.domains_survive()
        self.say(f"ROLLING BACK to {self.version} (app_version {target})")
        self.write(ROLLBACK, lambda: self.client.revert_code_release(target),
                   lambda: self.release_version() == self.version)
        self.record.update(phase="released", gray_percentage=100, auditid=None)


def poll_seconds(ctx: Context, events: bool = False) -> float:
    """How often a waiting `up` reads the audit; with audit events, a slow fallback (an event wakes it)."""
    raw = ctx.settings.lookup("auditPollSeconds")
    try:
        poll = max(float(raw), 0.1) if raw else DEFAULT_POLL_SECONDS
    except ValueError:
        poll = DEFAULT_POLL_SECONDS
    return max(poll, EVENT_FALLBACK_POLL_SECONDS) if events else poll


class Release(WeChatResource, module="wechat", name="Release"):
    """The mini-program's target release, advanced one `pulumi up` at a time."""

    provider_class = ReleaseProvider
    extra_outputs = ("version", "phase", "gray_percentage", "auditid")  # where it stands (Plan.record)
