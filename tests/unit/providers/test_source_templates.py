"""A source folder's release steps against the emulator: reuse a template or draft, upload at most once
per version, and the plan's steps are the writes made.

`template_for_source` below runs the planned steps as `up` does (`source_state` at plan time, then
each of `source_steps` through `send_step`, Refs resolved from the answers before them). Drafts appear
in the emulator the way a miniprogram-ci upload would leave them, through the control API
(`POST /_emulator/drafts`, `EmulatorControl.land_draft`).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import COMPONENT_APPID, COMPONENT_SECRET, DEV_APPID, VERIFY_TICKET, EmulatorControl
from providers import _source, release_source
from providers._base import Context
from providers._errors import RefusedError
from providers._executor import resolve
from providers._settings import Settings
from providers.release_source import ADD_TO_TEMPLATE, UPLOAD, send_step, source_state, source_steps

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "miniprogram" / "valid"
CREDENTIALS = {
    "mode": "platform",
    "component_appid": COMPONENT_APPID,
    "component_secret_config": "componentSecret",
    "verify_ticket_config": "componentVerifyTicket",
    "refresh_token_config": "demoShopRefreshToken",
}
KEY = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-real-key-0001\n-----END RSA PRIVATE KEY-----"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path / "tokens"))
    monkeypatch.setattr(_source, "_components", {})
    monkeypatch.setattr(release_source, "DRAFT_POLL_DELAYS", (0.0, 0.0))
    yield


def context(emu: EmulatorControl, **config: str) -> Context:
    values = {
        "baseUrl": emu.base_url,
        "componentSecret": COMPONENT_SECRET,
        "componentVerifyTicket": VERIFY_TICKET,
        "demoShopRefreshToken": "unused-here",
        "devMiniProgramAppid": DEV_APPID,
        "uploader": "emulator",
        **config,
    }
    settings = Settings.from_config({f"wechat-iac:{key}": value for key, value in values.items()})
    return Context("wx2222222222222222", dict(CREDENTIALS), settings)


def template_for_source(ctx: Context, release: dict[str, Any]) -> int:
    """The template the commit would use, after the planned steps ran as `up` runs them."""
    state = source_state(ctx, release)
    answers: list[dict[str, Any]] = []
    for call in source_steps(release, state):
        answers.append(send_step(ctx, call, resolve(call.args, answers), sleep=lambda _: None))
    return int(state["template_id"] if state.get("template_id") is not None else answers[-1]["template_id"])


def spec(version: str, desc: str = "built from a folder") -> dict[str, Any]:
    return {"version": version, "description": desc, "source": {"path": str(FIXTURE)}}


def platform(emu: EmulatorControl) -> dict[str, Any]:
    state = emu.state()
    found = next(p for p in state["platforms"] if p["component_appid"] == COMPONENT_APPID)
    return dict(found)


def paths(emu: EmulatorControl) -> list[str]:
    return [str(call["path"]) for call in emu.calls()]


def test_an_existing_template_of_the_version_is_reused(emu: EmulatorControl) -> None:
    before = platform(emu)
    emu.clear_calls()
    assert template_for_source(context(emu), spec("1.1.0")) == 2  # the demo seed's template of 1.1.0
    after = platform(emu)
    assert after["drafts"] == before["drafts"] and after["templates"] == before["templates"]
    assert "/wxa/addtotemplate" not in paths(emu)
    assert "/wxa/gettemplatedraftlist" not in paths(emu)


def test_an_existing_draft_is_added_to_the_library_not_uploaded_again(emu: EmulatorControl) -> None:
    draft_id = emu.land_draft(COMPONENT_APPID, "2.0.0", "uploaded by hand", source_miniprogram_appid=DEV_APPID)
    drafts = len(platform(emu)["drafts"])
    emu.clear_calls()
    template_id = template_for_source(context(emu), spec("2.0.0"))
    state = platform(emu)
    assert len(state["drafts"]) == drafts  # nothing new uploaded
    template = next(t for t in state["templates"] if t["template_id"] == template_id)
    assert template["draft_id"] == draft_id and template["user_version"] == "2.0.0"
    assert paths(emu).count("/wxa/addtotemplate") == 1


def test_a_new_version_is_uploaded_once_then_reused(emu: EmulatorControl) -> None:
    drafts = len(platform(emu)["drafts"])
    template_id = template_for_source(context(emu), spec("3.0.0", "new checkout"))
    state = platform(emu)
    assert len(state["drafts"]) == drafts + 1
    draft = state["drafts"][-1]
    assert (draft["user_version"], draft["user_desc"], draft["source_miniprogram_appid"]) == (
        "3.0.0", "new checkout", DEV_APPID)
    assert draft["pages"] == ["pages/index/index"]  # from the folder's app.json
    template = next(t for t in state["templates"] if t["template_id"] == template_id)
    assert template["user_version"] == "3.0.0" and template["draft_id"] == draft["draft_id"]

    emu.clear_calls()
    assert template_for_source(context(emu), spec("3.0.0", "new checkout")) == template_id
    again = platform(emu)
    assert len(again["drafts"]) == drafts + 1 and len(again["templates"]) == len(state["templates"])
    assert "/wxa/addtotemplate" not in paths(emu)


def test_concurrent_releases_of_one_version_upload_once(emu: EmulatorControl) -> None:
    drafts, templates = len(platform(emu)["drafts"]), len(platform(emu)["templates"])
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(template_for_source(context(emu), spec("4.0.0")))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]  # the provider host runs four at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1 and len(results) == 4
    state = platform(emu)
    assert len(state["drafts"]) == drafts + 1 and len(state["templates"]) == templates + 1


def test_the_newest_template_wins_when_a_version_was_added_twice(emu: EmulatorControl) -> None:
    first = emu.land_draft(COMPONENT_APPID, "5.0.0", source_miniprogram_appid=DEV_APPID)
    second = emu.land_draft(COMPONENT_APPID, "5.0.0", source_miniprogram_appid=DEV_APPID)
    ctx = context(emu)
    component = _source._component_client(ctx.credentials, ctx.settings)
    component.add_to_template(first)
    component.add_to_template(second)
    newest = max(t["template_id"] for t in component.get_templates() if t["user_version"] == "5.0.0")
    assert template_for_source(ctx, spec("5.0.0")) == newest


def test_in_emulator_mode_miniprogram_ci_is_never_run(emu: EmulatorControl, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    monkeypatch.setattr(release_source, "run_mp_upload", lambda *a, **k: pytest.fail("miniprogram-ci must not run"))
    assert template_for_source(context(emu), spec("6.0.0")) > 0


def test_miniprogram_ci_uploader_gets_the_exact_options(emu: EmulatorControl, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """With uploader miniprogram-ci the Node wrapper is called once; the fake stands in for WeChat by
    landing the draft an upload creates."""
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    calls: list[dict[str, Any]] = []

    def fake(action: str, options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        calls.append({"action": action, "options": options, **kwargs})
        emu.land_draft(COMPONENT_APPID, options["version"], options["desc"],
                       source_miniprogram_appid=options["appid"])
        return {"ok": True, "result": {}}

    monkeypatch.setattr(release_source, "run_mp_upload", fake)
    ctx = context(emu, uploader="miniprogram-ci", uploadPrivateKey=KEY, uploadRobot="9",
                  uploadTimeoutSeconds="120")
    release = {"version": "7.0.0", "description": "via ci", "source": {"path": str(folder)}}
    template_id = template_for_source(ctx, release)
    assert template_for_source(ctx, release) == template_id
    assert calls == [{
        "action": "upload",
        "options": {"appid": DEV_APPID, "projectPath": str(folder.resolve()), "version": "7.0.0",
                    "desc": "via ci", "robot": 9, "setting": {"useProjectConfig": True}},
        "private_key": KEY,
        "timeout": 120.0,
    }]


def test_an_upload_whose_draft_never_appears_is_reported(emu: EmulatorControl, monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setattr(release_source, "run_mp_upload", lambda *a, **k: {"ok": True})
    ctx = context(emu, uploader="miniprogram-ci", uploadPrivateKey=KEY)
    with pytest.raises(RefusedError, match="no draft with that user_version appeared"):
        template_for_source(ctx, spec("8.0.0"))


def test_a_full_template_library_is_a_wechat_error_with_advice(emu: EmulatorControl) -> None:
    emu.inject_fault("/wxa/addtotemplate", errcode=85065)
    with pytest.raises(Exception, match="delete old templates") as caught:
        template_for_source(context(emu), spec("9.0.0"))
    assert "85065" in str(caught.value)


# --- the plan's steps are the writes made -----------------------------------------------------------
def writes(emu: EmulatorControl) -> list[str]:
    return [path for path in paths(emu) if path == ADD_TO_TEMPLATE]


def test_plan_for_an_existing_template_makes_no_write(emu: EmulatorControl) -> None:
    state = source_state(context(emu), spec("1.1.0"))
    assert state["template_id"] == 2 and source_steps(spec("1.1.0"), state) == []
    assert state["template"]["user_version"] == "1.1.0", "the plan shows what the template was made from"


def test_plan_for_an_existing_draft_is_one_addtotemplate(emu: EmulatorControl) -> None:
    draft_id = emu.land_draft(COMPONENT_APPID, "2.5.0", source_miniprogram_appid=DEV_APPID)
    emu.clear_calls()
    steps = source_steps(spec("2.5.0"), source_state(context(emu), spec("2.5.0")))
    assert [(call.path, call.args) for call in steps] == [(ADD_TO_TEMPLATE, {"draft_id": draft_id, "template_type": 0})]
    assert writes(emu) == []  # planning reads only
    template_for_source(context(emu), spec("2.5.0"))
    assert writes(emu) == [ADD_TO_TEMPLATE]
    logged = next(call for call in emu.calls() if call["path"] == ADD_TO_TEMPLATE)
    assert logged["body"] == {"draft_id": draft_id, "template_type": 0}, "sent exactly as planned"


def test_plan_for_a_new_version_is_an_upload_then_addtotemplate(emu: EmulatorControl) -> None:
    drafts = len(platform(emu)["drafts"])
    emu.clear_calls()
    steps = source_steps(spec("10.0.0"), source_state(context(emu), spec("10.0.0")))
    assert [call.path for call in steps] == [UPLOAD, ADD_TO_TEMPLATE]
    upload = steps[0].args
    assert (upload["appid"], upload["version"], upload["project"]) == (DEV_APPID, "10.0.0", str(FIXTURE))
    assert len(upload["sha256"]) == 64 and "the upload protocol is private" in steps[0].summary
    assert len(platform(emu)["drafts"]) == drafts and writes(emu) == []
    template_for_source(context(emu), spec("10.0.0"))
    assert writes(emu) == [ADD_TO_TEMPLATE] and len(platform(emu)["drafts"]) == drafts + 1


def test_a_folder_changed_since_the_plan_is_not_uploaded(emu: EmulatorControl, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    release = {"version": "11.0.0", "source": {"path": str(folder)}}
    (upload, _add) = source_steps(release, source_state(context(emu), release))
    (folder / "pages" / "index" / "index.js").write_text("// changed after the review\n", encoding="utf-8")
    with pytest.raises(RefusedError, match="changed since the plan was made"):
        send_step(context(emu), upload, dict(upload.args))


def test_plan_refuses_a_bad_folder_like_up_would(emu: EmulatorControl, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    (folder / "ext.json").unlink()
    with pytest.raises(RefusedError, match=r"no ext\.json"):
        source_state(context(emu), {"version": "1", "source": {"path": str(folder)}})
