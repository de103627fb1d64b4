"""Platform specs: their own rules, and how mini-program specs name and inherit them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from spec_helpers import APPID, COMPONENT_APPID

from providers.models import PlatformSpec, SpecError, load_specs, load_stack

PLATFORM: dict[str, Any] = {
    "kind": "platform",
    "component_appid": COMPONENT_APPID,
    "credentials": {"component_secret_config": "componentSecret", "verify_ticket_file": "ticket.txt"},
    "server_domains": {"published": ["api.shop.example.com", "API2.shop.example.com"]},
    "jump_domains": {"published": ["h5.shop.example.com"], "testing": []},
}
APP: dict[str, Any] = {"appid": APPID, "platform": "platform",
                       "credentials": {"mode": "platform", "refresh_token_config": "shopRefreshToken"}}


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def problems(paths: list[Path]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_stack(paths)
    return [str(problem) for problem in caught.value.problems]


def test_a_mini_program_inherits_its_platforms_credentials(tmp_path: Path) -> None:
    stack = load_stack([write(tmp_path, "platform.yaml", PLATFORM), write(tmp_path, "shop.yaml", APP)])
    assert [p.name for p in stack.platforms] == ["platform"]
    shop = stack.miniprograms[0]
    assert shop.credentials.component_appid == COMPONENT_APPID
    assert shop.credentials.component_secret_config == "componentSecret"
    assert shop.credentials.verify_ticket_file == "ticket.txt"
    assert stack.platform_of(shop) is stack.platforms[0]
    platform = stack.platforms[0]
    assert platform.server_domains is not None and platform.server_domains.published == [
        "api.shop.example.com", "api2.shop.example.com"]
    assert platform.server_domains.testing_hosts() == platform.server_domains.published
    assert platform.jump_domains is not None and platform.jump_domains.testing_hosts() == []


def test_a_mini_program_with_inline_credentials_links_by_component_appid(tmp_path: Path) -> None:
    inline = {"appid": APPID, "credentials": {"mode": "platform", "component_appid": COMPONENT_APPID,
                                              "component_secret_config": "s", "verify_ticket_config": "t",
                                              "refresh_token_config": "r"}}
    stack = load_stack([write(tmp_path, "platform.yaml", PLATFORM), write(tmp_path, "shop.yaml", inline)])
    assert stack.platform_of(stack.miniprograms[0]) is stack.platforms[0]


def test_a_platform_beside_the_file_is_found_but_not_managed(tmp_path: Path) -> None:
    write(tmp_path, "platform.yaml", PLATFORM)
    stack = load_stack([write(tmp_path, "shop.yaml", APP)])
    assert stack.platforms == [] and [p.name for p in stack.referenced] == ["platform"]
    assert stack.miniprograms[0].credentials.component_appid == COMPONENT_APPID
    assert [spec.name for spec in load_specs([tmp_path / "shop.yaml"])] == ["shop"]


def test_an_unknown_platform_and_a_wrong_component_appid_are_reported_with_lines(tmp_path: Path) -> None:
    other = {**APP, "platform": "nope"}
    wrong = {**APP, "appid": "wx3333333333333333", "name": "wrong",
             "credentials": {**APP["credentials"], "component_appid": "wx5555555555555555"}}
    found = problems([write(tmp_path, "platform.yaml", PLATFORM), write(tmp_path, "shop.yaml", other),
                      write(tmp_path, "wrong.yaml", wrong)])
    assert any("shop.yaml: platform: no platform spec named 'nope'" in line and "(line 2)" in line for line in found)
    assert any("wrong.yaml: credentials.component_appid: is not the component appid of platform 'platform'" in line
               for line in found)


def test_every_problem_of_a_platform_spec_at_once(tmp_path: Path) -> None:
    bad = {
        "kind": "platform", "component_appid": "wx123",
        "credentials": {"component_secret_config": "componentSecret", "verify_ticket_config": "a",
                        "verify_ticket_env": "B"},
        "server_domains": {"published": ["https://api.example.com", "1.2.3.4", "ok.example.com", "OK.example.com"]},
        "jump_domains": {"published": ["h5.example.com:8080"]},
        "audit_events": {"file": "e.jsonl", "command": ["cat"]},
        "fleet": {"waves": []},
        "surprise": 1,
    }
    found = "\n".join(problems([write(tmp_path, "p.yaml", bad)]))
    for expected in ("component_appid: must be an appid", "credentials.verify_ticket_env: give exactly one",
                     "server_domains.published[0]: write the host name only, without a scheme",
                     "server_domains.published[1]: IP addresses are not allowed",
                     "server_domains.published[3]: duplicate of [2]",
                     "jump_domains.published[0]: must be a bare host name", "audit_events: give exactly one",
                     "fleet.version: required field is missing", "fleet.waves: List should have at least 1 item",
                     "surprise: unknown field"):
        assert expected in found, (expected, found)


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    assert any("kind: must be 'platform'" in line for line in problems([write(tmp_path, "x.yaml", {**APP,
                                                                                                    "kind": "app"})]))


def test_two_platform_files_for_one_component_appid_conflict(tmp_path: Path) -> None:
    found = problems([write(tmp_path, "a.yaml", PLATFORM), write(tmp_path, "b.yaml", PLATFORM)])
    assert any("b.yaml: component_appid: wx1111111111111111 is also declared in" in line for line in found)


def test_platform_defaults() -> None:
    spec = PlatformSpec.model_validate({**PLATFORM, "name": "p"})
    assert spec.preflight.icp_required and spec.preflight.audit_reserve == 0
    assert spec.preflight.ticket_max_age_minutes == 30
    assert list(spec.managed_blocks()) == ["server_domains", "jump_domains"]
