"""The reliability suite's shared machinery.

- `loopback_only`: a fixture that refuses every non-loopback connection in the test process and,
  through `hooks/sitecustomize.py`, in the processes the Pulumi CLI starts (the provider host);
- the emulator's call log read as *writes*: which calls changed WeChat state, and duplicates;
- `CliProcess`: one CLI operation in a process of its own (`runner.drive`), to kill or to race;
- `next_calls`: what the next `up` would call, computed in-process by the providers' own
  `observe()` (the path their diff() and update() take), without another CLI run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from emulator.testing import EmulatorControl
from runner.env import PROJECT_DIR
from tests.reliability.hooks import loopback_guard

PROJECT = "wechat-iac"
HOOKS = Path(__file__).resolve().parent / "hooks"

APP = "wx2222222222222222"
DEMO_PRIVACY_KEYS = ("UserInfo", "Location", "PhoneNumber")  # the demo templates' privacy_list
PLATFORM_APPID = "wx1111111111111111"
# The dev stack's secrets (Pulumi.dev.yaml, encrypted): the emulator's demo credentials.
DEMO_SECRETS = {
    f"{PROJECT}:componentSecret": "demo-component-secret-0001",
    f"{PROJECT}:componentVerifyTicket": "demo-verify-ticket-0001",
    f"{PROJECT}:demoShopRefreshToken": "demo-refresh-token-0002",
}
PLATFORM_CREDENTIALS = {
    "mode": "platform",
    "component_appid": PLATFORM_APPID,
    "component_secret_config": "componentSecret",
    "verify_ticket_config": "componentVerifyTicket",
    "refresh_token_config": "demoShopRefreshToken",
}

# --- what counts as a write ----------------------------------------------------------------------
# Paths whose every call changes WeChat state, and paths where the body's `action` decides.
WRITE_PATHS = frozenset({
    "/wxa/commit", "/wxa/submit_audit", "/wxa/undocodeaudit", "/wxa/release", "/wxa/grayrelease",
    "/wxa/revertgrayrelease", "/wxa/bind_tester", "/wxa/unbind_tester", "/wxa/setnickname",
    "/cgi-bin/account/modifyheadimage", "/cgi-bin/account/modifysignature", "/cgi-bin/media/upload",
    "/cgi-bin/wxopen/addcategory", "/cgi-bin/wxopen/deletecategory",
    "/cgi-bin/component/setprivacysetting", "/wxa/speedupaudit",
})
ACTION_PATHS = frozenset({"/wxa/modify_domain", "/wxa/setwebviewdomain", "/wxa/modify_domain_directly"})


def is_write(call: dict[str, Any]) -> bool:
    path, body, query = call["path"], call.get("body") or {}, call.get("query") or {}
    if path == "/wxa/setwebviewdomain":
        return body.get("action") != "get"  # no action at all means "add every platform domain"
    if path in ACTION_PATHS:
        return body.get("action") not in ("get", None)
    if path == "/wxa/revertcoderelease":
        return query.get("action") != "get_history_version"
    return path in WRITE_PATHS


def took_effect(call: dict[str, Any]) -> bool:
    """The call changed WeChat: it succeeded, or a `when: after` fault lost the answer of a success."""
    if call.get("fault") is None:
        return call.get("errcode") == 0
    return call.get("applied_errcode") == 0  # CONTROL.md: set when a faulted call kept its effect


def write_key(call: dict[str, Any]) -> tuple[str, str]:
    """A write and what it carried: two effective writes with the same key are a duplicate."""
    return call["path"], json.dumps(call.get("body"), sort_keys=True, ensure_ascii=False)


def effective_writes(calls: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter(write_key(call) for call in calls if is_write(call) and took_effect(call))


def duplicate_writes(calls: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Writes that took effect more than once with the same payload: (path, body) -> extra copies."""
    return {key: count - 1 for key, count in effective_writes(calls).items() if count > 1}


def write_paths(calls: list[dict[str, Any]], effective_only: bool = True) -> list[str]:
    return [call["path"] for call in calls if is_write(call) and (took_effect(call) or not effective_only)]


def domain_changes_used(emu: EmulatorControl, appid: str = APP) -> int:
    """The monthly server-domain modifications WeChat charged (50 a month)."""
    return int((emu.state(appid)["app"].get("domain_changes") or {}).get("used", 0))


