"""Credentials, verify ticket, tokens and permission sets: facts in, findings out (no I/O)."""

from __future__ import annotations

from preflight_helpers import facts

from providers._settings import ConfigurationError
from providers.preflight_checks import checks_access as access
from wechat import api_error

NOW = 1_800_000_000.0


def granted(*sets: int) -> dict:
    return {"authorization_info": {"func_info": [{"funcscope_category": {"id": ident}} for ident in sets]}}


def test_permission_sets_cover_every_managed_block() -> None:
    finding = access.authorization("wx2", "shop", facts({"authorizer": granted(18, 30)}),
                                   ["server_domains", "profile", "release", "developers"])
    assert finding.severity == "ok" and "18, 30" in finding.message


def test_a_missing_permission_set_blocks_naming_the_blocks_that_need_it() -> None:
    finding = access.authorization("wx2", "shop", facts({"authorizer": granted(18)}),
                                   ["server_domains", "profile", "privacy"])
    assert finding.severity == "block" and finding.errcode == 61007
    assert "set 30" in finding.message and "profile, privacy" in finding.message
    assert "server_domains" not in finding.message


def test_func_info_without_ids_is_unknown_never_ok() -> None:
    answer = {"authorization_info": {"func_info": [{"funcscope_category": {}}, "junk"]}}
    assert access.func_sets(answer) == set()
    assert access.authorization("wx2", "shop", facts({"authorizer": answer}), ["release"]).severity == "block"
    assert access.authorization("wx2", "shop", facts({"authorizer": {}}), ["release"]).severity == "unknown"


def test_not_authorized_blocks_with_61003() -> None:
    error = api_error(61003, "component is not authorized by this account", "cgi-bin/component/api_get_authorizer_info")
    finding = access.authorization("wx2", "shop", facts(errors={"authorizer": error}), ["release"])
    assert (finding.severity, finding.errcode) == ("block", 61003)


def test_icp_readable_with_set_18_or_156() -> None:
    assert access.icp_readable(facts({"authorizer": granted(156)}))
    assert not access.icp_readable(facts({"authorizer": granted(30)}))
    assert access.icp_readable(facts())  # unknown: try, the read's own error is the finding


def test_ticket_file_older_than_12_hours_blocks_with_61005() -> None:
    ticket = {"source": "file t.txt", "age_seconds": 13 * 3600}
    finding = access.verify_ticket("wx1", "p", facts({"ticket": ticket}), 30, NOW)
    assert (finding.severity, finding.errcode) == ("block", 61005) and "13.0 h" in finding.message


def test_an_expired_ticket_with_a_cached_component_token_only_warns_until_it_expires() -> None:
    ticket = {"source": "file t.txt", "age_seconds": 13 * 3600}
    finding = access.verify_ticket("wx1", "p", facts({"ticket": ticket, "component_token_expires_at": NOW + 1800}),
                                   30, NOW)
    assert finding.severity == "warn" and "30 min" in finding.message


def test_a_quiet_ticket_receiver_warns() -> None:
    finding = access.verify_ticket("wx1", "p", facts({"ticket": {"source": "file", "age_seconds": 45 * 60}}), 30, NOW)
    assert finding.severity == "warn" and "45 min" in finding.message
    fresh = access.verify_ticket("wx1", "p", facts({"ticket": {"source": "file", "age_seconds": 5 * 60}}), 30, NOW)
    assert fresh.severity == "ok"


def test_a_ticket_in_config_has_no_age_and_the_token_tells() -> None:
    ok = access.verify_ticket("wx1", "p", facts({"ticket": {"source": "stack config key k", "age_seconds": None},
                                                 "component_token": True}), 30, NOW)
    assert ok.severity == "ok"
    error = api_error(61005, "component ticket is expired", "cgi-bin/component/api_component_token")
    bad = facts({"ticket": {"source": "stack config key k", "age_seconds": None}}, {"component_token": error})
    assert access.verify_ticket("wx1", "p", bad, 30, NOW).severity == "unknown"
    finding = access.component_credentials("wx1", "p", bad)
    assert (finding.severity, finding.errcode) == ("block", 61005) and "ticket receiver" in finding.fix


def test_missing_config_key_is_a_block_without_errcode() -> None:
    error = ConfigurationError("stack config key 'wechat-iac:componentSecret' (...) is not set")
    finding = access.component_credentials("wx1", "p", facts(errors={"component_token": error}))
    assert finding.severity == "block" and finding.errcode is None and "componentSecret" in finding.message


def test_a_revoked_refresh_token_blocks_with_61023_and_says_what_to_do() -> None:
    error = api_error(61023, "refresh_token is invalid", "cgi-bin/component/api_authorizer_token")
    finding = access.token("wx2", "shop", facts(errors={"token": error}))
    assert (finding.severity, finding.errcode) == ("block", 61023) and "authorize the platform again" in finding.fix
    assert access.token("wx2", "shop", facts({"token": None})).severity == "ok"


def test_61023_without_the_state_is_a_warning() -> None:
    """The program cannot read the state, where a rotated refresh token may be recorded: the resources use it."""
    error = api_error(61023, "refresh_token is invalid", "cgi-bin/component/api_authorizer_token")
    finding = access.token("wx2", "shop", facts(errors={"token": error}), state_known=False)
    assert (finding.severity, finding.errcode) == ("warn", 61023) and "rotated" in finding.message
