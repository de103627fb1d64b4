"""`python -m runner plan [--stack dev] [--out plan.md] [--json plan.json]`: the plan a reviewer reads.

1. The engine's own `pulumi preview` runs. Each resource's provider reports the `Plan` its diff()
   (or, for a resource to create, its check()) computed against the live state: the very plan its
   update() computes and executes call for call. Those plans, with the engine's operation for
   each resource (create, update, same, delete) and its counts, make the review plan; platform
   specs' resources included. A program the engine rejects (a bad spec) gets no plan.
2. Preflight (`providers.preflight`) runs here rather than in the preview's program, so that its
   findings sit in the plan beside the resources (a table, each ⛔ again at the top) instead of
   replacing it: a ⛔ makes the plan exit 1, as it would fail `preview` and stop `up`.
3. A fleet (`providers/fleet`): the program tells what it declared beyond the specs (its shard's
   mini-programs, each fleet member's gated release) and writes the fleet plan (summary, waves,
   apps held back by cause) into a folder this plan hands it; both go into the plan.
4. The specs the stack names give each mini-program's name and credentials mode; resources in state
   whose spec block is gone are listed as leaving Pulumi state, with the writes deleting them makes
   (`plan_delete`, from their last outputs).
5. `--json` writes the same plan as data (format `wechat-iac-plan/1`): `up --plan FILE` refuses to
   write anything that file does not list.

`runner.render` turns the result into Markdown; nothing here or there re-implements a diff.
Exit status: 0 when `up` could do all of it; 1 when something is blocked or cannot be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.runtime import rpc

from providers import preflight
from providers._base import TYPE_PREFIX
from providers._executor import reviewed_writes as writes_of
from providers._plan import Plan
from providers.fleet.declare import hold_fleet_findings, members, read_declared, shard_view
from providers.fleet.run import PLAN_DIR_ENV
from providers.fleet.shards import Shard
from providers.models import MiniProgramSpec, PlatformSpec, load_stack
from providers.program import DEFAULT_SPECS, PREFLIGHT_ENV
from providers.registry import PLATFORM_RESOURCES, RESOURCES, child_name
from providers.stack_inputs import platform_inputs
from runner import engine, project_args, trust
from runner.env import PROJECT_DIR, display_backend
from runner.plan_model import FORMAT, PLATFORM_LEVEL, AppReport, PlanReport, ResourceReport, report_to_dict
from runner.render import render, render_rejected, summary_line
from wechat.redact import scrub

# how the engine marks a secret value in exported state: the SDK's own constants, not copies
SECRET_SIG = (rpc._special_sig_key, rpc._special_secret_sig)

Printer = Callable[[str], None]


@dataclass(frozen=True)
class StateResource:
    name: str
    block: str
    app_name: str  # the MiniProgram component it belongs to
    outputs: dict[str, Any]


@contextmanager
def working_dir(path: Path) -> Iterator[None]:
    """Spec paths (avatar, source folder) are relative to the project folder, as in the program."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def reveal(value: Any) -> Any:
    """An exported state's values with Pulumi's secret envelopes opened (they stay in memory only)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG[0]) == SECRET_SIG[1]:
            return reveal(json.loads(value["plaintext"])) if "plaintext" in value else None
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def state_resources(deployment: Mapping[str, Any] | None) -> dict[str, StateResource]:
    """The project's WeChat resources in an exported deployment, by resource name."""
    found: dict[str, StateResource] = {}
    for resource in (deployment or {}).get("resources") or []:
        if not str(resource.get("type", "")).startswith(TYPE_PREFIX):
            continue
        outputs = reveal(resource.get("outputs") or {})
        outputs.pop("__provider", None)
        name = str(resource["urn"]).rsplit("::", 1)[-1]
        block = str(resource.get("id") or "").partition("/")[2]  # ids are "<appid>/<block>"
        app_name = str(resource.get("parent") or "").rsplit("::", 1)[-1]
        found[name] = StateResource(name, block, app_name, outputs)
    return found


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """$name set to `value` for the inline program (it runs in this process), then put back."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@dataclass
class Preview:
    """What the engine's preview reported: its counts, each WeChat resource's op and plan, its output."""

    counts: dict[str, int] = field(default_factory=dict)
    ops: dict[str, str] = field(default_factory=dict)  # resource name -> engine op
    plans: dict[tuple[str, str], Plan] = field(default_factory=dict)  # (appid, block) -> the provider's plan
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (appid, block) -> why it is unread
    output: str = ""
    fleets: list[str] = field(default_factory=list)  # the fleet plans the program rendered (Markdown)
    declared: tuple[Shard, dict[str, Any]] = (Shard(), {})  # its shard; fleet member appid -> release block


def engine_preview(stack: auto.Stack, on_output: Printer | None) -> Preview:
    """`pulumi preview`, collecting the providers' plans. Raises `engine.OperationFailed` when the
    engine rejects the program (a preview that only plans blocked changes still gives its plans)."""
    preview = Preview()
    lines: list[str] = []

    def on_event(event: Any) -> None:
        pre = event.resource_pre_event
        if pre is not None and str(pre.metadata.type).startswith(TYPE_PREFIX):
            preview.ops[str(pre.metadata.urn).rsplit("::", 1)[-1]] = _op(pre.metadata.op)

    def on_provider_event(event: dict[str, Any]) -> None:
        where = (str(event.get("appid")), str(event.get("resource")))
        if event.get("event") == "plan":
            preview.plans[where] = Plan.from_json(event["plan"])
        elif event.get("event") == "error":
            preview.errors[where] = scrub(str(event.get("error")))

    def tee(line: str) -> None:
        if line.startswith(("error:", "warning:")):
            lines.append(line)  # the engine's own diagnostics: the plan keeps them in a fold
        if on_output is not None:
            on_output(line)

    # the plan runs preflight itself (and shows its findings): the program skips it for this preview;
    # a fleet's program writes what it declared and its fleet plans into a folder of ours
    fleet_dir = Path(tempfile.mkdtemp(prefix="wechat-iac-fleet-plan-"))
    try:
        with environment(PREFLIGHT_ENV, "off"), environment(PLAN_DIR_ENV, str(fleet_dir)):
            result = engine.run("preview", stack, on_output=tee, on_event=on_event,
                                on_provider_event=on_provider_event)
    except engine.OperationFailed as failure:
        if failure.result is None:  # the engine itself failed: no plan
            raise
        result = failure.result
    finally:
        preview.declared = read_declared(fleet_dir)
        preview.fleets = [path.read_text(encoding="utf-8") for path in sorted(fleet_dir.glob("*.md"))]
        shutil.rmtree(fleet_dir, ignore_errors=True)
    preview.counts = {_op(op): int(count) for op, count in (result.change_summary or {}).items()}
    preview.output = scrub("\n".join(lines))
    return preview


def _op(op: Any) -> str:
    return str(getattr(op, "value", op))


def plan_spec(spec: MiniProgramSpec, preview: Preview, state: dict[str, StateResource]) -> AppReport:
    """Each managed block of a spec (a fleet member's release too), with the plan its provider
    reported in the preview."""
    credentials: dict[str, Any] = spec.credentials.model_dump(mode="json", exclude_none=True)
    app = AppReport(spec.name, spec.appid, str(credentials.get("mode") or ""))
    fleet_release = ["release"] if spec.appid in preview.declared[1] and spec.release is None else []
    for block in [*spec.managed_blocks(), *fleet_release]:
        app.resources.append(_reported(preview, state, child_name(spec.name, block), spec.appid, block))
    return app


def plan_platform(spec: PlatformSpec, preview: Preview, state: dict[str, StateResource]) -> AppReport:
    """A platform spec's platform-level resources, with the plans their providers reported."""
    app = AppReport(spec.name, spec.component_appid, PLATFORM_LEVEL)
    for block in platform_inputs(spec):
        kind = PLATFORM_RESOURCES[block].provider_class.kind
        app.resources.append(_reported(preview, state, child_name(spec.name, block), spec.component_appid, kind))
    return app


def _reported(preview: Preview, state: dict[str, StateResource], name: str, appid: str, kind: str) -> ResourceReport:
    plan = preview.plans.get((appid, kind))
    error = preview.errors.get((appid, kind))
    if plan is None and error is None:
        error = "its provider reported no plan"
    op = preview.ops.get(name) or ("create" if name not in state else "")
    return ResourceReport(name, kind, op, plan or Plan(kind, appid), error)


def removal(resource: StateResource, op: str) -> ResourceReport:
    """A resource whose spec block is gone: what leaving Pulumi state means, and writes it makes."""
    appid = str(resource.outputs.get("appid") or "")
    spec = resource.outputs.get("spec")
    on_delete = spec.get("on_delete") if isinstance(spec, dict) else None  # some blocks are lists
    resource_class = RESOURCES.get(resource.block)
    plan = resource_class.provider_class().plan_delete(resource.outputs) if resource_class else Plan(
        resource.block, appid)
    if plan.calls:
        note = f"Will be removed from Pulumi state, and emptied in WeChat (`on_delete: {on_delete}`)."
    elif on_delete:
        note = f"Will be removed from Pulumi state; WeChat keeps it as it is (`on_delete: {on_delete}`)."
    else:
        note = "Will be removed from Pulumi state; WeChat keeps what it has (deleting only forgets)."
    return ResourceReport(resource.name, resource.block, op or "delete", plan, note=note)


def collect(stack: auto.Stack, project_dir: Path, backend: str, on_output: Printer | None = None,
            commit: str | None = None, generated_at: str | None = None) -> PlanReport:
    """The plan of one stack (runs `pulumi preview`, then preflight; raises engine.OperationFailed if the
    engine fails)."""
    settings = project_args.stack_settings(stack)  # its secrets: the renderer's last line of defence knows them
    preview = engine_preview(stack, on_output)
    state = state_resources(stack.export_stack().deployment)
    pattern = settings.lookup("specs") or DEFAULT_SPECS
    shard = preview.declared[0]  # a fleet's shard stack declares its mini-programs only
    with working_dir(project_dir):
        every_spec = load_stack(sorted(path.relative_to(project_dir) for path in project_dir.glob(pattern)))
        stack_specs = dataclasses.replace(every_spec, miniprograms=[
            spec for spec in every_spec.miniprograms if shard.holds(spec.appid)])
        # the providers offered the state's rotated refresh tokens in the preview (_rotation)
        findings = preflight.run(shard_view(every_spec, shard), settings, show_domains=True, state_known=True)
        hold_fleet_findings(findings, every_spec, set(members(every_spec)))  # as the program does
    apps = {spec.component_appid: plan_platform(spec, preview, state) for spec in stack_specs.platforms
            if shard.manages_platform}
    apps.update({spec.appid: plan_spec(spec, preview, state) for spec in stack_specs.miniprograms})
    declared = {resource.name for app in apps.values() for resource in app.resources}
    for name in sorted(set(state) - declared):
        gone = removal(state[name], preview.ops.get(name, ""))
        appid = gone.plan.appid
        app = apps.setdefault(appid, AppReport(state[name].app_name or appid, appid, ""))
        app.resources.append(gone)
    return PlanReport(
        stack=stack.name, project=stack.workspace.project_settings().name, backend=backend,
        apps=sorted(apps.values(), key=lambda app: (app.name, app.appid)),
        engine_counts=preview.counts, engine_output=preview.output, commit=commit, generated_at=generated_at,
        preflight=findings.to_dict(), fleets=preview.fleets,
    )


def differences(report: PlanReport, reviewed: dict[str, Any]) -> list[str]:
    """Where the writes of `report` differ from those of a reviewed plan file, one line each."""
    now, then = writes_of(report_to_dict(report)), writes_of(reviewed)

    def paths(calls: list[Any]) -> str:
        return ", ".join(str(call[1]) for call in calls) or "no write"

    return [f"{appid} {block}: reviewed {paths(then.get((appid, block), []))}; now {paths(now.get((appid, block), []))}"
            for appid, block in sorted(set(now) | set(then))
            if now.get((appid, block), []) != then.get((appid, block), [])]


def reviewed_plan_holds(stack: auto.Stack, path: Path, project_dir: Path = PROJECT_DIR,
                        on_output: Printer = print) -> bool:
    """`up --plan FILE`, before any write: a fresh preview must plan exactly the writes `path` lists.

    Each provider checks its own writes again right before making them (the live state may move
    between this preview and the write); this check makes a drifted plan refuse as a whole."""
    try:
        reviewed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        on_output(f"up --plan: cannot read the reviewed plan {path}: {error}")
        return False
    if reviewed.get("format") != FORMAT:
        on_output(f"up --plan: {path} is not a plan file (`python -m runner plan --json FILE` writes one)")
        return False
    on_output(f"Checking that {path} is still what `up` would do…")
    problems = [] if reviewed.get("stack") == stack.name else [
        f"the plan is for stack {reviewed.get('stack')!r}, not {stack.name!r}"]
    problems += differences(collect(stack, project_dir, ""), reviewed)
    for problem in problems:
        on_output(f"  {problem}")
    if problems:
        on_output(f"up refused: the writes it would make differ from the reviewed plan {path} "
                  f"({len(problems)} difference(s) above); nothing was changed. Make the plan again and review it.")
    return not problems


def show_backend(url: str, project_dir: Path) -> str:
    """The backend URL fit for a pull request: no password, no home folder (runner.env)."""
    return display_backend(url, project_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner plan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="plan.md", help="where to write the Markdown (default: plan.md)")
    parser.add_argument("--commit", help="the git commit the plan is for (shown, to spot stale plans)")
    parser.add_argument("--verbose", action="store_true", help="stream `pulumi preview` output too")
    parser.add_argument("--json", type=Path, help="also write the plan as JSON data, for tools")
    parser.add_argument("--untrusted", action="store_true",
                        help="the change is untrusted (a pull request): refuse credential sources the spec names "
                             "(runner.trust); implied by WECHAT_IAC_UNTRUSTED=1")
    project_args.add_arguments(parser)
    args = parser.parse_args(argv)
    project_dir, out = args.project.resolve(), Path(args.out)
    if args.untrusted or trust.untrusted_by_environment():
        problems = trust.refused_base_url(project_dir, args.stack) + trust.refused_sources(project_dir, args.stack)
        if problems:
            out.write_text(trust.refusal_markdown(args.stack, problems, args.commit), encoding="utf-8")
            print(f"{args.stack}: no plan for an untrusted change whose specs name their own credential source "
                  f"(details in {out})")
            return 1
    env, project_dir, stack = project_args.open_stack(args)
    backend = show_backend(env.backend, project_dir)
    try:
        report = collect(stack, project_dir, backend, print if args.verbose else None, commit=args.commit)
    except auto.CommandError as error:
        failure = error.outcome if isinstance(error, engine.OperationFailed) else None
        text = scrub("\n".join(failure.errors) if failure and failure.errors else str(error))
        project = stack.workspace.project_settings().name
        out.write_text(render_rejected(args.stack, project, backend, text, args.commit), encoding="utf-8")
        print(f"{args.stack}: the engine rejected the program; no plan (details in {out})")
        return 1
    out.write_text(render(report), encoding="utf-8")
    if args.json:
        data = json.dumps(report_to_dict(report), ensure_ascii=False, indent=1, default=str)
        args.json.write_text(scrub(data), encoding="utf-8")
    counts = report.counts()
    print(f"{summary_line(report)} (plan: {out})")
    if counts.blocked or counts.failed:
        print(f"{args.stack}: `up` cannot do all of this plan: {_n(counts.blocked, 'blocked')}, "
              f"{_n(counts.failed, 'unread')} (see {out})")
        return 1
    return 0


def _n(count: int, what: str) -> str:
    return f"{count} {what}"