def fault_on_call(emu: EmulatorControl, path: str, n: int, **fault: Any) -> None:
    """Make the n-th next call to `path` misbehave (1-based); earlier ones pass through untouched.

    Faults are matched by path only, and a read and a write often share one (modify_domain get /
    set). A pass-through fault (a 1 ms delay, nothing else) absorbs the first n-1 calls.
    """
    if n > 1:
        emu.inject_fault(path, count=n - 1, delay_seconds=0.001)
    emu.inject_fault(path, **fault)


# --- loopback only -------------------------------------------------------------------------------
@dataclass
class Loopback:
    log: Path
    violations: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """Environment for the CLI: the hook folder first on PYTHONPATH, and the guard's log."""
        path = os.pathsep.join([str(HOOKS), str(PROJECT_DIR)])
        return {"PYTHONPATH": path, "WECHAT_IAC_TEST_LOOPBACK_LOG": str(self.log)}

    def problems(self) -> list[str]:
        found = list(self.violations)
        if self.log.exists():
            found += [line for line in self.log.read_text().splitlines() if line]
        return found


@pytest.fixture
def loopback_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    """Fail the test if it, or any process it starts (the runner, the CLI's provider host ...),
    connects to or even looks up a non-loopback address."""
    guard = Loopback(tmp_path / "loopback-violations.log")
    for key, value in guard.env.items():  # every subprocess of the test inherits the guard
        monkeypatch.setenv(key, value + (os.pathsep + os.environ[key] if key == "PYTHONPATH" and
                                         os.environ.get(key) else ""))
    loopback_guard.install(on_violation=guard.violations.append)
    try:
        yield guard
    finally:
        loopback_guard.uninstall()
    assert guard.problems() == [], "a test reached beyond the loopback interface"


def assert_loopback_url(url: str) -> None:
    host = urlparse(url).hostname or ""
    assert loopback_guard.is_loopback(host), f"{url} is not a loopback address"


