"""ServerDomains and WebviewDomains plans: (desired, live, last applied) -> changes and calls."""

from __future__ import annotations

from typing import Any

import pytest

from providers._base import Context
from providers._plan import ApiCall, Change
from providers._settings import Settings
from providers.server_domains import ServerDomainsProvider
from providers.webview_domains import WebviewDomainsProvider
from wechat import APIError, api_error

EMPTY = {"request": [], "socket": [], "upload": [], "download": [], "udp": [], "tcp": []}
API = "https://api.example.com"
API2 = "https://api2.example.com"
WS = "wss://ws.example.com"


def ctx(mode: str = "platform") -> Context:
    return Context("wx2222222222222222", {"mode": mode}, Settings("http://127.0.0.1:1", {}))


def domains(**lists: list[str]) -> dict[str, Any]:
    return {**EMPTY, **lists}


@pytest.mark.parametrize(
    ("desired", "live", "last", "changes"),
    [
        # converged: nothing to do, no call
        (domains(request=[API]), domains(request=[API]), domains(request=[API]), []),
        # spec adds a domain
        (domains(request=[API, API2]), domains(request=[API]), domains(request=[API]),
         [Change("request", "add", new=API2)]),
        # console added one (drift): the spec wins and it is removed
        (domains(request=[API]), domains(request=[API, API2]), domains(request=[API]),
         [Change("request", "remove", old=API2, drift=True)]),
        # edits in two lists still make one call
        (domains(request=[API2], socket=[WS]), domains(request=[API]), None,
         [Change("request", "add", new=API2), Change("request", "remove", old=API), Change("socket", "add", new=WS)]),
    ],
)
def test_server_domains_plan(desired, live, last, changes) -> None:
    olds = {"spec": {**last, "on_delete": "forget"}} if last else None
    plan = ServerDomainsProvider().plan(ctx(), {**desired, "on_delete": "forget"}, live, olds)
    assert plan.changes == changes
    expected_calls = 1 if changes else 0
    assert [call.path for call in plan.calls] == ["/wxa/modify_domain"] * expected_calls
    if changes:
        assert "50" in (plan.calls[0].quota or "")


def test_server_domains_removal_warns_that_live_traffic_breaks() -> None:
    plan = ServerDomainsProvider().plan(ctx(), {**domains(), "on_delete": "forget"}, domains(request=[API]), None)
    assert any(API in warning for warning in plan.warnings)


def test_server_domains_owner_reads_without_tcp() -> None:
    # getwxadevinfo reports no tcp list: an unknown list is not compared, the others are
    live = {**domains(request=[API]), "tcp": None}
    desired = {**domains(request=[API], tcp=["tcp://t.example.com:9000"]), "on_delete": "forget"}
    plan = ServerDomainsProvider().plan(ctx("owner"), desired, live, None)
    assert plan.changes == []


@pytest.mark.parametrize(
    ("desired", "live", "last", "changes", "calls"),
    [
        (["https://h5.example.com"], ["https://h5.example.com"], ["https://h5.example.com"], [], []),
        (["https://h5.example.com"], [], ["https://h5.example.com"],
         [Change("domains", "add", new="https://h5.example.com", drift=True)], ["/wxa/setwebviewdomain"]),
        ([], ["https://h5.example.com"], None,
         [Change("domains", "remove", old="https://h5.example.com")], ["/wxa/setwebviewdomain"]),
    ],
)
def test_webview_domains_plan(desired, live, last, changes, calls) -> None:
    olds = {"spec": {"domains": last, "on_delete": "forget"}} if last is not None else None
    plan = WebviewDomainsProvider().plan(ctx(), {"domains": desired, "on_delete": "forget"}, {"domains": live}, olds)
    assert plan.changes == changes
    assert [call.path for call in plan.calls] == calls
    assert all(isinstance(call, ApiCall) for call in plan.calls)


class _WebviewClient:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.calls = error, 0

    def set_webview_domains(self, action: str, domains: list[str]) -> None:
        self.calls += 1
        if self.error:
            raise self.error


def _apply_webview(client: _WebviewClient) -> None:
    context = ctx()
    context.__dict__["client"] = client  # Context.client is a cached_property
    desired = {"domains": ["https://h5.example.com"], "on_delete": "forget"}
    provider = WebviewDomainsProvider()
    provider.apply(context, provider.plan(context, desired, {"domains": []}, None), desired, None, None)


def test_webview_set_that_finds_the_list_already_set_is_success() -> None:
    # the client resends a set whose answer was lost; WeChat then says "not change" (89019)
    client = _WebviewClient(api_error(89019, "webview domain not change", "wxa/setwebviewdomain"))
    _apply_webview(client)
    assert client.calls == 1


def test_webview_set_other_errors_still_fail() -> None:
    client = _WebviewClient(api_error(89021, "request domain is not open's webview domain!", "wxa/setwebviewdomain"))
    with pytest.raises(APIError):
        _apply_webview(client)
