"""`python -m runner doctor`: every check for every platform and mini-program of a stack, read-only, as a
table; exit 1 when something would stop `up` (real stack config, emulator over HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from emulator.testing import EmulatorControl
from runner.env import PROJECT_DIR

from .test_plan_support import APP, is_read

pytestmark = pytest.mark.e2e


def doctor(stack: Any) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    data = stack.project_dir.parent / "doctor.json"
    command = [sys.executable, "-m", "runner", "doctor", "--project", str(stack.project_dir), "--state",
               str(stack.env.state_dir), "--cli", str(stack.env.cli_dir), "--stack", stack.stack_name,
               "--json", str(data)]
    completed = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
                               env={**os.environ, **stack.extra_env}, check=False)
    return completed, json.loads(data.read_text(encoding="utf-8")) if data.exists() else {}


def row(name: str, check: str, mark: str) -> str:
    """The start of a row of doctor's table: account, check, verdict in their columns."""
    return f"{name:<14} {check:<24} {mark}"


def test_doctor_on_a_healthy_and_an_unhealthy_stack(make_stack: Any, emu: EmulatorControl) -> None:
    stack = make_stack(config={"baseUrl": emu.base_url})  # the repository's own specs: a platform and a shop
    emu.clear_calls()
    healthy, data = doctor(stack)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    out = healthy.stdout
    for name, check in (("demo-platform", "credentials"), ("demo-platform", "audit_quota"),
                        ("demo-shop", "authorization"), ("demo-shop", "icp"), ("demo-shop", "effective_domains")):
        assert row(name, check, "✓") in out, out
    assert "⛔" not in out and "dev: preflight:" in out
    checks = {finding["check"] for finding in data["findings"]}
    assert {"credentials", "verify_ticket", "audit_quota", "speedup_quota", "token", "authorization", "profile",
            "categories", "privacy", "icp", "template", "domain_registration", "effective_domains",
            "platform_server_domains", "platform_jump_domains", "in_flight_audit"} <= checks
    assert all(is_read(call) for call in emu.calls()), "doctor only reads"
    for secret in ("demo-component-secret-0001", "demo-refresh-token-0002", "demo-verify-ticket-0001"):
        assert secret not in out

    emu.console(APP, "set_icp", status=1024)
    emu.console(APP, "set_permissions", component_appid="wx1111111111111111", permissions=[18])
    unhealthy, data = doctor(stack)
    assert unhealthy.returncode == 1, unhealthy.stdout
    out = unhealthy.stdout
    assert row("demo-shop", "authorization", "⛔") in out and "61007" in out, out
    assert row("demo-shop", "icp", "⛔") in out and "not filed" in out, out
    assert "problem(s) would stop `up` before any write" in out
    assert all(is_read(call) for call in emu.calls())
