"""`python -m runner plan [--stack dev] [--out plan.md]`: the release plan a reviewer reads.

1. The engine's own `pulumi preview` runs first: no plan is made for a program the engine rejects,
   and its per-resource operations (create, update, same, delete) and counts go into the plan.
2. The stack's decrypted config, its state (the old outputs of every resource) and the specs it
   names are read, and every registered resource's provider is asked for its `Plan` through
   `observe()`: the very code path its diff() and update() take, so the plan is what `up` does.
3. Resources in state whose spec block is gone are listed as leaving Pulumi state.

`runner.render` turns the result into Markdown; nothing here or there re-implements a diff.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from providers import preflight_checks
from providers._plan import Plan
from providers._platform import platform_credentials
from providers._settings import Settings
from providers.fleet.declare import hold_fleet_findings, members, read_declared, shard_view
from providers.fleet.gate import FleetRelease
from providers.fleet.run import PLAN_DIR_ENV
from providers.models import MiniProgramSpec, PlatformSpec, load_stack
from providers.program import DEFAULT_SPECS, PREFLIGHT_ENV
from providers.registry import PLATFORM_RESOURCES, RESOURCES
from providers.stack_inputs import miniprogram_inputs, platform_inputs
from runner import engine, project_args, trust
from runner.env import display_backend
from runner.plan_model import PLATFORM_LEVEL, AppReport, PlanReport, ResourceReport, report_to_dict
from runner.render import render, render_rejected, summary_line
from wechat.redact import scrub

DYNAMIC_TYPE = "pulumi-python:dynamic/wechat:"
SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")

Printer = Callable[[str], None]


@dataclass(frozen=True)
class StateResource:
    name: str
    block: str
    app_name: str  # the MiniProgram component it belongs to
    outputs: dict[str, Any]


def resource_name(spec_name: str, block: str) -> str:
    """As `providers.program.MiniProgram` names its children."""
    return f"{spec_name}-{block.replace('_', '-')}"


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
        if not str(resource.get("type", "")).startswith(DYNAMIC_TYPE):
            continue
        outputs = reveal(resource.get("outputs") or {})
        outputs.pop("__provider", None)
        name = str(resource["urn"]).rsplit("::", 1)[-1]
        block = str(resource.get("id") or "").partition("/")[2]  # ids are "<appid>/<block>"
        app_name = str(resource.get("parent") or "").rsplit("::", 1)[-1]
        found[name] = StateResource(name, block, app_name, outputs)
    return found


def engine_preview(stack: auto.Stack, on_output: Printer | None) -> tuple[dict[str, int], dict[str, str], str]:
    """`pulumi preview`: its change counts, each WeChat resource's op, and its output (scrubbed).

    Raises `auto.CommandError` when the engine rejects the program."""
    ops: dict[str, str] = {}
    lines: list[str] = []

    def on_event(event: Any) -> None:
        pre = event.resource_pre_event
        if pre is not None and str(pre.metadata.type).startswith(DYNAMIC_TYPE):
            ops[str(pre.metadata.urn).rsplit("::", 1)[-1]] = _op(pre.metadata.op)

    def tee(line: str) -> None:
        lines.append(line)
        if on_output is not None:
            on_output(line)

    # the plan runs preflight itself (and shows its findings): the program skips it for this preview
    previous = os.environ.get(PREFLIGHT_ENV)
    os.environ[PREFLIGHT_ENV] = "off"
    try:
        result = engine.run("preview", stack, on_output=tee, on_event=on_event)
    finally:
        if previous is None:
            os.environ.pop(PREFLIGHT_ENV, None)
        else:
            os.environ[PREFLIGHT_ENV] = previous
    counts = {_op(op): int(count) for op, count in (result.change_summary or {}).items()}
    return counts, ops, scrub("\n".join(lines))


def _op(op: Any) -> str:
    return str(getattr(op, "value", op))


def plan_spec(spec: MiniProgramSpec, settings: Settings, state: dict[str, StateResource],
              ops: dict[str, str], platform: PlatformSpec | None = None,
              fleet_release: dict[str, Any] | None = None) -> AppReport:
    """Each registered block's plan, from its own provider's observe() (what diff() runs), with the
    inputs the program declares (`stack_inputs`)."""
    credentials: dict[str, Any] = spec.credentials.model_dump(mode="json", exclude_none=True)
    app = AppReport(spec.name, spec.appid, str(credentials.get("mode") or ""))
    inputs = miniprogram_inputs(spec, platform, fleet_release)
    for block, resource_class in RESOURCES.items():
        if block not in inputs:
            continue
        resource_class = FleetRelease if block == "release" and fleet_release else resource_class
        app.resources.append(_observe(resource_class, resource_name(spec.name, block), block, spec.appid,
                                      credentials, inputs[block], settings, state, ops))
    app.unplanned = [block for block in spec.managed_blocks() if block not in RESOURCES]
    return app


def plan_platform(spec: PlatformSpec, settings: Settings, state: dict[str, StateResource],
                  ops: dict[str, str]) -> AppReport:
    """A platform spec's platform-level resources, planned like a mini-program's."""
    credentials = platform_credentials(spec.component_appid, spec.credentials.model_dump(mode="json",
                                                                                         exclude_none=True))
    app = AppReport(spec.name, spec.component_appid, PLATFORM_LEVEL)
    for block, spec_block in platform_inputs(spec).items():
        resource_class = PLATFORM_RESOURCES[block]
        kind = resource_class.provider_class.kind
        app.resources.append(_observe(resource_class, resource_name(spec.name, block), kind, spec.component_appid,
                                      credentials, spec_block, settings, state, ops))
    return app


def _observe(resource_class: Any, name: str, block: str, appid: str, credentials: dict[str, Any],
             spec_block: dict[str, Any], settings: Settings, state: dict[str, StateResource],
             ops: dict[str, str]) -> ResourceReport:
    """One resource's plan from its own provider's observe(), as the engine's diff() would run it."""
    old = state.get(name)
    props = {"appid": appid, "credentials": credentials, "spec": spec_block}
    provider = resource_class.provider_class()
    provider._settings = settings  # what configure() does with the stack's config
    error = None
    try:
        plan, _live = provider.observe(provider.context(props), props, old.outputs if old else None)
    except Exception as failure:  # shown in the plan as a failure; never a traceback
        plan, error = Plan(block, appid), scrub(f"{type(failure).__name__}: {failure}")
    op = ops.get(name) or ("create" if old is None else "")
    return ResourceReport(name, block, op, plan, error)


