"""How often the Release reads WeChat: each endpoint at most once per engine call (diff, update) where
no write came between; update() plans from what diff() read, and the guards still read right before
every write that must not be repeated; the platform's audit quota is read once per platform.

The fake is test_release_apply's, wrapped so that every read and write is logged in order.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from providers import release_quota
from providers._errors import RefusedError
from providers.release import ReleaseProvider
from providers.release_live import snapshot
from providers.release_phases import decide
from providers.release_plan import COMMIT, RELEASE, ROLLBACK, SUBMIT
from tests.unit.providers.test_release_apply import (  # noqa: F401 (fixtures)
    PLATFORM,
    FakeWeChat,
    execute,
    fake,
    props,
    provider,
    release_spec,
)

Log = list[tuple[str, str]]


class Logged:
    """The fake, logging ("read", method) and ("write", path) in the order they reach "WeChat"."""

    def __init__(self, wechat: FakeWeChat) -> None:
        self.wechat, self.log = wechat, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.wechat, name)
        if not name.startswith(("get_", "query_")):
            return found

        def read(*args: Any) -> Any:
            self.log.append(("read", name))
            return found(*args)

        return read

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        self.log.append(("write", path))
        return self.wechat.send(method, path, args)


@pytest.fixture
def logged(fake: FakeWeChat, monkeypatch: pytest.MonkeyPatch) -> Logged:  # noqa: F811
    wrapper = Logged(fake)
    monkeypatch.setattr("providers._clients.client_for", lambda *args: wrapper)
    return wrapper


def repeated_reads(log: Log) -> list[str]:
    """Reads of an endpoint already read since the last write."""
    seen: set[str] = set()
    repeated = []
    for kind, what in log:
        if kind == "write":
            seen.clear()
        elif what in seen:
            repeated.append(what)
        else:
            seen.add(what)
    return repeated


def diff_then_update(provider: ReleaseProvider, spec: dict[str, Any], olds: dict[str, Any],  # noqa: F811
                     logged: Logged) -> tuple[Log, Log, dict[str, Any]]:
    """One `up` of an existing resource: the engine's diff(), then its update(); each call's log."""
    logged.log.clear()
    assert provider.diff("id", olds, props(spec)).changes
    diff_log = list(logged.log)
    logged.log.clear()
    outs = provider.update("id", olds, props(spec)).outs or {}
    return diff_log, list(logged.log), outs


def released_at_1_0_0(provider: ReleaseProvider, logged: Logged) -> dict[str, Any]:  # noqa: F811
    outs = provider.create(props(release_spec(version="1.0.0"))).outs or {}
    assert outs["phase"] == "released"
    return outs


def test_update_plans_from_the_diff_read_and_the_guards_still_read(provider: ReleaseProvider,  # noqa: F811
                                                                   fake: FakeWeChat, logged: Logged) -> None:  # noqa: F811
    olds = released_at_1_0_0(provider, logged)
    diff_log, update_log, outs = diff_then_update(provider, release_spec(), olds, logged)
    assert fake.writes == [COMMIT, SUBMIT] and outs["phase"] == "auditing"
    assert repeated_reads(diff_log) == [] and repeated_reads(update_log) == []
    # update() read nothing before the commit but its guard (getversioninfo + get_latest_auditstatus):
    # not the history, the domains or the quota diff() read; the submit's guard read again after the commit
    assert update_log[: update_log.index(("write", COMMIT))] == [
        ("read", "get_version_info"), ("read", "get_latest_audit_status")]
    between = update_log[update_log.index(("write", COMMIT)) + 1: update_log.index(("write", SUBMIT))]
    assert ("read", "get_version_info") in between and ("read", "get_latest_audit_status") in between
    assert ("read", "query_quota") not in update_log  # diff() read the platform's figure in this host
    assert update_log[-1] == ("write", SUBMIT)  # WeChat's answer (its auditid) says where V stands: no read
    assert outs["auditid"] == fake.latest()["auditid"]  # type: ignore[index]

    fake.decide(0)  # approved
    diff_log, update_log, outs = diff_then_update(provider, release_spec(), outs, logged)
    assert fake.writes == [COMMIT, SUBMIT, RELEASE] and outs["phase"] == "released"
    assert repeated_reads(update_log) == []
    before_release = update_log[: update_log.index(("write", RELEASE))]
    assert ("read", "get_history_versions") not in before_release  # diff() read it
    assert ("read", "get_effective_domain") in before_release  # the guard: no declared domain dropped
    assert update_log[-1] == ("write", RELEASE) and outs["gray_percentage"] == 100


def test_a_stale_diff_still_never_commits_or_submits_twice(provider: ReleaseProvider,  # noqa: F811
                                                           fake: FakeWeChat, logged: Logged) -> None:  # noqa: F811
    olds = released_at_1_0_0(provider, logged)
    assert provider.diff("id", olds, props(release_spec())).changes
    fake.commit_as("1.1.0")  # between the engine's diff and its update: another run commits and submits 1.1.0
    fake.submit_audit()
    logged.log.clear()
    outs = provider.update("id", olds, props(release_spec())).outs or {}
    assert logged.log[-3:] == [("read", "get_version_info"), ("read", "get_latest_audit_status"),
                               ("read", "get_gray_release_plan")]  # nothing it sent tells: the record reads
    assert fake.writes == [SUBMIT]  # the other run's only: the guards read and skipped both of this plan's
    assert outs["phase"] == "auditing"


def test_update_reads_afresh_without_its_diff(provider: ReleaseProvider, fake: FakeWeChat,  # noqa: F811
                                              logged: Logged) -> None:
    olds = released_at_1_0_0(provider, logged)
    logged.log.clear()
    provider.update("id", olds, props(release_spec()))  # no diff() in this host (or an older one)
    assert logged.log[:3] == [("read", "get_version_info"), ("read", "get_latest_audit_status"),
                              ("read", "get_gray_release_plan")]


def test_rollback_skipped_when_v_went_live_since_the_plan(provider: ReleaseProvider,  # noqa: F811
                                                          fake: FakeWeChat) -> None:  # noqa: F811
    fake.live = "1.1.0"
    fake.history = [{"app_version": 2, "user_version": "1.0.0"}]
    spec = release_spec(version="1.0.0")
    live = {**snapshot(fake.get_version_info(), None, None), "history": [{"app_version": 2, "version": "1.0.0"}],
            "domains": None}
    plan = decide("wx2222222222222222", provider.normalize(spec), live, None)
    assert [call.path for call in plan.calls] == [ROLLBACK]
    fake.live = "1.0.0"  # someone rolled back in the console after the plan was made
    execute(provider, spec, plan, live)
    assert fake.writes == []


class QuotaClient:
    def __init__(self, rest: int) -> None:
        self.rest, self.reads = rest, 0

    def query_quota(self) -> dict[str, Any]:
        self.reads += 1
        return {"rest": self.rest, "limit": 20}


def ctx_of(appid: str, client: QuotaClient, component: str = "wx1111111111111111") -> Any:
    return SimpleNamespace(appid=appid, credentials={**PLATFORM, "component_appid": component},
                           settings=SimpleNamespace(base_url="http://emulator.invalid"), client=client)


def test_quota_read_once_per_platform_and_counted_down() -> None:
    client, other = QuotaClient(rest=2), QuotaClient(rest=5)
    apps = [ctx_of(f"wx{index:016d}", client) for index in range(3)]
    assert [release_quota.figure(ctx)["rest"] for ctx in apps] == [2, 2, 2]
    assert release_quota.figure(ctx_of("wx9", other, component="wx3333333333333333"))["rest"] == 5
    assert (client.reads, other.reads) == (1, 1)
    assert release_quota.spend(apps[0]) == (True, {"rest": 1, "limit": 20})
    assert release_quota.spend(apps[1]) == (True, {"rest": 0, "limit": 20})
    assert client.reads == 1
    client.rest = 0
    assert release_quota.spend(apps[2]) == (False, {"rest": 0, "limit": 20})
    assert client.reads == 2  # a refusal rests on a fresh read


def test_quota_spent_by_the_count_but_renewed_live_is_spent_live() -> None:
    client = QuotaClient(rest=1)
    ctx = ctx_of("wx1", client)
    assert release_quota.spend(ctx)[0]
    client.rest = 20  # a new month: the fresh read says there is quota again
    assert release_quota.spend(ctx) == (True, {"rest": 19, "limit": 20})
    assert client.reads == 2


def test_template_library_read_once_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet releasing template 2: the plan names what template 2 was made from, read once."""
    import providers.release_source as release_source

    reads: list[str] = []

    class Library:
        def get_templates(self) -> list[dict[str, Any]]:
            reads.append("gettemplatelist")
            return [{"template_id": 2, "user_version": "1.1.0", "user_desc": "cart", "create_time": 1700000000}]

    monkeypatch.setattr(release_source, "_component_client", lambda credentials, settings: Library())
    spec = {"version": "1.1.0", "source": {"template_id": 2}}
    states = [release_source.source_state(ctx_of(f"wx{index:016d}", QuotaClient(0)), spec) for index in range(3)]
    assert [state["template"]["user_version"] for state in states] == ["1.1.0"] * 3
    assert reads == ["gettemplatelist"]


