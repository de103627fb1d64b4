"""Local checks of a release's source folder, ext_json, and the refusals made before any call."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from providers import _source
from providers._errors import RefusedError
from providers._settings import Settings
from providers._source import ext_json_string, upload_owner
from providers._source_folder import MAIN_PACKAGE, MB, PACKAGE_LIMIT, check_source_folder
from providers.release_source import source_state, source_steps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "miniprogram"
DEV_APPID = "wx4444444444444444"  # the fixtures' project.config.json appid (the emulator's dev mini-program)
OTHER_APPID = "wx5555555555555555"


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def write_size(file: Path, size: int) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("wb") as handle:
        handle.truncate(size)  # sparse: the apparent size is what counts


def edit_json(file: Path, **changes: Any) -> None:
    data = json.loads(file.read_text(encoding="utf-8"))
    data.update(changes)
    file.write_text(json.dumps(data), encoding="utf-8")


def refusal(path: Path, **kwargs: Any) -> str:
    kwargs.setdefault("expected_appid", DEV_APPID)
    kwargs.setdefault("third_party", True)
    with pytest.raises(RefusedError) as caught:
        check_source_folder(path, **kwargs)
    return str(caught.value)


# --- the fixtures themselves ------------------------------------------------------------------------
def test_valid_fixture_passes_with_its_pages_and_sizes() -> None:
    report = check_source_folder(FIXTURES / "valid", expected_appid=DEV_APPID, third_party=True)
    assert report.appid == DEV_APPID
    assert report.pages == ["pages/index/index"]
    assert set(report.package_bytes) == {MAIN_PACKAGE}
    assert report.total_bytes == sum(report.files.values()) > 0
    assert {"app.json", "app.js", "ext.json", "pages/index/index.wxml", "project.config.json"} <= set(report.files)
    assert report.ext is not None and report.ext["extEnable"] is True
    assert report.warnings == []


def test_subpackage_fixture_splits_sizes_and_honours_pack_options() -> None:
    report = check_source_folder(FIXTURES / "subpackages", expected_appid=DEV_APPID, third_party=True)
    assert report.pages == ["pages/index/index", "packageA/pages/cat/cat"]
    assert set(report.package_bytes) == {MAIN_PACKAGE, "packageA"}
    assert report.package_bytes["packageA"] == sum(
        size for rel, size in report.files.items() if rel.startswith("packageA/"))
    assert not any(rel.startswith("docs/") for rel in report.files)  # packOptions.ignore folder


# --- appid --------------------------------------------------------------------------------------------
def test_appid_mismatch_is_refused_with_what_to_change() -> None:
    message = refusal(FIXTURES / "valid", expected_appid=OTHER_APPID)
    assert f"project.config.json says appid '{DEV_APPID}'" in message
    assert OTHER_APPID in message and "development mini-program" in message
    assert f'"appid": "{OTHER_APPID}"' in message


def test_owner_mode_appid_mismatch_names_the_mini_program_itself() -> None:
    message = refusal(FIXTURES / "valid", expected_appid=OTHER_APPID, third_party=False)
    assert "this mini-program" in message


# --- ext.json ---------------------------------------------------------------------------------------
def test_missing_ext_json_is_refused_for_a_template(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    (folder / "ext.json").unlink()
    message = refusal(folder)
    assert "no ext.json" in message and '"extEnable": true' in message


def test_missing_ext_json_is_fine_for_an_owner_upload(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    (folder / "ext.json").unlink()
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=False)
    assert report.ext is None


def test_ext_json_must_enable_ext_and_parse(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    edit_json(folder / "ext.json", extEnable=False)
    assert '"extEnable": true' in refusal(folder)
    (folder / "ext.json").write_text("{not json", encoding="utf-8")
    assert "ext.json" in refusal(folder) and "not valid JSON" in refusal(folder)


def test_ext_json_without_ext_appid_only_warns(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    (folder / "ext.json").write_text(json.dumps({"extEnable": True}), encoding="utf-8")
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert report.warnings and "extAppid" in report.warnings[0]


def test_ext_json_is_looked_up_in_miniprogram_root(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    code = folder / "miniprogram"
    code.mkdir()
    for item in list(folder.iterdir()):
        if item.name not in ("project.config.json", "miniprogram"):
            shutil.move(str(item), code / item.name)
    edit_json(folder / "project.config.json", miniprogramRoot="miniprogram/")
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert report.ext is not None and "app.json" in report.files


# --- sizes ------------------------------------------------------------------------------------------
def test_main_package_over_2_mb_is_refused(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    write_size(folder / "assets" / "big.png", PACKAGE_LIMIT)  # + the fixture's own files
    message = refusal(folder)
    assert "the main package is 2.00 MB" in message and "2 MB per package" in message


def test_main_package_just_under_2_mb_passes(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    own = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True).total_bytes
    write_size(folder / "assets" / "big.png", PACKAGE_LIMIT - own)
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert report.package_bytes[MAIN_PACKAGE] == PACKAGE_LIMIT


def test_a_subpackage_over_2_mb_is_refused_by_name(tmp_path: Path) -> None:
    folder = copy("subpackages", tmp_path)
    write_size(folder / "packageA" / "assets" / "video.mp4", PACKAGE_LIMIT + 1)
    message = refusal(folder)
    assert "subpackage packageA is" in message
    assert "main package" not in message


def test_packages_under_2_mb_each_may_exceed_2_mb_together(tmp_path: Path) -> None:
    folder = copy("subpackages", tmp_path)
    write_size(folder / "assets" / "a.bin", int(1.5 * MB))
    write_size(folder / "packageA" / "assets" / "b.bin", int(1.5 * MB))
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert report.total_bytes > 3 * MB


def _many_subpackages(folder: Path, count: int, size: int) -> None:
    app = json.loads((folder / "app.json").read_text(encoding="utf-8"))
    for index in range(count):
        root = f"pkg{index}"
        page = folder / root / "pages" / "p" / "p"
        page.parent.mkdir(parents=True)
        page.with_suffix(".js").write_text("Page({})", encoding="utf-8")
        page.with_suffix(".wxml").write_text("<view/>", encoding="utf-8")
        write_size(folder / root / "blob.bin", size)
        app["subpackages"].append({"root": root, "pages": ["pages/p/p"]})
    (folder / "app.json").write_text(json.dumps(app), encoding="utf-8")


def test_total_over_20_mb_is_refused_for_a_template_but_not_for_an_owner(tmp_path: Path) -> None:
    folder = copy("subpackages", tmp_path)
    _many_subpackages(folder, 11, int(1.9 * MB))  # 20.9 MB, each package under 2 MB
    message = refusal(folder)
    assert "limit with subpackages is 20 MB for third-party platform code" in message
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=False)
    assert 20 * MB < report.total_bytes < 30 * MB


def test_ignored_files_are_not_counted(tmp_path: Path) -> None:
    folder = copy("subpackages", tmp_path)
    write_size(folder / "node_modules" / "huge" / "index.js", 5 * MB)
    write_size(folder / "docs" / "video.mp4", 5 * MB)  # packOptions.ignore folder
    write_size(folder / ".git" / "objects" / "pack.bin", 5 * MB)
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert report.total_bytes < MB


@pytest.mark.parametrize(("rule", "name"), [
    ({"type": "suffix", "value": ".psd"}, "art/logo.psd"),
    ({"type": "prefix", "value": "draft-"}, "draft-page.js"),
    ({"type": "file", "value": "notes.txt"}, "notes.txt"),
    ({"type": "glob", "value": "design/**"}, "design/a/b.sketch"),
    ({"type": "regexp", "value": r"\.bak$"}, "old.js.bak"),
])
def test_pack_options_ignore_rule_types(tmp_path: Path, rule: dict[str, str], name: str) -> None:
    folder = copy("valid", tmp_path)
    edit_json(folder / "project.config.json", packOptions={"ignore": [rule], "include": []})
    write_size(folder / name, 3 * MB)
    report = check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
    assert name not in report.files


# --- structure -------------------------------------------------------------------------------------
def test_missing_folder_is_refused(tmp_path: Path) -> None:
    assert "does not exist" in refusal(tmp_path / "nowhere")


def test_folder_without_project_config_is_refused(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    (folder / "project.config.json").unlink()
    assert "has no project.config.json" in refusal(folder)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    (folder / "ext.json").unlink()
    (folder / "pages" / "index" / "index.wxml").unlink()
    write_size(folder / "big.bin", 3 * MB)
    message = refusal(folder, expected_appid=OTHER_APPID)
    assert message.count("\n  - ") == 4
    assert "index.wxml is missing" in message and "no ext.json" in message
    assert "project.config.json says appid" in message and "main package" in message


def test_empty_pages_are_refused(tmp_path: Path) -> None:
    folder = copy("valid", tmp_path)
    edit_json(folder / "app.json", pages=[])
    assert "85047" in refusal(folder)


def test_page_files_of_subpackages_are_checked(tmp_path: Path) -> None:
    folder = copy("subpackages", tmp_path)
    (folder / "packageA" / "pages" / "cat" / "cat.js").unlink()
    assert "page packageA/pages/cat/cat: packageA/pages/cat/cat.js (or .ts) is missing" in refusal(folder)


# --- ext_json_string and template sources -----------------------------------------------------------------
def test_ext_json_string_is_canonical_json_text() -> None:
    ext = {"z": 1, "extAppid": "wx2222222222222222", "ext": {"名": "店"}}
    spec: dict[str, Any] = {"version": "1.0.0", "source": {"template_id": 7, "ext_json": ext}}
    text = ext_json_string(spec)
    assert text == '{"ext":{"名":"店"},"extAppid":"wx2222222222222222","z":1}'
    assert json.loads(text) == spec["source"]["ext_json"]
    assert ext_json_string(spec["source"]) == text
    assert ext_json_string({"source": {"template_id": 7}}) == "{}"


def test_ext_json_must_be_an_object() -> None:
    with pytest.raises(RefusedError, match="ext_json must be an object"):
        ext_json_string({"source": {"template_id": 7, "ext_json": '{"a": 1}'}})


def ctx(mode: str = "platform", **config: str) -> Any:
    settings = Settings.from_config({f"wechat-iac:{key}": value for key, value in config.items()})
    return SimpleNamespace(appid="wx2222222222222222", mode=mode, settings=settings,
                           credentials={"mode": mode})


def test_a_given_template_needs_no_step_before_the_commit() -> None:
    assert source_steps({"version": "1", "source": {"template_id": 12}}, {"template_id": 12}) == []
    assert source_steps({"version": "1", "source": {"template_id": 0}}, {}) == [], "no library read: no step"


def test_template_id_with_a_bad_ext_json_is_refused() -> None:
    with pytest.raises(RefusedError, match="85013"):
        ext_json_string({"version": "1", "source": {"template_id": 3, "ext_json": [1]}})


def test_source_path_needs_the_dev_mini_program_appid() -> None:
    spec = {"version": "1", "source": {"path": str(FIXTURES / "valid")}}
    with pytest.raises(RefusedError, match="pulumi config set devMiniProgramAppid"):
        source_state(ctx(uploader="emulator", baseUrl="http://127.0.0.1:1"), spec)


def test_command_mode_cannot_reach_the_template_library() -> None:
    spec = {"version": "1", "source": {"path": str(FIXTURES / "valid")}}
    config = {"uploader": "emulator", "baseUrl": "http://127.0.0.1:1", "devMiniProgramAppid": DEV_APPID}
    with pytest.raises(RefusedError, match="platform's own credentials"):
        source_state(ctx("command", **config), spec)


def test_local_checks_run_before_any_call() -> None:
    spec = {"version": "1", "source": {"path": str(FIXTURES / "valid")}}
    config = {"uploader": "emulator", "baseUrl": "http://127.0.0.1:1", "devMiniProgramAppid": OTHER_APPID}
    with pytest.raises(RefusedError, match=r"project\.config\.json says appid"):
        source_state(ctx(**config), spec)  # no component credentials needed to get here


@pytest.mark.parametrize(("config", "match"), [
    ({"baseUrl": "http://127.0.0.1:1"}, "set `pulumi config set uploader emulator`"),
    ({"uploader": "emulator"}, "'emulator' but wechat-iac:baseUrl is real WeChat"),
    ({"uploader": "ftp", "baseUrl": "http://127.0.0.1:1"}, "use one of miniprogram-ci, emulator"),
])
def test_uploader_setting_must_match_the_endpoint(config: dict[str, str], match: str) -> None:
    spec = {"version": "1", "source": {"path": str(FIXTURES / "valid")}}
    with pytest.raises(RefusedError, match=match):
        source_state(ctx(devMiniProgramAppid=DEV_APPID, **config), spec)


# --- owner mode ---------------------------------------------------------------------------------
def owner_ctx(**config: str) -> Any:
    context = ctx("owner", **config)
    context.appid = DEV_APPID  # the fixture's project.config.json appid
    return context


def test_owner_upload_against_the_emulator_is_marked_not_emulated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_source, "run_mp_upload", lambda *a, **k: pytest.fail("must not upload"))
    result = upload_owner(owner_ctx(uploader="emulator", baseUrl="http://127.0.0.1:1"),
                          {"version": "2.0.0", "source": {"path": str(FIXTURES / "valid")}})
    assert result["uploaded"] is False and result["status"] == "not emulated"
    assert result["appid"] == DEV_APPID and result["version"] == "2.0.0"
    assert "cannot receive miniprogram-ci uploads" in result["message"]


def test_owner_upload_runs_miniprogram_ci_with_the_mini_programs_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake(action: str, options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        seen.update(action=action, options=options, **kwargs)
        return {"ok": True, "result": {"subPackageInfo": [{"name": "__FULL__", "size": 1000}]}}

    monkeypatch.setattr(_source, "run_mp_upload", fake)
    context = owner_ctx(uploadPrivateKey="-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
                        uploadRobot="4")
    result = upload_owner(context, {"version": "2.0.0", "description": "owner build",
                                    "source": {"path": str(FIXTURES / "valid")}})
    assert result["uploaded"] is True and result["result"]["subPackageInfo"][0]["size"] == 1000
    assert seen["action"] == "upload" and seen["private_key"].startswith("-----BEGIN RSA")
    assert seen["options"] == {"appid": DEV_APPID, "projectPath": str((FIXTURES / "valid").resolve()),
                               "version": "2.0.0", "desc": "owner build", "robot": 4,
                               "setting": {"useProjectConfig": True}}


def test_owner_upload_without_a_key_says_which_config_to_set() -> None:
    with pytest.raises(Exception, match="wechat-iac:uploadPrivateKey"):
        upload_owner(owner_ctx(), {"version": "2.0.0", "source": {"path": str(FIXTURES / "valid")}})


def test_owner_upload_refuses_a_template_source() -> None:
    with pytest.raises(RefusedError, match="needs a third-party platform"):
        upload_owner(owner_ctx(), {"version": "2.0.0", "source": {"template_id": 3}})
