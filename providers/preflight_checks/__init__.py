"""Preflight: know before any write that WeChat will accept the change.

`run(stack, settings)` reads what the checks need (in parallel, read-only) and returns a `Report`
of `Finding`s: ⛔ (blocks `up` before any write), ⚠, ? or ✓, each with the errcode WeChat would
answer and what to do. The Pulumi program runs it before declaring any resource (a ⛔ stops
preview and up), `runner.plan` renders it in the reviewers' plan, and `runner.doctor` shows it
alone for a whole stack.

| check | account | errcode avoided | read |
|---|---|---|---|
| credentials | platform | 61005, 61006, 40125, 61004 | the component token (cache or `api_component_token`) |
| verify_ticket | platform | 61005 | the ticket file's age (a file source) and the cached component token's expiry |
| audit_quota, speedup_quota | platform | 85085 | `wxa/queryquota` |
| platform_server_domains, platform_jump_domains | platform | (a release drops the domain) | the platform's lists |
| token | mini-program | 61023, 61003 | the authorizer (or owner) token |
| authorization | mini-program | 61003, 61007 / 48001 | `api_get_authorizer_info` `func_info` |
| domain_registration | mini-program | 85017, 89021 | the platform's lists (or its spec's) |
| in_flight_audit | mini-program | 85009 | `get_latest_auditstatus` |
| profile | mini-program | 86002 | `getaccountbasicinfo` |
| categories | mini-program | 85008, 85077 | `getcategory` |
| privacy | mini-program | (audit rejected) | `getprivacysetting` ver 2, or the source folder |
| icp | mini-program | (not listed unfiled) | `wxa/icp/get_icp_entrance_info` |
| template | mini-program | 85014 | `wxa/gettemplatelist` |
| effective_domains | mini-program | (a release drops it) | `get_effective_domain`, `get_effective_webviewdomain` |
"""

from providers.preflight_checks.findings import BLOCK, OK, UNKNOWN, WARN, Finding, Report
from providers.preflight_checks.run import run

__all__ = ["BLOCK", "OK", "UNKNOWN", "WARN", "Finding", "Report", "run"]