def test_a_lost_submit_answer_is_settled_against_the_guards_read(provider: ReleaseProvider,  # noqa: F811
                                                                 fake: FakeWeChat) -> None:  # noqa: F811
    """update() plans from diff()'s read; an audit of V that appeared and was withdrawn since then is
    no evidence that this run's submission landed: the landed read compares with the guard's read."""
    olds = released_at_1_0_0(provider, None)  # type: ignore[arg-type]
    assert provider.diff("id", olds, props(release_spec())).changes
    fake.commit_as("1.1.0")  # meanwhile: someone commits 1.1.0, submits it and withdraws the audit
    fake.submit_audit()
    fake.decide(3)
    fake.lose(SUBMIT, "before")  # this run's submission is lost before it lands
    with pytest.raises(RefusedError, match="did not take effect"):
        provider.update("id", olds, props(release_spec()))
    assert len(fake.audits) == 1  # nothing landed, and nothing was sent again


def test_outside_the_host_the_platform_reads_are_made_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's in-process plan (and a test process) may plan many runs: nothing is kept there."""
    from providers import _host

    monkeypatch.setattr(_host, "serving", lambda: False)
    client = QuotaClient(rest=3)
    assert [release_quota.figure(ctx_of("wx1", client))["rest"] for _ in range(2)] == [3, 3]
    client.rest = 0
    assert release_quota.figure(ctx_of("wx1", client))["rest"] == 0 and client.reads == 3
