"""Checks of domains across the two levels: the platform's registered lists and each mini-program's.

- `registration`: every domain a mini-program spec declares is on its platform's lists. WeChat
  filters unregistered domains out of `wxa/modify_domain` (85017 when nothing is left) and refuses
  unregistered web-view domains (89021), and a release through the platform drops them.
- `platform_removal`: a platform spec that removes a host from its published list while a
  mini-program spec of the stack declares it (every such mini-program loses it at its next release).
- `effective`: what a release through the platform leaves in force (`wxa/get_effective_domain`,
  `wxa/get_effective_webviewdomain`), forecast for this run's platform and mini-program lists with
  `release_domains.projected` (the one function the Release's plan uses too).

Pure: facts and lists in, findings out. Host lists are bare, lower-case host names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from providers import release_domains
from providers.preflight.checks_access import describe
from providers.preflight.facts import Facts
from providers.preflight.findings import BLOCK, OK, UNKNOWN, WARN, Finding

# the lists `wxa/get_effective_domain` and `wxa/get_effective_webviewdomain` answer (reference §2.3, §2.6)
ANSWER_FIELDS = ("mp_domain", "third_domain", "direct_domain", "effective_domain")
WEBVIEW_ANSWER_FIELDS = ("mp_webviewdomain", "third_webviewdomain", "direct_webviewdomain", "effective_webviewdomain")
Lists = Mapping[str, Any]  # {"server": {"published": [...], "testing": [...]}, "jump": {...}}


def host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


def under(name: str, registered: Iterable[str]) -> bool:
    return any(name == item or name.endswith("." + item) for item in registered)


def declared_hosts(server_domains: Mapping[str, Any] | None, webview_domains: Mapping[str, Any] | None
                   ) -> tuple[list[str], list[str]]:
    """(server hosts, web-view hosts) a mini-program spec declares (its blocks as dumped)."""
    server = sorted({host(url) for name in release_domains.SPEC_FIELDS
                     for url in (server_domains or {}).get(name) or []})
    webview = sorted({host(url) for url in (webview_domains or {}).get("domains") or []})
    return server, webview


def registration(subject: str, name: str, server: list[str], webview: list[str], lists: Lists | None,
                 source: str) -> Finding:
    """Declared domains are on the platform's lists (`lists`: what they will be after this run)."""
    if lists is None:
        return Finding("domain_registration", UNKNOWN, subject, name, f"the platform's lists cannot be read ({source})")
    problems, unread = [], []
    server_lists = lists.get("server")
    if server and server_lists is not None:
        registered = set(server_lists.get("published") or []) | set(server_lists.get("testing") or [])
        missing = [item for item in server if item not in registered]
        if missing and None in (server_lists.get("published"), server_lists.get("testing")):
            unread.append(f"server domains on {', '.join(missing)}")
        elif missing:
            problems.append(f"server domains on {', '.join(missing)}")
    jump_lists = lists.get("jump")
    if webview and jump_lists is not None:
        registered_jump = [*(jump_lists.get("published") or []), *(jump_lists.get("testing") or [])]
        missing = [item for item in webview if not under(item, registered_jump)]
        if missing and None in (jump_lists.get("published"), jump_lists.get("testing")):
            unread.append(f"web-view domains on {', '.join(missing)}")
        elif missing:
            problems.append(f"web-view domains on {', '.join(missing)}")
    if unread and not problems:  # a copy WeChat's answer left out is unknown, not empty
        return Finding("domain_registration", UNKNOWN, subject, name,
                       f"whether {' and '.join(unread)} are on the platform's lists is unknown: WeChat's answer has "
                       f"no copy of a list ({source})")
    if not problems:
        return Finding("domain_registration", OK, subject, name,
                       f"every declared domain is on the platform's lists ({source})")
    return Finding("domain_registration", BLOCK, subject, name,
                   f"{' and '.join(problems)} are not on the platform's lists ({source}): WeChat filters them out of "
                   "wxa/modify_domain (or refuses the web-view domain, 89021) and a platform release drops them", 85017,
                   "add the hosts to the platform spec's server_domains / jump_domains (published), or register them "
                   "on open.weixin.qq.com")


