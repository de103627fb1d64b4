"""Shared by the plan-fidelity and adoption tests: which logged calls are writes, and the check that
an `up` made exactly the WeChat writes its plan listed. (No tests in here.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from emulator.testing import EmulatorControl
from runner.env import PROJECT_DIR
from runner.plan_model import PlanReport, report_from_dict

APP, OWNER_APP, PLATFORM_APPID = "wx2222222222222222", "wx3333333333333333", "wx1111111111111111"
PLATFORM = {
    "mode": "platform",
    "component_appid": PLATFORM_APPID,
    "component_secret_config": "componentSecret",
    "verify_ticket_config": "componentVerifyTicket",
    "refresh_token_config": "demoShopRefreshToken",
}
OWNER = {"mode": "owner", "app_secret_config": "ownerAppSecret"}
OWNER_SECRET = "demo-app-secret-0003"  # the demo seed's; the test stack stores it as a secret

# Reads, defined by what they are, not by a list of writes (so a new write can never hide):
TOKEN_PATHS = frozenset({
    "/cgi-bin/token", "/cgi-bin/stable_token", "/cgi-bin/component/api_component_token",
    "/cgi-bin/component/api_authorizer_token", "/cgi-bin/component/api_create_preauthcode",
    "/cgi-bin/component/api_query_auth",
})
READ_PATHS = frozenset({"/wxa/memberauth", "/cgi-bin/openapi/quota/get",  # get_experiencer; quota lookups
                        "/cgi-bin/component/api_get_authorizer_info"})  # preflight: the permission sets
READ_PREFIXES = ("get", "query", "api_wxa_query")  # getaccountbasicinfo, get_latest_auditstatus, queryquota ...
READ_ACTIONS = (  # endpoints that read or write depending on an `action` (in the body or the query)
    ("/wxa/modify_domain", "body", "get"),
    ("/wxa/setwebviewdomain", "body", "get"),
    ("/wxa/revertcoderelease", "query", "get_history_version"),
    ("/cgi-bin/component/modify_wxa_server_domain", "body", "get"),  # the platform's own lists
    ("/cgi-bin/component/modify_wxa_jump_domain", "body", "get"),
)


def is_read(call: dict[str, Any]) -> bool:
    path = str(call["path"])
    if path in TOKEN_PATHS or path in READ_PATHS or path.rsplit("/", 1)[-1].startswith(READ_PREFIXES):
        return True
    return any(path == read_path and (call.get(where) or {}).get("action") == action
               for read_path, where, action in READ_ACTIONS)


def made_writes(emu: EmulatorControl) -> Counter[tuple[str, str]]:
    return Counter((str(call["appid"]), str(call["path"])) for call in emu.calls() if not is_read(call))


def planned_writes(report: PlanReport) -> Counter[tuple[str, str]]:
    return Counter((app.appid, call.path) for app, resource in report.resources() for call in resource.plan.calls)


def run_plan(stack: Any, *args: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """`python -m runner plan` on the harness's project copy, in a process of its own (as the
    harness runs every engine operation: never an inline program in the pytest process)."""
    out, data = stack.project_dir.parent / "plan.md", stack.project_dir.parent / "plan.json"
    for stale in (out, data):
        stale.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "runner", "plan", "--project", str(stack.project_dir),
        "--state", str(stack.env.state_dir), "--cli", str(stack.env.cli_dir), "--stack", stack.stack_name,
        "--out", str(out), "--json", str(data), *args,
    ]
    completed = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600,
                               env={**os.environ, **stack.extra_env}, check=False)
    return completed, out, data


def plan(stack: Any) -> PlanReport:
    """What a reviewer would read now (the engine's preview runs first, as in `make plan`)."""
    completed, _out, data = run_plan(stack)
    if not data.exists():
        raise AssertionError(f"no plan: exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}")
    return report_from_dict(json.loads(data.read_text(encoding="utf-8")))


def up_matches_plan(stack: Any, emu: EmulatorControl) -> PlanReport:
    """Plan, then `up`; the WeChat writes `up` made must be the plan's ApiCalls, path for path."""
    report = plan(stack)
    emu.clear_calls()
    result = stack.up()
    assert result.summary.result == "succeeded", stack.text()
    made, planned = made_writes(emu), planned_writes(report)
    if made != planned:
        listed = "\n".join(f"  {app.appid} {resource.block}: {[call.path for call in resource.plan.calls]}"
                           for app, resource in report.resources())
        raise AssertionError(
            "`up` did not do what the plan said\n"
            f"  made but not planned: {dict(made - planned)}\n"
            f"  planned but not made: {dict(planned - made)}\n"
            f"plan, per resource:\n{listed}\n--- engine output ---\n{stack.text()[-4000:]}"
        )
    return report


def spec_text(appid: str = APP, credentials: dict[str, Any] | None = None, name: str = "shop", **blocks: Any) -> str:
    document: dict[str, Any] = {"appid": appid, "name": name, "credentials": credentials or PLATFORM}
    document.update({block: value for block, value in blocks.items() if value is not None})
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_spec(stack: Any, text: str, file: str = "shop.yaml") -> None:
    (stack.project_dir / "specs" / file).write_text(text, encoding="utf-8")
