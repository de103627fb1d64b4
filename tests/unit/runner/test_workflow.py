"""The PR workflow keeps its promises: untrusted plans, no token cache, the reviewed plan applied on merge.

GitHub Actions cannot run here; these read the workflow file and the Makefile as the runner would."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "wechat-plan.yml"


def jobs() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_the_pull_request_plan_is_untrusted_and_kept_as_data_for_the_merge() -> None:
    plan = jobs()["plan"]
    assert plan["env"]["WECHAT_IAC_UNTRUSTED"] == "1"
    run = step(plan, "make plan")["run"]
    assert "--untrusted" in run and "--json plan.json" in run
    keep = step(plan, "Keep the reviewed plan for the merge")
    assert keep["uses"].startswith("actions/upload-artifact@")
    assert keep["with"]["name"] == "wechat-plan-${{ github.event.pull_request.head.sha }}"


def test_no_job_caches_tokens() -> None:
    for job in jobs().values():
        for s in job["steps"]:
            if str(s.get("uses", "")).startswith("actions/cache@"):
                assert s["with"]["path"] == "~/.cache/wechat-iac/pulumi", "only the CLI build is cached"


def test_a_push_to_main_applies_the_merged_pull_requests_reviewed_plan_or_nothing() -> None:
    up = jobs()["up"]
    fetch = step(up, "The reviewed plan (a push to main only)")
    assert fetch["if"] == "github.event_name == 'push'"
    assert "wechat-plan-$pr_head" in fetch["run"] and "exit 1" in fetch["run"]
    assert 'UP_ARGS=--plan $RUNNER_TEMP/reviewed/plan.json' in fetch["run"]
    assert 'UP_ARGS="${UP_ARGS:-}"' in step(up, "up")["run"]
    assert up["permissions"]["actions"] == "read"


def test_make_up_passes_up_args_to_up_only() -> None:
    def dry_run(target: str) -> str:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}  # `make test` runs us
        out = subprocess.run(["make", "-n", "--no-print-directory", "-o", "setup", target, "STACK=prod",
                              "UP_ARGS=--plan p.json"], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True).stdout
        return next(" ".join(line.split()) for line in out.splitlines() if "-m runner" in line)
    assert dry_run("up").endswith("-m runner up --stack prod --plan p.json")
    assert "--plan" not in dry_run("preview")
