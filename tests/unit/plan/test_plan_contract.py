"""The plan as a contract: the same objects in the plan file, the Markdown and the provider's check
against a reviewed plan; the run's display (each line once, no markup, a reason last); preflight."""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markdown_it import MarkdownIt
from plan_scenarios import SHOP, report, shop

from providers import _base, _executor, preflight
from providers._errors import RefusedError
from providers._plan import ApiCall, Change, File, ManualStep, Plan, Ref
from providers._settings import REAL_WECHAT, Settings
from providers.models import load_stack
from providers.preflight import BLOCK, checks_local
from runner.display import Display, EventsFile, Outcome
from runner.plan import differences
from runner.plan_model import ResourceReport, report_from_dict, report_to_dict
from runner.render import MARKER, render

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "miniprogram"


def profile_plan(path: str) -> Plan:
    return Plan("profile", SHOP, changes=[Change("avatar", "update", old="u", new=path)], calls=[
        ApiCall("/cgi-bin/media/upload", "upload", args={"type": "image", "media": File.of(path)}),
        ApiCall("/cgi-bin/account/modifyheadimage", "set", args={"head_img_media_id": Ref(0, "media_id"), "x1": 0}),
    ])


def test_a_plan_round_trips_through_json_with_its_refs_and_files(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG" + b"\0" * 8)
    plan = profile_plan(str(image))
    data = json.loads(json.dumps(plan.to_json()))
    assert data["calls"][1]["args"]["head_img_media_id"] == {"$ref": [0, "media_id"]}
    assert data["calls"][0]["args"]["media"]["$file"] == str(image)
    assert Plan.from_json(data) == plan


def test_up_refuses_writes_the_reviewed_plan_does_not_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    call = ApiCall("/wxa/modify_domain", "set", args={"action": "set", "requestdomain": ["https://a.example.com"]})
    reviewed = report(shop(ResourceReport("demo-shop-server-domains", "server_domains", "update",
                                          Plan("server_domains", SHOP, calls=[call]))))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(report_to_dict(reviewed)), encoding="utf-8")
    monkeypatch.setenv(_executor.REVIEWED_PLAN_ENV, str(path))
    _executor.check_reviewed(Plan("server_domains", SHOP, calls=[call]))  # the same writes: goes ahead
    _executor.check_reviewed(Plan("webview_domains", SHOP))  # no write, and none reviewed
    drifted = ApiCall("/wxa/modify_domain", "set", args={"action": "set", "requestdomain": ["https://b.example.com"]})
    with pytest.raises(RefusedError, match="differ from the reviewed plan"):
        _executor.check_reviewed(Plan("server_domains", SHOP, calls=[drifted]))
    with pytest.raises(RefusedError, match="reviewed no write, now \\[/wxa/setwebviewdomain\\]"):
        _executor.check_reviewed(Plan("webview_domains", SHOP, calls=[ApiCall("/wxa/setwebviewdomain", "set")]))
    now = report(shop(ResourceReport("demo-shop-server-domains", "server_domains", "update",
                                     Plan("server_domains", SHOP, calls=[drifted]))))
    assert differences(now, report_to_dict(reviewed)) == [
        f"{SHOP} server_domains: reviewed /wxa/modify_domain; now /wxa/modify_domain"]
    assert differences(report_from_dict(report_to_dict(reviewed)), report_to_dict(reviewed)) == []