def removal(resource: StateResource, op: str) -> ResourceReport:
    """A resource whose spec block is gone: what leaving Pulumi state means in WeChat."""
    appid = str(resource.outputs.get("appid") or "")
    spec = resource.outputs.get("spec")
    on_delete = spec.get("on_delete") if isinstance(spec, dict) else None  # some blocks are lists
    plan = Plan(resource.block, appid)
    if on_delete == "clear":
        note = "Will be removed from Pulumi state; the spec says `on_delete: clear`."
        plan.warnings.append(
            f"on_delete: clear: removing {resource.block} also empties it in WeChat (platform credentials); "
            "that write is not itemised, because providers have no plan for deletion"
        )
    elif on_delete:
        note = f"Will be removed from Pulumi state; WeChat keeps it as it is (`on_delete: {on_delete}`)."
    else:
        note = "Will be removed from Pulumi state; WeChat keeps what it has (deleting only forgets)."
    return ResourceReport(resource.name, resource.block, op or "delete", plan, note=note)


def collect(stack: auto.Stack, project_dir: Path, backend: str, on_output: Printer | None = None,
            commit: str | None = None, generated_at: str | None = None) -> PlanReport:
    """The plan of one stack (runs `pulumi preview` first; raises auto.CommandError if it fails)."""
    engine_counts, ops, output = engine_preview(stack, on_output)
    settings = project_args.stack_settings(stack)  # its secrets: the renderer's last line of defence knows them
    state = state_resources(stack.export_stack().deployment)
    pattern = settings.lookup("specs") or DEFAULT_SPECS
    with working_dir(project_dir):
        every_spec = load_stack(sorted(path.relative_to(project_dir) for path in project_dir.glob(pattern)))
        shard, fleet = read_declared(os.environ.get(PLAN_DIR_ENV))  # what the program declared (its shard, fleet)
        stack_specs = dataclasses.replace(every_spec, miniprograms=[
            spec for spec in every_spec.miniprograms if shard.holds(spec.appid)])
        apps = {spec.component_appid: plan_platform(spec, settings, state, ops) for spec in stack_specs.platforms
                if shard.manages_platform}
        apps.update({spec.appid: plan_spec(spec, settings, state, ops, stack_specs.platform_of(spec),
                                           fleet.get(spec.appid)) for spec in stack_specs.miniprograms})
        # the providers' observe() above offered the state's rotated refresh tokens (_rotation)
        findings = preflight_checks.run(shard_view(every_spec, shard), settings, show_domains=True,
                                        state_known=True)
        hold_fleet_findings(findings, every_spec, set(members(every_spec)))
    declared = {resource.name for app in apps.values() for resource in app.resources}
    for name in sorted(set(state) - declared):
        gone = removal(state[name], ops.get(name, ""))
        appid = gone.plan.appid
        app = apps.setdefault(appid, AppReport(state[name].app_name or appid, appid, ""))
        app.resources.append(gone)
    return PlanReport(
        stack=stack.name, project=stack.workspace.project_settings().name, backend=backend,
        apps=sorted(apps.values(), key=lambda app: (app.name, app.appid)),
        engine_counts=engine_counts, engine_output=output, commit=commit, generated_at=generated_at,
        preflight=findings.to_dict(),
    )


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
    fleet_dir = Path(tempfile.mkdtemp(prefix="wechat-iac-fleet-plan-"))  # fleet plans (providers/fleet/run.py)
    os.environ[PLAN_DIR_ENV] = str(fleet_dir)  # the inline program runs in this process
    env, project_dir, stack = project_args.open_stack(args)
    backend = show_backend(env.backend, project_dir)
    try:
        report = collect(stack, project_dir, backend, print if args.verbose else None, commit=args.commit)
    except auto.CommandError as error:
        text = scrub(getattr(error, "stderr", "") or str(error))
        project = stack.workspace.project_settings().name
        out.write_text(render_rejected(args.stack, project, backend, text, args.commit), encoding="utf-8")
        print(f"{args.stack}: the engine rejected the program; no plan (details in {out})")
        return 1
    fleets = "".join("\n" + path.read_text(encoding="utf-8") for path in sorted(fleet_dir.glob("*.md")))
    shutil.rmtree(fleet_dir, ignore_errors=True)
    out.write_text(render(report) + fleets, encoding="utf-8")
    if args.json:
        data = json.dumps(report_to_dict(report), ensure_ascii=False, indent=1, default=str)
        args.json.write_text(scrub(data), encoding="utf-8")
    print(f"{summary_line(report)} (plan: {out})")
    counts = report.counts()
    return 1 if counts.failed or report.preflight_blocked else 0
