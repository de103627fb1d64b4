"""Stack safety, as a new user meets it: an unknown stack is refused, never created; `runner init`
creates a real-WeChat stack whose secrets are encrypted with the team's passphrase; the dev
stack's demo passphrase opens nothing else. No command here reaches the internet: `init` only
writes settings, which the tests read back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from emulator.testing import REFRESH_TOKEN, VERIFY_TICKET
from runner.env import DEV_PASSPHRASE
from tests.e2e.clones import Clone, make_clone

pytestmark = pytest.mark.e2e

PASSPHRASE = "prod-passphrase-for-tests-only"
COMPONENT_SECRET = "demo-component-secret-0001"
SECRETS = f"componentSecret={COMPONENT_SECRET}\ncomponentVerifyTicket={VERIFY_TICKET}\n" \
          f"demoShopRefreshToken={REFRESH_TOKEN}\n"


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    """A machine with its own backend (a file backend outside the checkout, chosen by the user)."""
    (tmp_path / "backend").mkdir()
    return make_clone(tmp_path, "repo", {"PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}",
                                         "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})


def no_traceback(done: object) -> None:
    text = getattr(done, "stdout", "") + getattr(done, "stderr", "")
    assert "Traceback" not in text, text


def test_an_unknown_stack_is_refused_with_the_stacks_and_how_to_create_one(clone: Clone) -> None:
    made = clone.runner("init", "staging", "--base-url", "http://127.0.0.1:9", stdin="")
    assert made.returncode == 0, made.stdout + made.stderr

    typo = clone.runner("up", "--stack", "prod")

    assert typo.returncode == 1
    no_traceback(typo)
    assert "stack 'prod' does not exist" in typo.stderr
    assert "Stacks there: staging." in typo.stderr
    assert "make init STACK=prod" in typo.stderr and "Did you mean" not in typo.stderr
    assert not (clone.root / "Pulumi.prod.yaml").exists()
    assert "Did you mean --stack staging?" in clone.runner("preview", "--stack", "stagin").stderr
    listed = clone.shell("pulumi stack ls --json", stack="staging")
    assert '"prod"' not in listed.stdout and '"staging"' in listed.stdout, listed.stdout + listed.stderr


def test_a_real_stack_needs_a_backend_the_team_shares(clone: Clone) -> None:
    del clone.env["PULUMI_BACKEND_URL"]
    done = clone.runner("preview", "--stack", "prod")
    assert done.returncode == 1
    no_traceback(done)
    assert "needs a backend the team shares" in done.stderr and "PULUMI_BACKEND_URL" in done.stderr


def test_init_writes_a_real_wechat_stack_with_encrypted_secrets(clone: Clone) -> None:
    done = clone.runner("init", "prod", stdin=SECRETS)

    assert done.returncode == 0, done.stdout + done.stderr
    settings = yaml.safe_load((clone.root / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
    config = settings["config"]
    assert config["wechat-iac:baseUrl"] == "https://api.weixin.qq.com"
    for key in ("componentSecret", "componentVerifyTicket", "demoShopRefreshToken"):
        assert set(config[f"wechat-iac:{key}"]) == {"secure"}, config  # ciphertext only
    text = (clone.root / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    assert COMPONENT_SECRET not in text and VERIFY_TICKET not in text and "encryptionsalt" in text
    assert COMPONENT_SECRET not in done.stdout + done.stderr
    # the team's passphrase opens them; the CLI reads back exactly what stdin gave
    shown = clone.shell("pulumi config get componentSecret", stack="prod")
    assert shown.stdout.strip() == COMPONENT_SECRET, shown.stderr


def test_the_demo_passphrase_is_refused_for_real_stacks(clone: Clone) -> None:
    refused = clone.runner("init", "prod", stdin=SECRETS, env={"PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE})
    assert refused.returncode == 1
    no_traceback(refused)
    assert "demo passphrase" in refused.stderr and not (clone.root / "Pulumi.prod.yaml").exists()

    assert clone.runner("init", "prod", stdin=SECRETS).returncode == 0
    opened = clone.runner("preview", "--stack", "prod", env={"PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE})
    assert opened.returncode == 1
    no_traceback(opened)
    assert "demo passphrase" in opened.stderr and "refused for every other stack" in opened.stderr