# --- stacks --------------------------------------------------------------------------------------
def spec_text(blocks: dict[str, Any], appid: str = APP, name: str = "shop",
              credentials: dict[str, Any] | None = None) -> str:
    document = {"appid": appid, "name": name, "credentials": credentials or PLATFORM_CREDENTIALS, **blocks}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def fault_stack(make_stack: Callable[..., Any], emu: EmulatorControl, loopback: Loopback,
                specs: dict[str, str] | None, extra_env: dict[str, str] | None = None,
                config: dict[str, str] | None = None) -> Any:
    """A harness stack that can only talk to this test's emulator, with the loopback guard in its
    provider host. The base URL is set (and checked) before anything runs: the committed
    Pulumi.dev.yaml points at the demo emulator on :8787, which may be someone else's.

    Plain (non-secret) config goes straight into the copy's Pulumi.dev.yaml, which the CLI reads
    on every operation: a `pulumi config set` per key costs a CLI start each."""
    assert_loopback_url(emu.base_url)
    # the demo app's privacy guide covers what the demo templates use: preflight refuses to submit a
    # committed version the guide does not cover (WeChat would reject the audit)
    owner = {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗"}
    privacy = [{"privacy_key": key, "privacy_text": "用于下单"} for key in DEMO_PRIVACY_KEYS]
    emu.console(APP, "set_privacy", owner_setting=owner, setting_list=privacy)
    watch(emu)
    stack = make_stack(specs=specs, extra_env={**loopback.env, **(extra_env or {})})
    stack.after_operation = lambda: snapshot_writes(emu.base_url)
    settings = Path(stack.project_dir) / "Pulumi.dev.yaml"
    document = yaml.safe_load(settings.read_text(encoding="utf-8"))
    values = {"baseUrl": emu.base_url, **(config or {})}
    document["config"].update({f"{PROJECT}:{key}": value for key, value in values.items()})
    settings.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert plain_config(stack)[f"{PROJECT}:baseUrl"] == emu.base_url
    return stack


def plain_config(stack: Any) -> dict[str, Any]:
    document = yaml.safe_load((Path(stack.project_dir) / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    return dict(document.get("config") or {})


def decrypted_config(stack: Any) -> dict[str, str]:
    """The stack config as the provider receives it. The dev stack's secrets are the emulator's
    demo credentials (see runner/env.py); only an unknown secret needs the CLI to decrypt it."""
    config = plain_config(stack)
    if all(not isinstance(value, dict) or key in DEMO_SECRETS for key, value in config.items()):
        return {key: DEMO_SECRETS[key] if isinstance(value, dict) else str(value) for key, value in config.items()}
    return {key: item.value for key, item in stack.stack.get_all_config().items()}


def deployment(stack: Any) -> dict[str, Any]:
    """The stack's latest deployment, as `pulumi stack export` prints it, read from the file
    backend directly (the same JSON, without starting the CLI)."""
    path = state_dir(stack) / "backend" / ".pulumi" / "stacks" / PROJECT / f"{stack.stack.name}.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))["checkpoint"]["latest"])


def workspace_env(stack: Any) -> dict[str, str]:
    return dict(stack.stack.workspace.env_vars)


def token_dir(stack: Any) -> Path:
    return Path(workspace_env(stack)["WECHAT_IAC_TOKEN_CACHE"])


def state_dir(stack: Any) -> Path:
    return Path(workspace_env(stack)["PULUMI_BACKEND_URL"].removeprefix("file://")).parent


def pending_operations(stack: Any) -> list[Any]:
    return list(deployment(stack).get("pending_operations") or [])


def recorded_outputs(stack: Any, type_suffix: str) -> dict[str, Any]:
    resources = deployment(stack).get("resources") or []
    found = [r for r in resources if r["type"].endswith(type_suffix)]
    assert len(found) == 1, [r["type"] for r in resources]
    return dict(found[0].get("outputs") or {})


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def next_calls(stack: Any) -> dict[str, list[str]]:
    """What the next `up` would call, per resource in state: `[]` everywhere means converged.

    Runs each provider's `observe()` in-process with the stack's decrypted config, the spec files
    (as the program reads them) and the outputs the last run recorded; it makes read calls only.
    """
    from providers import _clients
    from providers._base import TYPE_PREFIX
    from providers._settings import Settings
    from providers.models import load_specs
    from providers.registry import RESOURCES, child_name

    settings = Settings.from_config(decrypted_config(stack))
    assert_loopback_url(settings.base_url)
    project = Path(stack.project_dir)
    specs = {spec.name: spec for spec in load_specs(sorted(project.glob(settings.lookup("specs") or "specs/*.yaml")))}
    latest = deployment(stack)
    by_type = {cls.__name__: (block, cls) for block, cls in RESOURCES.items()}
    result: dict[str, list[str]] = {}
    with _clients._lock:
        _clients._clients.clear()  # no in-memory token from another test's emulator
    with _environ(WECHAT_IAC_TOKEN_CACHE=str(token_dir(stack))):
        previous = os.getcwd()
        os.chdir(project)
        try:
            for resource in latest.get("resources") or []:
                kind = resource["type"].rsplit(":", 1)[-1]
                if not resource["type"].startswith(TYPE_PREFIX) or kind not in by_type:
                    continue
                block, cls = by_type[kind]
                outs = dict(resource.get("outputs") or {})
                name = resource["urn"].rsplit("::", 1)[-1]
                spec = next(s for s in specs.values() if name == child_name(s.name, block))
                desired = getattr(spec, block).model_dump(mode="json")
                provider = cls.provider_class()
                provider._settings = settings
                props = {"appid": spec.appid, "credentials": outs["credentials"], "spec": desired}
                plan, _live = provider.observe(provider.context(props), props, outs)
                result[name] = [call.path for call in plan.calls] + (["BLOCKED"] if plan.blocked else [])
        finally:
            os.chdir(previous)
    return result


def assert_converged(stack: Any) -> None:
    assert pending_operations(stack) == [], f"the state still lists interrupted operations: {pending_operations(stack)}"
    plans = next_calls(stack)
    assert plans and all(calls == [] for calls in plans.values()), f"the next up would still call: {plans}"


# --- a CLI run in a process of its own ----------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class CliProcess:
    """`python -m runner.drive <operation>` on a harness stack (the road `make up` takes: runner.engine
    and the real CLI), in a new session, i.e. its own process group, so a test can kill or race it."""

    def __init__(self, stack: Any, operation: str, log: Path, cli_dir: Path) -> None:
        self.log = log
        self.seen: set[int] = set()
        self._out = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed in wait()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "runner.drive", operation, "--project", str(stack.project_dir),
             "--state", str(state_dir(stack)), "--cli", str(cli_dir), "--stack", stack.stack.name,
             "--env", json.dumps(stack.extra_env)],
            stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True, cwd=str(PROJECT_DIR),
        )

    def remember_tree(self) -> set[int]:
        """Every process this run started so far (kept, so survivors can be found after a kill)."""
        self.seen |= descendants(self.proc.pid)
        return self.seen

    def kill_the_run(self) -> None:
        """SIGKILL `pulumi up` as a terminal or a CI runner does: the process group it runs in (the
        driver and the `pulumi` CLI). The plugins the CLI started sit in process groups of their own."""
        self.remember_tree()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def survivors(self) -> list[int]:
        return sorted(pid for pid in self.seen if running(pid))

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def cleanup(self) -> None:
        """Kill, by id, whatever this run started that is still running (a test that failed)."""
        if self.proc.poll() is None:
            self.remember_tree()
        for pid in [self.proc.pid, *self.survivors()]:
            if running(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(10)
        self._out.close()


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# --- never a second commit or submission for one version: checked after every fault-suite test -----
WRITES_COUNTED = ("/wxa/commit", "/wxa/submit_audit")
TABLE_ENV = "WECHAT_IAC_FAULT_TABLE"  # where each test's row goes (JSON lines; scripts/fault_table.py)
_watched: set[str] = set()  # base URLs of the emulators this test's stacks talk to
_snapshots: dict[str, dict[str, Any]] = {}  # base URL -> the last call log and audits read from it


def watch(emu: EmulatorControl) -> None:
    """Count this emulator's commits and submissions when the test ends (fault_stack calls it)."""
    _watched.add(emu.base_url)


def snapshot_writes(base_url: str) -> None:
    """Read the emulator's call log and audits now (after each CLI operation: an emulator may be gone
    by the time the test ends)."""
    if base_url not in _watched:
        return
    emu = EmulatorControl(base_url)  # a client of its own: the test's may be closed by now
    try:
        calls = emu.calls()
        # a call a fault answered before it was handled may carry no appid
        apps = sorted({str(call["appid"]) for call in calls
                       if call.get("path") in WRITES_COUNTED and call.get("appid")})
        audits = {appid: list(emu.state(appid)["app"].get("audits") or []) for appid in apps}
    except Exception:  # an emulator crashed on purpose (or gone): the last snapshot stands
        return
    finally:
        emu.close()
    _snapshots[base_url] = {"calls": calls, "audits": audits}


def writes_per_version(calls: list[dict[str, Any]],
                       audits: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """{"appid version": {"commits", "commits_sent", "submissions"}}: commits that took effect (and
    were sent) with their user_version, from the call log; submissions made through the platform's
    API (not in the console by another party), from the audits WeChat keeps, with their version."""
    table: dict[str, dict[str, int]] = {}

    def row(appid: str, version: str) -> dict[str, int]:
        return table.setdefault(f"{appid} {version}", {"commits": 0, "commits_sent": 0, "submissions": 0})

    apps = {str(call["appid"]) for call in calls if call.get("path") in WRITES_COUNTED and call.get("appid")}
    only = next(iter(apps)) if len(apps) == 1 else "unknown app"
    for call in calls:
        if call.get("path") == "/wxa/commit":
            appid = str(call.get("appid") or only)  # a fault that answered first leaves the appid out
            item = row(appid, str((call.get("body") or {}).get("user_version")))
            item["commits_sent"] += 1
            item["commits"] += int(took_effect(call))
    for appid, items in audits.items():
        for audit in items:
            if audit.get("component_appid"):
                row(appid, str(audit.get("user_version")))["submissions"] += 1
    return table


def check_one_commit_one_submission(test_id: str) -> dict[str, dict[str, int]]:
    """After a fault-suite test: at most one commit and one submission per app and version (the
    platform's audit quota is monthly and shared). Appends the test's row to $WECHAT_IAC_FAULT_TABLE."""
    for base_url in list(_watched):
        snapshot_writes(base_url)
    table: dict[str, dict[str, int]] = {}
    for snap in _snapshots.values():
        for key, counts in writes_per_version(snap["calls"], snap["audits"]).items():
            merged = table.setdefault(key, {"commits": 0, "commits_sent": 0, "submissions": 0})
            for name, value in counts.items():
                merged[name] += value
    _watched.clear()
    _snapshots.clear()
    target = os.environ.get(TABLE_ENV) or str(PROJECT_DIR / ".state" / "fault-suite-table.jsonl")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": test_id, "writes": table}, sort_keys=True) + "\n")
    over = {key: counts for key, counts in table.items() if counts["commits"] > 1 or counts["submissions"] > 1}
    assert not over, f"a second commit or audit submission for one version: {over}"
    return table


@pytest.fixture
def one_commit_one_submission(request: pytest.FixtureRequest) -> Iterator[None]:
    """The fault suite's invariant, applied to every test of tests/reliability and tests/e2e/test_faults*."""
    _watched.clear()
    _snapshots.clear()
    yield
    table = check_one_commit_one_submission(request.node.nodeid)
    if table:
        print(f"WRITES[{request.node.nodeid}] {json.dumps(table, sort_keys=True)}")
