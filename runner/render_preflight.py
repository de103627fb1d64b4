"""The preflight part of the reviewers' plan: pure functions of the findings (`PlanReport.preflight`).

- `alarms`: every ⛔ at the top, next to the other refusals, because it stops the whole `up`;
- `section`: a table of what is not ✓ (check, account, verdict, errcode avoided, what to do), the
  count of checks passed, and per mini-program what a release through the platform leaves in force.
"""

from __future__ import annotations

from typing import Any

from runner.plan_model import PlanReport

MARKS = {"block": "⛔", "warn": "⚠", "unknown": "?", "ok": "✓"}
ORDER = {"block": 0, "warn": 1, "unknown": 2, "ok": 3}


def alarms(report: PlanReport) -> list[str]:
    return [f"- ⛔ **{f['name']}** · preflight {f['check']}: `up` stops before any write: {_inline(f['message'])}"
            for f in report.preflight_findings() if f.get("severity") == "block"]


def section(report: PlanReport) -> list[str]:
    findings = report.preflight_findings()
    if report.preflight is None:
        return []
    passed = sum(1 for f in findings if f.get("severity") == "ok")
    shown = sorted((f for f in findings if f.get("severity") != "ok"), key=lambda f: ORDER.get(f["severity"], 9))
    lines = ["### Preflight: will WeChat accept it?", ""]
    if shown:
        lines += ["| | check | account | finding | errcode avoided | what to do |", "|---|---|---|---|---|---|"]
        lines += [f"| {MARKS.get(f['severity'], '')} | {f['check']} | {_cell(f['name'])} | {_cell(f['message'])} | "
                  f"{f['errcode'] if f.get('errcode') is not None else ''} | {_cell(f.get('fix') or '')} |"
                  for f in shown]
        lines.append("")
    verdict = "⛔ `up` stops before any write until the ⛔ rows are fixed." if report.preflight_blocked else \
        "Nothing blocks `up`."
    lines.append(f"{passed} of {len(findings)} checks passed. {verdict}")
    notes = (report.preflight or {}).get("notes") or {}
    if notes:
        names = {f["subject"]: f["name"] for f in findings}
        body = "\n".join(f"- **{names.get(subject, subject)}**: {_inline(note)}"
                         for subject, items in sorted(notes.items()) for note in items)
        title = "Live facts per mini-program (domains after a release, audit events)"
        lines += ["", f"<details><summary>{title}</summary>\n\n{body}\n\n</details>"]
    return ["\n".join(lines)]


def _inline(text: Any) -> str:
    return " ".join(str(text).split())


def _cell(text: Any) -> str:
    return _inline(text).replace("|", "\\|")
