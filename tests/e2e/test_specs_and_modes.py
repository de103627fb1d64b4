"""Bad specs are refused before any API call; owner credentials turn platform-only writes into manual steps."""

from __future__ import annotations

import pytest
from pulumi import automation as auto

from emulator.testing import EmulatorControl

pytestmark = pytest.mark.e2e

PLATFORM_CREDENTIALS = """\
credentials:
  mode: platform
  component_appid: wx1111111111111111
  component_secret_config: componentSecret
  verify_ticket_config: componentVerifyTicket
  refresh_token_config: demoShopRefreshToken
"""

BAD_SHOP = (
    "appid: wx2222222222222222\n"
    + PLATFORM_CREDENTIALS
    + """\
server_domains:
  request: [http://api.shop.example.com, https://10.0.0.1]
  socket: [https://ws.shop.example.com]
webview_domains:
  domains: [https://h5.shop.example.com:8443]
"""
)

BAD_OWNER = """\
appid: wx3333333333333333
credentials:
  mode: owner
  app_secret_config: ownerAppSecret
testers:
  members: [alice_wx, alice_wx]
"""

OWNER = """\
appid: wx3333333333333333
credentials:
  mode: owner
  app_secret_config: ownerAppSecret
server_domains:
  request: [https://api.owner.example.com]
"""


def test_bad_specs_list_every_problem_with_file_and_path_and_call_nothing(
    make_stack, emu: EmulatorControl
) -> None:
    stack = make_stack(specs={"shop.yaml": BAD_SHOP, "owner.yaml": BAD_OWNER}, config={"baseUrl": emu.base_url})
    with pytest.raises(auto.CommandError):
        stack.preview()
    text = stack.text()
    for expected in (
        "shop.yaml: server_domains.request[0]",  # http:// instead of https://
        "shop.yaml: server_domains.request[1]",  # an IP address
        "shop.yaml: server_domains.socket[0]",  # https:// in the socket list
        "shop.yaml: webview_domains.domains[0]",  # a port on a web-view domain
        "owner.yaml: testers.members",  # a duplicate tester
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    assert "Traceback" not in text
    assert emu.calls() == [], "a bad spec must stop the run before any API call"


def test_owner_mode_reads_with_its_own_token_and_shows_manual_steps(make_stack, emu: EmulatorControl) -> None:
    stack = make_stack(specs={"owner.yaml": OWNER}, config={"baseUrl": emu.base_url})
    stack.set_config("ownerAppSecret", "demo-app-secret-0003", secret=True)

    stack.preview()
    assert "MANUAL STEP" in stack.text() and "api.owner.example.com" in stack.text(), stack.text()

    up = stack.up()
    assert up.summary.result == "succeeded", stack.text()
    outputs = stack.stack.export_stack().deployment["resources"]
    domains = next(r for r in outputs if r["type"].endswith("ServerDomains"))
    assert any("api.owner.example.com" in step for step in domains["outputs"]["manual_steps"])

    calls = emu.calls()
    paths = [call["path"] for call in calls]
    assert "/cgi-bin/stable_token" in paths, paths  # owner mode never uses cgi-bin/token
    assert "/cgi-bin/token" not in paths
    assert "/wxa/getwxadevinfo" in paths  # the one domain read an owner token may make
    assert "/wxa/modify_domain" not in paths, "owner credentials must not attempt platform-only writes"
    assert all(call.get("errcode") in (0, None) for call in calls), calls
