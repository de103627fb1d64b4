"""Shared machinery of the benchmarks: a generated emulator world, private project copies driven by
the real Pulumi CLI (as tests/e2e/conftest.py does, without pytest), the emulator call log sorted
into token fetches, reads and writes, a peak-memory sampler for the provider host, and the
results file.

Nothing here is timed by itself; the scripts next to it are the benchmarks.
"""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi import automation as auto  # noqa: E402

from emulator.testing import EmulatorControl  # noqa: E402
from runner import engine  # noqa: E402
from runner.env import PulumiEnv, find_pulumi_cli, pulumi_env  # noqa: E402

BENCH_DIR = ROOT / "bench"
RESULTS = BENCH_DIR / "RESULTS.md"
HOOKS_DIR = BENCH_DIR / "hooks"  # sitecustomize for the provider host (profiling), opt-in by env var
PROJECT_FILES = ("Pulumi.yaml", "__main__.py")
STACK = "bench"

# --- the generated world ---------------------------------------------------------------------------
PLATFORM = "wxb0b0b0b0b0b0b0b0"  # the bench's third-party platform
PLATFORM_SECRET = "bench-component-secret"
VERIFY_TICKET = "bench-verify-ticket"
REFRESH_TOKEN = "bench-refresh-token"  # every bench app shares it: one stack config key for all
DEV_APPID = "wxd0d0d0d0d0d0d0d0"  # the platform's development mini-program (template source)
DOMAINS = {
    "request": "https://api.bench.example.com",
    "socket": "wss://ws.bench.example.com",
    "upload": "https://upload.bench.example.com",
    "download": "https://cdn.bench.example.com",
}
EXTRA_DOMAIN = "https://api2.bench.example.com"  # registered on the platform, used by "one domain change"
WEBVIEW = "https://h5.bench.example.com"
TESTER = "bench-tester-a"
SIGNATURE = "基准测试商城，用于衡量部署开销"
CATEGORY = {"first": 304, "second": 305}
TEMPLATES = [("1.0.0", "first release"), ("1.1.0", "second release")]


def appid_of(index: int) -> str:
    """wx + 16 hex digits, distinct per index and from every fixed id above."""
    return f"wx{0xbe00000000000000 + index:016x}"


def app_name(index: int) -> str:
    return f"app-{index:03d}"


def nickname_of(index: int) -> str:
    return f"Bench Shop {index:03d}"


def bench_seed(apps: int, live_version: str = "0.9.0") -> dict[str, Any]:
    """An emulator seed with `apps` mini-programs authorized to one platform (same refresh token).

    Their live state already matches what `bench_spec` declares except for whatever the first `up`
    has to write (it depends on the providers registered); `live_version` is the released version.
    """
    hosts = sorted({url.split("://", 1)[1] for url in [*DOMAINS.values(), EXTRA_DOMAIN]})
    drafts = [{"draft_id": i + 1, "user_version": version, "user_desc": desc,
               "source_miniprogram_appid": DEV_APPID, "pages": ["pages/index/index"], "privacy_list": ["UserInfo"]}
              for i, (version, desc) in enumerate(TEMPLATES)]
    templates = [{"template_id": i + 1, "draft_id": i + 1, "user_version": version, "user_desc": desc,
                  "pages": ["pages/index/index"], "privacy_list": ["UserInfo"]}
                 for i, (version, desc) in enumerate(TEMPLATES)]
    quota = 4 * apps + 20  # every app may submit a few audits
    seed: dict[str, Any] = {
        "known_users": None,
        "platforms": [{
            "component_appid": PLATFORM, "component_appsecret": PLATFORM_SECRET, "verify_ticket": VERIFY_TICKET,
            "server_domains": hosts, "webview_domains": [WEBVIEW.split("://", 1)[1]],
            "audit_quota": {"limit": quota, "rest": quota, "speedup_limit": 10, "speedup_rest": 10},
            "drafts": drafts, "templates": templates,
            "audit": {"auto_decide_after_seconds": 0, "decision": "approve"},
        }],
        "miniprograms": [{
            "appid": DEV_APPID, "secret": "bench-dev-secret", "account_type": "organization", "verified": True,
            "published": False, "principal_name": "Bench Ltd", "nickname": "Bench Dev",
            "signature": "基准测试开发用小程序代码模板",
        }],
        "authorizations": [],
    }
    for i in range(apps):
        appid = appid_of(i)
        seed["miniprograms"].append({
            "appid": appid, "secret": f"bench-app-secret-{i:03d}", "account_type": "organization",
            "verified": True, "published": True, "principal_name": "Bench Ltd", "nickname": nickname_of(i),
            "signature": SIGNATURE, "categories": [dict(CATEGORY)],
            "server_domains": {"requestdomain": [DOMAINS["request"]], "wsrequestdomain": [DOMAINS["socket"]],
                               "uploaddomain": [DOMAINS["upload"]], "downloaddomain": [DOMAINS["download"]]},
            "webview_domains": [WEBVIEW.split("://", 1)[1]], "testers": [TESTER],
            "release": {"user_version": live_version, "user_desc": "live before the bench"},
        })
        seed["authorizations"].append({"component_appid": PLATFORM, "authorizer_appid": appid,
                                       "refresh_token": REFRESH_TOKEN, "permissions": [1, 18, 30]})
    return seed


