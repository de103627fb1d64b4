"""One preflight run: which live reads to make (in parallel rounds), then every check.

Rounds, each in parallel across every platform and mini-program of the stack:
1. tokens, authorizations, the platforms' lists, each release's version and latest audit;
2. the rollback history where the live version is another one (to tell a rollback from a release);
3. what only a submission, a commit or a release needs: quota, profile, categories, privacy guide,
   ICP filing, the template library, the effective domains. In `full` mode (doctor) everything is
   read whatever the run would do.

A steady stack therefore costs a token check and two or three reads per mini-program. A run that
would not call WeChat at all (a spec of developers only, an owner-mode spec whose blocks owner
credentials cannot read) makes no call here either. Nothing here writes; `checks_*` decide, this
module only gathers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from providers import audit_events
from providers._clients import client_for
from providers._platform import component_client, hosts
from providers._preflight_reads import preflight_read
from providers._settings import Settings, token_cache
from providers.models import StackSpecs
from providers.preflight import checks_access as access
from providers.preflight import checks_domains as domains
from providers.preflight import checks_local
from providers.preflight import checks_release as release
from providers.preflight.facts import Job, gather
from providers.preflight.findings import OK, UNKNOWN, Finding, Report
from providers.preflight.privacy_scan import declared_privacy_keys
from providers.preflight.subjects import AppSubject, PlatformSubject, subjects
from providers.registry import RESOURCES
from providers.release_live import audit_version, history_entries, phase_of, snapshot
from providers.stack_inputs import declared_domains
from wechat import MiniProgramClient

RELEASING = ("approved", "superseded")  # phases in which this run makes code go live through the platform
NO_API = frozenset({"developers"})  # WeChat has no API for it: nothing to read, no token needed


def run(stack: StackSpecs, settings: Settings, *, full: bool = False, show_domains: bool = False,
        state_known: bool = False, now: float | None = None) -> Report:
    """Read what the checks need and run them all; `full`: read everything (doctor); `state_known`:
    the rotated refresh tokens the stack's state records were offered first (`_rotation`)."""
    platforms, apps = subjects(stack)
    report = Report()
    # local checks first; a spec whose credentials lack what they need is not read (said once, here)
    unusable: set[str] = set()
    for subject_id, spec in [(p.component_appid, p.spec) for p in platforms if p.spec is not None] + \
            [(app.appid, app.spec) for app in apps]:
        found = checks_local.local(spec, subject_id, settings)
        report.findings += found
        unusable |= {subject_id for finding in found if finding.check == "credentials"}
    apps = [app for app in apps if _calls_wechat(app) and app.appid not in unusable
            and (app.platform is None or app.platform.component_appid not in unusable)]
    platforms = [p for p in platforms if p.component_appid not in unusable]
    for platform in platforms:
        platform.apps = [app for app in platform.apps if app in apps]
    platforms = [p for p in platforms if p.apps or (p.spec is not None and p.spec.managed_blocks())]
    gather([job for platform in platforms for job in _platform_jobs(platform, settings, full)]
           + [job for app in apps for job in _app_jobs(app, settings)])
    gather([job for app in apps for job in _history_jobs(app, settings)])
    for app in apps:
        app.phase = _phase(app)
    gather([job for platform in platforms for job in _platform_gated_jobs(platform, settings, full)]
           + [job for app in apps for job in _app_gated_jobs(app, settings, full, show_domains)])
    for platform in platforms:
        report.findings += _platform_findings(platform, now)
    for app in apps:
        findings, notes = _app_findings(app, state_known)
        report.findings += findings
        if notes:
            report.notes[app.appid] = notes
    return report


def _calls_wechat(app: AppSubject) -> bool:
    """Whether the run makes any WeChat call for this spec (so preflight may, too)."""
    blocks = [block for block in app.spec.managed_blocks() if block not in NO_API]
    if app.mode != "owner":
        return bool(blocks)
    return any(block in RESOURCES and RESOURCES[block].provider_class.owner_can_read for block in blocks)


