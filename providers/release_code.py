"""Which code ships: the commit of V (from a template, or a source folder uploaded and turned into a
template first) and, for owner credentials that can neither read nor write code, the console's manual
way. Pure: the steps are planned calls the executor sends."""

from __future__ import annotations

from typing import Any

from providers._base import MANUAL, NEEDS_PLATFORM
from providers._plan import UNKNOWN, ApiCall, Change, ManualStep, Ref
from providers._source import ext_json_string
from providers.release_plan import AUDIT_TAKES, COMMIT, CONSOLE, OWN_UPLOAD, Props, ReleasePlan, when
from providers.release_source import source_steps


def commit_step(plan: ReleasePlan, desired: Props, live: Props) -> None:
    """commit (and, for a source folder, the upload and addtotemplate before it): which code ships."""
    v, source = plan.version, live.get("source") or {}
    steps = source_steps(desired, source)
    plan.calls += steps
    template = source.get("template") or {}
    template_id: Any = source.get("template_id", desired["source"].get("template_id"))
    if template_id is None and not steps:
        plan.blocked = plan.blocked or (
            f"release.source.path makes a template in the third-party platform's library, which needs the "
            f"platform's own credentials (mode: platform): {v} cannot be committed from a folder with these"
        )
        return
    if template_id is None:
        template_id = Ref(len(plan.calls) - 1, "template_id")  # what addtotemplate makes, just above
    shown = f"template {template_id}" if not isinstance(template_id, Ref) else "the template made above"
    if template:
        made = f", drafted {when(template.get('create_time'))}" if template.get("create_time") else ""
        shown += f" (made from version {template.get('user_version') or '?'}: " \
                 f"{template.get('user_desc') or 'no description'}{made})"
        if template.get("user_version") not in (None, v):
            plan.warnings.append(
                f"CODE: template {template_id} was made from version {template.get('user_version')}, not {v}: "
                f"committing it as {v} ships {template.get('user_version')}'s code"
            )
    args = {"template_id": template_id, "ext_json": ext_json_string(desired), "user_version": v,
            "user_desc": str(desired.get("description") or "")}
    plan.calls.append(ApiCall(COMMIT, f"commit {v} from {shown} as the experience version", args=args,
                              guard="commit", landed="committed"))


def owner_steps(plan: ReleasePlan, desired: Props, olds: Props | None, goal: str) -> ReleasePlan:
    """Owner credentials cannot read code, audit or release state, nor write it: the whole way is
    manual steps in the console (only a folder upload with miniprogram-ci is automatic)."""
    v, target = plan.version, int(desired["rollout"]["gray_percentage"])
    plan.changes.append(Change("phase", "update", old=UNKNOWN, new=goal, after=MANUAL))
    source = desired["source"]
    if source.get("path") is not None:
        if (olds or {}).get("uploaded_version") != v:  # the record may only spare an upload, never cause one
            plan.changes.append(Change("upload", "add", new=f"{source['path']} as {v} (miniprogram-ci)"))
            args = {"appid": plan.appid, "version": v, "desc": str(desired.get("description") or ""),
                    "project": str(source["path"])}
            plan.calls.append(ApiCall(OWN_UPLOAD, f"upload {source['path']} as {v} with miniprogram-ci and this "
                                                  "mini-program's code-upload key (a development version)", args=args))
        first = f"make the development version {v} (uploaded with miniprogram-ci) the experience version"
    else:
        first = f"upload {v} (WeChat DevTools or miniprogram-ci) and make it the experience version"
    steps = [first, f"submit {v} for audit",
             f"release {v} to all users" if target == 100 else f"gray-release {v} to {target}% of users"]
    plan.manual += [ManualStep(f"in {CONSOLE}: {step}", NEEDS_PLATFORM) for step in steps]
    plan.warnings.append(AUDIT_TAKES)
    return plan