def bench_spec(index: int, version: str = "1.0.0", extra_domain: bool = False,
               testers: Sequence[str] = (TESTER,)) -> dict[str, Any]:
    """A spec with every block a spec can have; the program manages those `registry` registers."""
    appid = appid_of(index)
    template = 1 + [v for v, _ in TEMPLATES].index(version)
    return {
        "appid": appid,
        "name": app_name(index),
        "account": {"type": "organization", "verified": True, "published": True},
        "credentials": {"mode": "platform", "component_appid": PLATFORM,
                        "component_secret_config": "benchComponentSecret",
                        "verify_ticket_config": "benchVerifyTicket",
                        "refresh_token_config": "benchRefreshToken"},
        "server_domains": {"request": [DOMAINS["request"], *([EXTRA_DOMAIN] if extra_domain else [])],
                           "socket": [DOMAINS["socket"]], "upload": [DOMAINS["upload"]],
                           "download": [DOMAINS["download"]], "udp": [], "tcp": []},
        "webview_domains": {"domains": [WEBVIEW]},
        "testers": {"members": list(testers), "authoritative": False},
        "developers": [{"wechat_id": "bench-dev-a", "roles": ["developer"]}],
        "profile": {"nickname": nickname_of(index), "signature": SIGNATURE},
        "categories": [dict(CATEGORY)],
        "privacy": {"owner_setting": {"contact_email": "privacy@bench.example.com", "notice_method": "弹窗提示",
                                      "store_expire_timestamp": "30天"},
                    "settings": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}]},
        "release": {"version": version, "description": f"version {version}", "source": {"template_id": template},
                    "audit": {"version_desc": f"what is new in {version}"},
                    "rollout": {"gray_percentage": 100}},
    }


def write_specs(project_dir: Path, apps: int, **changes: Any) -> None:
    specs = project_dir / "specs"
    specs.mkdir(exist_ok=True)
    for old in specs.glob("*.yaml"):
        old.unlink()
    for i in range(apps):
        text = yaml.safe_dump(bench_spec(i, **changes), sort_keys=False, allow_unicode=True)
        (specs / f"{app_name(i)}.yaml").write_text(text, encoding="utf-8")


def registered_blocks() -> list[str]:
    """What providers/registry.py registers right now (in this checkout)."""
    from providers.registry import RESOURCES

    return list(RESOURCES)


def stack_config(base_url: str) -> dict[str, auto.ConfigValue]:
    return {
        "baseUrl": auto.ConfigValue(base_url),
        "specs": auto.ConfigValue("specs/*.yaml"),
        "benchComponentSecret": auto.ConfigValue(PLATFORM_SECRET, secret=True),
        "benchVerifyTicket": auto.ConfigValue(VERIFY_TICKET, secret=True),
        "benchRefreshToken": auto.ConfigValue(REFRESH_TOKEN, secret=True),
        "uploader": auto.ConfigValue("emulator"),
        "devMiniProgramAppid": auto.ConfigValue(DEV_APPID),
        "auditPollSeconds": auto.ConfigValue("1"),
    }


# --- a private project copy and its stack ----------------------------------------------------------
FLOOR_PROGRAM = '''"""Benchmark floor: the real stack's shape (N components of K children) in Noop resources."""

import pulumi

from providers.noop import Noop

config = pulumi.Config()
for i in range(config.require_int("benchApps")):
    name = f"app-{i:03d}"
    parent = pulumi.ComponentResource("wechat:index:MiniProgram", name, None)
    children = pulumi.ResourceOptions(parent=parent)
    for j in range(config.require_int("benchResourcesPerApp")):
        Noop(f"{name}-r{j}", "steady", children)
    parent.register_outputs({"appid": name})
    pulumi.export(name, name)
'''


_CLI_DIR: Path | None = None


def cli_dir() -> Path:
    global _CLI_DIR
    if _CLI_DIR is None:
        _CLI_DIR = find_pulumi_cli()
    return _CLI_DIR


@dataclass
class Run:
    """One engine operation: how long it took (wall, from the bench process) and what it reported."""

    operation: str
    seconds: float
    changes: dict[str, int]


