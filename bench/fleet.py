"""A fleet release of one template to N mini-programs, in wall time and API calls, by `pulumi up`
(the fleet block of a platform spec, optionally in S shard stacks run side by side) and by a plain
threaded wechatpy script doing the same release, in one run, with a WeChat round trip emulated on
every call.

    .venv/bin/python bench/fleet.py [--apps 100] [--shards 1] [--latency-ms 50] [--threads 16] [--save]

The world (tests/e2e/fleet_world.py): N published mini-programs live at 1.0.0, the platform auto-
approving audits at once, quota for all. The release: 1.2.0 in one wave (`percent: 100`, no reserve,
no in-flight cap below N), so both sides do the same work in two passes, as WeChat's audit comes
between: pass 1 commits and submits every app, pass 2 releases every app.

- pulumi: `up` (S shard stacks at once, each its own process: `python -m runner.drive up`), twice;
  set-up (stacks created, config) is not timed; a third `up` (not timed) must change nothing.
- the script: pass 1 per app on --threads threads: getversioninfo (the guard a re-run needs), commit,
  submit_audit; pass 2: get_latest_auditstatus, release; a fresh wechatpy component client per pass
  (as a new process would be), so it fetches tokens again. No quota ledger, no waves, no preflight.

Prints a table and appends it to bench/RESULTS.md with the machine's description (`--no-save`:
print only). The harness is bench/'s: the latency (`_world.add_latency`), the call counts
(`_calls.count_calls`: token, read and write calls as the emulator's call log shows them), the report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi import automation as auto  # noqa: E402
from wechatpy.client.api.wxa import WeChatWxa  # noqa: E402

from bench._calls import TOKEN_PATHS, CallCount, count_calls  # noqa: E402
from bench._report import command_line, machine, report, table, titled  # noqa: E402
from bench._world import add_latency  # noqa: E402
from bench.imperative import point_wechatpy_at  # noqa: E402
from bench.release_fleet import script_pass  # noqa: E402
from emulator.testing import (  # noqa: E402
    COMPONENT_APPID,
    COMPONENT_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    EmulatorControl,
    start_emulator,
)
from runner import engine  # noqa: E402
from runner.env import find_pulumi_cli, pulumi_env  # noqa: E402
from tests.e2e.fleet_world import TEMPLATE, VERSION, appid_of, fleet_seed, fleet_specs  # noqa: E402

RELEASE_WRITES = frozenset({"/wxa/commit", "/wxa/submit_audit", "/wxa/release"})


def tally(calls: list[dict[str, Any]]) -> CallCount:
    """Token calls, reads and the release's writes (commit, submit_audit, release): everything else a
    release makes is a read here (api_get_authorizer_info is one, though named like no getter)."""
    out = count_calls(calls)
    out.tokens = sum(1 for call in calls if call["path"] in TOKEN_PATHS)
    out.writes = sum(1 for call in calls if call["path"] in RELEASE_WRITES)
    out.reads = len(calls) - out.tokens - out.writes
    return out


# --- pulumi -------------------------------------------------------------------------------------
SHARD_PASSPHRASE = "bench-fleet-shard-stacks"  # shard stacks are not dev: the demo passphrase opens only dev


def passphrase(shards: int) -> dict[str, str]:
    return {"PULUMI_CONFIG_PASSPHRASE": SHARD_PASSPHRASE} if shards > 1 else {}


def make_stacks(root: Path, apps: int, shards: int, base_url: str) -> list[tuple[str, Path]]:
    project = root / "project"
    (project / "specs").mkdir(parents=True)
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    (project / "bin").symlink_to(ROOT / "bin")  # Pulumi.yaml's `plugins` names bin/ (the provider host)
    for name, text in fleet_specs(apps, waves=[{"percent": 100}], audit_reserve=0, max_in_flight=apps,
                                  calls_per_second=1000).items():
        (project / "specs" / name).write_text(text, encoding="utf-8")
    env = pulumi_env(state_dir=root / "state", cli_dir=find_pulumi_cli())
    names = ["dev"] if shards == 1 else [f"shard{i}" for i in range(shards)]
    for index, name in enumerate(names):
        stack = engine.open_stack(name, project_dir=project, env=env, create=True, on_output=lambda _line: None,
                                  extra_env=passphrase(shards))
        config = {"baseUrl": auto.ConfigValue(base_url)}
        if shards > 1:
            config["shard"] = auto.ConfigValue(f"{index}/{shards}")
            for key, value in {"componentSecret": COMPONENT_SECRET, "componentVerifyTicket": VERIFY_TICKET,
                               "demoShopRefreshToken": REFRESH_TOKEN}.items():
                stack.set_config(key, auto.ConfigValue(value, secret=True))
        stack.set_all_config(config)
    return [(name, project) for name in names]


def up_all(stacks: list[tuple[str, Path]], root: Path) -> tuple[float, list[str]]:
    """One `up` of every stack at once (a process each); wall time and each one's output."""
    started = time.perf_counter()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "runner.drive", "up", "--project", str(project), "--state", str(root / "state"),
         "--cli", str(find_pulumi_cli()), "--stack", name, "--env",
         json.dumps({"WECHAT_IAC_TOKEN_CACHE": str(root / "tokens")})],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **passphrase(len(stacks))}) for name, project in stacks]
    outputs = [process.communicate()[0] for process in processes]
    seconds = time.perf_counter() - started
    for process, text in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"pulumi up failed:\n{text[-4000:]}")
    return seconds, outputs


