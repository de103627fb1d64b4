"""What platform-level resources share: the platform's own client and the two-copy domain lists.

A platform resource's inputs are `{appid: component_appid, credentials: {mode: "component", ...},
spec}`; its calls take the `component_access_token` (`wechat.ComponentClient`), one client per
platform per provider host, sharing the token cache on disk with the mini-programs' clients.

WeChat keeps two copies of each platform list, *testing* and *published*, changed together only
when a request says `is_modify_published_together: true`. A release through the platform keeps
only the mini-program domains whose host is on the published copy (reference §2.5, §10). A copy
WeChat's answer leaves out is unknown, never empty: the plan refuses to set the list.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from providers._base import Context, Props, WeChatResourceProvider, unknown
from providers._diff import set_changes
from providers._executor import Run
from providers._plan import ApiCall, Plan
from providers._settings import Settings, component_credentials, token_cache
from wechat import ComponentClient

COMPONENT_MODE = "component"
MONTHLY_CHANGES = 50  # each platform list: "每个月可修改50次" (reference §2.5)

_lock = threading.Lock()
_clients: dict[str, ComponentClient] = {}


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


def hosts(answer: Mapping[str, Any], key: str) -> list[str] | None:
    """A ";"-joined host list from WeChat's answer, sorted, lower-case; None when the answer leaves
    it out (unknown, not empty: "" is the empty list)."""
    raw = answer.get(key)
    if not isinstance(raw, str | list):
        return None
    items = raw.split(";") if isinstance(raw, str) else list(raw)
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


class PlatformDomainListProvider(WeChatResourceProvider):
    """One of the platform's domain lists (testing and published copies), converged with `set`.

    A published list that differs is set with `is_modify_published_together: true` (both copies
    become it); a testing copy that differs from the result is then set alone. Each request costs
    one of the platform's 50 changes a month for that list; WeChat has no read for what is left.
    A `set` whose answer is lost is settled by reading the lists again (the executor's replan),
    never by sending it again: it would cost another change.
    """

    wire: ClassVar[str]  # the field WeChat names the list by, e.g. "wxa_server_domain"
    path: ClassVar[str]  # e.g. "/cgi-bin/component/modify_wxa_server_domain"
    what: ClassVar[str]  # e.g. "mini-program server domains"
    loses: ClassVar[str]  # what a mini-program loses when a host leaves the published copy

    def client(self, ctx: Context) -> ComponentClient:
        return component_client(ctx.credentials, ctx.settings)

    def get(self, client: ComponentClient) -> Props:
        """`action: get` of this list (a read: the client retries it when an answer is lost)."""
        raise NotImplementedError

    def read_live(self, ctx: Context) -> Props | None:
        answer = self.get(self.client(ctx))
        return {"published": hosts(answer, f"published_{self.wire}"), "testing": hosts(answer, f"testing_{self.wire}")}

    def send(self, run: Run, call: ApiCall, args: Props) -> Props:
        """The platform's lists take the component_access_token: its own client, the same `send`."""
        return self.client(run.ctx).send(call.method, call.path, args)

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        plan = Plan(self.kind, ctx.appid)
        last = olds["spec"] if olds else None
        baseline = live if live is not None else {"published": [], "testing": []}
        want = wanted(desired)
        unread = [copy for copy in ("published", "testing") if baseline.get(copy) is None]
        if unread:
            plan.changes = [unknown(copy, ", ".join(want[copy]) or "no hosts") for copy in unread]
            plan.calls = self.writes({"published": [None], "testing": [None]}, want)  # the full rewrite
            plan.blocked = (f"WeChat's answer has no {' or '.join(f'{copy}_{self.wire}' for copy in unread)}: that "
                            f"copy of the platform's {self.what} is unknown (not empty), and a set replaces it "
                            "unseen. Nothing was changed; run again")
            return plan
        for copy in ("published", "testing"):
            previous = testing_of(last) if last and copy == "testing" else (last or {}).get(copy)
            plan.changes += set_changes(copy, baseline[copy], want[copy], previous)
        plan.calls = self.writes(baseline, want)
        removed = [change.old for change in plan.changes if change.op == "remove" and change.field == "published"]
        if removed:
            plan.warnings.append(
                f"removing {', '.join(removed)} from the platform's published {self.what}: every mini-program of "
                f"this platform {self.loses} at its next release through the platform"
            )
        return plan

    def writes(self, live: Props, want: Props) -> list[ApiCall]:
        """The `set` calls, in order, with the arguments WeChat gets (hosts ";"-joined)."""
        quota = (f"1 of the {MONTHLY_CHANGES} changes a month of the platform's {self.what} "
                 "(what is left: WeChat has no read)")
        out = []
        testing_after = live["testing"]
        if set(live["published"]) != set(want["published"]):
            summary = f"set the published and testing {self.what} ({len(want['published'])} hosts)"
            out.append(ApiCall(self.path, summary, quota, args=self.set_args(want["published"], together=True)))
            testing_after = want["published"]
        if set(testing_after) != set(want["testing"]):
            summary = f"set the testing {self.what} ({len(want['testing'])} hosts)"
            out.append(ApiCall(self.path, summary, quota, args=self.set_args(want["testing"], together=False)))
        return out

    def set_args(self, items: list[str], together: bool) -> Props:
        return {"action": "set", "is_modify_published_together": together, self.wire: ";".join(items)}


def wanted(spec: Mapping[str, Any]) -> Props:
    return {"published": list(spec["published"]), "testing": testing_of(spec)}


def testing_of(spec: Mapping[str, Any]) -> list[str]:
    """The testing copy a spec block wants (its `testing` list, else the published one)."""
    testing = spec.get("testing")
    return list(spec["published"] if testing is None else testing)
