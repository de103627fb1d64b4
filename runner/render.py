"""The review plan as Markdown for a pull-request comment: pure functions of `PlanReport` -> str.

In the manner of Atlantis and tfcmt: a one-line verdict, an identity line, loud warnings at the top,
then one section per mini-program with each change down to the domain, tester or field, the WeChat
calls `up` makes (with the quota each costs), and manual steps as a checklist. Nothing here diffs
anything: every line comes from a provider's `Plan`. The output is deterministic (no clock unless
one is passed in), scrubbed of secrets, and kept under GitHub's comment limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from providers._plan import Change, encode
from providers.registry import TITLES
from runner import render_preflight
from runner.markdown import code as _code
from runner.markdown import prose as _prose
from runner.plan_model import ADDS, CHANGES, PLATFORM_LEVEL, AppReport, Counts, PlanReport, ResourceReport
from wechat.redact import scrub

MARKER = "<!-- wechat-iac-plan -->"  # the workflow finds its previous comment by this
COMMENT_LIMIT = 65_536  # GitHub's limit on a comment body, in characters
FOLD_ROWS = 12  # a change table longer than this is folded
CELL_CHARS = 120  # longer values are cut in the table and shown whole in a fold below it
OUTPUT_LINES = 120  # the tail of `pulumi preview` that is kept

ENGINE_ORDER = ("create", "update", "replace", "delete", "same")
OP_SIGNS = {"add": "+", "remove": "−", "update": "~"}


def render(report: PlanReport, limit: int = COMMENT_LIMIT) -> str:
    """The whole comment; blocks that do not fit under `limit` are left out with a note."""
    counts = report.counts()
    blocks = [_header(report, counts), *_top_warnings(report), *render_preflight.section(report)]
    blocks += [fleet.strip() for fleet in report.fleets]  # the whole fleet first, then each app
    blocks += [block for app in _sorted(report.apps) for block in _app(app)]
    blocks += _engine_output(report)
    blocks.append(_footer(report))
    return _fit([scrub(block) for block in blocks], limit)


def summary_line(report: PlanReport) -> str:
    """One plain line for a terminal or a CI log."""
    return f"{report.stack}: {_summary(report.counts(), markdown=False)}"


def render_rejected(stack: str, project: str, backend: str, error: str, commit: str | None = None) -> str:
    """When the engine rejects the program there is no plan: say so, with the engine's words."""
    lines = [
        MARKER,
        f"## ❌ WeChat plan for stack `{stack}`: the engine rejected the program",
        "",
        _identity(stack, project, backend, commit, {}),
        "",
        "`pulumi preview` failed, so no plan was made and `up` would fail the same way.",
        "",
        _fold("pulumi preview error", _fenced(_tail(error), "text")),
    ]
    return _fit([scrub("\n".join(lines))], COMMENT_LIMIT)


# --- the top -----------------------------------------------------------------------------------
def _summary(counts: Counts, markdown: bool = True) -> str:
    head = f"{counts.add} to add, {counts.change} to change, {counts.remove} to remove"
    parts = [f"**{head}**" if markdown else head]
    parts.append(f"{_n(counts.items, 'item change')} ({counts.drift} drift)")
    parts.append(_n(counts.writes, "WeChat write"))
    parts.append(_n(counts.manual, "manual step"))
    parts.append(("⚠ " if counts.warnings else "") + _n(counts.warnings, "warning"))
    if counts.blocked:
        parts.append(f"⛔ {counts.blocked} blocked")
    if counts.failed:
        parts.append(f"❌ {counts.failed} failed")
    return " · ".join(parts)


def _header(report: PlanReport, counts: Counts) -> str:
    lines = [
        MARKER,
        f"## WeChat plan for stack `{report.stack}`",
        "",
        _summary(counts),
        "",
        _identity(report.stack, report.project, report.backend, report.commit, report.engine_counts, report.apps),
    ]
    if counts.no_changes and not (counts.blocked or counts.failed):
        lines += ["", "✅ **No changes.** WeChat already matches the specs; `up` would make no WeChat call."]
    return "\n".join(lines)


