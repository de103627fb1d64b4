"""What a submission needs: quota, in-flight audits, profile, categories, privacy, ICP, template.
A problem blocks only when this run submits (or commits); otherwise it is a warning."""

from __future__ import annotations

import pytest
from preflight_helpers import facts

from providers.preflight_checks import checks_release as release
from providers.preflight_checks.facts import Facts
from wechat import api_error


def test_quota_spent_blocks_85085_and_counts_every_submission_of_the_run() -> None:
    found = release.audit_quota("wx1", "p", facts({"quota": {"rest": 0, "limit": 20, "speedup_rest": 3}}), 1, 0)
    assert (found[0].severity, found[0].errcode) == ("block", 85085) and "quota is spent" in found[0].message
    short = release.audit_quota("wx1", "p", facts({"quota": {"rest": 2, "limit": 20}}), 3, 0)[0]
    assert short.severity == "block" and "`up` submits 3" in short.message
    assert release.audit_quota("wx1", "p", facts({"quota": {"rest": 2, "limit": 20}}), 0, 0)[0].severity == "ok"


def test_the_reserve_warns_before_the_quota_runs_out() -> None:
    found = release.audit_quota("wx1", "p", facts({"quota": {"rest": 3, "limit": 20}}), 1, 2)
    assert found[0].severity == "warn" and "reserve" in found[0].message


def test_quota_without_rest_is_unknown_not_spent() -> None:
    assert release.audit_quota("wx1", "p", facts({"quota": {"limit": 20}}), 1, 0)[0].severity == "unknown"


def test_speedup_quota_spent_is_a_warning() -> None:
    found = release.audit_quota("wx1", "p", facts({"quota": {"rest": 9, "limit": 20, "speedup_rest": 0,
                                                             "speedup_limit": 10}}), 1, 0)
    assert [(f.check, f.severity) for f in found] == [("audit_quota", "ok"), ("speedup_quota", "warn")]


def test_another_version_under_audit_blocks_85009_unless_withdrawing_is_allowed() -> None:
    audit = {"audit": {"status": 2, "user_version": "1.0.9"}}
    blocked = release.in_flight("wx2", "shop", facts(audit), "1.1.0", True, False, "1.0.9")
    assert (blocked.severity, blocked.errcode) == ("block", 85009) and "1.0.9" in blocked.message
    assert release.in_flight("wx2", "shop", facts(audit), "1.1.0", True, True, "1.0.9").severity == "warn"
    assert release.in_flight("wx2", "shop", facts(audit), "1.1.0", False, False, "1.0.9").severity == "ok"
    assert release.in_flight("wx2", "shop", facts(audit), "1.1.0", True, False, "1.1.0").severity == "ok"


def test_an_audit_whose_version_nothing_tells_is_never_called_another_version() -> None:
    """Captured answers in review carry no user_version: it may be V's own audit (the release decides)."""
    finding = release.in_flight("wx2", "shop", facts({"audit": {"status": 2}}), "1.1.0", True, False, None)
    assert finding.severity == "unknown"


BASIC = {"nickname": "Shop", "head_image_info": {"head_image_url": "http://img"}, "signature_info": {"signature": "x"}}


def test_an_incomplete_profile_blocks_86002_when_submitting() -> None:
    basic = {**BASIC, "signature_info": {"signature": ""}}
    finding = release.profile("wx2", "shop", facts({"basic": basic}), None, submits=True)
    assert (finding.severity, finding.errcode) == ("block", 86002) and "signature" in finding.message
    later = release.profile("wx2", "shop", facts({"basic": basic}), None, submits=False)
    assert later.severity == "warn" and "next submission" in later.message


def test_the_spec_profile_fills_what_is_missing() -> None:
    basic = {"nickname": "", "head_image_info": {}, "signature_info": {"signature": "x"}}
    desired = {"nickname": "新名字", "avatar": "a.png"}
    assert release.profile("wx2", "shop", facts({"basic": basic}), desired, True).severity == "ok"


def test_profile_fields_absent_from_the_answer_count_as_missing() -> None:
    assert release.profile("wx2", "shop", facts({"basic": {}}), None, True).severity == "block"