@pytest.mark.parametrize("value", [
    "a`b", "``x``", "</details><img src=x onerror=alert(1)>", "[click](https://evil.example.com)", "@octocat hi",
    "*bold* _it_ ~~gone~~ | pipe", "line\nbreak\n# heading", "```\ncode fence\n```", "<!-- wechat-iac-plan -->",
])
def test_spec_values_cannot_escape_their_markup(value: str) -> None:
    """Rendered by a CommonMark parser with GitHub's tables: a value is text, wherever the plan shows it."""
    plan = Plan("profile", SHOP, changes=[Change("signature", "update", old=value, new=value)],
                calls=[ApiCall("/cgi-bin/account/modifysignature", f"set the intro to {value!r}",
                               args={"signature": value})],
                manual=[ManualStep(f"in the console: {value}", value)], warnings=[value], blocked=value)
    text = render(report(shop(ResourceReport("demo-shop-profile", "profile", "update", plan))))
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)
    assert "<img" not in html and "<a " not in html and "<h1>" not in html and "<del>" not in html
    assert html.count("<details>") == html.count("</details>") and html.count(MARKER) == 1
    row = next(line for line in html.split("<tr>") if "signature" in line)
    assert row.count("<td>") == 4, row  # sign, field, live now, after `up`: the row kept its cells
    flat = " ".join(value.split())
    assert f"<code>{escape(flat, quote=False)}</code>" in row, "the value, whole, as the cell's code"
    assert html.count("<em>") == html.count("</em>") == 1, "only the manual step's reason is emphasised"


def test_the_display_shows_each_line_once_without_markup_and_ends_with_the_reason() -> None:
    shown: list[str] = []
    display = Display("up", shown.append)

    def diagnostic(message: str, severity: str = "error") -> Any:
        return SimpleNamespace(diagnostic_event=SimpleNamespace(message=message, severity=severity))

    display.engine_event(diagnostic("<{%fg 1%}>invalid spec:\nspecs/a.yaml: appid: bad<{%reset%}>"))
    display.engine_event(diagnostic("an unhandled error occurred: invalid spec:\nspecs/a.yaml: appid: bad"))
    display.engine_event(diagnostic("update failed"))
    display.engine_output("    + pulumi-python:dynamic/wechat:ServerDomains: (create) credentials: {...}")
    plan = Plan("server_domains", SHOP, changes=[Change("request", "add", new="a")])
    display.provider_event({"event": "plan", "appid": SHOP, "resource": "server_domains", "lines": plan.lines(),
                            "plan": plan.to_json()})
    assert shown == ["error: invalid spec:\nspecs/a.yaml: appid: bad", f"{SHOP} server_domains: + request: a"]
    assert display.outcome.reason() == "up failed: invalid spec (1 problem(s) above)"


def test_a_failed_resources_stack_output_traceback_is_not_shown_again() -> None:
    shown: list[str] = []
    display = Display("up", shown.append)

    def diagnostic(message: str) -> Any:
        return SimpleNamespace(diagnostic_event=SimpleNamespace(message=message, severity="error"))

    consequence = ("python inline source runtime error: resource shop-release [pulumi-python:dynamic/wechat:Release]"
                   " failed to register\nTraceback (most recent call last):\n  File \"x.py\", line 1")
    display.engine_event(diagnostic(consequence))
    assert shown == ["error: python inline source runtime error: resource shop-release "
                     "[pulumi-python:dynamic/wechat:Release] failed to register"], "alone: one line, no traceback"
    display.engine_event(diagnostic(f"{SHOP} release: the experience version is now 9.9.9"))
    display.engine_event(diagnostic(consequence.replace("shop-release", "other-release")))
    assert len(shown) == 2 and "Traceback" not in "".join(shown)


def test_a_preview_that_plans_a_blocked_change_has_a_reason() -> None:
    outcome = Outcome("preview", events=[{"event": "plan", "appid": SHOP, "resource": "categories",
                                          "plan": Plan("categories", SHOP, blocked="quota spent").to_json()}])
    assert outcome.reason() == f"preview: ⛔ blocked: {SHOP} categories: quota spent"
    assert Outcome("preview").reason() is None


def test_the_events_file_is_read_as_it_grows_and_to_its_end(tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    path = tmp_path / "events.jsonl"
    with EventsFile(path, got.append), path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"event": "note", "n": 1}) + "\n" + '{"event": "no')
        handle.flush()
        handle.write('te", "n": 2}\n')
    assert [event["n"] for event in got] == [1, 2]


PLATFORM_SPEC = """appid: wx2222222222222222
credentials: {mode: platform, component_appid: wx1111111111111111, component_secret_config: componentSecret,
              verify_ticket_env: NO_SUCH_TICKET_VARIABLE, refresh_token_config: shopRefreshToken}
"""


