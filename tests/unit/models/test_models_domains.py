"""Server and business domains: WeChat's URL rules, limits, duplicates and normalisation."""

from __future__ import annotations

import pytest
from spec_helpers import assert_problem, block_problems

from providers.models import ServerDomainsSpec, WebviewDomainsSpec, normalise_domain
from providers.server_domains import set_all
from providers.webview_domains import set_list


@pytest.mark.parametrize(
    ("value", "scheme", "allow_port", "expected"),
    [
        ("https://api.example.com", "https", True, "https://api.example.com"),
        ("https://API.Example.COM/", "https", True, "https://api.example.com"),
        ("HTTPS://api.example.com", "https", True, "https://api.example.com"),
        ("  https://api.example.com  ", "https", True, "https://api.example.com"),
        ("https://api.example.com.", "https", True, "https://api.example.com"),
        ("https://api.example.com:8443", "https", True, "https://api.example.com:8443"),
        ("wss://ws.example.com", "wss", True, "wss://ws.example.com"),
        ("udp://udp.example.com:9000", "udp", True, "udp://udp.example.com:9000"),
        ("tcp://tcp.example.com", "tcp", True, "tcp://tcp.example.com"),
        ("https://xn--fiqs8s.example.cn", "https", False, "https://xn--fiqs8s.example.cn"),
        ("https://a-b.c-d.example.com", "https", False, "https://a-b.c-d.example.com"),
        ("https://sub.api.weixin.qq.com", "https", True, "https://sub.api.weixin.qq.com"),
    ],
)
def test_good_domains_are_normalised(value: str, scheme: str, allow_port: bool, expected: str) -> None:
    assert normalise_domain(value, scheme=scheme, allow_port=allow_port) == expected


@pytest.mark.parametrize(
    ("value", "scheme", "allow_port", "fragment"),
    [
        ("api.example.com", "https", True, "must start with https://"),
        ("http://api.example.com", "https", True, "must use https://"),
        ("https://ws.example.com", "wss", True, "must use wss://"),
        ("wss://api.example.com", "https", True, "must use https://"),
        ("https://udp.example.com", "udp", True, "must use udp://"),
        ("https://", "https", True, "a host is required"),
        ("https:///", "https", True, "a host is required"),
        ("https://1.2.3.4", "https", True, "IP addresses are not allowed"),
        ("https://10.1", "https", True, "IP addresses are not allowed"),
        ("https://[::1]", "https", True, "IP addresses are not allowed"),
        ("https://[2001:db8::1]:443", "https", True, "IP addresses are not allowed"),
        ("https://1.2.3.4:8080", "https", True, "IP addresses are not allowed"),
        ("https://api.weixin.qq.com", "https", True, "WeChat forbids it"),
        ("https://API.WEIXIN.QQ.COM/", "https", True, "WeChat forbids it"),
        ("https://api.example.com/v1", "https", True, "no path, query or fragment"),
        ("https://api.example.com?x=1", "https", True, "no path, query or fragment"),
        ("https://api.example.com#top", "https", True, "no path, query or fragment"),
        ("https://api.example.com//", "https", True, "no path, query or fragment"),
        ("https://user:pw@api.example.com", "https", True, "user info"),
        ("https://api.example.com:8443", "https", False, "cannot have a port"),
        ("https://api.example.com:0", "https", True, "port must be a number from 1 to 65535"),
        ("https://api.example.com:65536", "https", True, "port must be a number from 1 to 65535"),
        ("https://api.example.com:08", "https", True, "port must be a number"),
        ("https://api.example.com:", "https", True, "port must be a number"),
        ("https://localhost", "https", True, "full domain name"),
        ("https://api.example.123", "https", True, "top-level domain"),
        ("https://*.example.com", "https", True, "only letters, digits"),
        ("https://a_b.example.com", "https", True, "only letters, digits"),
        ("https://例子.中国", "https", True, "xn--"),
        ("https://ex ample.com", "https", True, "only letters, digits"),
        ("https://-bad.example.com", "https", True, "host label"),
        ("https://a..b.com", "https", True, "host label"),
        ("https://" + "a" * 64 + ".com", "https", True, "host label"),
        ("https://" + ".".join(["abcdefgh"] * 30) + ".com", "https", True, "longer than 253"),
    ],
)
def test_bad_domains_say_why(value: str, scheme: str, allow_port: bool, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        normalise_domain(value, scheme=scheme, allow_port=allow_port)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("request", "wss://api.example.com", "must use https://"),
        ("upload", "wss://up.example.com", "must use https://"),
        ("download", "http://cdn.example.com", "must use https://"),
        ("socket", "https://ws.example.com", "must use wss://"),
        ("udp", "tcp://u.example.com", "must use udp://"),
        ("tcp", "udp://t.example.com", "must use tcp://"),
    ],
)
def test_each_server_list_has_its_scheme(field: str, value: str, fragment: str) -> None:
    assert_problem(block_problems(ServerDomainsSpec, {field: [value]}), f"{field}[0]", fragment)


