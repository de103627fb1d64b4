"""Hostile source folders (`release.source.path` comes from a spec in a pull request).

Each check runs with a deadline in a worker thread: before the fix a FIFO named project.config.json
hung `up` forever, a symlink to /dev/zero read without bound, `miniprogramRoot: ../../../../usr`
walked outside the project, and a packOptions.ignore regexp like `^(a+)+$` backtracked for ever.
Expected now: a RefusedError naming each problem, within a second or two.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from providers._errors import RefusedError
from providers._source_folder import MAX_JSON_BYTES, check_source_folder

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "miniprogram" / "valid"
DEV_APPID = "wx4444444444444444"
DEADLINE = 10.0  # seconds; each check takes milliseconds once fixed


def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target)
    return target


def check_within_deadline(folder: Path) -> BaseException | None:
    """Run check_source_folder on a daemon thread; fail the test if it does not return in time."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            check_source_folder(folder, expected_appid=DEV_APPID, third_party=True)
            outcome.append(None)
        except BaseException as error:  # handed back to the test
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert outcome, f"check_source_folder did not return within {DEADLINE:g} s (it hangs or reads without end)"
    return outcome[0]


def refused(folder: Path, *texts: str) -> str:
    error = check_within_deadline(folder)
    assert isinstance(error, RefusedError), f"expected a refusal, got {error!r}"
    message = str(error)
    for text in texts:
        assert text in message, f"{text!r} not in:\n{message}"
    return message


def config(folder: Path, **changes: Any) -> None:
    file = folder / "project.config.json"
    document = json.loads(file.read_text(encoding="utf-8"))
    document.update(changes)
    file.write_text(json.dumps(document), encoding="utf-8")


def test_the_valid_fixture_passes(tmp_path: Path) -> None:
    assert check_within_deadline(project(tmp_path)) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_project_config_json_does_not_hang(tmp_path: Path) -> None:
    folder = project(tmp_path)
    (folder / "project.config.json").unlink()
    os.mkfifo(folder / "project.config.json")
    refused(folder, "project.config.json", "is not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_among_the_files_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    folder = project(tmp_path)
    os.mkfifo(folder / "pages" / "pipe.js")
    refused(folder, "pages/pipe.js is not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_not_read_without_bound(tmp_path: Path) -> None:
    folder = project(tmp_path)
    (folder / "app.json").unlink()
    (folder / "app.json").symlink_to("/dev/zero")
    refused(folder, "app.json", "leaves the project")


def test_a_json_file_larger_than_the_cap_is_refused_unread(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with (folder / "ext.json").open("ab") as handle:
        handle.truncate(MAX_JSON_BYTES + 1)
    refused(folder, "ext.json", "is larger than")


def test_a_symlinked_file_leaving_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not for upload")
    folder = project(tmp_path)
    (folder / "pages" / "leak.js").symlink_to(outside)
    refused(folder, "pages/leak.js is a symlink that leaves the project folder")


def test_miniprogram_root_cannot_walk_outside_the_project(tmp_path: Path) -> None:
    folder = project(tmp_path)
    config(folder, miniprogramRoot="../../../../usr")
    refused(folder, "miniprogramRoot", "leads outside the project folder")


def test_a_page_cannot_point_outside_the_code_root(tmp_path: Path) -> None:
    folder = project(tmp_path)
    app = json.loads((folder / "app.json").read_text(encoding="utf-8"))
    app["pages"].append("../../../../etc/passwd")
    (folder / "app.json").write_text(json.dumps(app), encoding="utf-8")
    refused(folder, "page ../../../../etc/passwd: leads outside the code root")


def test_a_catastrophic_ignore_regexp_is_matched_in_linear_time(tmp_path: Path) -> None:
    folder = project(tmp_path)
    config(folder, packOptions={"ignore": [{"type": "regexp", "value": "^(a+)+$"}]})
    (folder / ("a" * 64 + "b")).write_text("x")  # the classic input that makes a backtracking engine explode
    assert check_within_deadline(folder) is None


def test_an_ignore_regexp_re2_cannot_match_is_a_clear_problem(tmp_path: Path) -> None:
    folder = project(tmp_path)
    config(folder, packOptions={"ignore": [{"type": "regexp", "value": "(a)\\1"}]})
    refused(folder, "packOptions.ignore[0]", "RE2 syntax")


def test_ignore_rules_still_ignore(tmp_path: Path) -> None:
    folder = project(tmp_path)
    config(folder, packOptions={"ignore": [{"type": "regexp", "value": "\\.psd$"}, {"type": "glob", "value": "raw/*"}]})
    (folder / "raw").mkdir()
    os.mkfifo(folder / "raw" / "pipe")  # ignored: never looked at
    (folder / "big.psd").write_bytes(b"\0" * 3 * 1024 * 1024)  # would pass the 2 MB package limit
    assert check_within_deadline(folder) is None
