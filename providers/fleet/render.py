"""The fleet plan for people: one line for the run's output, and Markdown for the pull request.

The Markdown has, in reading order: one summary line (apps and waves; this `up`'s commits,
submissions and releases; the audit quota it spends and what is left after the reserve), the
waves as a Mermaid chart (GitHub draws it in the comment), a table of the waves, the apps held
back grouped by cause ("37 apps: privacy guide missing PhoneNumber"), then the per-app detail of
this runner's apps folded per wave. Pure: a `FleetPlan` in, text out.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from providers.fleet.planner import (
    BLOCKED,
    COMMITTED,
    FAILURES,
    IN_FLIGHT,
    RELEASE,
    SUBMIT,
    UNKNOWN,
    UNSEEN,
    W_HOLDING,
    W_OPEN,
    W_RELEASED,
    W_STARTED,
    W_STOPPED,
    WAIT,
    AppPlan,
    FleetPlan,
    WaveState,
)
from providers.fleet.waves import Waves

MARKER = "<!-- wechat-iac-fleet -->"
MAX_NAMES = 8  # apps named in a group line before "and N more"
STATUS = {W_RELEASED: "✅ released", W_HOLDING: "⏳ holding", W_OPEN: "▶ open", W_STARTED: "▶ started",
          "waiting": "⏸ waiting", W_STOPPED: "⛔ stopped"}
CLASSES = {W_RELEASED: "done", W_HOLDING: "hold", W_OPEN: "open", W_STARTED: "open", "waiting": "wait",
           W_STOPPED: "stop"}


def counts(plan: FleetPlan) -> dict[str, int]:
    """This run's writes: commits, submissions, releases (the same numbers the resources' plans show)."""
    submits = plan.with_action(SUBMIT)
    return {"commits": sum(1 for app in submits if not _committed(plan, app)), "submissions": len(submits),
            "releases": len(plan.with_action(RELEASE))}


def _committed(plan: FleetPlan, app: AppPlan) -> bool:
    state = plan.states.get(app.appid)
    return state is not None and (state.committed or state.phase == COMMITTED)


def quota_line(plan: FleetPlan) -> str:
    quota, policy = plan.quota, plan.policy
    if quota.rest is None:
        return "audit quota unknown (queryquota gave no rest): nothing is submitted"
    spend = counts(plan)["submissions"]
    held = f", {quota.pending} held by other runners" if quota.pending else ""
    return (f"audit quota: {quota.rest} of {quota.limit} left this month, this `up` spends {spend}, "
            f"{plan.left_after} left to the fleet after it ({policy.audit_reserve} kept in reserve{held})")


def summary_line(plan: FleetPlan, platform: str) -> str:
    """One line for the output of preview and up."""
    c = counts(plan)
    size = sum(w.size for w in plan.waves) + len(plan.unassigned)
    head = f"fleet {platform} {plan.version}: {size} apps in {len(plan.waves)} waves"
    this = f"this `up`: {c['commits']} commits, {c['submissions']} submissions, {c['releases']} releases"
    waits = len(plan.with_action(WAIT))
    stop = f"; STOPPED: {plan.stopped}" if plan.stopped else ""
    return f"{head}; {this}; {quota_line(plan)}; {waits} of this runner's apps wait{stop}"


def held_lines(plan: FleetPlan, platform: str) -> list[str]:
    """One output line per cause this runner's apps are held back or failed for, biggest first."""
    head = f"fleet {platform} {plan.version}"
    failed, held = failed_and_held(plan)
    lines = [f"{head}: failed: {_apps(len(apps))}: {why} ({_plain_names(apps)})" for why, apps in groups(failed)]
    return lines + [f"{head}: waiting: {_apps(len(apps))}: {why} ({_plain_names(apps)})" for why, apps in groups(held)]


def failed_and_held(plan: FleetPlan) -> tuple[list[AppPlan], list[AppPlan]]:
    """This runner's failed apps (with their failure as the reason), and the others held back."""
    failed = [dataclasses.replace(app, reason=_now(plan, app)) for app in plan.apps.values() if app.phase in FAILURES]
    held = [app for app in plan.apps.values() if app.action == WAIT and app.phase not in FAILURES]
    return failed, held


def _plain_names(apps: list[AppPlan]) -> str:
    shown = ", ".join(app.name for app in apps[:MAX_NAMES])
    return shown + (f" and {len(apps) - MAX_NAMES} more" if len(apps) > MAX_NAMES else "")


def groups(apps: Iterable[AppPlan]) -> list[tuple[str, list[AppPlan]]]:
    """Apps grouped by why they are held back, the biggest group first."""
    found: dict[str, list[AppPlan]] = defaultdict(list)
    for app in apps:
        found[app.reason].append(app)
    return sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))


def _apps(count: int) -> str:
    return f"{count} app" if count == 1 else f"{count} apps"


def _names(apps: list[AppPlan]) -> str:
    shown = ", ".join(f"`{app.name}`" for app in apps[:MAX_NAMES])
    return shown + (f" and {len(apps) - MAX_NAMES} more" if len(apps) > MAX_NAMES else "")


