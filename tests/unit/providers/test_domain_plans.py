"""ServerDomains and WebviewDomains plans: (desired, live, last applied) -> changes and calls."""

from __future__ import annotations

from typing import Any

import pytest

import providers._clients
from providers._base import Context
from providers._errors import RefusedError
from providers._plan import ApiCall, Change
from providers._settings import Settings
from providers.models.domains import SERVER_DOMAIN_WIRE as WIRE
from providers.server_domains import ServerDomainsProvider
from providers.webview_domains import WebviewDomainsProvider
from wechat import AmbiguousWriteError, APIError, api_error

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


class _WireClient:
    """Stands in for the client: the live lists, and every write as sent (method, path, args)."""

    def __init__(self, error: Exception | None = None, lands: bool = True) -> None:
        self.error, self.lands = error, lands
        self.webview: list[str] = []
        self.servers = {wire: [] for wire in WIRE.values()}
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def get_webview_domains(self) -> list[str]:
        return list(self.webview)

    def get_domains(self) -> dict[str, list[str]]:
        return {wire: list(items) for wire, items in self.servers.items()}

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((method, path, args))
        if self.lands and path == "/wxa/setwebviewdomain":
            self.webview = list(args["webviewdomain"])
        if self.lands and path == "/wxa/modify_domain":
            self.servers = {wire: list(args[wire]) for wire in WIRE.values()}
        if self.error:
            raise self.error
        return {}


def _up(provider: Any, client: _WireClient, spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(providers._clients, "client_for", lambda *args: client)
    provider._settings = Settings("http://127.0.0.1:1", {})
    props = {"appid": "wx2222222222222222", "credentials": {"mode": "platform"}, "spec": spec}
    return provider.create(props).outs or {}


WEBVIEW = {"domains": ["https://h5.example.com"], "on_delete": "forget"}


def test_up_sends_exactly_the_planned_call(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _WireClient()
    _up(WebviewDomainsProvider(), client, WEBVIEW, monkeypatch)
    assert client.sent == [("POST", "/wxa/setwebviewdomain", {"action": "set", "webviewdomain": ["https://h5.example.com"]})]
    _up(ServerDomainsProvider(), client, {**EMPTY, "request": [API], "on_delete": "forget"}, monkeypatch)
    assert client.sent[-1] == ("POST", "/wxa/modify_domain", {
        "action": "set", "requestdomain": [API], "wsrequestdomain": [], "uploaddomain": [], "downloaddomain": [],
        "udpdomain": [], "tcpdomain": []})


def test_webview_set_that_finds_the_list_already_set_is_success(monkeypatch: pytest.MonkeyPatch) -> None:
    # WeChat says "not change" (89019): a fresh read shows the list as asked, so the write is in effect
    client = _WireClient(api_error(89019, "webview domain not change", "wxa/setwebviewdomain"))
    _up(WebviewDomainsProvider(), client, WEBVIEW, monkeypatch)
    assert len(client.sent) == 1


def test_webview_set_other_errors_still_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _WireClient(api_error(89021, "request domain is not open's webview domain!", "wxa/setwebviewdomain"),
                         lands=False)
    with pytest.raises(APIError, match="set the web-view domain list"):
        _up(WebviewDomainsProvider(), client, WEBVIEW, monkeypatch)


@pytest.mark.parametrize("lands", [True, False])
def test_a_lost_domain_set_is_settled_by_reading_never_sent_again(monkeypatch: pytest.MonkeyPatch, lands: bool) -> None:
    client = _WireClient(AmbiguousWriteError("no answer", endpoint="wxa/modify_domain"), lands=lands)
    spec = {**EMPTY, "request": [API], "on_delete": "forget"}
    if lands:
        _up(ServerDomainsProvider(), client, spec, monkeypatch)  # the lists read back as asked: done
    else:
        with pytest.raises(RefusedError, match="did not take effect, and it was not sent again"):
            _up(ServerDomainsProvider(), client, spec, monkeypatch)
    assert [path for _, path, _ in client.sent] == ["/wxa/modify_domain"]


def test_on_delete_clear_is_a_planned_write_and_owner_mode_never_makes_it() -> None:
    outs = {"appid": "wx2222222222222222", "credentials": {"mode": "platform"}, "spec": {"on_delete": "clear"}}
    assert [call.args for call in WebviewDomainsProvider().plan_delete(outs).calls] == [
        {"action": "set", "webviewdomain": []}]
    assert [call.path for call in ServerDomainsProvider().plan_delete(outs).calls] == ["/wxa/modify_domain"]
    owner = {**outs, "credentials": {"mode": "owner"}}
    assert not ServerDomainsProvider().plan_delete(owner).calls
    assert not WebviewDomainsProvider().plan_delete({**outs, "spec": {"on_delete": "forget"}}).calls
