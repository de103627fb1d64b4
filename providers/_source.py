"""Getting a release's code to WeChat: from `release.source` to a template id (or an owner upload).

A release spec names its code in one of two ways (reference §5.1, §5.6, §6):

- `source.template_id` (+ `ext_json`): a template already in the third-party platform's library;
  `wxa/commit` sends `ext_json_string(spec)` with it.
- `source.path`: a mini-program project folder. On a third-party platform, code reaches the
  template library only one way: the platform's *development mini-program* uploads it with the
  official `miniprogram-ci` (its code-upload key, its IP allow-list, its appid, an `ext.json` in the
  folder), which creates a **draft**; `wxa/addtotemplate` turns the draft into a **template**.
  Those are planned steps of the release (`providers/release_source.py`): the local checks here
  (`check_source_folder`) run at preflight and at plan time; an existing template or draft of the
  version is reused; the upload and addtotemplate are calls of the plan, made by `up` in order.

  The version is the identity: a code change needs a new version (WeChat keeps no content hash
  we could compare).

**The emulator cannot receive a miniprogram-ci upload.** miniprogram-ci talks a private, signed
protocol to servicewechat.com (not api.weixin.qq.com) that is not documented, so it cannot be
emulated faithfully. With stack config `wechat-iac:uploader: emulator`, step 4 instead lands the
draft through the emulator's control API (`POST /_emulator/drafts`, `_source_templates.land_in_emulator`), which is
exactly the state an upload would leave behind; everything before and after (the local checks, the
template and draft lookups, addtotemplate) runs unchanged. The real miniprogram-ci is still exercised by the contract
tests, offline (`--dry-run`, `compile`, `pack-npm`).

Where the parts live: this module holds the stack settings of uploads, `ext_json`, the platform's
component client and the owner upload; the folder checks are `providers/_source_folder.py`, the
miniprogram-ci runner `providers/_source_ci.py`, the template library's lookups and the emulator's
stand-in for an upload `providers/_source_templates.py`, and the planned steps `providers/release_source.py`.

Owner mode (`credentials.mode == owner`): an owner cannot make templates; what an owner can do is
upload to the mini-program itself with its own code-upload key. `upload_owner` does that; audit
and release stay manual steps. Against the emulator it uploads nothing and says so.

Stack config keys introduced here (project namespace `wechat-iac:`):

    devMiniProgramAppid   the platform's development mini-program (source.path, platform mode)
    uploadPrivateKey      secret: the code-upload key (PEM) used when the spec's credentials name
                          no `upload_key_config` (platform: the development mini-program's key;
                          owner: the mini-program's own key)
    uploader              miniprogram-ci (default against real WeChat) | emulator
    uploadRobot           miniprogram-ci robot 1..30 (default 1)
    uploadTimeoutSeconds  how long one miniprogram-ci run may take (default 600)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from providers._errors import RefusedError
from providers._settings import REAL_WECHAT, Settings, component_credentials, token_cache
from providers._source_ci import DEFAULT_TIMEOUT, TIMEOUT_KEY, run_mp_upload
from providers._source_folder import check_source_folder
from providers.models.release import ReleaseSourceSpec
from wechat import ComponentClient

DEV_APPID_KEY = "devMiniProgramAppid"
UPLOAD_KEY_DEFAULT = "uploadPrivateKey"
UPLOADER_KEY = "uploader"
ROBOT_KEY = "uploadRobot"
UPLOADERS = ("miniprogram-ci", "emulator")

_APPID = re.compile(r"wx[0-9a-f]{16}")


# --- ext_json --------------------------------------------------------------------------------------
def _source_block(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    source = spec.get("source", spec)
    if not isinstance(source, Mapping):
        raise RefusedError("release.source must be an object with template_id (+ ext_json) or path")
    return source


def _ext_json(source: Mapping[str, Any]) -> dict[str, Any]:
    ext = source.get("ext_json")
    if ext is None:
        return {}
    if not isinstance(ext, Mapping):
        raise RefusedError(f"release.source.ext_json must be an object (a mapping in YAML), not a "
                           f"{type(ext).__name__}; WeChat answers 85013 'invalid ext_json' otherwise")
    return dict(ext)


def ext_json_string(spec: Mapping[str, Any]) -> str:
    """`source.ext_json` as `wxa/commit` wants it: one JSON-encoded string (canonical: sorted keys, no
    spaces, UTF-8 kept), "{}" when absent. `spec` is the release spec or its `source` block."""
    source = _source_block(spec)
    return ReleaseSourceSpec.model_construct(ext_json=_ext_json(source)).ext_json_string()


# --- settings ---------------------------------------------------------------------------------------
def _uploader(settings: Settings) -> str:
    chosen = settings.lookup(UPLOADER_KEY)
    if chosen is not None and chosen not in UPLOADERS:
        raise RefusedError(f"stack config wechat-iac:{UPLOADER_KEY} is {chosen!r}; use one of {', '.join(UPLOADERS)}")
    real = settings.base_url == REAL_WECHAT
    if chosen == "emulator" and real:
        raise RefusedError(f"wechat-iac:{UPLOADER_KEY} is 'emulator' but wechat-iac:baseUrl is real WeChat "
                           f"({REAL_WECHAT}); remove the uploader setting to upload with miniprogram-ci")
    if chosen is None and not real:
        raise RefusedError(
            f"wechat-iac:baseUrl is {settings.base_url} (not real WeChat), and miniprogram-ci would upload "
            f"to real WeChat: set `pulumi config set {UPLOADER_KEY} emulator` for the local emulator, or "
            f"`pulumi config set {UPLOADER_KEY} miniprogram-ci` if that URL really leads to WeChat"
        )
    return chosen or "miniprogram-ci"


def _robot(settings: Settings) -> int:
    raw = settings.lookup(ROBOT_KEY) or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise RefusedError(f"stack config wechat-iac:{ROBOT_KEY} must be a number 1..30, got {raw!r}")
    return int(raw)


def _timeout(settings: Settings) -> float:
    raw = settings.lookup(TIMEOUT_KEY)
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if value <= 0:
        raise RefusedError(f"stack config wechat-iac:{TIMEOUT_KEY} must be a positive number of seconds")
    return value


def _upload_key(credentials: Mapping[str, Any], settings: Settings, whose: str) -> str:
    key = str(credentials.get("upload_key_config") or UPLOAD_KEY_DEFAULT)
    return settings.require_secret(key, f"code-upload private key (代码上传密钥) of {whose}; "
                                        f"pulumi config set --secret {key} < private.key")


def _dev_appid(settings: Settings) -> str:
    dev = settings.lookup(DEV_APPID_KEY)
    if not dev:
        raise RefusedError(
            f"release.source.path needs the third-party platform's development mini-program (the one "
            f"bound to the platform, which uploads templates): pulumi config set {DEV_APPID_KEY} wx..."
        )
    if not _APPID.fullmatch(dev):
        raise RefusedError(f"stack config wechat-iac:{DEV_APPID_KEY} is {dev!r}, not an appid (wx + 16 hex)")
    return dev


_component_lock = threading.Lock()
_components: dict[tuple[str, str], ComponentClient] = {}


def _component_client(credentials: Mapping[str, Any], settings: Settings) -> ComponentClient:
    if credentials.get("mode") != "platform":
        raise RefusedError(
            f"release.source.path makes a template in the third-party platform's library, which needs the "
            f"platform's own credentials (mode: platform); with mode {credentials.get('mode')!r}, give "
            f"release.source.template_id of a template the platform already has"
        )
    component_appid = str(credentials["component_appid"])
    with _component_lock:
        client = _components.get((settings.base_url, component_appid))
        if client is None:
            client = ComponentClient(component_credentials(credentials, settings), base_url=settings.base_url,
                                     cache=token_cache())
            _components[(settings.base_url, component_appid)] = client
        return client


# --- owner mode --------------------------------------------------------------------------------------
NOT_EMULATED = "not emulated"


def upload_owner(ctx: Any, release_spec: Mapping[str, Any]) -> dict[str, Any]:
    """Owner mode: upload `source.path` to the mini-program itself with its code-upload key.

    Returns what to record: `{"uploader", "appid", "version", "uploaded": bool, ...}`. The upload
    becomes a *development version* (机器人 N); setting it as the experience version, submitting
    for audit and releasing are manual steps in mp.weixin.qq.com. There is no API an owner can use
    to list development versions, so the caller must record the uploaded version and not call this
    again for it. Against the emulator nothing is uploaded or recorded: the result says
    `"status": "not emulated"`.
    """
    source = _source_block(release_spec)
    if source.get("template_id") is not None:
        raise RefusedError("release.source.template_id needs a third-party platform (wxa/commit); with "
                           "owner credentials give release.source.path, a project folder to upload")
    path = source.get("path")
    if not path:
        raise RefusedError("release.source.path is required in owner mode")
    settings: Settings = ctx.settings
    appid = str(ctx.appid)
    version = str(release_spec.get("version") or "")
    desc = str(release_spec.get("description") or "")
    uploader = _uploader(settings)
    report = check_source_folder(path, expected_appid=appid, third_party=False)
    robot = _robot(settings)
    base = {"uploader": uploader, "appid": appid, "version": version, "robot": robot,
            "package_bytes": report.package_bytes}
    if uploader == "emulator":
        return {**base, "uploaded": False, "status": NOT_EMULATED,
                "message": "the local emulator cannot receive miniprogram-ci uploads (a private protocol "
                           "to servicewechat.com); nothing was uploaded or recorded"}
    key = _upload_key(ctx.credentials, settings, f"mini-program {appid}")
    result = run_mp_upload("upload", {
        "appid": appid, "projectPath": str(report.path.resolve()), "version": version, "desc": desc,
        "robot": robot, "setting": {"useProjectConfig": True},
    }, private_key=key, timeout=_timeout(settings))
    return {**base, "uploaded": True, "status": "uploaded", "result": result.get("result") or {}}
