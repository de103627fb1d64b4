"""Checks of what an audit submission needs: quota, profile, categories, privacy guide, ICP
filing, the template. Pure: facts in, findings out.

A check is ⛔ only when `up` is about to commit or submit (the release phase of the spec's version is
absent, committed or withdrawn: `AppSubject.submits`); otherwise the same problem is ⚠ ("at the next
submission"), so a steady stack is never blocked by what only a future audit needs.

Facts used: `quota` (`wxa/queryquota`), `basic` (`cgi-bin/account/getaccountbasicinfo`),
`category` (`cgi-bin/wxopen/getcategory`), `privacy` (`cgi-bin/component/getprivacysetting` ver 2),
`icp` (`wxa/icp/get_icp_entrance_info`), `templates` (`wxa/gettemplatelist`, the platform's),
`version_info` / `audit` (`wxa/getversioninfo`, `wxa/get_latest_auditstatus`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from providers.preflight.checks_access import describe
from providers.preflight.facts import Facts
from providers.preflight.findings import BLOCK, OK, UNKNOWN, WARN, Finding

ICP_FILED = 6
ICP_STATES = {2: "under the platform's review", 3: "rejected by the platform", 4: "under the authority's review",
              5: "rejected by the authority", 1024: "not filed", 1025: "not filed"}
APPROVED_CATEGORY = 3
CATEGORY_STATES = {1: "under review", 2: "rejected", 3: "approved"}


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _unread(check: str, subject: str, name: str, facts: Facts, key: str) -> Finding | None:
    """A finding when `key` was not read (an error, or not needed this run), else None."""
    error = facts.error(key)
    if error is not None:
        return Finding(check, UNKNOWN, subject, name, f"cannot read: {describe(error)}", facts.errcode(key))
    if not facts.has(key):
        return Finding(check, UNKNOWN, subject, name, "not read: `up` submits no audit this run")
    return None


def _listed(check: str, subject: str, name: str, facts: Facts, key: str, field: str,
            missing: str) -> list[Any] | Finding:
    """The list `field` of the answer read as `key`, or the finding that says it is unknown (not read,
    or WeChat's answer left the list out: `missing` says which)."""
    unread = _unread(check, subject, name, facts, key)
    if unread is not None:
        return unread
    listed = (facts.get(key) or {}).get(field)
    if not isinstance(listed, list):
        return Finding(check, UNKNOWN, subject, name, missing)
    return listed


def _severity(submits: bool) -> str:
    return BLOCK if submits else WARN


def _later(submits: bool) -> str:
    return "" if submits else " (matters at the next submission)"


def audit_quota(subject: str, name: str, facts: Facts, submissions: int, reserve: int) -> list[Finding]:
    """The platform's monthly audit quota (shared by all its mini-programs) covers this run's submissions."""
    unread = _unread("audit_quota", subject, name, facts, "quota")
    if unread is not None:
        return [unread]
    quota = facts.get("quota") or {}
    rest, limit = _number(quota.get("rest")), _number(quota.get("limit"))
    of = f"of {limit}" if limit is not None else "(the monthly limit not in WeChat's answer)"
    out = []
    if rest is None:
        out.append(Finding("audit_quota", UNKNOWN, subject, name, "WeChat's answer has no `rest`"))
    elif rest < submissions:
        spent = "is spent" if rest == 0 else f"has {rest} left"
        out.append(Finding("audit_quota", BLOCK, subject, name,
                           f"the monthly audit quota {spent} ({rest} {of} left) and `up` submits "
                           f"{submissions} audit(s): the quota is spent before they all go", 85085,
                           "wait for next month's quota, ask WeChat for more, or release fewer mini-programs"))
    elif rest - submissions <= reserve:
        out.append(Finding("audit_quota", WARN, subject, name,
                           f"{rest} {of} audits left this month; `up` submits {submissions}, the spec keeps "
                           f"{reserve} in reserve", 85085, "spend the rest on the releases that matter most"))
    else:
        out.append(Finding("audit_quota", OK, subject, name,
                           f"{rest} {of} audits left this month; `up` submits {submissions}"))
    speed = _number(quota.get("speedup_rest"))
    if speed == 0:
        out.append(Finding("speedup_quota", WARN, subject, name,
                           "no expedited audits left this month "
                           f"(0 of {quota.get('speedup_limit', 'an unknown limit')})",
                           None, "audits take their normal 1-7 days"))
    elif speed is not None:
        out.append(Finding("speedup_quota", OK, subject, name, f"{speed} expedited audits left this month"))
    return out


def in_flight(subject: str, name: str, facts: Facts, version: str, submits: bool, allow_withdraw: bool,
              audit_of: str | None) -> Finding:
    """Another version under audit: submitting V answers 85009 unless it is withdrawn first.

    `audit_of`: the version the running audit is of, from the release's own evidence
    (`release_live.audit_version`: the answer's user_version, else the clocks); None when nothing tells."""
    audit = facts.get("audit") or {}
    if _number(audit.get("status")) not in (2, 4):
        return Finding("in_flight_audit", OK, subject, name, "no audit running")
    if audit_of == version:
        return Finding("in_flight_audit", OK, subject, name, f"the audit running is of {version}")
    what = f"version {audit_of}" if audit_of else "a version WeChat's answer does not name"
    if not submits:
        return Finding("in_flight_audit", OK, subject, name, f"an audit of {what} is running; this run submits nothing")
    if audit_of is None:
        return Finding("in_flight_audit", UNKNOWN, subject, name,
                       "an audit is running and WeChat's answer does not say of which version; the release never "
                       "submits over an audit that could be its own", 85009)
    if allow_withdraw:
        return Finding("in_flight_audit", WARN, subject, name,
                       f"{what} is under audit: `up` withdraws it (undocodeaudit, 5 a day, 10 a month) to submit "
                       f"{version}", 85009, "")
    return Finding("in_flight_audit", BLOCK, subject, name,
                   f"{what} is under audit; submitting {version} would answer 85009", 85009,
                   "wait for its result, or set release.allow_withdraw: true")


def profile(subject: str, name: str, facts: Facts, desired: dict[str, Any] | None, submits: bool) -> Finding:
    """Nickname, avatar and intro are set (or set by this run's Profile before the release)."""
    unread = _unread("profile", subject, name, facts, "basic")
    if unread is not None:
        return unread
    basic = facts.get("basic") or {}
    have = {
        "nickname": basic.get("nickname") or (basic.get("nickname_info") or {}).get("nickname"),
        "avatar": (basic.get("head_image_info") or {}).get("head_image_url"),
        "signature": (basic.get("signature_info") or {}).get("signature"),
    }
    desired = desired or {}
    missing = [field for field, value in have.items() if not value and not desired.get(field)]
    if not missing:
        return Finding("profile", OK, subject, name, "nickname, avatar and intro are set")
    return Finding("profile", _severity(submits), subject, name,
                   f"the profile is incomplete: no {', '.join(missing)}{_later(submits)}", 86002,
                   "add them to the spec's profile block (or set them in the console) before submitting")


def categories(subject: str, name: str, facts: Facts, desired: list[dict[str, Any]] | None,
               audit_items: list[dict[str, Any]], submits: bool) -> Finding:
    """An approved category exists, and every category the audit's item_list names is approved."""
    listed = _listed("categories", subject, name, facts, "category", "categories",
                     "WeChat's getcategory answer has no categories list")
    if isinstance(listed, Finding):
        return listed
    live = {(_number(c.get("first")), _number(c.get("second"))): _number(c.get("audit_status"))
            for c in listed if isinstance(c, dict)}
    unsure = sorted(pair for pair, status in live.items() if status is None)  # no audit_status: unknown
    adding = {(c["first"], c["second"]) for c in desired or []} - set(live)
    approved = [pair for pair, status in live.items() if status == APPROVED_CATEGORY]
    blocking: list[str] = []
    waiting: list[str] = []
    unknown_states: list[str] = []
    code = 85077  # an item naming a category that is not approved
    if not approved and not adding:
        (unknown_states if unsure else blocking).append("no category WeChat's answer shows approved")
        code = 85008
    for item in audit_items:
        pair = (item.get("first_id"), item.get("second_id"))
        if None in pair or live.get(pair) == APPROVED_CATEGORY:
            continue
        if pair in adding:
            waiting.append(f"the audit item for {pair[0]}/{pair[1]} names a category this run adds (WeChat may "
                           "review it before it is approved)")
        elif pair in unsure:
            unknown_states.append(f"the audit item for {pair[0]}/{pair[1]} names a category in an unknown state")
        else:
            state = CATEGORY_STATES.get(live.get(pair) or 0, "not on the account")
            blocking.append(f"the audit item for {pair[0]}/{pair[1]} names a category {state}")
    if unknown_states and not blocking:  # a review state WeChat's answer leaves out is unknown, not "not approved"
        listing = ", ".join(f"{first}/{second}" for first, second in unsure)
        return Finding("categories", UNKNOWN, subject, name,
                       f"{'; '.join(unknown_states + waiting)}: WeChat's getcategory answer gives no review state "
                       f"(audit_status) for {listing}")
    if not blocking and not waiting:
        plural = "category" if len(approved) == 1 else "categories"
        return Finding("categories", OK, subject, name, f"{len(approved)} approved {plural}")
    return Finding("categories", _severity(submits) if blocking else WARN, subject, name,
                   "; ".join(blocking + waiting) + _later(submits), code,
                   "add the category (spec categories block), wait for WeChat to approve it, and name only approved "
                   "categories in release.audit.item_list")


def privacy(subject: str, name: str, facts: Facts, desired: dict[str, Any] | None, declared: Iterable[str] | None,
            declared_from: str, submits: bool) -> Finding:
    """The privacy guide covers every privacy interface the code uses (else WeChat rejects the audit).

    `declared`: the keys the code is known to use (the committed code's `privacy_list`, or a source
    folder's declared APIs), None when not known before the commit. The guide that counts is the
    spec's privacy block when it manages one (set before the release), else the live dev guide."""
    if declared is None:
        return Finding("privacy", UNKNOWN, subject, name,
                       f"the code's privacy interfaces are known only after the commit ({declared_from})")
    if desired is not None:
        covered = {item["privacy_key"] for item in desired.get("settings") or []}
        guide = "the spec's privacy block"
    else:
        listed = _listed("privacy", subject, name, facts, "privacy", "setting_list",
                         "WeChat's getprivacysetting answer has no setting_list")
        if isinstance(listed, Finding):
            return listed
        covered = {str(item.get("privacy_key")) for item in listed if isinstance(item, dict)}
        guide = "the live privacy guide"
    missing = sorted(set(declared) - covered)
    if not missing:
        return Finding("privacy", OK, subject, name, f"{guide} covers the {len(set(declared))} interfaces "
                                                     f"{declared_from} declares")
    return Finding("privacy", _severity(submits), subject, name,
                   f"{guide} does not cover {', '.join(missing)}, which {declared_from} uses: WeChat rejects the "
                   f"audit{_later(submits)}", None,
                   f"add privacy.settings entries for {', '.join(missing)} (privacy_key and privacy_text)")


def icp(subject: str, name: str, facts: Facts, required: bool, submits: bool, readable: bool) -> Finding:
    """The mini-program's ICP filing (备案): WeChat lists no unfiled mini-program."""
    if not required:
        return Finding("icp", OK, subject, name,
                       "not required for this platform's mini-programs (preflight.icp_required)")
    if not readable:
        return Finding("icp", UNKNOWN, subject, name, "not readable: the authorization has neither set 18 nor 156")
    unread = _unread("icp", subject, name, facts, "icp")
    if unread is not None:
        return unread
    info = facts.get("icp") or {}  # get_icp_entrance_info's `info` object
    status = _number(info.get("status"))
    if status == ICP_FILED:
        return Finding("icp", OK, subject, name, "filed")
    if status is None:
        return Finding("icp", UNKNOWN, subject, name, "WeChat's answer has no filing status")
    state = ICP_STATES.get(status, f"status {status}")
    reasons = "; ".join(str(item.get("error") or item.get("key_name")) for item in info.get("audit_data") or []
                        if isinstance(item, dict))
    reviewing = status in (2, 4)
    severity = WARN if reviewing else _severity(submits)
    return Finding("icp", severity, subject, name,
                   f"ICP filing (备案): {state}{': ' + reasons if reasons else ''}{_later(submits)}", None,
                   "wait for the filing to pass" if reviewing else
                   "file the mini-program (备案) in its console or through the platform's ICP APIs; WeChat does not "
                   "list an unfiled mini-program (no documented errcode)")


def template(subject: str, name: str, facts: Facts, template_id: int, version: str, commits: bool) -> Finding:
    """The template the spec releases exists in the platform's library, at the version declared."""
    unread = _unread("template", subject, name, facts, "templates")
    if unread is not None:
        return unread
    found = [t for t in facts.get("templates") or []
             if isinstance(t, dict) and _number(t.get("template_id")) == template_id]
    if not found:
        return Finding("template", BLOCK if commits else WARN, subject, name,
                       f"template {template_id} is not in the platform's library" + ("" if commits else
                                                                                     " (matters at the next commit)"),
                       85014, "add the draft to the library (wxa/addtotemplate) or point release.source.template_id "
                              "at an existing template")
    held = found[0].get("user_version")
    if held and str(held) != version:
        return Finding("template", WARN, subject, name,
                       f"template {template_id} holds version {held}, but the spec releases it as {version}", None,
                       "point release.source.template_id at the template of that version, or fix release.version")
    return Finding("template", OK, subject, name, f"template {template_id} exists ({held or 'version not given'})")
