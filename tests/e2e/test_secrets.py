"""No secret or token in anything the project writes, over the demo stack's whole life.

The demo specs (platform mode: every resource the registry declares, the release included) plus a
mini-program in owner mode (its AppSecret) go through up, console drift and its repair, refresh,
the reviewer's plan and destroy. Then every secret the stack was given and every token WeChat (the
emulator) issued is searched for in: the plain `pulumi stack export`, every file under the test's
folder (the file backend with its history and backups, PULUMI_HOME, the project copy, the plan
Markdown, the temp folder the CLI and its plugins were given), the emulator's call log, and all
the output the CLI and the test printed. Token cache files may hold tokens (that is their job) but
must be 0600 in a 0700 folder and hold no AppSecret, ticket or configured refresh token.

Pulumi's own debug logs are not switched on: at high verbosity they record the decrypted config
the engine hands to providers, by design. Any log Pulumi writes by default lands in TMPDIR, which
is searched.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import APP_SECRET, OWNER_APPID, OWNER_SECRET, EmulatorControl
from tests.reliability.support import (
    APP,
    DEMO_SECRETS,
    PROJECT,
    Loopback,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    plain_config,
    spec_text,
    state_dir,
    token_dir,
    workspace_env,
)
from wechat import redact

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

OWNER_SPEC = spec_text(
    {"server_domains": {"request": ["https://api.owner.example.com"]}},
    appid=OWNER_APPID, name="owner-app",
    credentials={"mode": "owner", "app_secret_config": "ownerAppSecret"},
)
CONFIGURED = {**DEMO_SECRETS, f"{PROJECT}:ownerAppSecret": OWNER_SECRET}
NEVER_USED = [APP_SECRET, "demo-app-secret-0004"]  # seed secrets the stack is never given


def plain_export(stack: Any) -> str:
    """`pulumi stack export` as a user runs it: without --show-secrets (the Automation API's
    export_stack adds that flag)."""
    env = {**os.environ, **workspace_env(stack)}
    result = subprocess.run(["pulumi", "stack", "export", "--stack", stack.stack.name],
                            cwd=stack.project_dir, env=env, capture_output=True, text=True, check=True)
    return result.stdout


def provider_blobs(stack: Any) -> list[bytes]:
    """The dill-pickled provider of every resource (`__provider`, a Pulumi secret in state)."""
    blobs = []
    for resource in stack.stack.export_stack().deployment.get("resources") or []:
        for props in (resource.get("inputs") or {}, resource.get("outputs") or {}):
            value = props.get("__provider")
            if isinstance(value, dict):  # a secret: {sig, plaintext: "<JSON string>"}
                value = json.loads(value["plaintext"])
            if isinstance(value, str):
                blobs.append(base64.b64decode(value))
    return blobs


def files_under(root: Path, skip: set[Path]) -> dict[Path, bytes]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and not any(path.is_relative_to(s) for s in skip):
            found[path] = path.read_bytes()
    return found


def test_no_secret_or_token_anywhere_after_the_demo_lifecycle(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback, tmp_path: Path, capfd: Any,  # noqa: F811
) -> None:
    secret_log = tmp_path / "instrumentation" / "registered-secrets.jsonl"
    secret_log.parent.mkdir()
    temp = tmp_path / "cli-tmp"
    temp.mkdir()
    stack = fault_stack(make_stack, emu, loopback_only, None,  # None: the project's own specs/ (demo)
                        extra_env={"WECHAT_IAC_TEST_SECRET_LOG": str(secret_log), "TMPDIR": str(temp)},
                        config={"auditPollSeconds": "0.2"})
    (stack.project_dir / "specs" / "owner-app.yaml").write_text(OWNER_SPEC)
    stack.set_config("ownerAppSecret", OWNER_SECRET, secret=True)

    # --- the whole life of the stack ----------------------------------------------------------
    assert stack.up().summary.result == "succeeded", stack.text()
    emu.console(APP, "set_server_domains", requestdomain=["https://api.shop.example.com"])
    emu.console(APP, "set_webview_domains", webviewdomain=[])
    stack.preview()
    assert stack.up().summary.result == "succeeded", stack.text()  # repairs the console drift
    live = emu.state(APP)["app"]
    assert "https://api2.shop.example.com" in live["domains"]["requestdomain"], stack.text()
    assert stack.refresh().summary.result == "succeeded", stack.text()
    plan_text = ""
    if importlib.util.find_spec("runner.plan") is not None:
        from runner.plan import collect
        from runner.render import render

        plan_text = render(collect(stack.stack, stack.project_dir, "file://…/backend"))
        (tmp_path / "plan.md").write_text(plan_text, encoding="utf-8")
        assert "wx2222222222222222" in plan_text
    export = plain_export(stack)  # before destroy: the state then holds every resource
    blobs = provider_blobs(stack)
    assert blobs, "no serialized provider found in state"
    assert stack.destroy().summary.result == "succeeded", stack.text()

    # --- every secret and token it used ---------------------------------------------------------
    tokens: set[str] = set()
    if secret_log.exists():
        tokens |= {json.loads(line) for line in secret_log.read_text().splitlines() if line}
    tokens |= set(redact._registry)  # the plan ran in this process
    cache = token_dir(stack)
    for entry in cache.glob("*.json"):
        data = json.loads(entry.read_text())
        tokens |= {value for key, value in data.items() if "token" in key and isinstance(value, str)}
    configured = set(CONFIGURED.values())
    secrets = {value for value in tokens | configured | set(NEVER_USED) if len(value) >= 6}
    assert configured <= secrets and len(secrets - configured - set(NEVER_USED)) >= 3, "no token was recorded"

    # --- where they must not be -----------------------------------------------------------------
    captured = capfd.readouterr()
    texts: dict[str, str] = {
        "pulumi stack export (plain)": export,
        "CLI output": stack.text(),
        "test output": captured.out + captured.err,
        "emulator call log": json.dumps(emu.calls(), ensure_ascii=False),
        "plan Markdown": plan_text,
    }
    skip = {cache, secret_log.parent, loopback_only.log}
    written = files_under(tmp_path, skip)
    assert any("backend" in str(path) for path in written), "the file backend was not searched"
    leaks = [(where, secret[:12] + "…") for where, text in texts.items() for secret in secrets if secret in text]
    leaks += [(str(path.relative_to(tmp_path)), secret[:12] + "…") for path, data in written.items()
              for secret in secrets if secret.encode() in data]
    for blob in blobs:
        leaks += [("__provider (dill)", secret[:12] + "…") for secret in secrets if secret.encode() in blob]
    assert leaks == [], leaks
    # the search finds what is there: the instrumentation's own log holds every one of them
    instrumentation = secret_log.read_bytes()
    assert all(secret.encode() in instrumentation for secret in configured), "the search itself is broken"
    print(f"searched {len(secrets)} secrets and tokens in {len(texts)} texts, {len(written)} files "
          f"({sum(map(len, written.values()))} bytes) and {len(blobs)} serialized providers: no leak")

    # --- secrets in stack config are Pulumi secrets ---------------------------------------------
    config = plain_config(stack)
    for key in CONFIGURED:
        assert set(config[key]) == {"secure"}, f"{key} is not a Pulumi secret in Pulumi.dev.yaml"
    assert not any(secret in yaml.safe_dump(config) for secret in configured)

    # --- the token cache: 0600 files in a 0700 folder, tokens only ------------------------------
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    entries = list(cache.iterdir())
    assert any(path.suffix == ".json" for path in entries)
    for path in entries:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is not 0600"
        content = path.read_bytes()
        assert not any(secret.encode() in content for secret in configured | set(NEVER_USED)), path.name
    assert state_dir(stack).is_dir()