def test_no_approved_category_blocks_85008() -> None:
    category = {"categories": [{"first": 1, "second": 2, "audit_status": 1}]}
    finding = release.categories("wx2", "shop", facts({"category": category}), None, [], True)
    assert (finding.severity, finding.errcode) == ("block", 85008)


def test_an_audit_item_naming_an_unapproved_category_blocks_85077() -> None:
    category = {"categories": [{"first": 1, "second": 2, "audit_status": 3}, {"first": 1, "second": 3,
                                                                              "audit_status": 2}]}
    items = [{"first_id": 1, "second_id": 3}]
    finding = release.categories("wx2", "shop", facts({"category": category}), None, items, True)
    assert (finding.severity, finding.errcode) == ("block", 85077) and "rejected" in finding.message


def test_a_category_this_run_adds_only_warns() -> None:
    category = {"categories": [{"first": 1, "second": 2, "audit_status": 3}]}
    desired = [{"first": 1, "second": 2}, {"first": 1, "second": 9}]
    finding = release.categories("wx2", "shop", facts({"category": category}), desired,
                                 [{"first_id": 1, "second_id": 9}], True)
    assert finding.severity == "warn" and "this run adds" in finding.message


def test_the_privacy_guide_must_cover_what_the_code_uses() -> None:
    desired = {"settings": [{"privacy_key": "UserInfo", "privacy_text": "x"}]}
    finding = release.privacy("wx2", "shop", Facts(), desired, ["UserInfo", "PhoneNumber"], "the committed code", True)
    assert finding.severity == "block" and "PhoneNumber" in finding.message and finding.errcode is None
    covered = release.privacy("wx2", "shop", Facts(), desired, ["UserInfo"], "the committed code", True)
    assert covered.severity == "ok"


def test_without_a_spec_privacy_block_the_live_guide_counts() -> None:
    live = {"privacy": {"setting_list": [{"privacy_key": "Location"}]}}
    assert release.privacy("wx2", "shop", facts(live), None, ["Location"], "x", True).severity == "ok"
    assert release.privacy("wx2", "shop", facts(live), None, ["Album"], "x", True).severity == "block"


def test_privacy_of_an_uncommitted_template_is_unknown() -> None:
    assert release.privacy("wx2", "shop", Facts(), None, None, "template 2", True).severity == "unknown"


@pytest.mark.parametrize(("status", "submits", "severity"), [
    (6, True, "ok"), (1024, True, "block"), (1024, False, "warn"), (5, True, "block"), (2, True, "warn"),
    (4, True, "warn"),
])
def test_icp_filing(status: int, submits: bool, severity: str) -> None:
    info = {"icp": {"status": status, "audit_data": [{"key_name": "x", "error": "照片模糊"}]}}
    finding = release.icp("wx2", "shop", facts(info), True, submits, True)
    assert finding.severity == severity
    if status == 5:
        assert "照片模糊" in finding.message


def test_icp_not_required_or_not_readable() -> None:
    assert release.icp("wx2", "shop", Facts(), False, True, True).severity == "ok"
    assert release.icp("wx2", "shop", Facts(), True, True, False).severity == "unknown"
    error = api_error(61007, "api is unauthorized to component", "wxa/icp/get_icp_entrance_info")
    assert release.icp("wx2", "shop", facts(errors={"icp": error}), True, True, True).severity == "unknown"


def test_the_template_must_exist_at_the_declared_version() -> None:
    templates = {"templates": [{"template_id": 2, "user_version": "1.1.0"}]}
    assert release.template("wx2", "shop", facts(templates), 2, "1.1.0", True).severity == "ok"
    missing = release.template("wx2", "shop", facts(templates), 7, "1.1.0", True)
    assert (missing.severity, missing.errcode) == ("block", 85014)
    assert release.template("wx2", "shop", facts(templates), 7, "1.1.0", False).severity == "warn"
    other = release.template("wx2", "shop", facts(templates), 2, "1.2.0", True)
    assert other.severity == "warn" and "holds version 1.1.0" in other.message