def mermaid(plan: FleetPlan, hold_minutes: int) -> str:
    """The waves left to right, each with its progress, coloured by status."""
    lines = ["```mermaid", "flowchart LR"]
    hold = f" -- \"hold {hold_minutes} min\" --> " if hold_minutes else " --> "
    for index, wave in enumerate(plan.waves):
        label = f"{wave.name}<br/>{wave.released}/{wave.size} released"
        extra = [f"{wave.in_flight} in review" if wave.in_flight else "",
                 f"{len(wave.failed)} failed of {wave.budget} allowed" if wave.failed else "",
                 f"{wave.blocked} blocked" if wave.blocked else ""]
        label += "".join(f"<br/>{item}" for item in extra if item)
        node = f'  w{index}["{label}"]:::{CLASSES.get(wave.status, "wait")}'
        lines.append(node if index == 0 else f"  w{index - 1}{hold}w{index}" + node[len(f"  w{index}"):])
    if plan.unassigned:
        lines.append(f'  none["in no wave<br/>{len(plan.unassigned)} apps"]:::wait')
    lines += ["  classDef done fill:#dafbe1,stroke:#1a7f37", "  classDef hold fill:#fff8c5,stroke:#9a6700",
              "  classDef open fill:#ddf4ff,stroke:#0969da", "  classDef wait fill:#f6f8fa,stroke:#8c959f",
              "  classDef stop fill:#ffebe9,stroke:#cf222e", "```"]
    return "\n".join(lines)


def _wave_row(wave: WaveState) -> str:
    failed = f"{len(wave.failed)} / {wave.budget}"
    status = STATUS.get(wave.status, wave.status)
    if wave.reason and wave.status not in (W_RELEASED, W_OPEN):
        status += f": {wave.reason}"
    return (f"| {wave.name} | {wave.size} | {wave.released} | {wave.in_flight} | {failed} | {wave.blocked} | "
            f"{status} |")


def _now(plan: FleetPlan, app: AppPlan) -> str:
    state = plan.states.get(app.appid)
    if state is None:
        return "not read"
    if state.phase == "released":
        return f"released {state.percentage or 100}%"
    if state.phase == "rejected":
        return f"audit rejected: {state.cause or 'no reason given'}"
    if state.phase in FAILURES | {BLOCKED, UNKNOWN, UNSEEN} and state.cause:
        return f"{state.phase}: {state.cause}"
    return state.phase


def markdown(plan: FleetPlan, waves: Waves, platform: str, hold_minutes: int, runner: str = "") -> str:
    c = counts(plan)
    size = sum(w.size for w in plan.waves) + len(plan.unassigned)
    out = [MARKER, f"## Fleet release `{plan.version}` · platform `{platform}`" + (f" · {runner}" if runner else ""),
           ""]
    if plan.stopped:
        out += [f"> ⛔ **The fleet is stopped**: {plan.stopped}. No fleet write is made until the failed apps are "
                "dealt with: declare a new version, or raise the failure budget.", ""]
    out += [f"**{size} apps in {len(plan.waves)} waves** · this `up`: {c['commits']} commits, "
            f"{c['submissions']} submissions, {c['releases']} releases · {quota_line(plan)}", ""]
    out += [mermaid(plan, hold_minutes), ""]
    out += ["| wave | apps | released | in review | failed / budget | blocked | status |",
            "|---|---|---|---|---|---|---|"]
    out += [_wave_row(wave) for wave in plan.waves]
    if plan.unassigned:
        out.append(f"| (in no wave) | {len(plan.unassigned)} | | | | | add a wave to reach them |")
    failed, held = failed_and_held(plan)
    if failed:
        out += ["", f"### Failed ({len(failed)})", ""]
        out += [f"- **{_apps(len(apps))}**: {reason} — {_names(apps)}" for reason, apps in groups(failed)]
    if held:
        out += ["", f"### Held back ({len(held)})", ""]
        out += [f"- **{_apps(len(apps))}**: {reason} — {_names(apps)}" for reason, apps in groups(held)]
    out += ["", "### Per app", ""]
    for wave in waves.waves:
        mine = [plan.apps[m.appid] for m in wave.apps if m.appid in plan.apps]
        if not mine:
            continue
        doing = sum(1 for app in mine if app.action in (SUBMIT, RELEASE))
        out += [f"<details><summary>{wave.name}: {len(mine)} apps, {doing} with writes in this <code>up</code>"
                "</summary>", "", "| app | appid | now | this `up` |", "|---|---|---|---|"]
        out += [f"| {app.name} | `{app.appid}` | {_now(plan, app)} | {_action(plan, app)} |" for app in mine]
        out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


def _action(plan: FleetPlan, app: AppPlan) -> str:
    if app.action == SUBMIT:
        return ("submit" if _committed(plan, app) else "commit, submit") + " (1 audit)"
    if app.action == RELEASE:
        return f"release to {plan.policy.target_percentage}%"
    if app.action == WAIT:
        return f"waits: {app.reason}"
    state = plan.states.get(app.appid)
    return "—" if state is None or state.phase not in IN_FLIGHT else "— (under review)"
