"""`python -m runner adopt --appid APPID --mode platform|owner ... --out specs/NAME.yaml`.

Writes a spec for a mini-program that already exists, from its live state (as fastlane's
`deliver download_metadata` does for app-store metadata): server and web-view domains, profile
nickname and intro, categories and the privacy guide. What cannot be adopted is written as a
comment saying why: the avatar (WeChat reports only a URL), testers (WeChat lists only opaque
userstr values, never WeChat ids), developers (no API) and anything these credentials cannot read.

Secrets come from the stack's config (the spec names only the config keys), exactly as `up` gets
them. The written spec is validated before it is written; `preview` right after shows no change
for the adopted blocks.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from providers._base import Context
from providers._settings import Settings
from providers.models import (
    CategoriesSpec,
    CredentialsSpec,
    PrivacyOwnerSetting,
    PrivacySpec,
    ProfileSpec,
    ServerDomainsSpec,
    SpecContext,
    WebviewDomainsSpec,
    load_spec_text,
)
from providers.server_domains import ServerDomainsProvider
from providers.webview_domains import WebviewDomainsProvider
from runner import engine, local_emulator
from runner.env import PROJECT_DIR, pulumi_env
from runner.stacks import stack_base_url
from wechat.redact import register_secret, scrub

APPROVED = 3  # getcategory audit_status of a category in effect
Block = tuple[str, Any, list[str]]  # (block name, value or None, comment lines)


def _read(what: str, reader: Callable[[], Any]) -> tuple[Any, list[str]]:
    """A reader's value, or None and a comment saying why it could not be read."""
    try:
        return reader(), []
    except Exception as error:  # any refusal (48001 for owner tokens, a missing key) is a comment
        reason = str(error).split(" What to do:")[0]  # WeChatError advice is for the log, not the spec
        return None, [f"{what}: not adopted: it could not be read with these credentials:",
                      f"  {scrub(f'{type(error).__name__}: {reason}')}"]


def read_blocks(ctx: Context) -> list[Block]:
    """Each adoptable block as spec data, read with the same client `up` uses."""
    client = ctx.client
    blocks: list[Block] = []
    # the domain providers' own live reads: the spec then equals what their diff compares against
    servers, notes = _read("server_domains", lambda: ServerDomainsProvider().read_live(ctx))
    if servers is not None:
        if servers.get("tcp") is None:
            notes = ["tcp: these credentials cannot read tcp domains (getwxadevinfo omits them); left empty"]
        servers = {name: list(values or []) for name, values in servers.items()}
    blocks.append(("server_domains", servers, notes))
    webview, notes = _read("webview_domains", lambda: WebviewDomainsProvider().read_live(ctx))
    blocks.append(("webview_domains", webview, notes))

    info, notes = _read("profile", client.get_account_basic_info)
    profile = None
    if info is not None:
        nickname = (info.get("nickname_info") or {}).get("nickname") or info.get("nickname")
        signature = (info.get("signature_info") or {}).get("signature")
        profile = {key: value for key, value in (("nickname", nickname), ("signature", signature)) if value}
        url = (info.get("head_image_info") or {}).get("head_image_url")
        notes = [f"avatar: not adopted: WeChat reports only its URL ({url or 'none'}), and nothing is downloaded;",
                 "  save the image next to this spec and add `avatar: <file>` to manage it"]
    blocks.append(("profile", profile or None, notes))

    found, notes = _read("categories", client.get_category)
    categories = None
    if found is not None:
        items = sorted(found.get("categories") or [], key=lambda item: (item["first"], item["second"]))
        categories = [{"first": int(item["first"]), "second": int(item["second"])} for item in items]
        notes = [f"{item['first']}/{item['second']}: {item.get('first_name', '')} > {item.get('second_name', '')}"
                 + ("" if int(item.get("audit_status", APPROVED)) == APPROVED else " (still under review)")
                 for item in items]
    blocks.append(("categories", categories or None, notes))

    guide, notes = _read("privacy", lambda: client.get_privacy_setting(2))
    privacy = None
    if guide is not None:
        owner = {key: value for key, value in (guide.get("owner_setting") or {}).items()
                 if key in PrivacyOwnerSetting.model_fields and value not in (None, "")}
        settings = sorted(({"privacy_key": item["privacy_key"], "privacy_text": item["privacy_text"]}
                           for item in guide.get("setting_list") or []), key=lambda item: item["privacy_key"])
        privacy = {"owner_setting": owner, "settings": settings} if owner or settings else None
        notes = [] if privacy else ["privacy: no development (ver=2) privacy guide is set yet: nothing to adopt"]
    blocks.append(("privacy", privacy, notes))

    testers, notes = _read("testers", client.list_testers)
    if testers is not None:
        notes = [f"testers: not adopted: WeChat lists {len(testers)} tester(s) only as opaque userstr values,",
                 "  never as WeChat ids, and a spec names testers by WeChat id. List them by WeChat id to manage",
                 "  them (authoritative: false leaves the ones bound in the console alone)."]
        notes += [f"  - userstr {userstr}" for userstr in testers]
    elif not notes:
        notes = ["testers: not adopted: WeChat's memberauth answer has no members list"]
    blocks.append(("testers", None, notes))
    blocks.append(("developers", None, ["developers: not adopted: WeChat has no API that lists project members"]))
    versions, notes = _read("release", client.get_version_info)
    if versions is not None:
        live = (versions.get("release_info") or {}).get("release_version") or "none"
        experience = (versions.get("exp_info") or {}).get("exp_version") or "none"
        notes = [f"release: not adopted: live version {live}, experience version {experience}; add a release "
                 "block (see specs/demo-shop.yaml) to manage the next version"]
    blocks.append(("release", None, notes))
    return blocks