# --- reads ---------------------------------------------------------------------------------------
def _platform_jobs(platform: PlatformSubject, settings: Settings, full: bool) -> list[Job]:
    facts = platform.facts
    facts.put("ticket", _ticket(platform.credentials))

    def component_token() -> Any:
        component_client(platform.credentials, settings).component_token()
        cached = token_cache().load(settings.base_url, platform.component_appid, "component") or {}
        facts.put("component_token_expires_at", cached.get("expires_at"))
        return True

    jobs: list[Job] = [(facts, "component_token", component_token)]
    spec = platform.spec
    if spec is not None and spec.audit_events is not None:  # local: the receiver's file or command
        source = spec.audit_events.model_dump(mode="json", exclude_none=True)
        jobs.append((facts, "events", lambda: audit_events.read(source)))
    declares_server = any(app.spec.server_domains for app in platform.apps)
    declares_webview = any(app.spec.webview_domains for app in platform.apps)
    if full or declares_server or (spec and spec.server_domains):
        jobs.append((facts, "server_lists", lambda: _lists(platform, settings, "server")))
    if full or declares_webview or (spec and spec.jump_domains):
        jobs.append((facts, "jump_lists", lambda: _lists(platform, settings, "jump")))
    return jobs


def _lists(platform: PlatformSubject, settings: Settings, kind: str) -> dict[str, list[str] | None]:
    client = component_client(platform.credentials, settings)
    if kind == "server":
        answer, wire = client.modify_wxa_server_domain("get"), "wxa_server_domain"
    else:
        answer, wire = client.modify_wxa_jump_domain("get"), "wxa_jump_h5_domain"
    return {"published": hosts(answer, f"published_{wire}"), "testing": hosts(answer, f"testing_{wire}")}


def _ticket(credentials: dict[str, Any]) -> dict[str, Any]:
    if credentials.get("verify_ticket_file"):
        path = Path(str(credentials["verify_ticket_file"])).expanduser()
        try:
            age = max(0.0, time.time() - path.stat().st_mtime)
        except OSError:
            age = None
        return {"source": f"file {path.as_posix()}", "age_seconds": age}
    if credentials.get("verify_ticket_env"):
        return {"source": f"environment variable {credentials['verify_ticket_env']}", "age_seconds": None}
    return {"source": f"stack config key {credentials.get('verify_ticket_config')}", "age_seconds": None}


def _app_jobs(app: AppSubject, settings: Settings) -> list[Job]:
    facts = app.facts

    def client() -> MiniProgramClient:  # built inside each read: a missing config key is a fact, not a crash
        return _client(app, settings)

    jobs: list[Job] = [(facts, "token", lambda: client().check_token())]
    if app.platform is not None:
        component = app.platform

        def authorizer() -> Any:
            return component_client(component.credentials, settings).get_authorizer_info(app.appid)

        jobs.append((facts, "authorizer", authorizer))
    if app.spec.release is not None and app.mode != "owner":
        jobs.append((facts, "version_info", lambda: _shared(app, settings, "getversioninfo")))
        jobs.append((facts, "audit", lambda: _shared(app, settings, "get_latest_auditstatus")))  # None: 85058
    return jobs


def _client(app: AppSubject, settings: Settings) -> MiniProgramClient:
    return client_for(app.appid, app.credentials, settings)


def _shared(app: AppSubject, settings: Settings, name: str) -> Any:
    """A read the resources' diffs make too: its answer is handed to them (`_preflight_reads`)."""
    return preflight_read(app.appid, _client(app, settings), name)


def _history_jobs(app: AppSubject, settings: Settings) -> list[Job]:
    release_spec, info = app.spec.release, app.facts.get("version_info")
    if release_spec is None or not isinstance(info, dict):
        return []
    live = (info.get("release_info") or {}).get("release_version")
    if live in (None, "", release_spec.version):
        return []
    return [(app.facts, "history", lambda: history_entries(_shared(app, settings, "get_history_version")))]


def _phase(app: AppSubject) -> str | None:
    facts, release_spec = app.facts, app.spec.release
    if release_spec is None or not facts.has("version_info") or facts.error("audit") is not None:
        return None
    live = snapshot(facts.get("version_info") or {}, facts.get("audit"), None)
    live["history"] = facts.get("history") or []
    facts.put("audit_of", audit_version(live))  # which version the latest audit is of, if anything tells
    return phase_of(release_spec.version, live).name


def _platform_gated_jobs(platform: PlatformSubject, settings: Settings, full: bool) -> list[Job]:
    jobs: list[Job] = []
    reader = next((app for app in platform.apps if app.facts.has("token")), None)
    if reader is not None and (full or any(app.submits for app in platform.apps)):
        jobs.append((platform.facts, "quota", _client(reader, settings).query_quota))
    templates = any(app.spec.release and app.spec.release.source.template_id is not None
                    and (full or app.commits) for app in platform.apps)
    if templates:
        component = component_client  # bound now; built inside the read
        jobs.append((platform.facts, "templates", lambda: component(platform.credentials, settings).get_templates()))
    return jobs


