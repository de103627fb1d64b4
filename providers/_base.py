"""The rhythm every resource follows: configure, check, diff, create, read, update, delete.

The provider contract. A resource module sets `kind` (its spec block), `spec_model`, `console_path`
and, where they differ from the defaults, `platform_only`, `owner_can_read`, `has_api`, `plans_from_diff`;
it writes these hooks, and nothing else of the base (tests/unit/providers/test_registry.py checks it):
- `read_live(ctx)`: the live state by read-only calls, every field read as optional.
- `plan(ctx, desired, live, olds)`: pure; its `ApiCall`s, with their args, are exactly what `up` sends.
- `read_more(ctx, desired, live, olds)`: optional; the reads only some plans need, merged into live.
- `record(run, desired, olds)`: optional; the outputs to keep from WeChat's answers (`run.answers`).
- `plan_delete(outs)`: optional; pure, from the last outputs: what deleting the resource writes.
- `normalize(spec)`: optional; the block validated into the form `plan()` reads, once per engine call.
- `send(run, call, args)`: optional; routes a planned step that is not a WeChat API call.
- `explain(run, error)`: optional; a WeChat error in the words of this resource.
- `guard_<name>(run)` / `landed_<name>(run, error)`: reads a planned call names (`providers._plan.ApiCall`).
- `reuses(plan)`: optional, with `plans_from_diff`; True only if every call of this plan, made from
  diff()'s read earlier in the same `up`, is safe to send on it: each write that must not be repeated
  has a guard that reads right before it, and the rest are idempotent (default False: update() reads).
`live` is None when these credentials cannot read (every plan then says "unknown", never guesses);
`olds` is None on create, and `olds["spec"]` is what the last `up` applied, which tells drift.
Old outputs reach the hooks with their whole numbers as ints (`whole_numbers`, the one repair).

`up` = `converge()`: read the live state (or take diff()'s, where `reuses` allows), plan, refuse if
the plan is blocked (or differs from a reviewed plan file), then `execute()` the plan's calls in order
through one client entry point, settling a lost answer by reading (never by sending again). diff()
computes the same plan, so drift made in the console shows in `pulumi preview` without a refresh;
manual steps alone never make `up` "update" anything.

Owner credentials (`mode: owner`) write nothing for `platform_only` resources: each planned call
becomes a manual step, the changes say this `up` does not reach them, and nothing is called drift
(Pulumi never wrote it). What they cannot read is planned against "unknown", never against the
last spec, so the steps stay in every plan until WeChat shows them done.

Inputs are `{appid, credentials, spec}`. Outputs echo them (the engine hands old *outputs* to
diff/update) plus `live` (last observed live state) and `manual_steps`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pydantic import BaseModel, ValidationError

from providers import _events, _observed, _prefetch, _rotation
from providers._context import Context
from providers._errors import USER_FACING, RefusedError, install_clean_errors
from providers._executor import Answers, Run, check_reviewed, execute
from providers._host import watch_engine
from providers._pickler import unwrap_pickler
from providers._plan import UNKNOWN, ApiCall, Change, ManualStep, Plan
from providers._settings import Settings
from providers.models import problems_from_validation_error
from wechat import APIError

Props = dict[str, Any]
Adopted = tuple[Any, list[str]]  # adoption: (the block as spec data, or None), comment lines for the spec


NEEDS_PLATFORM = (
    "owner credentials cannot do this: WeChat allows it only to an authorized third-party platform "
    "(errcode 48001 otherwise)"
)
MANUAL = "unchanged (a manual step)"


class WeChatResourceProvider(ResourceProvider):
    kind: ClassVar[str]  # the spec block this resource manages, e.g. "server_domains"
    spec_model: ClassVar[type[BaseModel]]
    console_path: ClassVar[str] = "mp.weixin.qq.com"  # where a person does it by hand
    platform_only: ClassVar[bool] = True  # writes need an authorizer_access_token
    owner_can_read: ClassVar[bool] = False  # reads work with the mini-program's own token
    plans_from_diff: ClassVar[bool] = False  # diff() keeps its read for update(), if `reuses(plan)`
    has_api: ClassVar[bool] = True  # False: WeChat has no API for it at all (no read, no write, no token)

    _settings: Settings | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {}  # the pickled provider carries no settings, secrets or clients

    # --- hooks -------------------------------------------------------------------------------
    def read_live(self, ctx: Context) -> dict[str, Any] | None:
        raise NotImplementedError

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        raise NotImplementedError

    def record(self, run: Run, desired: Props, olds: Props | None) -> Props:
        """Outputs to keep from what `up` did (`run.answers`); they carry over to later runs. None by default."""
        return {}

    def read_more(self, ctx: Context, desired: Props, live: Props, olds: Props | None) -> Props:
        """Live fields only some plans need (e.g. the category tree before adding one); none by default."""
        return {}

    def plan_delete(self, outs: Props) -> Plan:
        """What deleting the resource writes, from its last outputs alone (pure). Default: nothing,
        the resource is forgotten and WeChat keeps what it has."""
        return Plan(self.kind, str(outs.get("appid")))

    # --- rhythm ------------------------------------------------------------------------------
    def configure(self, req: ConfigureRequest) -> None:
        install_clean_errors()
        watch_engine()
        self._settings = Settings.from_config(req.config._props)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        try:
            spec = self.normalize(news.get("spec"))
        except ValidationError as error:
            problems = problems_from_validation_error(error, None, prefix=("spec",))
            failures = [CheckFailure(problem.path or "spec", problem.message) for problem in problems]
            return CheckResult(news, failures)
        if not olds:
            self.show_creation_plan({**news, "spec": spec})
        else:
            self.remember_refresh_token(news, olds)
            self.prefetch({**news, "spec": spec})
        return CheckResult({**news, "spec": spec}, [])

    def prefetch(self, props: Props) -> None:
        """Start the live read diff() will want (`providers._prefetch`), when these credentials can read."""
        try:
            ctx = self.planning_context(props)
        except RefusedError:
            return
        if self.readable(ctx):
            _prefetch.start(self, props, lambda: self.read_live(ctx))

    def show_creation_plan(self, props: Props) -> None:
        """Report what creating this resource will do against the live state.

        The engine never calls diff() for a resource it is about to create, so without this a
        first preview (say, adopting a mini-program already set up in the console) would show
        the inputs but not the calls, the removals, or the manual steps they imply.
        """
        try:
            plan, _live = self.observe(self.planning_context(props), props, None, props["spec"])  # normalized
        except USER_FACING as error:
            self.cannot_read(props, error)
            return
        _events.planned(plan, "create")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["appid"] if olds.get("appid") != news.get("appid") else []
        ctx = self.planning_context(news)
        _rotation.offer_recorded(ctx, olds)
        ctx.prefetched = _prefetch.take(self, news)
        desired = self.normalize(news["spec"])
        try:
            plan, _live = self.observe(ctx, news, olds, desired)
        except USER_FACING as error:
            # reported, not raised: a preview goes on to show every other resource, and `up` runs
            # update(), which reads again and fails this resource alone if it still cannot
            self.cannot_read(news, error)
            return DiffResult(changes=True, replaces=replaces)
        _events.planned(plan, "update")
        if self.plans_from_diff and _live is not None and plan.calls:
            _observed.remember(self.kind, news, olds, _live)
        # a spec edit that live state already matches still updates what state records
        recorded_changed = (whole_numbers(olds.get("spec")), olds.get("credentials")) != (desired, news["credentials"])
        # manual steps alone change nothing `up` can do: no update (a blocked plan updates, to refuse);
        # a rotated refresh token the state does not hold yet is recorded by an update
        changed = bool(plan.calls or plan.blocked) or recorded_changed or bool(replaces) \
            or _rotation.needs_recording(ctx, olds)
        return DiffResult(changes=changed, replaces=replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['appid']}/{self.kind}", outs=self.converge(props, None))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.remember_refresh_token(news, olds)
        return UpdateResult(outs=self.converge(news, olds))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        ctx = self.context(props)
        _rotation.offer_recorded(ctx, props)
        outs = {key: value for key, value in props.items() if key != "__provider"}
        live = self.read_live(ctx) if self.readable(ctx) else None
        if live is not None:
            outs["live"] = live
        return ReadResult(id_, {**outs, **_rotation.outputs(ctx)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ctx = self.context(props)
        _rotation.offer_recorded(ctx, props)
        plan = self.plan_delete(props)
        if plan.calls:
            check_reviewed(plan)
            self.execute(Run(ctx, plan, None, lambda: plan.calls))

    def remember_refresh_token(self, props: dict[str, Any], olds: dict[str, Any]) -> None:
        """A rotated refresh token the old outputs recorded goes to the token source first (_rotation)."""
        try:
            _rotation.offer_recorded(self.context(props), olds)
        except RefusedError:
            return

    # --- shared machinery --------------------------------------------------------------------
    def normalize(self, spec: Any) -> Any:
        """Validated, canonical spec (also turns protobuf's floats back into ints).

        Unset optional fields are dropped: the engine strips nulls from state, so keeping them
        here would make every spec with an optional field differ from its own state forever.
        """
        return self.spec_model.model_validate(spec).model_dump(mode="json", exclude_none=True)

    def context(self, props: dict[str, Any]) -> Context:
        if self._settings is None:
            raise RefusedError("the provider was not configured (no stack config reached it)")
        return Context(str(props["appid"]), dict(props["credentials"]), self._settings)

    def planning_context(self, props: dict[str, Any]) -> Context:
        """The context of check() and diff(), whose reads only plan (`Context.planning`)."""
        ctx = self.context(props)  # (a subclass's context may carry its own client: kept)
        ctx.planning = True
        return ctx

    def cannot_read(self, props: Props, error: BaseException) -> None:
        appid = str(props.get("appid"))
        text = f"cannot read the live state: {error}"
        _events.emit("error", appid, self.kind, [f"{appid} {self.kind}: {text}"], error=text)

    def writable(self, ctx: Context) -> bool:
        return ctx.mode != "owner" or not self.platform_only

    def readable(self, ctx: Context) -> bool:
        return self.reads_with(ctx.mode)

    @classmethod
    def reads_with(cls, mode: str) -> bool:
        """Whether these credentials can read the live state (and so need a token at all)."""
        return cls.has_api and (mode != "owner" or not cls.platform_only or cls.owner_can_read)

    def observe(self, ctx: Context, props: Props, olds: Props | None, desired: Props | None = None) -> tuple[Plan, Any]:
        """Read the live state and plan against it: the same path for diff() and update(). `desired` is
        the normalized spec when the caller has it (normalized once per engine call)."""
        desired = self.normalize(props["spec"]) if desired is None else desired
        olds = whole_numbers(olds)  # the one repair of old outputs: protobuf hands their numbers back as floats
        prefetched, ctx.prefetched = ctx.prefetched, None
        if not self.readable(ctx):
            live = None
        elif prefetched is not None and not prefetched.cancel():  # a read still queued is made here instead
            try:
                live = prefetched.result()  # what read_live returned, or the error it raised
            except USER_FACING:  # started before diff() offered the state's rotated token (61023): read now
                live = self.read_live(ctx)
        else:
            live = self.read_live(ctx)
        if live is not None:
            live = {**live, **self.read_more(ctx, desired, live, olds)}
        if self.writable(ctx):
            plan = self.plan(ctx, desired, live, olds)
            if plan.blocked:
                plan.calls = []  # `up` refuses this resource before any call: its plan makes none
            return plan, live
        # Pulumi never writes here, so nothing is drift: plan as if no `up` had ever applied
        plan = self.plan(ctx, desired, live, None)
        platform = [call for call in plan.calls if call.path.startswith("/")]  # WeChat API calls (48001)
        if platform or (plan.changes and not plan.manual):  # (a provider may list its own steps)
            plan.manual += [ManualStep(f"in {self.console_path}: {step}", NEEDS_PLATFORM)
                            for step in steps_for(plan)]
            plan.changes = [replace(change, after=change.after or MANUAL) for change in plan.changes]
        # what owner credentials can do stays (a miniprogram-ci upload with the code-upload key)
        plan.calls = [call for call in plan.calls if not call.path.startswith("/")]
        return plan, live

    def converge(self, props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        ctx = self.context(props)
        desired = self.normalize(props["spec"])
        # the lookup key is the raw old outputs (as diff() saw them); plans use the repaired ones
        plan, live = self.planned_by_diff(ctx, props, olds, desired) or self.observe(ctx, props, olds, desired)
        olds = whole_numbers(olds)
        if plan.blocked:
            raise RefusedError(f"{ctx.appid} {self.kind}: {plan.blocked}")
        check_reviewed(plan)
        run = Run(ctx, plan, live, lambda: self.replan(ctx, desired, olds), olds=olds, desired=desired)
        self.execute(run)
        extra = self.record(run, desired, olds)
        outs = {key: value for key, value in (olds or {}).items() if key != "__provider"}
        outs.update({key: value for key, value in props.items() if key != "__provider"})
        outs.update(extra, spec=desired, manual_steps=[step.text for step in plan.manual])
        outs.update(_rotation.outputs(ctx))
        return outs

    def planned_by_diff(self, ctx: Context, props: Props, olds: Props | None,
                        desired: Props) -> tuple[Plan, Any] | None:
        """The plan update() makes from what this resource's diff() read moments ago in the same `up`
        (`plans_from_diff`): the plan the engine's diff showed, without reading every endpoint again.

        Only for a provider whose every write that must not be repeated is guarded by a read right
        before it (`guard_*`) and when `reuses(plan)` says the plan's other calls are safe on that
        read; otherwise (and when the read is older than `_observed.TTL`) update() reads afresh.
        """
        live = _observed.recall(self.kind, props, olds) if self.plans_from_diff and olds is not None else None
        if live is None:
            return None
        plan = self.plan(ctx, desired, live, whole_numbers(olds))
        return (plan, live) if self.writable(ctx) and not plan.blocked and self.reuses(plan) else None

    def reuses(self, plan: Plan) -> bool:
        """Whether update() may send this plan, made from diff()'s read, relying on the calls' guards."""
        return False

    # --- the executor (providers._executor) ----------------------------------------------------
    def replan(self, ctx: Context, desired: Props, olds: Props | None) -> list[ApiCall]:
        """The calls a plan made from a fresh read would make (to settle a lost answer)."""
        live = self.read_live(ctx) or {}
        return self.plan(ctx, desired, {**live, **self.read_more(ctx, desired, live, olds)}, olds).calls

    def execute(self, run: Run) -> Answers:
        """Send the plan's calls in order, exactly as planned (see `providers._executor.execute`)."""
        return execute(self, run)

    def send(self, run: Run, call: ApiCall, args: Props) -> Props:
        """The one road to WeChat for a planned call: the client's `send` (a provider whose plan has
        steps that are not WeChat API calls, such as a miniprogram-ci upload, routes them here)."""
        return run.ctx.client.send(call.method, call.path, args)

    def explain(self, run: Run, error: APIError) -> APIError:
        """The same error, saying which planned call failed and what this run already did."""
        return type(error)(error.errcode, error.errmsg, error.endpoint, error.rid,
                           meaning=f"{run.call.summary}: {error.meaning or error.errmsg}",
                           advice=(error.advice or "") + run.done_text())


def whole_numbers(value: Any) -> Any:
    """Old outputs as they were recorded: Pulumi hands numbers back as floats (protobuf's Struct), so a
    recorded audit id 1001 comes back as 1001.0, which WeChat would not find. Whole floats become ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def steps_for(plan: Plan) -> list[str]:
    """What a person does instead of the plan's calls: one checklist item per change reads best."""
    return [change.as_step() for change in plan.changes] or [call.summary for call in plan.calls]


def clears_on_delete(outs: Props) -> bool:
    """The spec said `on_delete: clear`, and the credentials can write (owner credentials cannot)."""
    owner = (outs.get("credentials") or {}).get("mode") == "owner"
    spec = outs.get("spec")
    return isinstance(spec, dict) and spec.get("on_delete") == "clear" and not owner


def unknown(field_: str, value: Any, op: str = "update") -> Change:
    """An item these credentials cannot read: the plan shows the target against "unknown", for a person."""
    return Change(field_, op, old=UNKNOWN, new=value, after=MANUAL)


TYPE_PREFIX = "pulumi-python:dynamic/wechat:"  # every resource's type token starts so (module="wechat")


class WeChatResource(pulumi.dynamic.Resource, module="wechat", name="WeChatResource"):
    """Base of every resource: inputs are `{appid, credentials, spec}`; see the module docstring."""

    provider_class: ClassVar[type[WeChatResourceProvider]]
    # outputs a subclass exposes as attributes (the SDK drops output keys that are not in the props)
    extra_outputs: ClassVar[tuple[str, ...]] = ()
    manual_steps: pulumi.Output[list[str]]
    live: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        appid: str,
        credentials: dict[str, Any],
        spec: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"appid": appid, "credentials": credentials, "spec": spec, "manual_steps": None, "live": None,
                 **dict.fromkeys(self.extra_outputs)}
        # a rotated authorizer refresh token is recorded in the outputs: encrypted in the state (_rotation)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=[_rotation.OUTPUT]))
        unwrap_pickler()
        super().__init__(self.provider_class(), name, props, opts)
        unwrap_pickler()