MODELS: dict[str, type[BaseModel]] = {
    "server_domains": ServerDomainsSpec, "webview_domains": WebviewDomainsSpec, "profile": ProfileSpec,
    "categories": CategoriesSpec, "privacy": PrivacySpec,
}


def spec_text(appid: str, name: str, credentials: dict[str, Any], blocks: list[Block], spec_dir: Path) -> str:
    """The spec as commented YAML; a block WeChat returned but the spec rules refuse is commented out."""
    lines = [
        "# yaml-language-server: $schema=./miniprogram.schema.json",
        f"# Adopted from the live mini-program {appid} by `python -m runner adopt`.",
        "# Every block below matches WeChat as it was read; commented parts could not be adopted.",
        *_dump({"appid": appid, "name": name, "credentials": credentials}),
    ]
    context = SpecContext(spec_dir=spec_dir).as_context()
    for block, value, notes in blocks:
        lines.append("")
        lines += [f"# {line}" for note in notes for line in _wrap(note)]
        if value is None:
            continue
        try:
            MODELS[block].model_validate(value, context=context)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors())
            lines.append(f"# {block}: not adopted as is: WeChat's value breaks the spec rules ({problems})")
            lines += [f"# {line}" for line in _dump({block: value})]
            continue
        lines += _dump({block: value})
    return "\n".join(lines) + "\n"


def _wrap(note: str) -> list[str]:
    indent = note[: len(note) - len(note.lstrip())] + "  "
    return textwrap.wrap(note, width=98, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _dump(data: dict[str, Any]) -> list[str]:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).rstrip("\n").splitlines()


def adopt(appid: str, name: str, credentials: dict[str, Any], settings: Settings, out: Path) -> str:
    """Read the live mini-program and return its spec text, validated as a whole."""
    CredentialsSpec.model_validate(credentials)
    ctx = Context(appid, credentials, settings)
    text = spec_text(appid, name, credentials, read_blocks(ctx), out.parent)
    load_spec_text(text, file=out, spec_dir=out.parent)  # raises SpecError listing every problem
    return text


def stack_settings(stack_name: str, start_emulator: bool) -> Settings:
    """The stack's decrypted config, as the providers get it from configure()."""
    env = pulumi_env(stack_name)
    if start_emulator:
        local_emulator.ensure_running(stack_base_url(PROJECT_DIR, stack_name), env.state_dir)
    raw = engine.open_stack(stack_name, env=env).get_all_config()
    for item in raw.values():
        if item.secret:
            register_secret(item.value)
    return Settings.from_config({key: item.value for key, item in raw.items()})


def credentials_from(args: argparse.Namespace) -> dict[str, Any]:
    fields = ("component_appid", "component_secret_config", "verify_ticket_config", "verify_ticket_file",
              "verify_ticket_env", "refresh_token_config", "app_secret_config", "upload_key_config")
    return {"mode": args.mode, **{key: getattr(args, key) for key in fields if getattr(args, key)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner adopt", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appid", required=True)
    parser.add_argument("--mode", choices=["platform", "owner"], required=True)
    parser.add_argument("--name", help="resource-name prefix (default: the --out file's name)")
    parser.add_argument("--out", required=True, type=Path, help="the spec file to write, e.g. specs/shop.yaml")
    parser.add_argument("--stack", default="dev", help="the stack whose config holds the secrets (default dev)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--start-emulator", action="store_true", help="start the local WeChat emulator first")
    keys = parser.add_argument_group("credentials: names of stack config keys, never secret values")
    keys.add_argument("--component-appid", help="platform: the third-party platform's appid")
    for flag in ("component-secret-config", "verify-ticket-config", "refresh-token-config", "app-secret-config",
                 "upload-key-config"):
        keys.add_argument(f"--{flag}", metavar="KEY")
    keys.add_argument("--verify-ticket-file", metavar="PATH")
    keys.add_argument("--verify-ticket-env", metavar="NAME")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to overwrite it")
    name = args.name or args.out.stem
    try:
        settings = stack_settings(args.stack, args.start_emulator)
        text = adopt(args.appid, name, credentials_from(args), settings, args.out)
    except (ValidationError, ValueError) as error:
        print(scrub(f"adopt {args.appid}: {error}"))
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    adopted = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    preview = "make preview" + ("" if args.stack == "dev" else f" STACK={args.stack}")
    print(f"wrote {args.out}: {', '.join(adopted)} (run `{preview}`: it should show no WeChat change)")
    return 0