def platform_removal(subject: str, name: str, kind: str, live: list[str] | None, desired: list[str],
                     users: Mapping[str, list[str]]) -> Finding:
    """Hosts leaving the platform's published `kind` list that mini-program specs of the stack declare.

    `users`: host -> names of the mini-program specs declaring a domain on (or, for web-view, under) it."""
    check = f"platform_{kind}_domains"
    if live is None:
        return Finding(check, UNKNOWN, subject, name, "the platform's published list cannot be read")
    removed = sorted(set(live) - set(desired))
    hit = {item: apps for item in removed for key, apps in users.items()
           if (key == item or (kind == "jump" and key.endswith("." + item))) and apps}
    if not hit:
        change = f"{len(removed)} host(s) removed, none declared by a mini-program spec" if removed else \
            "no host removed"
        return Finding(check, OK, subject, name, change)
    what = "; ".join(f"{item} (declared by {', '.join(sorted(set(apps)))})" for item, apps in sorted(hit.items()))
    return Finding(check, BLOCK, subject, name,
                   f"removes from the published list hosts that mini-programs declare: {what}; each loses them at its "
                   "next release through the platform", None,
                   "keep the hosts on the published list, or remove the domains from those mini-program specs first")


def effective(subject: str, name: str, facts: Facts, declared: Mapping[str, Any], accepted: Iterable[str],
              phase: str | None) -> tuple[Finding, list[str]]:
    """What a release through the platform leaves in force (forecast for this run), and a note per line.

    ⛔ when this run releases (the audit passed, or a rollback) and a declared domain would go; ⚠
    when that would happen at the release after the audit, or when domains in force now that the
    spec does not declare would go."""
    for key in ("effective", "effective_webview"):
        if facts.error(key) is not None:
            return Finding("effective_domains", UNKNOWN, subject, name, f"cannot read: {describe(facts.errors[key])}",
                           facts.errcode(key)), []
    if not facts.has("effective"):
        return Finding("effective_domains", UNKNOWN, subject, name, "not read: `up` releases nothing this run"), []
    absent = [field for key, fields in (("effective", ANSWER_FIELDS), ("effective_webview", WEBVIEW_ANSWER_FIELDS))
              for field in fields if not isinstance((facts.get(key) or {}).get(field), dict | list)]
    if absent:  # a list WeChat's answer leaves out is unknown, not empty: no forecast from it
        return Finding("effective_domains", UNKNOWN, subject, name,
                       f"WeChat's answer has no {', '.join(absent)}: what a release through the platform leaves in "
                       "force is unknown"), []
    domains = release_domains.projected(
        release_domains.read(facts.get("effective") or {}, facts.get("effective_webview") or {}), dict(declared))
    after = domains.get("after") or {}
    notes = [f"after a release through the platform: {_listing(after)}"]
    lost, others = release_domains.lost(dict(declared), domains, accepted)
    if lost:
        releasing = phase in ("approved", "superseded")
        message = release_domains.loss_message("the spec's version", lost, (declared.get("platform") or {}).get("spec"))
        return Finding("effective_domains", BLOCK if releasing else WARN, subject, name,
                       message if releasing else f"the release after the audit would be refused: {message}",
                       None, ""), notes
    if others:
        return Finding("effective_domains", WARN, subject, name,
                       f"a release through the platform drops domains in force now that the spec does not declare: "
                       f"{', '.join(others)}"), notes
    kept = "a release through the platform keeps every declared domain"
    return Finding("effective_domains", OK, subject, name, kept), notes


def _listing(after: Mapping[str, Any]) -> str:
    parts = [f"{release_domains.KIND_NAMES[kind]} {', '.join(urls)}"
             for kind, urls in (after.get("server") or {}).items() if urls]
    if after.get("webview"):
        parts.append(f"web-view {', '.join(after['webview'])}")
    return "; ".join(parts) or "no domains"
