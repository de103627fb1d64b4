"""Jump QR-code rules end to end: create, no-op, change, console drift and delete with the real Pulumi
CLI against the emulator; each `up` makes exactly the writes its plan listed, arguments included."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from runner.render import render

from .test_plan_support import APP, made_writes, plan, spec_text, up_matches_plan, write_spec

pytestmark = pytest.mark.e2e

SHOP, PROMO = "https://shop.example.com/qr/", "https://shop.example.com/promo"
RULE = {"prefix": SHOP, "path": "pages/index/index", "debug_urls": [SHOP + "item?id=1"]}


def rules(emu: EmulatorControl) -> dict[str, tuple[str, int]]:
    """prefix -> (path, state: 1 unpublished, 2 published), as WeChat keeps them."""
    jump = emu.state(APP)["app"].get("qrcode_jump") or {}
    return {rule["prefix"]: (rule["path"], rule["state"]) for rule in jump.get("rules") or []}


def test_qrcode_jump_rules_lifecycle(shop: Any, emu: EmulatorControl) -> None:
    stack = shop(spec_text(qrcode_jump={"rules": [RULE]}))

    # WeChat fetches the confirm file before it adds a rule: without it `up` fails with 85069, saying why
    with pytest.raises(auto.CommandError):
        stack.up()
    assert "85069" in stack.text() and "confirm file" in stack.text()
    assert rules(emu) == {}

    emu.console(APP, "serve_confirm_file", prefix=SHOP)
    emu.console(APP, "serve_confirm_file", prefix=PROMO)
    created = up_matches_plan(stack, emu)
    assert [call.path.rsplit("/", 1)[-1] for _app, res in created.resources() for call in res.plan.calls] == [
        "qrcodejumpadd", "qrcodejumppublish"]
    assert "jump QR-code rules" in render(created)
    assert rules(emu) == {SHOP: ("pages/index/index", 2)}

    # no-op: nothing planned, nothing written
    emu.clear_calls()
    assert plan(stack).counts().writes == 0
    noop = stack.up()
    assert set(noop.summary.resource_changes or {}) <= {"same"}, stack.text()
    assert not made_writes(emu)

    # change (rules in prefix order): a new rule that is not to be published yet is only added; a
    # published rule cannot change in place, so it is deleted, added and published again
    promo = {"prefix": PROMO, "path": "pages/promo/promo", "open_version": "trial", "publish": False}
    write_spec(stack, spec_text(qrcode_jump={"rules": [{**RULE, "path": "pages/home/home"}, promo]}))
    changed = up_matches_plan(stack, emu)
    assert [call.path.rsplit("/", 1)[-1] for _app, res in changed.resources() for call in res.plan.calls] == [
        "qrcodejumpadd", "qrcodejumpdelete", "qrcodejumpadd", "qrcodejumppublish"]
    assert rules(emu) == {SHOP: ("pages/home/home", 2), PROMO: ("pages/promo/promo", 1)}

    # drift: an admin deletes one rule and adds another in the console; the next up puts the spec back
    emu.console(APP, "set_qrcode_jump_rule", prefix=PROMO, delete=True)
    emu.console(APP, "set_qrcode_jump_rule", prefix="https://evil.example.com/x", path="pages/x/x", publish=True)
    repaired = up_matches_plan(stack, emu)
    changes = [change for _app, res in repaired.resources() for change in res.plan.changes]
    assert all(change.drift for change in changes) and len(changes) == 2, render(repaired)
    assert "**drift**" in render(repaired)
    assert rules(emu) == {SHOP: ("pages/home/home", 2), PROMO: ("pages/promo/promo", 1)}
    assert plan(stack).counts().writes == 0, "repaired: nothing left to do"

    # delete: with on_delete: clear, removing the block deletes the spec's rules
    write_spec(stack, spec_text(qrcode_jump={"rules": [{**RULE, "path": "pages/home/home"}, promo],
                                             "on_delete": "clear"}))
    up_matches_plan(stack, emu)
    write_spec(stack, spec_text(server_domains={"request": ["https://api.shop.example.com"]}))
    removed = up_matches_plan(stack, emu)
    assert sorted(call.args["prefix"] for _app, res in removed.resources() for call in res.plan.calls
                  if call.path.endswith("qrcodejumpdelete")) == [PROMO, SHOP]
    assert rules(emu) == {}
