"""`python -m runner plan`: the command writes the Markdown (and JSON) and prints one line; a program
the engine rejects gets no plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.testing import EmulatorControl
from runner.render import MARKER

from .test_plan_support import run_plan, spec_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(make_stack: Any, emu: EmulatorControl) -> Any:
    return make_stack(specs={"shop.yaml": spec_text(server_domains={"request": ["https://api2.shop.example.com"]})},
                      config={"baseUrl": emu.base_url})


def test_the_plan_command_writes_markdown_and_prints_one_line(stack: Any) -> None:
    completed, out, data = run_plan(stack, "--commit", "abcdef0123456789")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip().splitlines() == [
        f"dev: 1 to add, 0 to change, 0 to remove · 5 item changes (0 drift) · 1 WeChat write · "
        f"0 manual steps · ⚠ 1 warning (plan: {out})"
    ]
    text = out.read_text(encoding="utf-8")
    assert text.startswith(MARKER) and "commit `abcdef012345`" in text
    assert "| + | `request` |  | `https://api2.shop.example.com` |" in text
    assert "backend `file://…/backend`" in text
    machine = json.loads(data.read_text(encoding="utf-8"))
    assert machine["counts"]["writes"] == 1 and machine["apps"][0]["resources"][0]["op"] == "create"
    for secret in ("demo-refresh-token-0002", "demo-component-secret-0001", "demo-verify-ticket-0001"):
        assert secret not in text and secret not in data.read_text(encoding="utf-8")


def test_no_plan_for_a_program_the_engine_rejects(stack: Any) -> None:
    (stack.project_dir / "specs" / "shop.yaml").write_text("appid: not-an-appid\n", encoding="utf-8")
    completed, out, data = run_plan(stack)
    assert completed.returncode == 1
    assert "the engine rejected the program" in completed.stdout
    text = out.read_text(encoding="utf-8")
    assert "the engine rejected the program" in text and "must be an appid" in text
    assert "to add" not in text and not data.exists()