def run_pulumi(control: EmulatorControl, apps: int, shards: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    try:
        stacks = make_stacks(root, apps, shards, control.base_url)
        rounds = []
        for _ in range(2):
            control.clear_calls()
            seconds, _outputs = up_all(stacks, root)
            rounds.append((seconds, tally(control.calls())))
        control.clear_calls()
        up_all(stacks, root)
        assert tally(control.calls()).writes == 0, "the third up must change nothing"
        return {"rounds": rounds}
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the plain script (bench/release_fleet.py's, on this world's platform) ------------------------------
def commit_and_submit(client: Any, appid: str) -> None:
    info = client.post("wxa/getversioninfo", data={}, api_base_url=WeChatWxa.API_BASE_URL)
    if (info.get("exp_info") or {}).get("exp_version") != VERSION:
        client.wxa.commit(TEMPLATE, "{}", VERSION, "fleet release")
    client.wxa.submit_audit({"version_desc": f"what is new in {VERSION}"})


def release_if_approved(client: Any, appid: str) -> None:
    if int(client.wxa.get_latest_audit_status().get("status", -1)) == 0:
        client.wxa.release()


def run_script(control: EmulatorControl, apps: int, threads: int) -> dict[str, Any]:
    rounds = []
    for step in (commit_and_submit, release_if_approved):
        control.clear_calls()
        started = time.perf_counter()
        point_wechatpy_at(control.base_url)
        script_pass(apps, threads, step, (COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET, REFRESH_TOKEN), appid_of)
        rounds.append((time.perf_counter() - started, tally(control.calls())))
    return {"rounds": rounds}


def live(control: EmulatorControl, apps: int) -> int:
    return sum((control.state(appid_of(i))["app"].get("live") or {}).get("user_version") == VERSION
               for i in range(apps))


def rows(results: dict[str, dict[str, Any]], apps: int) -> list[list[Any]]:
    out = []
    for label, result in results.items():
        (first, a), (second, b) = result["rounds"]
        both = CallCount(a.tokens + b.tokens, a.reads + b.reads, a.writes + b.writes)
        out.append([label, f"{first:.1f} s", f"{second:.1f} s", f"{first + second:.1f} s", both.total, both.tokens,
                    both.reads, both.writes, f"{result['live']} of {apps}"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--breakdown", action="store_true", help="also print each pass's calls by path")
    args = parser.parse_args(argv)
    seed = fleet_seed(args.apps, rest=args.apps + 10, limit=args.apps + 10)
    results: dict[str, dict[str, Any]] = {}
    with start_emulator(seed, timeout=120) as emulator:
        control = EmulatorControl(emulator.base_url, timeout=120)
        for label, run in (("pulumi up", lambda: run_pulumi(control, args.apps, args.shards)),
                           ("threaded script", lambda: run_script(control, args.apps, args.threads))):
            control.reset(seed)
            add_latency(control, args.latency_ms / 1000)
            results[label] = run()
            results[label]["live"] = live(control, args.apps)
    wall = {label: sum(seconds for seconds, _ in result["rounds"]) for label, result in results.items()}
    body = table(["", "pass 1 (commit, submit)", "pass 2 (release)", "total", "calls", "token", "read", "write",
                  f"live at {VERSION}"], rows(results, args.apps))
    body += f"\n\npulumi / script, wall time: {wall['pulumi up'] / max(wall['threaded script'], 1e-9):.2f}x\n"
    if args.breakdown:
        body += "".join(f"\n- {label}, pass {number}: {calls.paths()}" for label, result in results.items()
                        for number, (_seconds, calls) in enumerate(result["rounds"], 1))
    title = titled(f"Fleet release of {args.apps} mini-programs in {args.shards} shard(s) vs a threaded script "
                   f"({args.threads} threads)", latency_ms=args.latency_ms)
    report(title, body, machine(), command_line(), save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
