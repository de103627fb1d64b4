"""Domains across the two levels: registration on the platform's lists, removals from them, and what a
release through the platform leaves in force (forecast with release_domains.projected)."""

from __future__ import annotations

from preflight_helpers import facts

from providers import release_domains
from providers.preflight_checks import checks_domains as domains

SERVER = {"request": ["https://api.shop.example.com", "https://new.shop.example.com:8443"], "socket": [],
          "upload": [], "download": [], "udp": [], "tcp": []}
WEBVIEW = {"domains": ["https://m.h5.shop.example.com"]}


def test_declared_hosts_strip_scheme_and_port() -> None:
    assert domains.declared_hosts(SERVER, WEBVIEW) == (["api.shop.example.com", "new.shop.example.com"],
                                                       ["m.h5.shop.example.com"])


def test_a_declared_domain_missing_from_the_platform_lists_blocks_85017() -> None:
    server, webview = domains.declared_hosts(SERVER, WEBVIEW)
    lists = {"server": {"published": ["api.shop.example.com"], "testing": []},
             "jump": {"published": ["h5.shop.example.com"], "testing": []}}
    finding = domains.registration("wx2", "shop", server, webview, lists, "live")
    assert (finding.severity, finding.errcode) == ("block", 85017)
    assert "new.shop.example.com" in finding.message and "m.h5" not in finding.message  # subdomains are allowed


def test_either_copy_of_the_platform_list_registers_a_domain() -> None:
    lists = {"server": {"published": [], "testing": ["api.shop.example.com", "new.shop.example.com"]}}
    assert domains.registration("wx2", "shop", *domains.declared_hosts(SERVER, None), lists, "live").severity == "ok"


def test_removing_a_host_a_mini_program_declares_blocks() -> None:
    users = {"api.shop.example.com": ["shop", "mall"]}
    finding = domains.platform_removal("wx1", "p", "server", ["api.shop.example.com", "old.example.com"],
                                       ["old.example.com"], users)
    assert finding.severity == "block" and "declared by mall, shop" in finding.message
    ok = domains.platform_removal("wx1", "p", "server", ["api.shop.example.com", "old.example.com"],
                                  ["api.shop.example.com"], users)
    assert ok.severity == "ok" and "1 host(s) removed" in ok.message
    users = {"m.h5.shop.example.com": ["shop"]}
    jump = domains.platform_removal("wx1", "p", "jump", ["h5.shop.example.com"], [], users)
    assert jump.severity == "block"


def effective(mp=None, third=None, direct=None, after=None, webview_after=None, mp_webview=None, third_webview=None):
    lists = lambda urls: {"requestdomain": urls or []}  # noqa: E731
    server = {"mp_domain": lists(mp), "third_domain": lists(third), "direct_domain": lists(direct),
              "effective_domain": lists(after)}
    webview = {"mp_webviewdomain": mp_webview or [], "third_webviewdomain": third_webview or [],
               "direct_webviewdomain": [], "effective_webviewdomain": webview_after or []}
    return {"effective": server, "effective_webview": webview}


def test_projection_uses_the_platform_lists_this_run_sets() -> None:
    declared = release_domains.declared(SERVER, None)
    declared["platform"] = {"server": ["api.shop.example.com", "new.shop.example.com"], "spec": "specs/p.yaml"}
    read = release_domains.read(*effective(third=["https://api.shop.example.com"],
                                           after=["https://api.shop.example.com"]).values())
    # WeChat's own answer: the new domain is not in force yet, so it "would be lost"
    assert release_domains.lost(declared, read)[0] == ["request https://new.shop.example.com:8443"]
    projected = release_domains.projected(read, declared)
    assert release_domains.lost(declared, projected) == ([], [])


def test_projection_drops_hosts_the_platform_removes_but_keeps_direct_ones() -> None:
    declared = {"server": {"requestdomain": ["https://api.shop.example.com"]}, "platform": {"server": []}}
    read = release_domains.read(*effective(third=["https://api.shop.example.com"], direct=["https://d.example.com"],
                                           after=["https://api.shop.example.com", "https://d.example.com"]).values())
    after = release_domains.projected(read, declared)["after"]["server"]["requestdomain"]
    assert after == ["https://d.example.com"]


def test_without_platform_lists_wechats_answer_stands() -> None:
    read = release_domains.read(*effective(third=["https://a.example.com"], after=[]).values())
    assert release_domains.projected(read, {"server": {}}) is read


def test_web_view_projection_allows_subdomains_of_the_published_jump_list() -> None:
    declared = {"webview": ["m.h5.shop.example.com", "x.example.org"], "platform": {"webview": ["h5.shop.example.com"]}}
    read = release_domains.read(*effective(third_webview=["https://m.h5.shop.example.com"]).values())
    assert release_domains.projected(read, declared)["after"]["webview"] == ["m.h5.shop.example.com"]


def test_effective_blocks_a_release_this_run_makes_and_names_the_platform_spec() -> None:
    declared = {"server": {"requestdomain": ["https://api.shop.example.com"]},
                "platform": {"server": [], "spec": "specs/demo-platform.yaml"}}
    found = facts(effective(third=["https://api.shop.example.com"], after=["https://api.shop.example.com"]))
    finding, notes = domains.effective("wx2", "shop", found, declared, [], "approved")
    assert finding.severity == "block" and "specs/demo-platform.yaml" in finding.message
    later, _ = domains.effective("wx2", "shop", found, declared, [], "absent")
    assert later.severity == "warn" and "after the audit" in later.message
    accepted, _ = domains.effective("wx2", "shop", found, declared, ["api.shop.example.com"], "approved")
    assert accepted.severity == "ok"
    assert notes == ["after a release through the platform: no domains"]
