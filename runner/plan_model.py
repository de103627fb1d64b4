"""The review plan as data: what `runner.plan` collects and `runner.render` turns into Markdown.

Every resource carries the `Plan` its own provider computed through `observe()` (the code path
diff() and update() use), and the operation the engine's own preview chose for it. Nothing here
computes a difference; it only counts what the providers said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from providers._plan import Plan

PLATFORM_LEVEL = "platform-level"  # AppReport.mode of a third-party platform's own resources
# engine operations (pulumi.automation.OpType values) grouped the way a reviewer counts them
ADDS = frozenset({"create", "create-replacement", "import"})
CHANGES = frozenset({"update", "replace"})
REMOVES = frozenset({"delete", "delete-replaced", "discard"})


@dataclass
class ResourceReport:
    """One resource: its Pulumi name, its spec block, the engine's op and its provider's plan."""

    name: str  # the Pulumi resource name, e.g. demo-shop-server-domains
    block: str  # the spec block, e.g. server_domains
    op: str  # the engine's preview op: create | update | same | delete | ... ("" when unknown)
    plan: Plan  # for a removal: no changes, only what removing means (warnings)
    error: str | None = None  # the live state could not be read: why (scrubbed)
    note: str | None = None  # one line of explanation (e.g. what removal means in WeChat)

    @property
    def removed(self) -> bool:
        return self.op in REMOVES

    @property
    def interesting(self) -> bool:
        """Worth a section of its own: it changes WeChat, Pulumi state, or needs someone's eyes."""
        plan = self.plan
        return bool(
            self.op in ADDS | CHANGES | REMOVES
            or plan.has_changes
            or plan.warnings
            or plan.blocked
            or self.error
        )


@dataclass
class AppReport:
    """One mini-program (one spec file, or one that left the specs but is still in state)."""

    name: str
    appid: str
    mode: str  # credentials mode: platform | owner | command ("" if the spec is gone)
    resources: list[ResourceReport] = field(default_factory=list)


@dataclass(frozen=True)
class Counts:
    add: int = 0
    change: int = 0
    remove: int = 0
    unchanged: int = 0
    items: int = 0  # item-level changes: a domain, a tester, a field
    drift: int = 0
    writes: int = 0  # WeChat write calls `up` will make
    manual: int = 0
    warnings: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def no_changes(self) -> bool:
        return not (self.add or self.change or self.remove or self.items or self.writes or self.manual)


@dataclass
class PlanReport:
    """The whole plan of one stack."""

    stack: str
    project: str
    backend: str
    apps: list[AppReport] = field(default_factory=list)
    engine_counts: dict[str, int] = field(default_factory=dict)  # the engine preview's change summary
    engine_output: str = ""  # the tail of `pulumi preview` (already scrubbed)
    commit: str | None = None  # the git commit the plan was made for (a staleness guard)
    generated_at: str | None = None  # only when passed in: output stays deterministic otherwise
    preflight: dict[str, Any] | None = None  # providers.preflight Report.to_dict(): its findings
    fleets: list[str] = field(default_factory=list)  # each fleet's plan, Markdown (providers/fleet/render.py)

    def preflight_findings(self) -> list[dict[str, Any]]:
        return list((self.preflight or {}).get("findings") or [])

    @property
    def preflight_blocked(self) -> bool:
        return any(finding.get("severity") == "block" for finding in self.preflight_findings())

    def resources(self) -> list[tuple[AppReport, ResourceReport]]:
        return [(app, resource) for app in self.apps for resource in app.resources]

    def counts(self) -> Counts:
        totals = dict.fromkeys(Counts.__dataclass_fields__, 0)
        for _app, resource in self.resources():
            plan = resource.plan
            if resource.op in ADDS:
                totals["add"] += 1
            elif resource.op in REMOVES:
                totals["remove"] += 1
            elif resource.op in CHANGES or plan.calls or plan.blocked:
                totals["change"] += 1
            else:
                totals["unchanged"] += 1
            totals["items"] += len(plan.changes)
            totals["drift"] += sum(1 for change in plan.changes if change.drift)
            totals["writes"] += len(plan.calls)
            totals["manual"] += len(plan.manual)
            totals["warnings"] += len(plan.warnings)
            totals["blocked"] += 1 if plan.blocked else 0
            totals["failed"] += 1 if resource.error else 0
        for finding in self.preflight_findings():  # a ⛔ blocks the whole `up`; a ⚠ is a warning
            totals["blocked"] += finding.get("severity") == "block"
            totals["warnings"] += finding.get("severity") == "warn"
        return Counts(**totals)


FORMAT = "wechat-iac-plan/1"


def report_to_dict(report: PlanReport) -> dict[str, Any]:
    """The plan as data (`plan --json`, format `wechat-iac-plan/1`): what `up --plan FILE` holds `up`
    to (each resource's `plan.calls`: method, path, args), and what tools and tests read."""
    data: dict[str, Any] = {"format": FORMAT}
    data.update({item.name: getattr(report, item.name) for item in fields(PlanReport) if item.name != "apps"})
    data["apps"] = [
        {"name": app.name, "appid": app.appid, "mode": app.mode,
         "resources": [{**{item.name: getattr(resource, item.name) for item in fields(ResourceReport)},
                        "plan": resource.plan.to_json()} for resource in app.resources]}
        for app in report.apps
    ]
    data["counts"] = asdict(report.counts())
    return data


def report_from_dict(data: dict[str, Any]) -> PlanReport:
    """The inverse of `report_to_dict` (a provider's Plan subclass comes back as a plain Plan)."""
    apps = [
        AppReport(app["name"], app["appid"], app["mode"],
                  [ResourceReport(**{**resource, "plan": Plan.from_json(resource["plan"])})
                   for resource in app["resources"]])
        for app in data.get("apps") or []
    ]
    keys = {item.name for item in fields(PlanReport)} - {"apps"}
    return PlanReport(apps=apps, **{key: value for key, value in data.items() if key in keys})
