"""Versus an imperative script: the same first release and the same no-op, done by `pulumi up` and by
plain wechatpy scripts (what a team writes today), counted in API calls from the emulator's log.

    .venv/bin/python bench/imperative.py [--no-save]

One mini-program (the world of bench/api_calls.py: live version 0.9.0, spec version 1.0.0), for the
blocks the registry manages. Contenders, each from the same fresh seed:

- `pulumi up` (this project), repeated until a preview shows no change (the first release), then
  one more `up` (the no-op);
- script "checks first": reads each block, writes only what differs, commits, submits, polls the
  audit and releases when the live version is not the spec's; run twice;
- script "sets everything": writes every block without reading it (domains, web-view domains,
  testers, profile intro, category, privacy), release guarded by one getversioninfo read (a blind
  re-submission would spend an audit); run twice.

Each script run is a new wechatpy component client, as a new process would be: its tokens live in
wechatpy's default in-memory session, so every run fetches both tokens again.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wechatpy.client import WeChatClient, WeChatComponentClient
from wechatpy.client.api.wxa import WeChatWxa
from wechatpy.component import WeChatComponent
from wechatpy.exceptions import WeChatClientException

from bench._calls import CallCount, count_calls
from bench._harness import changed, make_stack, scratch_dir
from bench._report import command_line, machine, report, table
from bench._world import (
    CATEGORY,
    PLATFORM,
    PLATFORM_SECRET,
    REFRESH_TOKEN,
    VERIFY_TICKET,
    appid_of,
    bench_spec,
    registered_blocks,
    stack_config,
    write_specs,
)
from bench._world import bench_seed as make_seed
from emulator.testing import EmulatorControl, start_emulator

AES_KEY = "a" * 43  # wechatpy's crypto needs a well-formed EncodingAESKey even if nothing is decrypted
MAX_AUDIT_POLLS = 20
DOMAIN_WIRE = {"request": "requestdomain", "socket": "wsrequestdomain", "upload": "uploaddomain",
               "download": "downloaddomain", "udp": "udpdomain", "tcp": "tcpdomain"}


class Script:
    """One run of a plain wechatpy script for one mini-program."""

    def __init__(self, base_url: str, appid: str, blocks: list[str]) -> None:
        self.base = base_url.rstrip("/")
        self.blocks = blocks
        component = WeChatComponent(PLATFORM, PLATFORM_SECRET, "token", AES_KEY)
        component.session.set("component_verify_ticket", VERIFY_TICKET)
        component.session.set(f"{appid}_refresh_token", REFRESH_TOKEN)
        self.client: WeChatComponentClient = component.get_client_by_appid(appid)
        self.spec = bench_spec(0)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.client.post(path, data=body, api_base_url=self.base + "/")
        return result

    def get(self, path: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get(path, api_base_url=self.base + "/")
        return result

    def tolerate(self, call: Callable[[], Any], *errcodes: int) -> None:
        """Run a write; the errcodes given (all of them when none is given) count as done."""
        try:
            call()
        except WeChatClientException as error:
            if errcodes and int(error.errcode) not in errcodes:
                raise

    # --- the blocks ------------------------------------------------------------------------------
    def server_domains(self, check: bool) -> None:
        want = {DOMAIN_WIRE[k]: v for k, v in self.spec["server_domains"].items() if k in DOMAIN_WIRE}
        if check:
            live = self.post("wxa/modify_domain", {"action": "get"})
            if all(sorted(live.get(wire) or []) == sorted(v) for wire, v in want.items()):
                return
        self.post("wxa/modify_domain", {"action": "set", **want})

    def webview_domains(self, check: bool) -> None:
        want = self.spec["webview_domains"]["domains"]
        if check:
            live = self.post("wxa/setwebviewdomain", {"action": "get"})
            if sorted(live.get("webviewdomain") or []) == sorted(want):
                return
        # 89019 "webview domain not change": WeChat refuses a set that changes nothing
        self.tolerate(lambda: self.post("wxa/setwebviewdomain", {"action": "set", "webviewdomain": want}), 89019)

    def testers(self, check: bool) -> None:
        # memberauth lists userstr only, never wechat ids: a script cannot tell who is bound, so it
        # binds everyone and takes "already bound" (85004) as success, checking or not.
        for member in self.spec["testers"]["members"]:
            self.tolerate(functools.partial(self.client.wxa.bind_tester, member), 85004)

    def profile(self, check: bool) -> None:
        want = self.spec["profile"]
        if check:
            live = self.get("cgi-bin/account/getaccountbasicinfo")
            if live.get("signature_info", {}).get("signature") == want["signature"]:
                return
        self.post("cgi-bin/account/modifysignature", {"signature": want["signature"]})

    def categories(self, check: bool) -> None:
        if check:
            live = self.get("cgi-bin/wxopen/getcategory").get("categories") or []
            if any((c.get("first"), c.get("second")) == (CATEGORY["first"], CATEGORY["second"]) for c in live):
                return
        # "already added" and friends: a blind script ignores every error here
        self.tolerate(lambda: self.post("cgi-bin/wxopen/addcategory", {"categories": [dict(CATEGORY)]}))

    def privacy(self, check: bool) -> None:
        want = self.spec["privacy"]
        settings = [dict(s) for s in want["settings"]]
        if check:
            live = self.post("cgi-bin/component/getprivacysetting", {"privacy_ver": 2})
            owner = {k: v for k, v in (live.get("owner_setting") or {}).items() if v not in ("", None)}
            listed = [{"privacy_key": s.get("privacy_key"), "privacy_text": s.get("privacy_text")}
                      for s in live.get("setting_list") or []]
            if owner == want["owner_setting"] and listed == settings:
                return
        self.post("cgi-bin/component/setprivacysetting",
                  {"privacy_ver": 2, "owner_setting": want["owner_setting"], "setting_list": settings})

    def release(self, check: bool) -> None:
        spec = self.spec["release"]
        version = spec["version"]
        info = self.post("wxa/getversioninfo", {})  # even a blind script guards the release
        if (info.get("release_info") or {}).get("release_version") == version:
            return
        if (info.get("exp_info") or {}).get("exp_version") != version:
            self.client.wxa.commit(spec["source"]["template_id"], "{}", version, spec["description"])
        self.client.wxa.submit_audit({"version_desc": spec["audit"]["version_desc"]})
        for _ in range(MAX_AUDIT_POLLS):
            status = self.client.wxa.get_latest_audit_status()
            if int(status.get("status", -1)) == 0:
                self.client.wxa.release()
                return
            time.sleep(0.2)
        raise RuntimeError("the audit did not pass while the script waited")

    def run(self, check: bool) -> None:
        for block in self.blocks:
            getattr(self, block)(check)


def run_script(base_url: str, blocks: list[str], check: bool) -> None:
    """One run of the script, as a new process would make it (new clients, tokens in memory)."""
    Script(base_url, appid_of(0), blocks).run(check)


SCRIPTED = ("server_domains", "webview_domains", "testers", "profile", "categories", "privacy", "release")


def point_wechatpy_at(base_url: str) -> None:
    WeChatComponent.API_BASE_URL = base_url + "/cgi-bin"
    WeChatClient.API_BASE_URL = base_url + "/cgi-bin/"
    WeChatWxa.API_BASE_URL = base_url + "/"


def measure() -> tuple[str, list[str]]:
    registered = registered_blocks()
    blocks = [b for b in SCRIPTED if b in registered]
    rows: list[list[Any]] = []
    root = scratch_dir("imperative")
    seed = make_seed(1)
    try:
        with start_emulator(seed) as emu:
            control = EmulatorControl(emu.base_url)
            point_wechatpy_at(emu.base_url)

            def counted(action: Callable[[], Any]) -> CallCount:
                control.clear_calls()
                action()
                return count_calls(control.calls())

            # pulumi up: the first release (ups until a preview shows no change), then a no-op up
            control.reset(seed)
            bench = make_stack(root, config=stack_config(emu.base_url))
            write_specs(bench.project_dir, 1)
            first = CallCount()
            ups = 0
            for _ in range(4):
                step = counted(lambda: bench.run("up"))
                ups += 1
                first = _add(first, step)
                if not changed(bench.run("preview")):
                    break
            noop = counted(lambda: bench.run("up"))
            rows += _rows(f"`pulumi up` ({ups} up(s), then a no-op up)", first, noop)

            for check, label in ((True, "script, checks first"), (False, "script, sets everything")):
                control.reset(seed)
                script_run = functools.partial(run_script, emu.base_url, blocks, check)
                first = counted(script_run)
                again = counted(script_run)
                rows += _rows(f"wechatpy {label}", first, again)
            control.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    body = (
        f"Blocks managed (the registry's, which the scripts mirror): {', '.join(blocks)}.\n\n"
        + table(["contender", "run", "calls", "token fetches", "reads", "writes", "writes by endpoint"], rows)
        + "\n\nA script run is a fresh process: wechatpy keeps tokens in memory, so each run fetches the "
        "component and the authorizer token again; `pulumi up` keeps them in its on-disk token cache. "
        "Testers cannot be compared by a script (memberauth lists userstr, not WeChat ids), so both scripts "
        "bind every member each run (85004 = already bound).\n"
    )
    return body, blocks


def _add(a: CallCount, b: CallCount) -> CallCount:
    return CallCount(a.tokens + b.tokens, a.reads + b.reads, a.writes + b.writes, a.by_path + b.by_path,
                     a.per_app + b.per_app)


def _rows(label: str, first: CallCount, noop: CallCount) -> list[list[Any]]:
    return [[label, "first release", first.total, first.tokens, first.reads, first.writes, first.paths("write")],
            [label, "no-op", noop.total, noop.tokens, noop.reads, noop.writes, noop.paths("write")]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    info = machine()
    body, _ = measure()
    report("Versus an imperative wechatpy script (1 mini-program)", body, info, command_line(), save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
