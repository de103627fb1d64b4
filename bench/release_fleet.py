"""A template release to N mini-programs: `pulumi up` against a plain threaded wechatpy script doing
the same release, side by side in one run, in wall time and API calls, with a WeChat round trip
emulated on every call.

    .venv/bin/python bench/release_fleet.py [--apps 100] [--latency-ms 50] [--threads 8]
        [--parallel P] [--target GLOB] [--tls] [--env KEY=VALUE] [--no-profile] [--no-save]

The world: N mini-programs live at 1.0.0 (template 1), the platform auto-approving audits. The
release: 1.1.0 (template 2) to every app, in two passes, because WeChat's audit comes between:

- `pulumi up`: the specs move to 1.1.0; the first `up` commits and submits (the spec does not wait
  for the audit), the second releases. Ups are repeated (and counted) until every app is live at
  1.1.0; a preview (not counted) then confirms the stack has converged. Set-up (the stack created
  and converged at 1.0.0) is not timed.
- the script: what a team writes without this project, from the same emulator seed. Pass 1 per app
  on `--threads` threads: getversioninfo (the guard that keeps a re-run from committing or
  submitting twice), commit, submit_audit; pass 2: get_latest_auditstatus, release. Each pass is a
  new process's worth of wechatpy clients (tokens in memory), so each fetches tokens again.

`--tls` serves the emulator over HTTPS with its test CA (trusted by both contenders), so every new
connection costs a TLS handshake, as against api.weixin.qq.com.

`--target '**wechat:Release::**'` makes each `up` a targeted one (Pulumi's URN globs): the engine
then neither checks nor diffs the other resources, so they read nothing.

Where pulumi's time and calls go (the next phase's input): calls per endpoint per `up`; the provider
host's gRPC calls (Check/Diff/Update: count, total and mean time, most at once; the profiling hook
in bench/hooks, on unless --no-profile); CPU of the CLI, the host and the program; peak memory.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wechatpy.client.api.wxa import WeChatWxa
from wechatpy.component import WeChatComponent

from bench._calls import CallCount, count_calls
from bench._harness import HOOKS_DIR, ROOT, EventClock, Run, changed, converge, make_stack, scratch_dir
from bench._procs import cpu_seconds
from bench._report import command_line, load_average, machine, report, table, titled
from bench._world import (
    PLATFORM,
    PLATFORM_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    add_latency,
    appid_of,
    bench_seed,
    stack_config,
    write_specs,
)
from bench.imperative import AES_KEY, point_wechatpy_at
from emulator.testing import EmulatorControl, start_emulator

FROM, TO, TO_TEMPLATE = "1.0.0", "1.1.0", 2
MAX_UPS = 4


# --- the plain script ------------------------------------------------------------------------------
def script_pass(apps: int, threads: int, step: Callable[[Any, str], None],
                platform: tuple[str, str, str, str] = (PLATFORM, PLATFORM_SECRET, VERIFY_TICKET, REFRESH_TOKEN),
                appid: Callable[[int], str] = appid_of) -> None:
    """One run of the script: a new component client (as a new process would have), `step` per app.
    `platform`: component appid, secret, verify ticket and the apps' refresh token (bench/fleet.py's
    world is another platform)."""
    component_appid, secret, ticket, refresh_token = platform
    component = WeChatComponent(component_appid, secret, "token", AES_KEY)
    component.session.set("component_verify_ticket", ticket)

    def one(index: int) -> None:
        appid_here = appid(index)
        component.session.set(f"{appid_here}_refresh_token", refresh_token)
        step(component.get_client_by_appid(appid_here), appid_here)

    with ThreadPoolExecutor(threads, thread_name_prefix="script") as pool:
        list(pool.map(one, range(apps)))  # list(): raise the first failure


def commit_and_submit(client: Any, appid: str) -> None:
    info = client.post("wxa/getversioninfo", data={}, api_base_url=WeChatWxa.API_BASE_URL)
    if (info.get("release_info") or {}).get("release_version") == TO:
        return
    if (info.get("exp_info") or {}).get("exp_version") != TO:
        client.wxa.commit(TO_TEMPLATE, "{}", TO, f"version {TO}")
    client.wxa.submit_audit({"version_desc": f"what is new in {TO}"})


def release_if_approved(client: Any, appid: str) -> None:
    status = client.wxa.get_latest_audit_status()
    if int(status.get("status", -1)) == 0:
        client.wxa.release()
    else:
        raise RuntimeError(f"{appid}: the audit has not passed: {status}")


# --- measuring -------------------------------------------------------------------------------------
def live_versions(control: EmulatorControl, apps: int) -> dict[str, int]:
    versions: dict[str, int] = {}
    for i in range(apps):
        live = (control.state(appid_of(i))["app"].get("live") or {}).get("user_version")
        versions[str(live)] = versions.get(str(live), 0) + 1
    return versions


def timed(control: EmulatorControl, action: Callable[[], Any]) -> tuple[float, CallCount, Any]:
    control.clear_calls()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, count_calls(control.calls()), result


def grpc_table(profile_dir: Path) -> dict[str, tuple[int, float]]:
    """gRPC method -> (calls, total seconds), summed over the host profiles written so far."""
    methods: dict[str, tuple[int, float]] = {}
    for path in profile_dir.glob("host-*.txt"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in lines[lines.index(next(x for x in lines if x.startswith("gRPC method"))) + 1:]:
            parts = line.split()
            if len(parts) != 4:
                break
            calls, total = methods.get(parts[0], (0, 0.0))
            methods[parts[0]] = (calls + int(parts[1]), total + float(parts[2]))
    return methods


def host_lines(profile_dir: Path, *starts: str) -> list[str]:
    return [line for path in sorted(profile_dir.glob("host-*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(starts)]


def measure(apps: int, latency: float, threads: int, parallel: int | None, extra_env: dict[str, str],
            profile: bool, target: str | None = None, tls: bool = False) -> dict[str, Any]:
    root = scratch_dir(f"release{apps}")
    profile_dir = root / "profile"
    profile_dir.mkdir()
    env = dict(extra_env)
    if profile:
        env.update(PYTHONPATH=os.pathsep.join([str(HOOKS_DIR), str(ROOT)]), WECHAT_IAC_BENCH_PROFILE=str(profile_dir),
                   WECHAT_IAC_BENCH_PROFILE_INTERVAL="0.05")
    seed = bench_seed(apps, live_version=FROM)
    out: dict[str, Any] = {"apps": apps, "latency": latency, "threads": threads, "ups": [], "parallel": parallel,
                           "target": target, "tls": tls}
    targeted = {"target": [target]} if target else {}
    try:
        with start_emulator(seed, timeout=180, tls=tls) as emu:
            trust = str(emu.ca_path) if emu.ca_path else None
            if trust:  # the client (wechat/http.py) and the script's requests trust the test CA
                env["WECHAT_IAC_CA_BUNDLE"] = os.environ["REQUESTS_CA_BUNDLE"] = trust
            control = EmulatorControl(emu.base_url, timeout=120, verify=trust or True)
            started = time.perf_counter()
            bench = make_stack(root, config=stack_config(emu.base_url), extra_env=env, parallel=parallel)
            write_specs(bench.project_dir, apps, version=FROM)
            converge(bench)
            out["setup_seconds"] = time.perf_counter() - started
            out["parallel"] = bench.effective_parallel()
            write_specs(bench.project_dir, apps, version=TO)
            add_latency(control, latency)
            for _ in range(MAX_UPS):
                for old in profile_dir.iterdir():  # each `up` starts a host of its own: one file each
                    old.unlink()
                clock, emulator_cpu = EventClock(), cpu_seconds(emu.pid)
                up = functools.partial(bench.run, "up", measure=True, on_event=clock, **targeted)
                seconds, calls, run = timed(control, up)
                emulator_cpu = cpu_seconds(emu.pid) - emulator_cpu
                time.sleep(1.5 if profile else 0)  # the host writes its profile every second and at exit
                out["ups"].append({"seconds": seconds, "calls": calls, "run": run, "events": clock.timeline(),
                                   "emulator_cpu": emulator_cpu,
                                   "grpc": grpc_table(profile_dir) if profile else {},
                                   "profile": host_lines(profile_dir, "TCP connections", "first call")})
                if live_versions(control, apps) == {TO: apps}:
                    break
            check = bench.run("preview")
            out["converged"] = not changed(check) and live_versions(control, apps) == {TO: apps}
            out["pulumi_tail"] = "" if out["converged"] else bench.tail(40)

            control.reset(seed)  # the script starts from the same world
            add_latency(control, latency)
            point_wechatpy_at(emu.base_url)
            out["script"] = [timed(control, lambda: script_pass(apps, threads, commit_and_submit))[:2],
                             timed(control, lambda: script_pass(apps, threads, release_if_approved))[:2]]
            out["script_live"] = live_versions(control, apps)
            control.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out["load_after"] = load_average()
    return out


# --- the report ------------------------------------------------------------------------------------
def render(r: dict[str, Any]) -> str:
    ups, script = r["ups"], r["script"]
    p_seconds = sum(u["seconds"] for u in ups)
    p_calls = sum(u["calls"].total for u in ups)
    s_seconds = sum(s for s, _ in script)
    s_calls = sum(c.total for _, c in script)
    rows: list[list[Any]] = []
    for i, up in enumerate(ups, 1):
        c: CallCount = up["calls"]
        rows.append([f"`pulumi up` #{i}", up["seconds"], c.total, c.tokens, c.reads, c.writes])
    rows.append(["**`pulumi up`, all**", p_seconds, p_calls, sum(u["calls"].tokens for u in ups),
                 sum(u["calls"].reads for u in ups), sum(u["calls"].writes for u in ups)])
    for label, (seconds, c) in zip(("script pass 1 (commit + submit)", "script pass 2 (release)"), script,
                                   strict=True):
        rows.append([label, seconds, c.total, c.tokens, c.reads, c.writes])
    rows.append(["**script, all**", s_seconds, s_calls, sum(c.tokens for _, c in script),
                 sum(c.reads for _, c in script), sum(c.writes for _, c in script)])
    paths = sorted({p for u in ups for p in u["calls"].by_path} | {p for _, c in script for p in c.by_path})
    endpoints = [[p.split(" ", 1)[1], p.split(" ", 1)[0], *(u["calls"].by_path.get(p, 0) for u in ups),
                  *(c.by_path.get(p, 0) for _, c in script)] for p in paths]
    grpc_rows, notes = [], []
    for i, up in enumerate(ups, 1):
        for method, (count, total) in sorted(up["grpc"].items(), key=lambda kv: -kv[1][1]):
            if count:
                grpc_rows.append([f"up #{i}", method, count, total, total / count * 1000])
        notes += [f"up #{i}: {line}" for line in up["profile"]]
    cpu_rows = []
    for i, up in enumerate(ups, 1):
        run: Run = up["run"]
        u = run.usage
        if u is not None:
            cpu_rows.append([f"up #{i}", u.seconds("cli"), u.seconds("host"), u.seconds("program"),
                             up["emulator_cpu"], f"{u.mb('cli'):.0f}", f"{u.mb('host'):.0f}"])
    text = (
        f"N = {r['apps']} mini-programs, {r['latency'] * 1000:g} ms per WeChat call, script on {r['threads']} "
        f"threads, engine --parallel {r['parallel']}"
        + (f", ups targeted at `{r['target']}`" if r["target"] else "")
        + (", HTTPS (the emulator's test CA)" if r["tls"] else "") + ". Converged: pulumi "
        f"{'yes' if r['converged'] else 'NO'}; script live versions {r['script_live']}.\n\n"
        f"**Ratios: wall {p_seconds / s_seconds:.1f}x ({p_seconds:.1f} s vs {s_seconds:.1f} s), calls "
        f"{p_calls / s_calls:.1f}x ({p_calls} vs {s_calls}).** Targets: 2x and 2x.\n\n"
        + table(["contender", "wall s", "calls", "token fetches", "reads", "writes"], rows)
        + "\n\nCalls per endpoint (kind, then each `up`, then each script pass):\n\n"
        + table(["endpoint", "kind", *(f"up #{i}" for i in range(1, len(ups) + 1)), "script 1", "script 2"],
                endpoints)
    )
    if grpc_rows:
        text += ("\n\nProvider host gRPC calls per `up` (wall time inside the host, summed over threads):\n\n"
                 + table(["up", "method", "calls", "total s", "mean ms"], grpc_rows)
                 + "\n\n" + "\n".join(f"- {line}" for line in notes))
    if cpu_rows:
        text += ("\n\nCPU seconds and peak memory per `up` (program = the inline Pulumi program in the bench "
                 "process; the emulator stands in for WeChat's servers but shares these cores):\n\n"
                 + table(["up", "CLI CPU s", "host CPU s", "program CPU s", "emulator CPU s", "CLI MB", "host MB"],
                         cpu_rows))
    text += "\n\nEngine events (arrival after the `up` started):\n\n" + "\n".join(
        f"- up #{i}: {up['events']}" for i, up in enumerate(ups, 1))
    text += f"\n\nSet-up (not timed): {r['setup_seconds']:.0f} s. Load average at the end: {r['load_after']}.\n"
    if not r["converged"]:
        text += f"\nThe stack did not converge; the CLI's last lines:\n\n```\n{r['pulumi_tail']}\n```\n"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=8, help="the script's threads (default 8)")
    parser.add_argument("--parallel", type=int, default=None, help="the engine's --parallel (default: Pulumi's)")
    parser.add_argument("--target", default=None, metavar="GLOB",
                        help="target each `up` at these URNs, e.g. '**wechat:Release::**' (default: all)")
    parser.add_argument("--tls", action="store_true", help="the emulator over HTTPS (a handshake per connection)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the CLI and provider host (repeatable)")
    parser.add_argument("--no-profile", action="store_true", help="leave the provider host unprofiled")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    if not 1 <= args.apps <= 1000:
        parser.error("--apps must be 1..1000")
    info = machine()
    extra_env = dict(item.split("=", 1) for item in args.env)
    result = measure(args.apps, args.latency_ms / 1000, args.threads, args.parallel, extra_env, not args.no_profile,
                     args.target, args.tls)
    title = titled(f"Template release to {args.apps} mini-programs vs a threaded wechatpy script", extra_env,
                   args.parallel, args.latency_ms, *(["targeted ups"] if args.target else []),
                   *(["HTTPS"] if args.tls else []))
    report(title, render(result), info, command_line(), save=not args.no_save)
    return 0 if result["converged"] else 1


if __name__ == "__main__":
    sys.exit(main())
