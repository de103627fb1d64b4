"""Preflight: what can be known before any write, checked before any resource is touched.

`pulumi preview`, `plan` and `up` all run the program, and the program runs `preflight()` on every
spec before it declares a single resource: one problem anywhere stops the whole run, with every
problem listed once (file, field path, what to do), so `up` never updates eight resources and then
fails the ninth on a missing secret.

A check is a function `(spec, settings) -> Iterable[Problem]`; `CHECKS` lists them in the order
they run. To add one, write the function and append it. A check that needs another's result
(credentials are only tried when the config they need is there) says so by reading `done`, the
problems found so far for this spec. Checks read local files and stack config; only
`credentials_reachable` talks to WeChat, and only to get a token (usually from the disk cache).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from providers._errors import USER_FACING, RefusedError
from providers._settings import Settings, component_credentials, token_cache
from providers.models import MiniProgramSpec, Problem
from wechat import ComponentClient

Check = Callable[[MiniProgramSpec, Settings, list[Problem]], Iterable[Problem]]

# credentials field -> what the config key it names holds
SECRETS = {
    "component_secret_config": "the third-party platform's AppSecret",
    "verify_ticket_config": "the component_verify_ticket",
    "refresh_token_config": "the authorizer refresh token",
    "app_secret_config": "the mini-program's AppSecret",
}


def _problem(spec: MiniProgramSpec, path: str, message: str) -> Problem:
    return Problem(spec.source_file.as_posix() if spec.source_file else None, path, message)


def config_and_secrets(spec: MiniProgramSpec, settings: Settings, done: list[Problem]) -> Iterable[Problem]:
    """Every stack config key, environment variable and file the credentials block names is there."""
    credentials = spec.credentials
    for name, what in SECRETS.items():
        key = getattr(credentials, name, None)
        if key and not settings.lookup(key):
            yield _problem(spec, f"credentials.{name}", f"stack config key {key!r} ({what}) is not set; run: "
                                                         f"pulumi config set --secret {key} <value>")
    if credentials.verify_ticket_env and not os.environ.get(credentials.verify_ticket_env):
        yield _problem(spec, "credentials.verify_ticket_env",
                       f"environment variable {credentials.verify_ticket_env} (component_verify_ticket) is not set")
    if credentials.verify_ticket_file and not Path(credentials.verify_ticket_file).expanduser().is_file():
        yield _problem(spec, "credentials.verify_ticket_file",
                       f"cannot read the component_verify_ticket file {credentials.verify_ticket_file}")
    if credentials.command and shutil.which(credentials.command[0]) is None:
        yield _problem(spec, "credentials.command[0]", f"token command {credentials.command[0]!r} is not found")


def source_folder(spec: MiniProgramSpec, settings: Settings, done: list[Problem]) -> Iterable[Problem]:
    """release.source.path: the folder, the settings an upload needs, and the code-upload key."""
    from providers._source import _dev_appid, _uploader, check_source_folder

    source = spec.release.source if spec.release else None
    if source is None or source.path is None:
        return
    owner = spec.credentials.mode == "owner"
    try:
        uploader = _uploader(settings)
        expected = spec.appid if owner else _dev_appid(settings)
        check_source_folder(source.path, expected_appid=expected, third_party=not owner)
    except RefusedError as error:
        yield _problem(spec, "release.source.path", str(error))
        return
    key = spec.credentials.upload_key_config
    if uploader != "emulator" and key and not settings.lookup(key):
        yield _problem(spec, "credentials.upload_key_config",
                       f"stack config key {key!r} (the code-upload private key) is not set; run: "
                       f"pulumi config set --secret {key} -- \"$(cat private.key)\"")


def credentials_reachable(spec: MiniProgramSpec, settings: Settings, done: list[Problem]) -> Iterable[Problem]:
    """The credentials get a token (from the disk cache when it holds a fresh one), when the run will
    use one: a spec of blocks no API can read with these credentials needs none.

    Platform mode checks the platform's own token (its AppSecret and verify ticket): the authorizer
    refresh token is not tried here, because a rotated one lives in the stack's state, which the
    providers read and the program cannot (providers/_rotation.py, when present)."""
    if any(problem.path.startswith("credentials") for problem in done):
        return  # what they need is missing: said already
    from providers._clients import client_for
    from providers.registry import RESOURCES

    mode = spec.credentials.mode
    if not any(RESOURCES[block].provider_class.reads_with(mode) for block in spec.managed_blocks()):
        return
    credentials = spec.credentials.model_dump(mode="json", exclude_none=True)
    try:
        if mode == "platform":
            component = component_credentials(credentials, settings)
            with ComponentClient(component, base_url=settings.base_url, cache=token_cache()) as platform:
                platform.check_token()
        else:
            client_for(spec.appid, credentials, settings).check_token()
    except USER_FACING as error:
        yield _problem(spec, "credentials", f"cannot get a token with these credentials: {error}")


CHECKS: list[Check] = [config_and_secrets, source_folder, credentials_reachable]


def preflight(specs: Sequence[MiniProgramSpec], settings: Settings, checks: Sequence[Check] = CHECKS) -> list[Problem]:
    """Every problem every check finds in every spec, each once, in spec and check order."""
    found: list[Problem] = []
    for spec in specs:
        done: list[Problem] = []
        for check in checks:
            done += [problem for problem in check(spec, settings, done) if problem not in done]
        found += done
    return found