def _identity(stack: str, project: str, backend: str, commit: str | None, engine: dict[str, int],
              apps: list[AppReport] | None = None) -> str:
    parts = [f"stack `{stack}`", f"project `{project}`", f"backend `{backend}`"]
    if commit:
        parts.append(f"commit `{commit[:12]}`")
    if apps is not None:
        platforms = sum(1 for app in apps if app.mode == PLATFORM_LEVEL)
        parts.append(_n(len(apps) - platforms, "mini-program"))
        if platforms:
            parts.append(_n(platforms, "platform"))
    if engine:
        order = {op: index for index, op in enumerate(ENGINE_ORDER)}
        ops = sorted(engine, key=lambda op: (order.get(op, len(order)), op))
        shown = ", ".join(f"{engine[op]} {op}" for op in ops)
        parts.append(f"engine preview: {shown}")
    return "Plan for " + " · ".join(parts)


def _top_warnings(report: PlanReport) -> list[str]:
    """Every warning, refusal and failure again at the top, where a reviewer cannot miss it."""
    lines: list[str] = render_preflight.alarms(report)
    for app in _sorted(report.apps):
        for resource in app.resources:
            lines += _alarms(app, resource)
    if not lines:
        return []
    return ["### ⚠ Read before approving\n\n" + "\n".join(lines)]


def _alarms(app: AppReport, resource: ResourceReport) -> list[str]:
    where = f"**{_prose(app.name)}** · {_title(resource.block)}"
    lines = []
    if resource.error:
        lines.append(f"- ❌ {where}: could not read the live state: {_prose(resource.error)}")
    if resource.plan.blocked:
        lines.append(f"- ⛔ {where}: `up` will refuse: {_prose(resource.plan.blocked)}")
    return lines + [f"- ⚠ {where}: {_prose(warning)}" for warning in resource.plan.warnings]


# --- one mini-program --------------------------------------------------------------------------
def _app(app: AppReport) -> list[str]:
    mode = f" · {app.mode} mode" if app.mode else " · spec removed"
    mode = " · third-party platform" if app.mode == PLATFORM_LEVEL else mode
    blocks = [f"### {_prose(app.name)} · {_code(app.appid)}{mode}"]
    quiet = [resource for resource in app.resources if not resource.interesting]
    blocks += [_resource(resource) for resource in app.resources if resource.interesting]
    quota = [(resource, call) for resource in app.resources for call in resource.plan.calls if call.quota]
    if quota:
        rows = [f"- {_title(resource.block)}: {_code(call.path)} costs {_prose(call.quota or '')}"
                for resource, call in quota]
        blocks.append("**Quota this plan spends**\n\n" + "\n".join(rows))
    if quiet:
        blocks.append("No changes: " + ", ".join(_title(resource.block) for resource in quiet) + ".")
    return blocks


def _resource(resource: ResourceReport) -> str:
    plan = resource.plan
    lines = [f"#### {_action(resource)} {_title(resource.block)} · {_code(resource.name)}"]
    if resource.note:
        lines += ["", " ".join(resource.note.split())]  # the runner's own sentence, not provider text
    if resource.error:
        lines += ["", f"> ❌ could not read the live state: {_prose(resource.error)}"]
    if plan.blocked:
        lines += ["", f"> ⛔ **`up` will refuse:** {_prose(plan.blocked)}"]
    drift = sum(1 for change in plan.changes if change.drift)
    if drift:
        fix = "`up` puts the spec back." if plan.calls else "the manual steps below put the spec back."
        lines += ["", f"> ⚠ **drift:** {_n(drift, 'item')} changed outside Pulumi (in the console); {fix}"]
    if plan.changes:
        lines += ["", _changes(plan.changes)]
    if plan.calls:
        lines += ["", "WeChat writes `up` makes, in order:", ""]
        for number, call in enumerate(plan.calls, start=1):
            cost = f" · quota: {_prose(call.quota)}" if call.quota else ""
            what = f"{call.method} {call.path}" if call.path.startswith("/") else call.path  # not every step is HTTP
            lines.append(f"{number}. {_code(what)}: {_prose(call.summary)}{cost}")
        sent = [json.dumps({"method": call.method, "path": call.path, "args": encode(dict(call.args))},
                           ensure_ascii=False, sort_keys=True) for call in plan.calls]
        lines += ["", _fold("the calls exactly as `up` sends them (`up --plan` holds `up` to these)",
                            _fenced("\n".join(sent)))]
    elif plan.changes and not plan.manual and not plan.blocked and not any(c.after for c in plan.changes):
        lines += ["", "No WeChat write: what changes is recorded in Pulumi state."]
    if plan.manual:
        lines += ["", "Manual steps (no API can do these; `up` never claims them; they stay in every plan "
                  "until WeChat shows them done):", ""]
        lines += [f"- [ ] {_prose(step.text)} _({_prose(step.reason)})_" for step in plan.manual]
    if plan.warnings:
        lines += ["", "\n>\n".join(f"> ⚠ {_prose(warning)}" for warning in plan.warnings)]
    return "\n".join(lines)


