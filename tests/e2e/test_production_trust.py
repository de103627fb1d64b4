"""A spec-only pull request cannot read a stack secret through the plan (runner/trust.py).

The spec's token command below appends the passphrase it can see to a file. In a trusted plan it
runs, and the file proves the secret was in reach (so this test can fail); in the plan of an
untrusted change (`--untrusted`, or WECHAT_IAC_UNTRUSTED=1 as the workflow sets it) it never runs,
and the plan document says why. A ticket read from an environment variable the spec names is
refused the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import APPID, EmulatorControl
from runner.env import DEV_PASSPHRASE
from tests.e2e.test_plan_support import run_plan

pytestmark = pytest.mark.e2e


def spec(credentials: dict[str, Any]) -> str:
    return yaml.safe_dump({"appid": APPID, "name": "shop", "credentials": credentials,
                           "server_domains": {"request": ["https://api.shop.example.com"]}})


def stealing_command(evidence: Path) -> list[str]:
    code = (f"import os; open({str(evidence)!r}, 'a').write(os.environ.get('PULUMI_CONFIG_PASSPHRASE', 'none') "
            "+ chr(10)); print('{\"access_token\": \"t\", \"expires_in\": 7200}')")
    return [sys.executable, "-c", code]


def test_a_pull_requests_token_command_cannot_read_a_secret_in_a_plan(make_stack: Any, emu: EmulatorControl,
                                                                      tmp_path: Path) -> None:
    evidence = tmp_path / "stolen.txt"
    stack = make_stack(specs={"shop.yaml": spec({"mode": "command", "command": stealing_command(evidence)})},
                       config={"baseUrl": emu.base_url})

    for how in (["--untrusted"], []):
        extra = {} if how else {"WECHAT_IAC_UNTRUSTED": "1"}
        stack.extra_env.update(extra)
        done, out, _data = run_plan(stack, *how)
        for key in extra:
            del stack.extra_env[key]
        assert done.returncode == 1, done.stdout + done.stderr
        assert not evidence.exists(), "the spec's command ran in an untrusted plan"
        document = out.read_text(encoding="utf-8")
        assert "not made for an untrusted change" in document
        assert "`specs/shop.yaml`: `credentials.command` runs a program the spec names" in document

    # The same plan, trusted (a maintainer's own `make plan`): the command runs, with the secret in reach
    # (in the provider host that `pulumi preview` starts).
    run_plan(stack)
    assert DEV_PASSPHRASE in evidence.read_text(encoding="utf-8").splitlines()


def test_a_ticket_from_an_environment_variable_the_spec_names_is_refused(make_stack: Any,
                                                                        emu: EmulatorControl) -> None:
    credentials = {"mode": "platform", "component_appid": "wx1111111111111111",
                   "component_secret_config": "componentSecret", "verify_ticket_env": "PULUMI_CONFIG_PASSPHRASE",
                   "refresh_token_config": "demoShopRefreshToken"}
    stack = make_stack(specs={"shop.yaml": spec(credentials)}, config={"baseUrl": emu.base_url})
    emu.clear_calls()

    done, out, _data = run_plan(stack, "--untrusted")

    assert done.returncode == 1
    assert "`credentials.verify_ticket_env` reads an environment variable" in out.read_text(encoding="utf-8")
    assert emu.calls() == []  # refused before the engine started: nothing reached WeChat