def test_preflight_lists_every_problem_once_with_file_and_path(tmp_path: Path) -> None:
    files = [tmp_path / "shop.yaml", tmp_path / "shop2.yaml"]
    files[0].write_text(PLATFORM_SPEC, encoding="utf-8")
    files[1].write_text(PLATFORM_SPEC.replace("wx2222222222222222", "wx3333333333333333"), encoding="utf-8")
    report = preflight.run(load_stack(files), Settings("http://127.0.0.1:1", {"wechat-iac:componentSecret": "s"}))
    assert [(finding.severity, finding.where, finding.message.split(" (")[0]) for finding in report.findings] == [
        (BLOCK, f"{file.as_posix()}: {path}", message) for file in files for path, message in [
            ("credentials.refresh_token_config", "stack config key 'shopRefreshToken'"),
            ("credentials.verify_ticket_env", "environment variable NO_SUCH_TICKET_VARIABLE")]
    ], "each spec's problems once, ⛔; no token is tried with credentials known to be incomplete"
    assert all(finding.fix for finding in report.findings), "each says what to do"


def test_a_missing_code_upload_key_is_a_preflight_block(tmp_path: Path) -> None:
    """miniprogram-ci needs the code-upload private key: without it `up` would fail mid-release, after
    other resources were changed, so preflight blocks first."""
    named_key = "shopUploadKey"
    folder = tmp_path / "app"
    shutil.copytree(FIXTURES / "valid", folder)
    upload = f", upload_key_config: {named_key}"
    spec = tmp_path / "shop.yaml"
    spec.write_text(PLATFORM_SPEC.replace("verify_ticket_env: NO_SUCH_TICKET_VARIABLE", "verify_ticket_config: t")
                    .replace("}", upload + "}") + f"release: {{version: 1.1.0, source: {{path: {folder}}}}}\n",
                    encoding="utf-8")
    config = {f"wechat-iac:{key}": "x" for key in ("componentSecret", "t", "shopRefreshToken")}
    config |= {"wechat-iac:devMiniProgramAppid": "wx4444444444444444", "wechat-iac:uploader": "miniprogram-ci"}
    program = load_stack([spec]).miniprograms[0]
    found = checks_local.local(program, "wx2222222222222222", Settings(REAL_WECHAT, config))
    key = named_key
    assert [(finding.severity, finding.where) for finding in found] == [
        (BLOCK, f"{spec.as_posix()}: credentials.upload_key_config")]
    assert f"stack config key {key!r} (the code-upload private key) is not set" in found[0].message
    config[f"wechat-iac:{key}"] = "-----BEGIN PRIVATE KEY-----"
    assert checks_local.local(program, "wx2222222222222222", Settings(REAL_WECHAT, config)) == []


def test_a_guard_can_stop_the_run_short_without_failing_it(capsys: pytest.CaptureFixture[str]) -> None:
    """A wait that ends (an audit still in review): the calls after it are not sent, the resource is
    not failed (its outputs are recorded), and the runner's reason says it stopped short."""
    sent: list[str] = []

    class Client:
        def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
            sent.append(path)
            return {}

    class Waiting(_base.WeChatResourceProvider):
        kind = "waiting"

        def guard_approved(self, run: _executor.Run) -> bool:
            raise _executor.Stop("audit 7 of 1.1.0 is still under review after 1 min")

    ctx = _base.Context(SHOP, {"mode": "platform"}, Settings("http://127.0.0.1:1", {}))
    ctx.__dict__["client"] = Client()
    plan = Plan("waiting", SHOP, calls=[ApiCall("/wxa/commit", "commit"),
                                        ApiCall("/wxa/release", "release", guard="approved")])
    answers = Waiting().execute(_executor.Run(ctx, plan, None, lambda: plan.calls))
    assert sent == ["/wxa/commit"] and answers == [{}]
    assert "still under review after 1 min" in capsys.readouterr().out
    why = "audit 7 of 1.1.0 is still under review after 1 min"
    outcome = Outcome("up", events=[{"event": "unfinished", "appid": SHOP, "resource": "release", "reason": why}])
    assert outcome.reason() == f"up: ⏸ stopped short: {SHOP} release: {why}"
