"""Which code a release ships, as planned steps: the template, or the upload and addtotemplate before it.

A release commits a template of the third-party platform's library (`wxa/commit` takes its id). The
plan names which one, and what it was made from (`user_version`, description, draft time from
`wxa/gettemplatelist`), so a reviewer sees which code ships. For `source.path` (a project folder,
platform mode) the template may not exist yet; then the plan's calls make it, in order:

1. `miniprogram-ci:upload` (only when no draft of the version exists): the development
   mini-program uploads the folder with miniprogram-ci, which lands a draft
   (`wxa/gettemplatedraftlist` shows it; against the emulator the draft lands through its control
   API, because the upload protocol is private). Its args pin the folder's content (`sha256` of
   every file, by path): `up` refuses if the folder changed since the plan;
2. `/wxa/addtotemplate` of that draft (a `Ref` to step 1's `draft_id`, or the existing draft's id);
3. `/wxa/commit` of the template step 2 made (a `Ref` to its `template_id`).

`source_state` is the read (plan time), `source_steps` the pure step list, `send_step` what the
executor's send does for steps 1 and 2 (each answers what the next step needs), `landed_template`
settles a lost addtotemplate answer by reading the library. The version is the identity: an existing
template or draft of it is reused, never uploaded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from providers import _platform_reads as platform
from providers._errors import RefusedError
from providers._plan import ApiCall, Ref
from providers._settings import Settings
from providers._source import _component_client, _dev_appid, _robot, _timeout, _upload_key, _uploader
from providers._source_ci import MINIPROGRAM_CI_DIR, run_mp_upload
from providers._source_folder import TOTAL_LIMIT_OWNER, check_source_folder, read_bounded
from providers._source_templates import DRAFT_POLL_DELAYS, find_draft, find_template, land_in_emulator, version_lock

Props = dict[str, Any]

UPLOAD = "miniprogram-ci:upload"  # not a WeChat API path: the executor's send runs miniprogram-ci
ADD_TO_TEMPLATE = "/wxa/addtotemplate"


def source_state(ctx: Any, desired: Mapping[str, Any]) -> Props:
    """What the library holds for this release (reads only): the template to commit, if it exists, with
    what it was made from; else the draft to add; else what an upload would send. A folder is checked
    locally (and the upload settings) before anything is read from WeChat."""
    source = desired["source"]
    version = str(desired["version"])
    if source.get("template_id") is not None:  # the library is the platform's: read once per `up` (display only)
        templates = platform.once(ctx, "gettemplatelist",
                                  lambda: _component_client(ctx.credentials, ctx.settings).get_templates())
        given = next((t for t in templates if int(t.get("template_id") or -1) == int(source["template_id"])), None)
        return {"template_id": int(source["template_id"]), "template": _about(given)}
    settings: Settings = ctx.settings
    dev_appid = _dev_appid(settings)
    uploader = _uploader(settings)
    report = check_source_folder(source["path"], expected_appid=dev_appid, third_party=True)
    component = _component_client(ctx.credentials, settings)
    template = find_template(component.get_templates(), version)
    if template is not None:
        return {"template_id": int(template["template_id"]), "template": _about(template)}
    draft = find_draft(component.get_template_drafts(), version, dev_appid)
    if draft is not None:
        return {"template_id": None, "draft_id": int(draft["draft_id"]), "template": _about(draft)}
    upload = {"appid": dev_appid, "version": version, "desc": str(desired.get("description") or ""),
              "robot": _robot(settings), "project": str(source["path"]), "sha256": tree_sha256(report.path),
              "bytes": report.total_bytes}
    return {"template_id": None, "draft_id": None, "upload": upload, "uploader": uploader,
            "ci_version": miniprogram_ci_version()}


def source_steps(desired: Mapping[str, Any], source: Props) -> list[ApiCall]:
    """The calls before the commit that make its template (none when it exists). Pure."""
    if source.get("template_id") is not None or "draft_id" not in source:
        return []
    version = str(desired["version"])
    steps: list[ApiCall] = []
    draft: Any = source.get("draft_id")
    if draft is None:
        upload = dict(source["upload"])
        size = upload.pop("bytes", 0)
        how = ("lands a draft through the emulator's control API: the upload protocol is private"
               if source.get("uploader") == "emulator" else f"miniprogram-ci {source.get('ci_version') or '?'}")
        steps.append(ApiCall(UPLOAD, f"upload {upload['project']} as {version} from {upload['appid']} "
                                     f"({size / 1024:.0f} KB, sha256 {upload['sha256'][:12]}; {how})",
                             args=upload))
        draft = Ref(0, "draft_id")
    shown = f"draft {draft}" if not isinstance(draft, Ref) else "the uploaded draft"
    steps.append(ApiCall(ADD_TO_TEMPLATE, f"add {shown} (version {version}) to the template library",
                         args={"draft_id": draft, "template_type": 0}, landed="template"))
    return steps


def send_step(ctx: Any, call: ApiCall, args: Props, sleep: Callable[[float], None] = time.sleep) -> Props:
    """The executor's send for the steps before the commit; each answers what the next step needs.

    Several mini-programs may release the same version from the same folder in one run: each step
    runs under a lock per (platform, version or draft) and first reads whether another resource's
    step made it meanwhile, then reuses it (never a second upload or template of one version)."""
    component = _component_client(ctx.credentials, ctx.settings)
    key = (ctx.settings.base_url, component.appid, str(args.get("version") or args.get("draft_id")))
    with version_lock(key):
        if call.path == ADD_TO_TEMPLATE:
            made = find_template(component.get_templates(), "", int(args["draft_id"]))
            if made is None:
                component.send("POST", call.path, args)
            return {"template_id": template_of_draft(component, int(args["draft_id"]), call)}
        if call.path != UPLOAD:
            raise RefusedError(f"{call.path}: not a step of a source folder's release")
        draft = find_draft(component.get_template_drafts(), args["version"], args["appid"])
        if draft is not None:
            return {"draft_id": int(draft["draft_id"])}
        return {"draft_id": upload_draft(ctx, component, args, sleep)}


def upload_draft(ctx: Any, component: Any, args: Props, sleep: Callable[[float], None]) -> int:
    """miniprogram-ci upload of the folder the plan pinned (refused if it changed); the draft it made."""
    settings: Settings = ctx.settings
    report = check_source_folder(args["project"], expected_appid=args["appid"], third_party=True)
    if tree_sha256(report.path) != args["sha256"]:
        raise RefusedError(f"{args['project']} changed since the plan was made (sha256 {args['sha256'][:12]}): "
                           "nothing was uploaded; make the plan again")
    if _uploader(settings) == "emulator":
        land_in_emulator(settings, component.appid, args["appid"], args["version"], args["desc"], args["robot"],
                          report)
    else:
        key = _upload_key(ctx.credentials, settings, f"development mini-program {args['appid']}")
        run_mp_upload("upload", {"appid": args["appid"], "projectPath": str(report.path.resolve()),
                                 "version": args["version"], "desc": args["desc"], "robot": args["robot"],
                                 "setting": {"useProjectConfig": True}}, private_key=key, timeout=_timeout(settings))
    for delay in DRAFT_POLL_DELAYS:
        sleep(delay)
        draft = find_draft(component.get_template_drafts(), args["version"], args["appid"])
        if draft is not None:
            return int(draft["draft_id"])
    raise RefusedError(
        f"uploaded version {args['version']} from {args['appid']}, but no draft with that user_version appeared in "
        "the template draft box (gettemplatedraftlist); check it at open.weixin.qq.com and run `pulumi up` again "
        "(the upload is not repeated once the draft shows up)"
    )


def template_of_draft(component: Any, draft_id: int, call: ApiCall) -> int:
    template = find_template(component.get_templates(), "", draft_id)
    if template is None:
        raise RefusedError(f"addtotemplate accepted draft {draft_id} but gettemplatelist lists no template made "
                           "from it; run `pulumi up` again")
    return int(template["template_id"])


def landed_template(ctx: Any, args: Props) -> Props | None:
    """A lost addtotemplate answer: it took effect when the library lists a template of that draft."""
    component = _component_client(ctx.credentials, ctx.settings)
    template = find_template(component.get_templates(), "", int(args["draft_id"]))
    return {"template_id": int(template["template_id"])} if template is not None else None


def tree_sha256(folder: Path) -> str:
    """The content of a project folder: sha256 over each regular file's relative path and content, in
    order (what miniprogram-ci skips is skipped: node_modules, .git, .svn). Files are read as the folder
    checks read them (`read_bounded`: no FIFO, no symlink out of the project, bounded)."""
    digest = hashlib.sha256()
    root = Path(folder)
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in (".git", ".svn", "node_modules"))
        for name in sorted(names):
            file = Path(directory) / name
            try:
                content = read_bounded(file, root, TOTAL_LIMIT_OWNER) or b""
            except ValueError as error:
                content = f"unreadable: {error}".encode()
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def miniprogram_ci_version() -> str | None:
    try:
        return str(json.loads((MINIPROGRAM_CI_DIR / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def _about(item: Mapping[str, Any] | None) -> Props | None:
    """What a template (or draft) was made from, as gettemplatelist describes it (fields optional)."""
    if not item:
        return None
    return {"user_version": item.get("user_version"), "user_desc": item.get("user_desc"),
            "create_time": item.get("create_time")}
