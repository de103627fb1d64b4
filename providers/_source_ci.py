"""miniprogram-ci, WeChat's official uploader, run through `scripts/mp-upload.mjs` (a Node wrapper).

The code-upload key travels in an environment variable of the child (or as a file path): never in
argv, never in the options, never in a message. Used by the release's planned upload steps
(`providers/release_source.py`) and the owner upload (`providers/_source.py`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers._errors import RefusedError
from wechat.redact import register_secret, scrub

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MP_UPLOAD_SCRIPT = PROJECT_ROOT / "scripts" / "mp-upload.mjs"
MINIPROGRAM_CI_DIR = PROJECT_ROOT / "node_modules" / "miniprogram-ci"
# Idempotent, works from the npm cache with no network and from the registry without a cache.
# --ignore-scripts: none of miniprogram-ci's dependencies needs its install script on a platform
# with prebuilt binaries (@swc/core and @parcel/watcher ship them as optional packages).
NPM_INSTALL_COMMAND = ("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts",
                       "--loglevel=error")

TIMEOUT_KEY = "uploadTimeoutSeconds"  # stack config: how long one run may take
DEFAULT_TIMEOUT = 600.0
KEY_ENV = "MP_UPLOAD_PRIVATE_KEY"  # how the key reaches the Node wrapper (never argv, never disk)


class MiniProgramCIError(RefusedError):
    """miniprogram-ci (through scripts/mp-upload.mjs) failed; the message says what and what to do."""


def miniprogram_ci_installed() -> bool:
    return (MINIPROGRAM_CI_DIR / "package.json").is_file()


def run_mp_upload(action: str, options: Mapping[str, Any], *, private_key: str | None = None,
                  private_key_path: str | os.PathLike[str] | None = None, dry_run: bool = False,
                  timeout: float = DEFAULT_TIMEOUT, extra_env: Mapping[str, str] | None = None
                  ) -> dict[str, Any]:
    """Run `node scripts/mp-upload.mjs ACTION --stdin` with `options` as JSON; return its result line.

    The key travels in an environment variable of the child (or as a file path): never in argv,
    never in the options, never in a message. Raises MiniProgramCIError with the wrapper's
    structured error (stage, code, message, hint), scrubbed.
    """
    node = shutil.which("node")
    if node is None:
        raise MiniProgramCIError("Node.js is not installed (miniprogram-ci is an npm package); install "
                                 "Node 18+ and run `make setup`")
    if not miniprogram_ci_installed():
        raise MiniProgramCIError(f"miniprogram-ci is not installed in {MINIPROGRAM_CI_DIR.parent}; run "
                                 f"`make setup` (or: {' '.join(NPM_INSTALL_COMMAND)})")
    payload = dict(options)
    env = {**os.environ, **(extra_env or {})}
    env.pop(KEY_ENV, None)
    if private_key is not None:
        register_secret(private_key.strip())
        env[KEY_ENV] = private_key
        payload["privateKeyEnv"] = KEY_ENV
    elif private_key_path is not None:
        payload["privateKeyPath"] = str(private_key_path)
    argv = [node, str(MP_UPLOAD_SCRIPT), action, "--stdin", *(["--dry-run"] if dry_run else [])]
    with tempfile.TemporaryDirectory(prefix="mp-upload-") as cwd:
        try:
            done = subprocess.run(argv, input=json.dumps(payload, ensure_ascii=False), capture_output=True,
                                  text=True, encoding="utf-8", errors="replace", timeout=timeout, cwd=cwd,
                                  env=env, check=False)
        except subprocess.TimeoutExpired:
            raise MiniProgramCIError(
                f"miniprogram-ci {action} did not finish within {timeout:g} s; if the network to "
                f"servicewechat.com is slow, raise stack config wechat-iac:{TIMEOUT_KEY}"
            ) from None
    result = _last_json_line(done.stdout)
    if result is None:
        tail = scrub(done.stderr.strip()[-500:])
        raise MiniProgramCIError(f"miniprogram-ci {action} printed no result (exit status "
                                 f"{done.returncode}); stderr ends with: {tail}")
    if not result.get("ok"):
        error = result.get("error") or {}
        code = f" (code {error['code']})" if error.get("code") is not None else ""
        hint = f"; {error['hint']}" if error.get("hint") else ""
        raise MiniProgramCIError(scrub(f"miniprogram-ci {action} failed at {error.get('stage', '?')}{code}: "
                                       f"{error.get('message', 'unknown error')}{hint}"))
    return result


def _last_json_line(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "ok" in data:
            return data
    return None
