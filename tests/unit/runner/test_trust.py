"""Which specs an untrusted plan refuses (runner/trust.py); the e2e proof is
tests/e2e/test_production_trust.py."""

from __future__ import annotations

from pathlib import Path

import yaml

from runner.trust import refusal_markdown, refused_base_url, refused_sources

PLATFORM = {"mode": "platform", "component_appid": "wx1111111111111111", "component_secret_config": "s",
            "verify_ticket_config": "t", "refresh_token_config": "r"}


def project(tmp_path: Path, specs: dict[str, object], stack_config: dict[str, str] | None = None) -> Path:
    (tmp_path / "specs").mkdir()
    for name, credentials in specs.items():
        (tmp_path / "specs" / name).write_text(yaml.safe_dump({"appid": "wx2222222222222222",
                                                               "credentials": credentials}))
    if stack_config is not None:
        (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    return tmp_path


def test_config_keys_are_trusted_and_spec_named_sources_are_not(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "a.yaml": PLATFORM,
        "b.yaml": {"mode": "command", "command": ["./token.sh"]},
        "c.yaml": {**PLATFORM, "verify_ticket_config": None, "verify_ticket_file": "/proc/self/environ"},
        "d.yaml": {**PLATFORM, "verify_ticket_config": None, "verify_ticket_env": "PULUMI_CONFIG_PASSPHRASE"},
        "e.yaml": {"mode": "owner", "app_secret_config": "k"},
    })
    assert refused_sources(root, "prod") == [
        "`specs/b.yaml`: `credentials.command` runs a program the spec names",
        "`specs/c.yaml`: `credentials.verify_ticket_file` reads a file the spec names",
        "`specs/d.yaml`: `credentials.verify_ticket_env` reads an environment variable the spec names",
    ]


def test_a_command_field_is_refused_whatever_the_mode_says(tmp_path: Path) -> None:
    """The validator rejects it later, but the check runs first and must not rely on that."""
    root = project(tmp_path, {"a.yaml": {**PLATFORM, "command": ["sh", "-c", "env"]}})
    assert refused_sources(root, "prod") == ["`specs/a.yaml`: `credentials.command` runs a program the spec names"]


def test_the_stacks_own_spec_glob_is_the_one_checked(tmp_path: Path) -> None:
    root = project(tmp_path, {}, {"wechat-iac:specs": "other/*.yaml"})
    (root / "other").mkdir()
    (root / "other" / "x.yaml").write_text(yaml.safe_dump({"credentials": {"mode": "command", "command": ["x"]}}))
    assert refused_sources(root, "prod") == ["`other/x.yaml`: `credentials.command` runs a program the spec names"]


def test_the_refusal_is_a_plan_comment_with_the_marker(tmp_path: Path) -> None:
    text = refusal_markdown("prod", ["`specs/b.yaml`: `credentials.command` runs a program the spec names"], "abc123")
    assert text.startswith("<!-- wechat-iac-plan -->") and "Commit `abc123`" in text and "specs/b.yaml" in text


def test_an_untrusted_base_url_would_receive_the_secrets(tmp_path: Path) -> None:
    root = project(tmp_path, {}, {"wechat-iac:baseUrl": "https://collector.example.com"})
    assert refused_base_url(root, "prod") == [
        "`Pulumi.prod.yaml`: `baseUrl` is https://collector.example.com, neither https://api.weixin.qq.com nor a "
        "local emulator: it would receive the stack's secrets"]
    for fine in ("https://api.weixin.qq.com", "http://127.0.0.1:8787"):
        (root / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": {"wechat-iac:baseUrl": fine}}))
        assert refused_base_url(root, "prod") == []


def test_a_platform_specs_event_source_and_ticket_file_are_refused(tmp_path: Path) -> None:
    """A platform spec (kind: platform) names its audit events and verify ticket: preflight would run or
    read them while planning."""
    (tmp_path / "specs").mkdir()
    platform = {"kind": "platform", "component_appid": "wx1111111111111111",
                "credentials": {"component_secret_config": "s", "verify_ticket_file": "/tmp/ticket"},
                "audit_events": {"command": ["sh", "-c", "env"]}}
    (tmp_path / "specs" / "p.yaml").write_text(yaml.safe_dump(platform))
    other = {**platform, "credentials": {"component_secret_config": "s", "verify_ticket_config": "t"},
             "audit_events": {"file": "/proc/self/environ"}}
    (tmp_path / "specs" / "q.yaml").write_text(yaml.safe_dump(other))
    assert refused_sources(tmp_path, "prod") == [
        "`specs/p.yaml`: `audit_events.command` runs a program the spec names",
        "`specs/p.yaml`: `credentials.verify_ticket_file` reads a file the spec names",
        "`specs/q.yaml`: `audit_events.file` reads a file the spec names",
    ]
