"""Preflight calls WeChat only for specs whose run calls WeChat: a developers-only spec and an owner-mode
spec of platform-only blocks cost no call (the base URL here answers nothing, so a call would show)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from providers import preflight_checks
from providers._settings import Settings
from providers.models import load_stack

DEAD = Settings("http://127.0.0.1:9", {"wechat-iac:secret": "x", "wechat-iac:refresh": "r",
                                       "wechat-iac:component": "c", "wechat-iac:ticket": "t"})
PLATFORM = {"mode": "platform", "component_appid": "wx1111111111111111", "component_secret_config": "component",
            "verify_ticket_config": "ticket", "refresh_token_config": "refresh"}


def stack(tmp_path: Path, **blocks: Any) -> Any:
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump({"appid": "wx2222222222222222", **blocks}, allow_unicode=True), encoding="utf-8")
    return load_stack([path])


def test_a_developers_only_spec_costs_no_call(tmp_path: Path) -> None:
    report = preflight_checks.run(stack(tmp_path, credentials=PLATFORM,
                                        developers=[{"wechat_id": "carol_wx", "roles": ["developer"]}]), DEAD)
    assert report.findings == []


def test_owner_mode_reads_only_what_owner_credentials_can(tmp_path: Path) -> None:
    owner = {"mode": "owner", "app_secret_config": "secret"}
    profile = {"signature": "一个演示用的小商城售卖"}
    quiet = preflight_checks.run(stack(tmp_path, credentials=owner, profile=profile), DEAD)
    assert quiet.findings == []
    reading = preflight_checks.run(stack(tmp_path, credentials=owner,
                                         server_domains={"request": ["https://api.example.com"]}), DEAD)
    assert [(f.check, f.severity) for f in reading.findings] == [("token", "block"), ("authorization", "unknown")]


def test_a_platform_mode_spec_checks_the_platform_credentials_and_its_token(tmp_path: Path) -> None:
    report = preflight_checks.run(stack(tmp_path, credentials=PLATFORM,
                                        testers={"members": ["alice_wx"]}), DEAD)
    checks = {(f.check, f.severity) for f in report.findings}
    assert ("credentials", "block") in checks and ("token", "block") in checks  # nothing answers at :9
