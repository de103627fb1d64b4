"""The parts of `runner.plan` that read an exported state: no engine, no WeChat."""

from __future__ import annotations

import json
from pathlib import Path

from plan_scenarios import SCENARIOS

from providers.registry import child_name
from runner.plan import removal, reveal, show_backend, state_resources
from runner.plan_model import AppReport, PlanReport, report_from_dict, report_to_dict
from runner.render import render

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
PARENT = "urn:pulumi:dev::wechat-iac::wechat:index:MiniProgram::demo-shop"


def exported(name: str, kind: str, type_: str, outputs: dict) -> dict:
    return {
        "urn": f"{PARENT.replace('::demo-shop', '')}$pulumi-python:dynamic/wechat:{type_}::{name}",
        "type": f"pulumi-python:dynamic/wechat:{type_}",
        "id": f"wx2222222222222222/{kind}",
        "parent": PARENT,
        "outputs": outputs,
    }


def test_secret_envelopes_are_opened_and_the_provider_dropped() -> None:
    deployment = {"resources": [
        {"urn": "urn:pulumi:dev::wechat-iac::pulumi:pulumi:Stack::wechat-iac-dev", "type": "pulumi:pulumi:Stack"},
        exported("demo-shop-server-domains", "server_domains", "ServerDomains", {
            "__provider": {SIG: SECRET, "plaintext": json.dumps("gASV...")},
            "appid": "wx2222222222222222",
            "spec": {"request": ["https://api.shop.example.com"], "on_delete": "clear"},
            "nested": {SIG: SECRET, "plaintext": json.dumps({"a": [1, 2]})},
            "sealed": {SIG: SECRET, "ciphertext": "v1:abc"},
        }),
    ]}
    found = state_resources(deployment)
    assert list(found) == ["demo-shop-server-domains"]
    resource = found["demo-shop-server-domains"]
    assert resource.block == "server_domains" and resource.app_name == "demo-shop"
    assert "__provider" not in resource.outputs
    assert resource.outputs["nested"] == {"a": [1, 2]} and resource.outputs["sealed"] is None
    assert reveal([{SIG: SECRET, "plaintext": "3"}]) == [3]


def test_a_removed_block_says_what_wechat_keeps() -> None:
    outputs = {"appid": "wx2222222222222222", "spec": {"domains": [], "on_delete": "forget"}}
    found = state_resources({"resources": [exported("demo-shop-webview-domains", "webview_domains",
                                                     "WebviewDomains", outputs)]})
    gone = removal(found["demo-shop-webview-domains"], "")
    assert gone.op == "delete" and gone.removed
    assert "WeChat keeps it as it is (`on_delete: forget`)" in (gone.note or "")
    assert not gone.plan.calls and not gone.plan.warnings


def test_on_delete_clear_is_itemised_as_the_write_delete_makes() -> None:
    outputs = {"appid": "wx2222222222222222", "credentials": {"mode": "platform"}, "spec": {"on_delete": "clear"}}
    found = state_resources({"resources": [exported("demo-shop-server-domains", "server_domains",
                                                     "ServerDomains", outputs)]})
    gone = removal(found["demo-shop-server-domains"], "delete")
    assert [(call.path, call.args["requestdomain"]) for call in gone.plan.calls] == [("/wxa/modify_domain", [])]
    assert "emptied in WeChat" in (gone.note or "")
    report = PlanReport("dev", "wechat-iac", "file://x", apps=[AppReport("demo-shop", "wx2222222222222222", "",
                                                                          [gone])])
    assert report.counts().remove == 1 and report.counts().writes == 1


def test_names_and_backends() -> None:
    assert child_name("demo-shop", "server_domains") == "demo-shop-server-domains"
    project = Path("/work/project")
    assert show_backend("file:///work/project/.state/backend", project) == "file://.state/backend"
    assert show_backend("file:///home/someone/state", project) == "file://…/state"
    assert show_backend("s3://bucket/prefix", project) == "s3://bucket/prefix"


def test_the_json_plan_round_trips_to_the_same_markdown() -> None:
    for name, scenario in SCENARIOS.items():
        report = scenario()
        data = json.loads(json.dumps(report_to_dict(report)))
        assert data["counts"]["items"] == report.counts().items
        assert render(report_from_dict(data)) == render(report), name
