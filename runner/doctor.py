"""`python -m runner doctor [--stack dev]`: every preflight check of a stack, read-only, as a table.

For every platform and mini-program the stack's specs name, it reads (in parallel) everything the
checks use, whatever `up` would do now: tokens and the verify ticket, authorizations and their
permission sets, the audit and speed-up quotas, profiles, categories, privacy guides, ICP filings,
templates, the platform's domain lists and each mini-program's effective domains. Nothing is
written, and no Pulumi program runs. Exit status: 1 when something would stop `up` (⛔), else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from providers import _rotation, preflight_checks
from providers._base import Context
from providers._settings import Settings
from providers.models import SpecError, load_stack
from providers.preflight_checks import Finding, Report
from providers.program import DEFAULT_SPECS
from runner import project_args
from runner.plan import StateResource, state_resources, working_dir
from wechat.redact import scrub

WIDTHS = (14, 24, 2)  # account, check, mark


def table(report: Report) -> str:
    """The findings as a plain-text table, grouped by account, most severe first within each."""
    order = {"block": 0, "warn": 1, "unknown": 2, "ok": 3}
    rows = [f"{'account':<{WIDTHS[0]}} {'check':<{WIDTHS[1]}}    finding"]
    seen: list[str] = []
    for finding in report.findings:
        if finding.subject not in seen:
            seen.append(finding.subject)
    for subject in seen:
        for finding in sorted(report.of(subject), key=lambda f: order[f.severity]):
            rows.append(_row(finding))
        for note in report.notes.get(subject, []):
            rows.append(f"{'':<{WIDTHS[0]}} {'':<{WIDTHS[1]}}    · {note}")
    return "\n".join(rows)


def _row(finding: Finding) -> str:
    text = finding.message
    if finding.errcode is not None and finding.severity in ("block", "warn"):
        text += f" [errcode {finding.errcode_text()}]"
    if finding.fix and finding.severity != "ok":
        text += f" → {finding.fix}"
    return f"{finding.name[:WIDTHS[0]]:<{WIDTHS[0]}} {finding.check:<{WIDTHS[1]}} {finding.mark:<{WIDTHS[2]}} {text}"


def diagnose(project_dir: Path, settings: Settings, pattern: str | None = None,
             state: dict[str, StateResource] | None = None) -> Report:
    """Load the stack's specs (from `project_dir`) and run every check in full, read-only. `state`: the
    stack's resources, whose recorded rotated refresh tokens are offered first (as `up` does)."""
    for resource in (state or {}).values():
        outputs = resource.outputs
        if isinstance(outputs.get("credentials"), dict) and outputs.get("appid"):
            _rotation.offer_recorded(Context(str(outputs["appid"]), dict(outputs["credentials"]), settings), outputs)
    with working_dir(project_dir):
        paths = sorted(path.relative_to(project_dir) for path in project_dir.glob(pattern or DEFAULT_SPECS))
        stack = load_stack(paths)
        return preflight_checks.run(stack, settings, full=True, show_domains=True, state_known=state is not None)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner doctor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the findings as JSON, for tools")
    project_args.add_arguments(parser)
    args = parser.parse_args(argv)
    _env, project_dir, stack = project_args.open_stack(args)
    settings = project_args.stack_settings(stack)
    started = time.monotonic()
    try:
        state = state_resources(stack.export_stack().deployment)
        report = diagnose(project_dir, settings, settings.lookup("specs"), state)
    except SpecError as error:
        out(f"invalid spec:\n{error}")
        return 1
    elapsed = time.monotonic() - started
    out(scrub(table(report)))
    out(f"{args.stack}: {report.summary()} (read in {elapsed:.1f} s)")
    if args.json:
        args.json.write_text(scrub(json.dumps(report.to_dict(), ensure_ascii=False, indent=1)), encoding="utf-8")
    if report.blocked:
        out(f"{args.stack}: ⛔ {len(report.blocking())} problem(s) would stop `up` before any write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
