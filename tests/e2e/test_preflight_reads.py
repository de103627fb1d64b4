"""One read per endpoint per mini-program per `up`: preflight's answers serve the resources' diffs
of the same engine run (providers/_preflight_reads.py), and the guards still read before each write.

Proven by the emulator's call log, with the real Pulumi CLI through the runner (which names the
run's file), on the update path a fleet release takes: commit + submit in one `up`, release in the next.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml

from bench._calls import call_kind
from emulator.testing import EmulatorControl
from tests.e2e.test_release_lifecycle import (  # noqa: F401  (shop, token_cache: fixtures)
    APP,
    manual_audits,
    rewrite,
    shop,
    spec,
    token_cache,
    writes,
)

pytestmark = pytest.mark.e2e

COMMIT, SUBMIT, RELEASE = "/wxa/commit", "/wxa/submit_audit", "/wxa/release"
# the reads preflight and the diffs both make (providers/_preflight_reads.READS)
SHARED = ("/wxa/getversioninfo", "/wxa/get_latest_auditstatus", "/wxa/revertcoderelease",
          "/cgi-bin/account/getaccountbasicinfo", "/cgi-bin/wxopen/getcategory",
          "/cgi-bin/component/getprivacysetting", "/wxa/get_effective_domain", "/wxa/get_effective_webviewdomain")


def full_spec(version: str, template: int) -> str:
    """The release block of test_release_lifecycle with the blocks a submission reads in preflight too,
    each as the demo seed (and the `shop` fixture's privacy guide) has it already."""
    data = yaml.safe_load(spec(version, template=template))
    data["profile"] = {"nickname": "Demo Shop", "signature": "演示商城小程序，提供商品浏览与下单服务"}
    data["categories"] = [{"first": 304, "second": 305}]
    data["privacy"] = {"owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗"},
                       "settings": [{"privacy_key": key, "privacy_text": "用于下单"}
                                    for key in ("UserInfo", "Location", "PhoneNumber")]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def reads(emu: EmulatorControl) -> Counter[str]:
    return Counter(str(call["path"]) for call in emu.calls() if call_kind(call) == "read" and call["path"] in SHARED)


def released_at_1_0_0(shop: Any, emu: EmulatorControl) -> Any:  # noqa: F811
    """A stack whose Release exists (1.0.0 committed and approved at once): the next version updates it."""
    stack = shop(full_spec("1.0.0", 1))
    stack.up()
    stack.up()  # released, if the first `up` stopped at the audit
    assert emu.state(APP)["app"]["live"]["user_version"] == "1.0.0", stack.text()
    return stack


def test_each_endpoint_is_read_once_per_up_besides_the_guards(shop: Any, emu: EmulatorControl) -> None:  # noqa: F811
    stack = released_at_1_0_0(shop, emu)
    manual_audits(emu)
    rewrite(stack, full_spec("1.1.0", 2))
    emu.clear_calls()
    stack.up()
    assert writes(emu) == [(COMMIT, "1.1.0"), (SUBMIT, None)], stack.text()
    # preflight reads; the diffs take its answers; the commit's and the submission's guards read again
    assert reads(emu) == {"/wxa/getversioninfo": 3, "/wxa/get_latest_auditstatus": 3, "/wxa/revertcoderelease": 1,
                          "/cgi-bin/account/getaccountbasicinfo": 1, "/cgi-bin/wxopen/getcategory": 1,
                          "/cgi-bin/component/getprivacysetting": 1, "/wxa/get_effective_domain": 1,
                          "/wxa/get_effective_webviewdomain": 1}, stack.text()

    emu.decide_audit(APP, "approve")
    emu.clear_calls()
    stack.up()
    assert writes(emu) == [(RELEASE, None)], stack.text()
    # the release's guard reads the version, the audit and the domains again, right before it
    assert reads(emu) == {"/wxa/getversioninfo": 2, "/wxa/get_latest_auditstatus": 2, "/wxa/revertcoderelease": 1,
                          "/cgi-bin/account/getaccountbasicinfo": 1, "/cgi-bin/wxopen/getcategory": 1,
                          "/cgi-bin/component/getprivacysetting": 1, "/wxa/get_effective_domain": 2,
                          "/wxa/get_effective_webviewdomain": 2}, stack.text()


def test_a_commit_made_after_preflight_read_is_caught_by_the_guard(shop: Any, emu: EmulatorControl) -> None:  # noqa: F811
    """Another tool commits V after preflight read the versions but before the Release's diff plans:
    the plan (from preflight's read of this run) says commit; the guard reads again right before the
    commit, finds V the experience version already, and does not commit it a second time."""
    stack = released_at_1_0_0(shop, emu)
    manual_audits(emu)
    rewrite(stack, full_spec("1.1.0", 2))
    # getgrayreleaseplan: read by the Release's check()/diff() in the provider host, never by preflight
    emu.inject_fault("/wxa/getgrayreleaseplan", console={"appid": APP, "action": "commit", "user_version": "1.1.0",
                                                         "template_id": 2})
    emu.clear_calls()
    stack.up()
    assert not emu.faults(), "the console commit ran (between preflight and the diff)"
    assert "/wxa/commit" in stack.text(), "the plan, from preflight's read of this run, commits 1.1.0"
    assert writes(emu) == [(SUBMIT, None)], stack.text()  # the guard skipped the commit; the submission went
    audit = emu.state(APP)["app"]["audits"][-1]
    assert (audit["user_version"], audit["status"]) == ("1.1.0", 2)
    assert "/wxa/commit: already in effect (read just now): not sent" in stack.text()
    # preflight's read, one right before each write the plan named, and record()'s after the skipped
    # commit (where V stands now); the diff read none itself
    assert reads(emu)["/wxa/getversioninfo"] == 4, stack.text()
