"""Checks that need no WeChat call: the stack config keys, environment variables, files and commands a
spec's credentials name, and a release's source folder. Each finding names the spec file and field.

They run first, before any read: a spec whose credentials lack what they need is not read at all
(its token check would only say the same again), so every problem is listed once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from providers._errors import RefusedError
from providers._settings import Settings
from providers.preflight.findings import BLOCK, Finding

# credentials field -> what the config key it names holds
SECRETS = {
    "component_secret_config": "the third-party platform's AppSecret",
    "verify_ticket_config": "the component_verify_ticket",
    "refresh_token_config": "the authorizer refresh token",
    "app_secret_config": "the mini-program's AppSecret",
}


def _finding(spec: Any, subject: str, check: str, path: str, message: str, fix: str) -> Finding:
    where = f"{spec.source_file.as_posix()}: {path}" if getattr(spec, "source_file", None) else path
    return Finding(check, BLOCK, subject, spec.name, message, fix=fix, where=where)


def config_and_secrets(spec: Any, subject: str, settings: Settings) -> Iterable[Finding]:
    """Every stack config key, environment variable, file and command the credentials block names is there."""
    credentials = spec.credentials
    for name, what in SECRETS.items():
        key = getattr(credentials, name, None)
        if key and not settings.lookup(key):
            yield _finding(spec, subject, "credentials", f"credentials.{name}",
                           f"stack config key {key!r} ({what}) is not set",
                           f"run: pulumi config set --secret {key} <value>")
    env = getattr(credentials, "verify_ticket_env", None)
    if env and not os.environ.get(env):
        yield _finding(spec, subject, "credentials", "credentials.verify_ticket_env",
                       f"environment variable {env} (component_verify_ticket) is not set",
                       "export the newest ticket WeChat pushed to the platform")
    file = getattr(credentials, "verify_ticket_file", None)
    if file and not Path(file).expanduser().is_file():
        yield _finding(spec, subject, "credentials", "credentials.verify_ticket_file",
                       f"cannot read the component_verify_ticket file {file}",
                       "point it at the file the platform's ticket receiver writes")
    command = getattr(credentials, "command", None)
    if command and shutil.which(command[0]) is None:
        yield _finding(spec, subject, "credentials", "credentials.command[0]",
                       f"token command {command[0]!r} is not found", "install it or fix the path")


def source_folder(spec: Any, subject: str, settings: Settings) -> Iterable[Finding]:
    """release.source.path: the folder, the settings an upload needs, and the code-upload key."""
    from providers._source import UPLOAD_KEY_DEFAULT, _dev_appid, _uploader, check_source_folder

    release = getattr(spec, "release", None)
    source = release.source if release else None
    if source is None or source.path is None:
        return
    owner = spec.credentials.mode == "owner"
    try:
        uploader = _uploader(settings)
        expected = spec.appid if owner else _dev_appid(settings)
        check_source_folder(source.path, expected_appid=expected, third_party=not owner)
    except RefusedError as error:
        yield _finding(spec, subject, "source_folder", "release.source.path", str(error),
                       "fix the folder or the stack config it names")
        return
    key = spec.credentials.upload_key_config or UPLOAD_KEY_DEFAULT  # the key the upload will ask for
    if uploader != "emulator" and not settings.lookup(key):
        yield _finding(spec, subject, "source_folder", "credentials.upload_key_config",
                       f"stack config key {key!r} (the code-upload private key) is not set",
                       f"run: pulumi config set --secret {key} -- \"$(cat private.key)\"")


def local(spec: Any, subject: str, settings: Settings) -> list[Finding]:
    """Every local check of one spec (mini-program or platform), each problem once."""
    found: list[Finding] = []
    for check in (config_and_secrets, source_folder):
        found += [finding for finding in check(spec, subject, settings) if finding not in found]
    return found
