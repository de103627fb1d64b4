"""Shared by the plan-fidelity and adoption tests: which logged calls are writes, and the check that
an `up` made exactly the WeChat writes its plan listed, arguments included. (No tests in here.)

The plan's `ApiCall`s and the emulator's call log speak of the same things: method, path, and the
body of a POST (the query of a GET; for a multipart upload, the query and each part's file name and
size). A `Ref` in a plan (a value an earlier call answers, e.g. a media_id) matches any non-empty
value; a `File` matches the part the emulator received with that name and size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from providers._plan import ApiCall, encode
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
READ_PATHS = frozenset({  # get_experiencer; quota lookups; the jump QR-code rules and their confirm file
    "/wxa/memberauth", "/cgi-bin/openapi/quota/get",
    "/cgi-bin/wxopen/qrcodejumpget", "/cgi-bin/wxopen/qrcodejumpdownload",
    "/cgi-bin/component/api_get_authorizer_info",  # preflight: the permission sets
})
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


TOKEN_PARAMS = ("access_token", "component_access_token")


def made_writes(emu: EmulatorControl) -> Counter[tuple[str, str]]:
    return Counter((str(call["appid"]), str(call["path"])) for call in emu.calls() if not is_read(call))


def planned_writes(report: PlanReport) -> Counter[tuple[str, str]]:
    return Counter((app.appid, call.path) for app, resource in report.resources() for call in resource.plan.calls)


def logged_writes(emu: EmulatorControl) -> list[dict[str, Any]]:
    return [call for call in emu.calls() if not is_read(call)]


def same_value(planned: Any, sent: Any) -> bool:
    """A planned value (JSON form) against what the emulator received."""
    if isinstance(planned, dict) and set(planned) == {"$ref"}:
        return sent not in (None, "")
    if isinstance(planned, dict):
        return isinstance(sent, dict) and set(planned) == set(sent) and all(
            same_value(value, sent[key]) for key, value in planned.items())
    if isinstance(planned, list):
        return isinstance(sent, list) and len(planned) == len(sent) and all(
            same_value(a, b) for a, b in zip(planned, sent, strict=True))
    return bool(planned == sent)


def call_matches(call: ApiCall, entry: dict[str, Any]) -> bool:
    """Did the emulator receive exactly this planned call (method, path and arguments)?"""
    if (entry.get("method"), entry.get("path")) != (call.method, call.path) or entry.get("errcode") not in (0, None):
        return False
    args = encode(dict(call.args))
    query = {key: value for key, value in (entry.get("query") or {}).items() if key not in TOKEN_PARAMS}
    if call.method == "GET":
        return same_value({key: str(value) for key, value in args.items()}, query)
    files = {key: value for key, value in args.items() if isinstance(value, dict) and "$file" in value}
    if files:
        parts = {key: {"filename": Path(value["$file"]).name, "bytes": value["size"]} for key, value in files.items()}
        rest = {key: str(value) for key, value in args.items() if key not in files}
        return same_value(rest, query) and same_value(parts, entry.get("body") or {})
    return same_value(args, entry.get("body") or {})


def ours(entry: dict[str, Any], appid: str) -> bool:
    """A logged call made for this mini-program: with its token, or the platform's own (the template library)."""
    return entry.get("appid") == appid or entry.get("token_kind") == "component"


def fidelity_failures(report: PlanReport, log: list[dict[str, Any]]) -> list[str]:
    """What differs between the plan's calls and the writes the emulator logged: each resource's calls
    in their order (other resources' calls may interleave), and not one write more."""
    failures, used = [], set()
    for app, resource in report.resources():
        position = 0
        for call in resource.plan.calls:
            if not call.path.startswith("/"):
                continue  # a miniprogram-ci step: not a WeChat API call, so not in the log (its effect is)
            found = next((index for index in range(position, len(log)) if index not in used
                          and ours(log[index], app.appid) and call_matches(call, log[index])), None)
            if found is None:
                failures.append(f"planned but not made (in this order, with these args): {app.appid} {resource.block} "
                                f"{call.method} {call.path} {json.dumps(encode(dict(call.args)), ensure_ascii=False)}")
                continue
            used.add(found)
            position = found + 1
    failures += [f"made but not planned: {entry.get('appid')} {entry.get('method')} {entry.get('path')} "
                 f"{json.dumps(entry.get('body'), ensure_ascii=False)}" for index, entry in enumerate(log)
                 if index not in used]
    return failures


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


def plan(stack: Any, *args: str) -> PlanReport:
    """What a reviewer would read now (the engine's preview runs first, as in `make plan`)."""
    completed, _out, data = run_plan(stack, *args)
    if not data.exists():
        raise AssertionError(f"no plan: exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}")
    return report_from_dict(json.loads(data.read_text(encoding="utf-8")))


def up_matches_plan(stack: Any, emu: EmulatorControl, succeeds: bool = True) -> PlanReport:
    """Plan, then `up`; the writes the emulator logged must be the plan's calls, arguments included."""
    report = plan(stack)
    emu.clear_calls()
    try:
        result = stack.up()
    except auto.CommandError:
        if succeeds:
            raise AssertionError(f"`up` failed:\n{stack.text()[-4000:]}") from None
    else:
        assert succeeds, f"`up` succeeded, but its plan is blocked:\n{stack.text()[-4000:]}"
        assert result.summary.result == "succeeded", stack.text()
    failures = fidelity_failures(report, logged_writes(emu))
    if failures:
        listed = "\n".join(f"  {app.appid} {resource.block}: {[call.path for call in resource.plan.calls]}"
                           for app, resource in report.resources())
        raise AssertionError(
            "`up` did not do what the plan said\n  " + "\n  ".join(failures)
            + f"\nplan, per resource:\n{listed}\n--- engine output ---\n{stack.text()[-4000:]}"
        )
    return report


def spec_text(appid: str = APP, credentials: dict[str, Any] | None = None, name: str = "shop", **blocks: Any) -> str:
    document: dict[str, Any] = {"appid": appid, "name": name, "credentials": credentials or PLATFORM}
    document.update({block: value for block, value in blocks.items() if value is not None})
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_spec(stack: Any, text: str, file: str = "shop.yaml") -> None:
    (stack.project_dir / "specs" / file).write_text(text, encoding="utf-8")