def _app_gated_jobs(app: AppSubject, settings: Settings, full: bool, show_domains: bool) -> list[Job]:
    if app.mode == "owner" or not app.facts.has("token"):
        return []
    client, facts, jobs = _client(app, settings), app.facts, []

    def shared(name: str) -> Any:
        return lambda: _shared(app, settings, name)

    if app.spec.release is not None and (full or app.submits):
        jobs += [(facts, "basic", shared("getaccountbasicinfo")), (facts, "category", shared("getcategory")),
                 (facts, "privacy", shared("getprivacysetting"))]
        if access.icp_readable(facts):
            jobs.append((facts, "icp", client.get_icp_entrance_info))
    if app.spec.release is not None and (full or show_domains or app.phase in RELEASING):
        jobs += [(facts, "effective", shared("get_effective_domain")),
                 (facts, "effective_webview", shared("get_effective_webviewdomain"))]
    return jobs


# --- checks --------------------------------------------------------------------------------------
def _platform_findings(platform: PlatformSubject, now: float | None) -> list[Finding]:
    subject, name, facts, spec = platform.component_appid, platform.name, platform.facts, platform.spec
    settings = spec.preflight if spec is not None else None
    found = [access.component_credentials(subject, name, facts),
             access.verify_ticket(subject, name, facts, settings.ticket_max_age_minutes if settings else 30, now)]
    submissions = sum(1 for app in platform.apps if app.submits)
    if _tried(facts, "quota"):
        found += release.audit_quota(subject, name, facts, submissions, settings.audit_reserve if settings else 0)
    if spec is not None:
        users = _users(platform)
        for kind, block in (("server", spec.server_domains), ("jump", spec.jump_domains)):
            if block is not None:
                live = (facts.get(f"{kind}_lists") or {}).get("published") if facts.has(f"{kind}_lists") else None
                found.append(domains.platform_removal(subject, name, kind, live, list(block.published), users[kind]))
    return found


def _users(platform: PlatformSubject) -> dict[str, dict[str, list[str]]]:
    users: dict[str, dict[str, list[str]]] = {"server": {}, "jump": {}}
    for app in platform.apps:
        server, webview = domains.declared_hosts(_dump(app.spec.server_domains), _dump(app.spec.webview_domains))
        for item in server:
            users["server"].setdefault(item, []).append(app.name)
        for item in webview:
            users["jump"].setdefault(item, []).append(app.name)
    return users


def _dump(block: Any) -> dict[str, Any] | None:
    return None if block is None else dict(block.model_dump(mode="json"))


def _app_findings(app: AppSubject, state_known: bool) -> tuple[list[Finding], list[str]]:
    subject, name, facts, spec = app.appid, app.name, app.facts, app.spec
    if app.platform is not None and app.platform.facts.error("component_token") is not None:
        # one cause, said once: the platform's ⛔ credentials finding; nothing of this app can be read
        return [Finding("token", UNKNOWN, subject, name, "not read: the platform's component token cannot be had "
                                                         f"({app.platform.name} credentials, above)")], []
    found = [access.token(subject, name, facts, state_known)]
    if app.mode == "owner":
        found.append(Finding("authorization", UNKNOWN, subject, name,
                             "owner credentials cannot read the authorization, quota, profile checks or release "
                             "state; the platform-only steps are manual steps in the plan"))
        return found, []
    if app.platform is not None:
        found.append(access.authorization(subject, name, facts, spec.managed_blocks()))
    notes: list[str] = []
    if spec.server_domains or spec.webview_domains:
        found.append(_registration(app))
    rel = spec.release
    if rel is None:
        return found, notes
    submits = app.submits
    platform_spec = app.platform.spec if app.platform else None
    found.append(release.in_flight(subject, name, facts, rel.version, submits, rel.allow_withdraw,
                                   facts.get("audit_of")))
    if submits or _tried(facts, "basic"):  # the submission checks: read when `up` submits (or in full mode)
        found.append(release.profile(subject, name, facts, _dump(spec.profile), submits))
        items = [item.model_dump(mode="json") for item in (rel.audit.item_list or [])] if rel.audit else []
        desired_categories = spec.categories.model_dump(mode="json") if spec.categories is not None else None
        found.append(release.categories(subject, name, facts, desired_categories, items, submits))
        declared, source = _privacy_declared(app)
        found.append(release.privacy(subject, name, facts, _dump(spec.privacy), declared, source, submits))
        required = platform_spec.preflight.icp_required if platform_spec is not None else True
        found.append(release.icp(subject, name, facts, required, submits, access.icp_readable(facts)))
    if rel.source.template_id is not None and app.platform is not None and _tried(app.platform.facts, "templates"):
        found.append(release.template(subject, name, app.platform.facts, rel.source.template_id, rel.version,
                                      app.commits))
    if _tried(facts, "effective"):
        finding, notes = domains.effective(subject, name, facts, declared_domains(spec, platform_spec),
                                           rel.accept_domain_loss or [], app.phase)
        found.append(finding)
    if app.platform is not None and _tried(app.platform.facts, "events"):
        finding, note = _audit_event(app)
        found.append(finding)
        notes += note
    return found, notes


