"""The Markdown plan: golden files per scenario, plus the rules every rendering must keep."""

from __future__ import annotations

import re

import pytest
from golden import assert_golden
from plan_scenarios import SCENARIOS, SHOP, drift, first_release, no_changes, report, same, shop

from providers._plan import ApiCall, Change, Plan
from runner.plan_model import AppReport, ResourceReport
from runner.render import COMMENT_LIMIT, MARKER, render, render_rejected, summary_line
from wechat.redact import register_secret


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_rendering_matches_the_golden_file(name: str) -> None:
    assert_golden(name, render(SCENARIOS[name]()))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_rendering_is_well_formed(name: str) -> None:
    text = render(SCENARIOS[name]())
    assert text.startswith(MARKER + "\n")
    assert text.count("<details>") == text.count("</details>")
    assert text.count("```") % 2 == 0
    assert len(text) <= COMMENT_LIMIT
    assert text == render(SCENARIOS[name]()), "the same plan renders the same text"


def test_the_summary_line_counts_resources_items_drift_writes_and_steps() -> None:
    text = render(drift())
    assert "**0 to add, 3 to change, 0 to remove** · 5 item changes (4 drift) · 3 WeChat writes" in text
    assert summary_line(drift()).startswith("dev: 0 to add, 3 to change, 0 to remove · 5 item changes (4 drift)")
    assert "✅ **No changes.**" in render(no_changes())
    assert "✅" not in text


def test_warnings_show_at_the_top_and_at_their_resource() -> None:
    text = render(drift())
    top, _, body = text.partition("### demo-shop")
    warning = "removing https://evil.example.com: the released version stops reaching these servers at once"
    assert "### ⚠ Read before approving" in top and warning in top
    assert f"> ⚠ {warning}" in body


def test_each_change_shows_down_to_the_item_with_drift_marked() -> None:
    text = render(drift())
    assert "| + | `request` **drift** |  | `https://api2.shop.example.com` |" in text
    assert "| − | `request` **drift** | `https://evil.example.com` |  |" in text
    assert "| + | `download` |  | `https://img.shop.example.com` |" in text
    assert "1. `POST /wxa/modify_domain`: set all six server-domain lists (4 domains) · quota: 1 of the 50" in text
    assert '"args": {"action": "set", "downloaddomain": ["https://img.shop.example.com"]' in text


def test_unchanged_resources_are_one_line() -> None:
    text = render(drift())
    assert "No changes: categories." in text
    assert "#### · no change: categories" not in text


def test_a_create_that_matches_live_reads_as_adoption() -> None:
    assert "#### + adopt (live already matches): web-view (business) domains" in render(first_release())


def test_apps_are_sorted_and_no_clock_is_shown_unless_given() -> None:
    zeta = AppReport("zeta", "wx9999999999999999", "platform", [
        ResourceReport("zeta-server-domains", "server_domains", "same", Plan("server_domains", "wx9999999999999999"))])
    plan = report(zeta, shop(same("server_domains")))
    text = render(plan)
    assert text.index("### demo-shop") < text.index("### zeta")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    plan.generated_at = "2025-01-02 03:04 UTC"
    assert "made 2025-01-02 03:04 UTC" in render(plan)


def test_secrets_and_tokens_never_reach_the_comment() -> None:
    register_secret("sup3r-s3cret-refresh-token-value")
    leaky = Plan("server_domains", SHOP, warnings=[
        "WeChat said: invalid credential, access_token=abcDEF123456 is not latest "
        "(refresh sup3r-s3cret-refresh-token-value)"
    ], calls=[ApiCall("/wxa/modify_domain", 'set {"component_appsecret": "0123456789abcdef"}')])
    plan = report(shop(ResourceReport("demo-shop-server-domains", "server_domains", "update", leaky)))
    plan.engine_output = "POST /wxa/modify_domain?access_token=abcDEF123456"
    text = render(plan)
    for secret in ("abcDEF123456", "sup3r-s3cret-refresh-token-value", "0123456789abcdef"):
        assert secret not in text
    assert "access\\_token=\\*\\*\\*" in text


def test_a_huge_plan_is_cut_under_the_comment_limit_with_a_note() -> None:
    changes = [Change("request", "add", new=f"https://api{i}.example.com") for i in range(400)]
    apps = [
        AppReport(f"app-{n:03d}", f"wx{n:016x}", "platform", [ResourceReport(
            f"app-{n:03d}-server-domains", "server_domains", "update",
            Plan("server_domains", f"wx{n:016x}", changes=list(changes),
                 calls=[ApiCall("/wxa/modify_domain", "set all six lists")]),
        )])
        for n in range(30)
    ]
    text = render(report(*apps))
    assert len(text) <= COMMENT_LIMIT
    assert text.startswith(MARKER) and "**0 to add, 30 to change, 0 to remove**" in text
    assert "✂ **Truncated:**" in text and "Run `make plan` for the whole plan." in text
    assert text.count("<details>") == text.count("</details>")
    assert text.count("```") % 2 == 0


def test_long_tables_and_long_values_are_folded() -> None:
    changes = [Change("request", "add", new=f"https://api{i}.example.com") for i in range(20)]
    big = {"owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示" * 20}}
    changes.append(Change("owner_setting", "update", old=None, new=big))
    plan = Plan("privacy", SHOP, changes=changes, calls=[ApiCall("/cgi-bin/component/setprivacysetting", "set")])
    text = render(report(shop(ResourceReport("demo-shop-privacy", "privacy", "update", plan))))
    assert "<details><summary>21 item changes</summary>" in text
    assert "<details><summary>`owner_setting` in full</summary>" in text
    assert "…` |" in text  # the cell is cut; the fold holds the whole value


def test_table_cells_cannot_break_the_table() -> None:
    plan = Plan("profile", SHOP, changes=[Change("signature", "update", old="a|b", new="x`y\nz")],
                calls=[ApiCall("/cgi-bin/account/modifysignature", "set the intro")])
    text = render(report(shop(ResourceReport("demo-shop-profile", "profile", "update", plan))))
    assert "| ~ | `signature` | `a\\|b` | ``x`y z`` |" in text


def test_a_resource_that_could_not_be_read_is_a_failure() -> None:
    broken = ResourceReport("demo-shop-profile", "profile", "create", Plan("profile", SHOP),
                            error="ConfigurationError: stack config key 'wechat-iac:componentSecret' is not set")
    plan = report(shop(broken))
    text = render(plan)
    assert "❌ 1 failed" in text
    assert "- ❌ **demo-shop** · profile: could not read the live state: ConfigurationError" in text
    assert plan.counts().failed == 1


def test_a_program_the_engine_rejects_gets_no_plan() -> None:
    text = render_rejected("dev", "wechat-iac", "file://.state/backend",
                           "error: invalid spec:\nspecs/shop.yaml: appid: must be an appid\n"
                           "access_token=abcDEF123456")
    assert text.startswith(MARKER)
    assert "the engine rejected the program" in text and "must be an appid" in text
    assert "abcDEF123456" not in text
    assert "to add" not in text