@dataclass
class BenchStack:
    """One stack in a private project copy with its own file backend and token cache."""

    root: Path
    project_dir: Path
    env: PulumiEnv
    stack: auto.Stack
    token_dir: Path
    output: list[str] = field(default_factory=list)

    def run(self, operation: str, **kwargs: Any) -> Run:
        self.output.append(f"--- {operation} ---")
        started = time.perf_counter()
        result = engine.run(operation, self.stack, on_output=self.output.append, **kwargs)
        seconds = time.perf_counter() - started
        if operation == "preview":
            changes = dict(result.change_summary or {})
        else:
            changes = dict(result.summary.resource_changes or {})
        return Run(operation, seconds, {str(k): int(v) for k, v in changes.items()})

    def resource_types(self) -> Counter[str]:
        deployment = self.stack.export_stack().deployment or {}
        return Counter(str(r["type"]) for r in deployment.get("resources", []))

    def clear_tokens(self) -> None:
        shutil.rmtree(self.token_dir, ignore_errors=True)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output[-lines:])


def make_stack(root: Path, *, program: str | None = None, config: dict[str, auto.ConfigValue] | None = None,
               extra_env: dict[str, str] | None = None) -> BenchStack:
    """A project copy under `root` (project files; `program` replaces __main__.py), a file backend
    and token cache of its own, and the stack `bench` in it with `config` set."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, project / name)
    if program is not None:
        (project / "__main__.py").write_text(program, encoding="utf-8")
    env = pulumi_env(STACK, state_dir=root / "state", cli_dir=cli_dir())
    token_dir = root / "tokens"
    # not the dev stack, so not its demo passphrase (runner.stacks refuses it for any other stack)
    environment = {"WECHAT_IAC_TOKEN_CACHE": str(token_dir), "PULUMI_CONFIG_PASSPHRASE": "bench-only-passphrase",
                   **(extra_env or {})}
    stack = engine.open_stack(STACK, project_dir=project, env=env, extra_env=environment, create=True)
    if config:
        stack.set_all_config(config)
    return BenchStack(root, project, env, stack, token_dir)


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"wechat-iac-bench-{prefix}-"))


def converge(bench: BenchStack, attempts: int = 3) -> int:
    """`up` until a preview shows no change (bounded); returns how many ups it took."""
    for attempt in range(1, attempts + 1):
        bench.run("up")
        preview = bench.run("preview")
        if not changed(preview):
            return attempt
    raise RuntimeError(f"the stack did not converge after {attempts} ups:\n{bench.tail()}")


def changed(run: Run) -> dict[str, int]:
    return {kind: count for kind, count in run.changes.items() if kind != "same" and count}


# --- the emulator call log -------------------------------------------------------------------------
TOKEN_PATHS = frozenset({
    "/cgi-bin/component/api_component_token", "/cgi-bin/component/api_authorizer_token",
    "/cgi-bin/component/api_query_auth", "/cgi-bin/token", "/cgi-bin/stable_token",
})
# One endpoint, read or write by its `action`: action=get reads.
ACTION_PATHS = frozenset({"/wxa/modify_domain", "/wxa/setwebviewdomain", "/wxa/modify_domain_directly",
                          "/cgi-bin/component/modify_wxa_server_domain"})
READ_PATHS = frozenset({"/wxa/memberauth", "/cgi-bin/account/getaccountbasicinfo"})
READ_PREFIXES = ("get", "query", "api_wxa_query")


def call_kind(call: dict[str, Any]) -> str:
    """token | read | write, for one entry of the emulator's call log.

    Reads: token-free lookups named get*/query* (getversioninfo, get_latest_auditstatus,
    gettemplatelist, queryquota, getprivacysetting, openapi/quota/get, ...), memberauth
    (get_experiencer), getaccountbasicinfo, revertcoderelease?action=get_history_version, and the
    modify-or-get endpoints (modify_domain, setwebviewdomain, ...) with action=get. Token
    endpoints are counted apart. Everything else writes (including uploads and pre-auth codes).
    """
    path = str(call["path"])
    if path in TOKEN_PATHS:
        return "token"
    body = call.get("body") if isinstance(call.get("body"), dict) else {}
    query = call.get("query") if isinstance(call.get("query"), dict) else {}
    assert isinstance(body, dict) and isinstance(query, dict)
    if path in ACTION_PATHS:
        return "read" if body.get("action") == "get" else "write"
    if path == "/wxa/revertcoderelease":
        return "read" if query.get("action") == "get_history_version" else "write"
    if path in READ_PATHS or path.rsplit("/", 1)[-1].startswith(READ_PREFIXES):
        return "read"
    return "write"


# Which resource makes each read (from each provider's "Live read:" docstring); "?" = unknown.
READ_OWNERS = {
    "/wxa/modify_domain": "ServerDomains", "/wxa/getwxadevinfo": "ServerDomains/WebviewDomains (owner)",
    "/wxa/setwebviewdomain": "WebviewDomains", "/wxa/memberauth": "Testers",
    "/cgi-bin/account/getaccountbasicinfo": "Profile", "/wxa/api_wxa_querynickname": "Profile",
    "/cgi-bin/wxopen/getcategory": "Categories", "/cgi-bin/component/getprivacysetting": "PrivacySettings",
    "/wxa/getversioninfo": "Release", "/wxa/get_latest_auditstatus": "Release",
    "/wxa/getgrayreleaseplan": "Release", "/wxa/queryquota": "Release", "/wxa/revertcoderelease": "Release",
    "/wxa/gettemplatelist": "Release", "/wxa/gettemplatedraftlist": "Release",
}


def reads_by_resource(calls: Iterable[dict[str, Any]]) -> Counter[str]:
    return Counter(READ_OWNERS.get(str(c["path"]), "?") for c in calls if call_kind(c) == "read")


@dataclass
class CallCount:
    tokens: int = 0
    reads: int = 0
    writes: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    per_app: Counter[str] = field(default_factory=Counter)  # token fetches per account
    by_resource: Counter[str] = field(default_factory=Counter)  # reads, by the resource making them

    @property
    def total(self) -> int:
        return self.tokens + self.reads + self.writes

    def paths(self, kind: str | None = None) -> str:
        items = [(p, n) for p, n in sorted(self.by_path.items()) if kind is None or p.startswith(kind + " ")]
        return ", ".join(f"{p.split(' ', 1)[1]} x{n}" if n > 1 else p.split(" ", 1)[1] for p, n in items) or "-"


def count_calls(calls: Iterable[dict[str, Any]]) -> CallCount:
    out = CallCount()
    calls = list(calls)
    out.by_resource = reads_by_resource(calls)
    for call in calls:
        kind = call_kind(call)
        body = call.get("body") if isinstance(call.get("body"), dict) else {}
        action = (body or {}).get("action") or (call.get("query") or {}).get("action")
        label = f"{call['path']}?action={action}" if action else str(call["path"])
        out.by_path[f"{kind} {label}"] += 1
        if kind == "token":
            out.tokens += 1
            # whose token: the mini-program an authorizer token is for, else the caller's account
            out.per_app[str((body or {}).get("authorizer_appid") or call.get("appid"))] += 1
        elif kind == "read":
            out.reads += 1
        else:
            out.writes += 1
    return out


def calls_during(control: EmulatorControl, action: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    control.clear_calls()
    result = action()
    return result, control.calls()


# --- the provider host's memory ------------------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _is_provider_host(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"pulumi.dynamic" in fh.read()
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class HostMemory:
    """Samples VmHWM (peak resident set) of this process's `python -m pulumi.dynamic` descendants.

    Use as a context manager around one engine operation; `peak_mb` is the largest peak seen.
    Only the provider host processes this bench started are looked at (descendants of this PID).
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        known: set[int] = set()
        deadline = time.monotonic() + 3600  # bounded even if nobody stops it
        while not self._stop.is_set() and time.monotonic() < deadline:
            for pid in _descendants(os.getpid()):
                if pid in known or _is_provider_host(pid):
                    known.add(pid)
                    kb = _status_kb(pid, "VmHWM")
                    if kb:
                        self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
            self._stop.wait(self.interval)

    @property
    def peak_mb(self) -> float:
        return max(self.peaks.values(), default=0) / 1024

    def __enter__(self) -> HostMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# --- statistics, tables, the results file -----------------------------------------------------------