def _audit_event(app: AppSubject) -> tuple[Finding, list[str]]:
    """The newest audit event of this mini-program: a hint of when; the live audit status decides."""
    facts = app.platform.facts if app.platform else None
    assert facts is not None
    error = facts.error("events")
    if error is not None:
        return Finding("audit_event", UNKNOWN, app.appid, app.name, f"cannot read the events: {error}"), []
    original_id = (facts.get("authorizer") or {}).get("authorizer_info", {}).get("user_name")
    event = audit_events.latest(facts.get("events") or [], app.appid, original_id)
    if event is None:
        return Finding("audit_event", OK, app.appid, app.name, "no audit event received yet"), []
    audit = app.facts.get("audit") or {}
    states: dict[Any, str] = {0: "approved", 1: "rejected", 4: "delayed"}
    live = states.get(audit.get("status"), "under review or unknown")
    text = f"the latest audit event: {event.describe()}; the live audit status ({live}) decides"
    return Finding("audit_event", OK, app.appid, app.name, text), [f"audit event: {event.describe()}"]


def _tried(facts: Any, key: str) -> bool:
    return bool(facts.has(key) or facts.error(key) is not None)


def _registration(app: AppSubject) -> Finding:
    server, webview = domains.declared_hosts(_dump(app.spec.server_domains), _dump(app.spec.webview_domains))
    platform = app.platform
    if platform is None:
        return Finding("domain_registration", UNKNOWN, app.appid, app.name, "no platform credentials to read its lists")
    lists: dict[str, Any] = {}
    sources = []
    for kind, block in (("server", platform.spec.server_domains if platform.spec else None),
                        ("jump", platform.spec.jump_domains if platform.spec else None)):
        if block is not None:
            lists[kind] = {"published": list(block.published), "testing": block.testing_hosts()}
            sources.append(f"{kind}: {platform.spec.source_file or platform.name} after this run" if platform.spec
                           else kind)
        elif platform.facts.has(f"{kind}_lists"):
            lists[kind] = platform.facts.get(f"{kind}_lists")
            sources.append(f"{kind}: live")
        elif platform.facts.error(f"{kind}_lists") is not None:
            error = access.describe(platform.facts.errors[f"{kind}_lists"])
            return Finding("domain_registration", UNKNOWN, app.appid, app.name,
                           f"cannot read the platform's {kind} list: {error}")
    return domains.registration(app.appid, app.name, server, webview, lists, "; ".join(sources) or "none read")


def _privacy_declared(app: AppSubject) -> tuple[list[str] | None, str]:
    """The privacy keys the code uses: the committed code's (when V is the experience version) or the
    source folder's; None for a template not yet committed."""
    rel, facts = app.spec.release, app.facts
    assert rel is not None
    committed = ((facts.get("version_info") or {}).get("exp_info") or {}).get("exp_version") == rel.version
    privacy = facts.get("privacy")
    if committed and isinstance(privacy, dict) and privacy.get("code_exist") and \
            isinstance(privacy.get("privacy_list"), list):  # no list: unknown, never "uses none"
        return [str(key) for key in privacy.get("privacy_list") or []], f"the committed code of {rel.version}"
    if rel.source.path is not None:
        path = rel.source.path
        return declared_privacy_keys(path if os.path.isabs(path) else Path(path)), f"the source folder {path}"
    return None, f"template {rel.source.template_id}"