def test_server_domains_normalise_to_sorted_lowercase_sets() -> None:
    spec = ServerDomainsSpec.model_validate(
        {
            "request": ["https://B.example.com/", "https://a.example.com:8443", "https://a.example.com"],
            "socket": ["WSS://WS.example.com"],
        }
    )
    assert spec.normalised() == {
        "request": ["https://a.example.com", "https://a.example.com:8443", "https://b.example.com"],
        "socket": ["wss://ws.example.com"],
        "upload": [],
        "download": [],
        "udp": [],
        "tcp": [],
        "on_delete": "forget",
    }


def test_normalised_output_validates_to_itself() -> None:
    once = ServerDomainsSpec.model_validate({"request": ["https://B.example.com/"], "on_delete": "clear"}).normalised()
    assert ServerDomainsSpec.model_validate(once).normalised() == once


def test_wire_names_are_wechats() -> None:
    spec = ServerDomainsSpec.model_validate({"request": ["https://a.example.com"], "tcp": ["tcp://t.example.com"]})
    assert dict(set_all(spec.normalised(), "set").args) == {
        "action": "set",
        "requestdomain": ["https://a.example.com"],
        "wsrequestdomain": [],
        "uploaddomain": [],
        "downloaddomain": [],
        "udpdomain": [],
        "tcpdomain": ["tcp://t.example.com"],
    }
    webview = WebviewDomainsSpec.model_validate({"domains": ["https://H5.example.com/"]})
    assert dict(set_list(webview.domains, "set").args) == {"action": "set", "webviewdomain": ["https://h5.example.com"]}


def test_duplicates_after_normalisation_point_at_the_second_entry() -> None:
    found = block_problems(
        ServerDomainsSpec, {"request": ["https://a.example.com", "https://b.example.com", "HTTPS://A.example.com/"]}
    )
    assert_problem(found, "request[2]", "duplicate of [0]")
    assert list(found) == ["request[2]"]


def test_same_domain_in_two_lists_is_fine() -> None:
    spec = ServerDomainsSpec.model_validate(
        {"request": ["https://a.example.com"], "download": ["https://a.example.com"]}
    )
    assert spec.download == ["https://a.example.com"]


def test_limits_are_200_per_server_type_and_300_business_domains() -> None:
    ok = [f"https://d{index}.example.com" for index in range(200)]
    assert len(ServerDomainsSpec.model_validate({"request": ok}).request) == 200
    found = block_problems(ServerDomainsSpec, {"upload": [*ok, "https://one-more.example.com"]})
    assert_problem(found, "upload", "at most 200 upload domains allowed, got 201")
    webview = [f"https://d{index}.example.com" for index in range(301)]
    assert_problem(block_problems(WebviewDomainsSpec, {"domains": webview}), "domains", "at most 300 business")
    assert len(WebviewDomainsSpec.model_validate({"domains": webview[:300]}).domains) == 300


def test_count_duplicates_and_item_errors_are_reported_together() -> None:
    items = [f"https://d{index}.example.com" for index in range(200)] + [
        "http://x.example.com",
        "https://d0.example.com",
    ]
    found = block_problems(ServerDomainsSpec, {"request": items})
    assert_problem(found, "request", "at most 200")
    assert_problem(found, "request[200]", "must use https://")
    assert_problem(found, "request[201]", "duplicate of [0]")


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"domains": ["http://h5.example.com"]}, "domains[0]", "must use https://"),
        ({"domains": ["https://h5.example.com:443"]}, "domains[0]", "cannot have a port"),
        ({"domains": ["https://10.0.0.1"]}, "domains[0]", "IP addresses"),
        ({"domains": "https://h5.example.com"}, "domains", "valid list"),
        ({"domains": [], "on_delete": "wipe"}, "on_delete", "'forget' or 'clear'"),
        ({"domain": []}, "domain", "did you mean 'domains'?"),
        ({"domains": [443]}, "domains[0]", "put the value in quotes"),
    ],
)
def test_webview_rules(data: dict[str, object], path: str, fragment: str) -> None:
    assert_problem(block_problems(WebviewDomainsSpec, data), path, fragment)


def test_unknown_server_list_suggests_the_right_name() -> None:
    found = block_problems(ServerDomainsSpec, {"reqest": ["https://a.example.com"], "websocket": []})
    assert_problem(found, "reqest", "did you mean 'request'?")
    assert_problem(found, "websocket", "unknown field")