def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _run_text(args: Sequence[str]) -> str:
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict[str, str]:
    """What the numbers were measured on (and how busy it was when the bench started)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = _status_meminfo("MemTotal")
    commit = _run_text(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _run_text(["git", "status", "--porcelain", "--untracked-files=no"])
    pulumi_version = _run_text([str(cli_dir() / "pulumi"), "version"]) or "unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": f"{os.cpu_count()} ({model or platform.machine()})",
        "memory": f"{memory / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "python": platform.python_version(),
        "pulumi": pulumi_version,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "load average (1, 5, 15 min) at start": load,
        "os": f"{platform.system()} {platform.release()}",
    }


def _status_meminfo(key: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_text(info: dict[str, str]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in info.items())


def report(title: str, body: str, info: dict[str, str], command: str, save: bool = True) -> None:
    """Print the section and append it to bench/RESULTS.md."""
    text = f"## {title}\n\n`{command}`\n\nMachine: {machine_text(info)}\n\n{body.rstrip()}\n"
    print("\n" + text)
    if save:
        header = "" if RESULTS.exists() else (
            "# Benchmark results\n\nAppended by the scripts in bench/ (newest last); see each section's "
            "command and machine line.\n\n")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(header + text + "\n")


def command_line() -> str:
    return " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
