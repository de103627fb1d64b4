"""Plain `pulumi` in a fresh clone, after `eval "$(.venv/bin/python -m runner env)"`: the CLI finds
the project's language host (bin/pulumi-language-python), which runs `__main__.py` through the SDK's
pulumi-language-python-exec; `pulumi stack output` shows where each release stands; and the
commands the tool suggests in its messages work when pasted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from emulator.testing import EmulatorControl
from tests.e2e.clones import make_clone
from tests.e2e.test_plan_support import made_writes

pytestmark = pytest.mark.e2e


def test_bare_pulumi_preview_up_and_stack_output_on_the_dev_stack(tmp_path: Path, emu: EmulatorControl) -> None:
    clone = make_clone(tmp_path, "repo")
    settings = clone.root / "Pulumi.dev.yaml"
    document = yaml.safe_load(settings.read_text(encoding="utf-8"))
    document["config"]["wechat-iac:baseUrl"] = emu.base_url
    settings.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    done = clone.shell("""
        echo "--- preview"; pulumi preview --non-interactive
        echo "--- up"; pulumi up --yes --non-interactive
        echo "--- output"; pulumi stack output --json > outputs.json
        echo "--- suggested"
        printf 'not-a-real-key' > private.key
        pulumi config set --secret uploadPrivateKey < private.key            # providers/_source.py
        pulumi config get uploadPrivateKey
        pulumi cancel --yes                                                  # the lock message's advice
    """)

    assert done.returncode == 0, done.stdout + done.stderr
    preview, up = done.stdout.split("--- up")
    assert "+ 13 to create" in preview, done.stdout
    assert "using pulumi-language-python from $PATH" not in done.stdout + done.stderr, "Pulumi.yaml names the host"
    assert "+ 13 created" in up, done.stdout
    assert "not-a-real-key" in done.stdout.split("--- suggested")[1]
    assert [call for call in emu.calls() if call["path"] == "/wxa/commit"], "bare `pulumi up` made no commit"

    outputs = json.loads((clone.root / "outputs.json").read_text(encoding="utf-8"))
    assert outputs == {"demo-shop": {
        "appid": "wx2222222222222222",
        "release": {"version": "1.1.0", "phase": "released", "gray_percentage": 100,
                    "auditid": outputs["demo-shop"]["release"]["auditid"]},
    }}
    assert isinstance(outputs["demo-shop"]["release"]["auditid"], int)
    # the runner and bare pulumi share one state: the runner sees nothing left to do
    again = clone.runner("preview")
    assert again.returncode == 0 and "13 unchanged" in again.stdout, again.stdout + again.stderr

    # refresh reads WeChat through the same host; destroy forgets (on_delete: forget), writing nothing
    emu.clear_calls()
    after = clone.shell("""
        echo "--- refresh"; pulumi refresh --yes --non-interactive
        echo "--- destroy"; pulumi destroy --yes --non-interactive
    """)
    assert after.returncode == 0, after.stdout + after.stderr
    refresh, destroy = after.stdout.split("--- destroy")
    assert "Traceback" not in after.stdout + after.stderr
    assert "- 13 deleted" in destroy, after.stdout
    assert made_writes(emu) == {}, "refresh reads; destroy forgets: nothing written"
    assert "13 unchanged" in refresh, after.stdout  # the live state matches what up recorded
