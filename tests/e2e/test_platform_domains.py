"""The platform-level domain lists as resources (real Pulumi CLI, emulator over HTTP): created with the
fewest writes, a no-op with zero writes, drift repaired; and a release that would drop a declared
domain is blocked, then made possible by the platform-level change in the same spec change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorControl
from wechat import ComponentClient, ComponentCredentials, TokenCache

from .test_plan_support import APP, PLATFORM_APPID, made_writes, plan, run_plan, up_matches_plan

pytestmark = pytest.mark.e2e

SEED_SERVER = ["api.shop.example.com", "api2.shop.example.com", "ws.shop.example.com", "upload.shop.example.com",
               "cdn.shop.example.com", "img.shop.example.com", "udp.shop.example.com", "tcp.shop.example.com",
               "h5.shop.example.com"]
SEED_JUMP = ["h5.shop.example.com", "shop.example.com"]
SERVER_PATH, JUMP_PATH = "/cgi-bin/component/modify_wxa_server_domain", "/cgi-bin/component/modify_wxa_jump_domain"


def platform_text(server: dict[str, Any], jump: dict[str, Any] | None = None) -> str:
    document = {"kind": "platform", "name": "partner", "component_appid": PLATFORM_APPID,
                "credentials": {"component_secret_config": "componentSecret",
                                "verify_ticket_config": "componentVerifyTicket"},
                "server_domains": server, "jump_domains": jump or {"published": SEED_JUMP}}
    return yaml.safe_dump(document, sort_keys=False)


def app_text(**blocks: Any) -> str:
    document = {"appid": APP, "name": "shop", "platform": "partner",
                "credentials": {"mode": "platform", "refresh_token_config": "demoShopRefreshToken"}, **blocks}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def platform_lists(emu: EmulatorControl) -> dict[str, list[str]]:
    platform = next(p for p in emu.state()["platforms"] if p["component_appid"] == PLATFORM_APPID)
    return {"published": sorted(platform.get("server_domains", [])),
            "testing": sorted(platform.get("testing_server_domains", []))}


def platform_writes(emu: EmulatorControl) -> list[tuple[str, bool]]:
    return [(call["path"], bool((call.get("body") or {}).get("is_modify_published_together")))
            for call in emu.calls() if call["path"] in (SERVER_PATH, JUMP_PATH)
            and (call.get("body") or {}).get("action") != "get"]


def test_platform_lists_created_noop_and_drift_repaired(make_stack: Any, emu: EmulatorControl, tmp_path: Path) -> None:
    wanted = sorted([*SEED_SERVER, "new.shop.example.com"])
    stack = make_stack(specs={"partner.yaml": platform_text({"published": wanted}), "shop.yaml": app_text()},
                       config={"baseUrl": emu.base_url})

    report = up_matches_plan(stack, emu)  # create: one set of both copies, nothing for the jump list
    server = next(r for _app, r in report.resources() if r.block == "platform_server_domains")
    assert [(c.field, c.op, c.new) for c in server.plan.changes] == [
        ("published", "add", "new.shop.example.com"), ("testing", "add", "new.shop.example.com")]
    assert platform_writes(emu) == [(SERVER_PATH, True)]
    assert platform_lists(emu) == {"published": wanted, "testing": wanted}

    emu.clear_calls()
    noop = stack.up()
    assert set(noop.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert made_writes(emu) == {}, "a no-op up makes no write call"

    # another tool of the platform removes a host from both copies: drift, repaired by one set
    with ComponentClient(ComponentCredentials(PLATFORM_APPID, "demo-component-secret-0001",
                                              "demo-verify-ticket-0001"), emu.base_url, TokenCache(tmp_path)) as other:
        other.modify_wxa_server_domain("delete", ["new.shop.example.com"], is_modify_published_together=True)
    drift = plan(stack)
    server = next(r for _app, r in drift.resources() if r.block == "platform_server_domains")
    assert [(c.field, c.op, c.new, c.drift) for c in server.plan.changes] == [
        ("published", "add", "new.shop.example.com", True), ("testing", "add", "new.shop.example.com", True)]
    assert [call.path for call in server.plan.calls] == [SERVER_PATH]
    up_matches_plan(stack, emu)
    assert platform_lists(emu)["published"] == wanted
    assert plan(stack).counts().writes == 0


def test_a_release_that_would_drop_a_domain_is_blocked_then_fixed_at_the_platform(
    make_stack: Any, emu: EmulatorControl
) -> None:
    """beta.shop.example.com is on the platform's testing copy only: the mini-program may use it, but a
    release through the platform would drop it. Publishing it in the platform spec fixes that."""
    testing_only = {"published": SEED_SERVER, "testing": sorted([*SEED_SERVER, "beta.shop.example.com"])}
    release = {"version": "1.1.0", "source": {"template_id": 2, "ext_json": {"extAppid": APP}}}
    domains = {"request": ["https://api.shop.example.com", "https://beta.shop.example.com"]}
    app = app_text(server_domains=domains, release=release)
    stack = make_stack(specs={"partner.yaml": platform_text(testing_only), "shop.yaml": app},
                       config={"baseUrl": emu.base_url})
    stack.up()  # sets the domains (beta is registered on the testing copy), commits and submits 1.1.0
    assert "https://beta.shop.example.com" in str(emu.state(APP)["app"]), "the domain is in force now"
    # the demo platform approves at once: the next `up` would release, and the release would drop beta

    completed, out, _data = run_plan(stack)
    assert completed.returncode == 1, completed.stdout
    document = out.read_text(encoding="utf-8")
    assert "| ⛔ | effective_domains | shop |" in document
    assert "request https://beta.shop.example.com" in document
    assert "server_domains.published" in document and "specs/partner.yaml" in document, "names the platform fix"
    emu.clear_calls()
    with pytest.raises(Exception) as failed:
        stack.up()
    assert "would drop domains the spec declares" in str(failed.value)
    assert made_writes(emu) == {}, "blocked before any write"

    published = {"published": sorted([*SEED_SERVER, "beta.shop.example.com"])}
    (stack.project_dir / "specs" / "partner.yaml").write_text(platform_text(published), encoding="utf-8")
    fixed = plan(stack)
    assert not fixed.preflight_blocked and fixed.counts().blocked == 0, fixed.preflight
    emu.clear_calls()
    stack.up()
    paths = [call["path"] for call in emu.calls() if call["path"] in (SERVER_PATH, "/wxa/release")
             and (call.get("body") or {}).get("action") != "get"]
    assert paths == [SERVER_PATH, "/wxa/release"], "the platform's list first, then the release"
    live = emu.state(APP)["app"]
    assert live["live"]["user_version"] == "1.1.0"
    assert "https://beta.shop.example.com" in str(live.get("domains")), "the release kept the declared domain"
