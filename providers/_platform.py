"""What platform-level resources share: the platform's own client and the two-copy domain lists.

A platform resource's inputs are `{appid: component_appid, credentials: {mode: "component", ...},
spec}`; its calls take the `component_access_token` (`wechat.ComponentClient`), one client per
platform per provider host, sharing the token cache on disk with the mini-programs' clients.

WeChat keeps two copies of each platform list, *testing* and *published*, changed together only
when a request says `is_modify_published_together: true`. A release through the platform keeps
only the mini-program domains whose host is on the published copy (reference §2.5, §10).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from providers._base import Context, Props, WeChatResourceProvider
from providers._diff import set_changes
from providers._plan import ApiCall, Plan
from providers._settings import Settings, _verify_ticket, token_cache
from wechat import ComponentClient, ComponentCredentials

COMPONENT_MODE = "component"
MONTHLY_CHANGES = 50  # each platform list: "每个月可修改50次" (reference §2.5)

_lock = threading.Lock()
_clients: dict[str, ComponentClient] = {}


def component_credentials(credentials: Mapping[str, Any], settings: Settings) -> ComponentCredentials:
    """The platform's credentials from the stack config keys its spec names."""
    return ComponentCredentials(
        component_appid=str(credentials["component_appid"]),
        component_appsecret=settings.require_secret(
            str(credentials["component_secret_config"]), "third-party platform AppSecret"
        ),
        verify_ticket=_verify_ticket(credentials, settings),
    )


def component_client(credentials: Mapping[str, Any], settings: Settings) -> ComponentClient:
    """One ComponentClient per platform (and base URL) per process."""
    key = json.dumps([settings.base_url, dict(credentials)], sort_keys=True, default=str)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = ComponentClient(component_credentials(credentials, settings), base_url=settings.base_url,
                                     cache=token_cache())
            _clients[key] = client
        return client


def platform_credentials(component_appid: str, credentials: Mapping[str, Any]) -> dict[str, Any]:
    """A platform spec's credentials block as a platform resource's `credentials` input."""
    return {"mode": COMPONENT_MODE, "component_appid": component_appid, **credentials}


def hosts(answer: Mapping[str, Any], key: str) -> list[str]:
    """A ";"-joined host list from WeChat's answer (absent = none), sorted, lower-case."""
    raw = answer.get(key)
    items = raw.split(";") if isinstance(raw, str) else list(raw or [])
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


class PlatformDomainListProvider(WeChatResourceProvider):
    """One of the platform's domain lists (testing and published copies), converged with `set`.

    A published list that differs is set with `is_modify_published_together: true` (both copies
    become it); a testing copy that differs from the result is then set alone. Each request costs
    one of the platform's 50 changes a month for that list; WeChat has no read for what is left.
    """

    wire: ClassVar[str]  # the field WeChat names the list by, e.g. "wxa_server_domain"
    path: ClassVar[str]  # e.g. "/cgi-bin/component/modify_wxa_server_domain"
    what: ClassVar[str]  # e.g. "mini-program server domains"
    loses: ClassVar[str]  # what a mini-program loses when a host leaves the published copy

    def send(self, client: ComponentClient, action: str, items: list[str], together: bool) -> Props:
        raise NotImplementedError

    def client(self, ctx: Context) -> ComponentClient:
        return component_client(ctx.credentials, ctx.settings)

    def read_live(self, ctx: Context) -> Props | None:
        answer = self.send(self.client(ctx), "get", [], False)
        return {"published": hosts(answer, f"published_{self.wire}"), "testing": hosts(answer, f"testing_{self.wire}")}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = olds["spec"] if olds else None
        baseline = live if live is not None else {"published": [], "testing": []}
        want = wanted(desired)
        for copy in ("published", "testing"):
            previous = testing_of(last) if last and copy == "testing" else (last or {}).get(copy)
            plan.changes += set_changes(copy, baseline[copy], want[copy], previous)
        plan.calls = [call for _together, _items, call in self.writes(baseline, want)]
        removed = [change.old for change in plan.changes if change.op == "remove" and change.field == "published"]
        if removed:
            plan.warnings.append(
                f"removing {', '.join(removed)} from the platform's published {self.what}: every mini-program of "
                f"this platform {self.loses} at its next release through the platform"
            )
        return plan

    def writes(self, live: Props, want: Props) -> list[tuple[bool, list[str], ApiCall]]:
        """(is_modify_published_together, hosts, the call as the plan shows it), in order: the one
        function both plan() and apply() take the writes from."""
        quota = (f"1 of the {MONTHLY_CHANGES} changes a month of the platform's {self.what} "
                 "(what is left: WeChat has no read)")
        out = []
        testing_after = live["testing"]
        if set(live["published"]) != set(want["published"]):
            summary = f"set the published and testing {self.what} ({len(want['published'])} hosts)"
            out.append((True, list(want["published"]), ApiCall(self.path, summary, quota)))
            testing_after = want["published"]
        if set(testing_after) != set(want["testing"]):
            summary = f"set the testing {self.what} ({len(want['testing'])} hosts)"
            out.append((False, list(want["testing"]), ApiCall(self.path, summary, quota)))
        return out

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        client = self.client(ctx)
        baseline = live if live is not None else {"published": [], "testing": []}
        for together, items, _call in self.writes(baseline, wanted(desired)):
            self.send(client, "set", items, together)
        return {}


def wanted(spec: Mapping[str, Any]) -> Props:
    return {"published": list(spec["published"]), "testing": testing_of(spec)}


def testing_of(spec: Mapping[str, Any]) -> list[str]:
    """The testing copy a spec block wants (its `testing` list, else the published one)."""
    testing = spec.get("testing")
    return list(spec["published"] if testing is None else testing)
