"""The generated world of the benchmarks: one third-party platform, N authorized mini-programs with
one shared refresh token, two templates; the spec files the stacks read; the stack config; and a
WeChat round trip emulated on every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from emulator.testing import EmulatorControl

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
            "head_image_url": f"http://wx.qlogo.cn/mmhead/bench-{i:03d}/0",  # preflight: no submission without one
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



# --- a WeChat round trip -------------------------------------------------------------------------
LATENCY_FAULT_COUNT = 10_000_000  # "the next N calls": more than any run here makes


def wechat_paths() -> list[str]:
    """Every WeChat API path the emulator serves (its route table), token endpoints included."""
    import emulator.app  # noqa: F401  (registers the services' routes)
    from emulator.routing import ROUTES

    return sorted(ROUTES)


def add_latency(control: EmulatorControl, seconds: float) -> int:
    """Delay every WeChat call by `seconds` (the emulator sleeps without blocking other requests),
    standing in for the round trip to api.weixin.qq.com. A reset clears it. Returns the path count."""
    if seconds <= 0:
        return 0
    paths = wechat_paths()
    for path in paths:
        control.inject_fault(path, count=LATENCY_FAULT_COUNT, delay_seconds=seconds)
    return len(paths)