def _action(resource: ResourceReport) -> str:
    plan, op = resource.plan, resource.op
    if resource.removed:
        return "− remove from state:"
    if plan.blocked:
        return "⛔ blocked:"
    if op in ADDS:
        return "+ create:" if plan.calls or plan.manual else "+ adopt (live already matches):"
    if op in CHANGES or plan.calls:
        return "~ update:" if plan.calls or plan.manual else "~ update state only:"
    if plan.manual:
        return "☐ manual steps:"
    return "· no change:"


def _changes(changes: list[Change]) -> str:
    """A row per item: live now, where this `up` leaves it, and the target when `up` stops short."""
    short = any(change.after for change in changes)
    rows = ["| | field | live now | after this `up` | target |" if short else "| | field | live now | after `up` |",
            "|---|---|---|---|---|" if short else "|---|---|---|---|"]
    long: list[tuple[Change, str, str]] = []
    for change in changes:
        old, new = _value(change.old), _value(change.new)
        if len(old) > CELL_CHARS or len(new) > CELL_CHARS:
            long.append((change, old, new))
        drift = " **drift**" if change.drift else ""
        sign = OP_SIGNS.get(change.op, change.op)
        row = f"| {sign} | {_cell(change.field)}{drift} | {_cell(old)} | "
        if short:
            after = f"_{_prose(change.after)}_" if change.after else _cell(new)
            row += f"{after} | {_cell(new)} |"
        else:
            row += f"{_cell(new)} |"
        rows.append(row)
    table = "\n".join(rows)
    if len(changes) > FOLD_ROWS:
        table = _fold(_n(len(changes), "item change"), table)
    for change, old, new in long:
        body = _fenced(_pretty(change.old)) + "\n\n→\n\n" + _fenced(_pretty(change.new))
        if not old or not new:
            body = _fenced(_pretty(change.new if new else change.old))
        table += "\n\n" + _fold(f"{_code(change.field)} in full", body)
    return table


# --- the bottom --------------------------------------------------------------------------------
def _engine_output(report: PlanReport) -> list[str]:
    if not report.engine_output.strip():
        return []
    return [_fold("pulumi preview output", _fenced(_tail(report.engine_output), "text"))]


def _footer(report: PlanReport) -> str:
    parts = ["Re-plan: `make plan`", "apply exactly this plan: `python -m runner up --plan plan.json` "
             "(the `--json` of this plan; it refuses if the writes differ)"]
    if report.generated_at:
        parts.append(f"made {report.generated_at}")
    return "<sub>" + " · ".join(parts) + "</sub>"


# --- helpers -----------------------------------------------------------------------------------
def _fit(blocks: list[str], limit: int) -> str:
    """Join whole blocks while they fit; a note says how many were left out (the header always stays)."""
    kept: list[str] = []
    size = 0
    for index, block in enumerate(blocks):
        extra = len(block) + (2 if kept else 0)
        dropped = len(blocks) - index
        note = (f"\n\n> ✂ **Truncated:** {_n(dropped, 'more section')} did not fit in a GitHub comment "
                f"({limit} characters). Run `make plan` for the whole plan.")
        if kept and size + extra + len(note) > limit:
            return "\n\n".join(kept) + note
        kept.append(block if len(block) <= limit - len(note) else block[: limit - len(note)])
        size += extra
    return "\n\n".join(kept) + "\n"


def _sorted(apps: list[AppReport]) -> list[AppReport]:
    return sorted(apps, key=lambda app: (app.name, app.appid))


def _fold(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _title(block: str) -> str:
    return TITLES.get(block, block.replace("_", " "))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)


def _cell(text: str) -> str:
    """A table cell: a code span (no autolinks, no Markdown), cut when long, pipes escaped."""
    if not text:
        return ""
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
    return _code(text).replace("|", "\\|")  # GitHub splits table rows on | even inside code spans


def _fenced(text: str, language: str = "json") -> str:
    """A fenced block whose fence no line of `text` can close."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _tail(text: str, lines: int = OUTPUT_LINES) -> str:
    kept = [line.rstrip()[:300] for line in text.strip("\n").splitlines() if line.strip()]
    if len(kept) > lines:
        kept = [f"… {len(kept) - lines} earlier lines not shown", *kept[-lines:]]
    return "\n".join(kept)
