"""Helpers for the spec-model tests: a valid spec to mutate, tiny real images, problem lookups."""

from __future__ import annotations

import copy
import struct
import zlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, RootModel, ValidationError

from providers.models import Problem, SpecContext, SpecError, load_specs, problems_from_validation_error

APPID = "wx2222222222222222"
COMPONENT_APPID = "wx1111111111111111"

VALID: dict[str, Any] = {
    "appid": APPID,
    "account": {"type": "organization", "verified": True, "published": True},
    "credentials": {
        "mode": "platform",
        "component_appid": COMPONENT_APPID,
        "component_secret_config": "componentSecret",
        "verify_ticket_config": "componentVerifyTicket",
        "refresh_token_config": "shopRefreshToken",
    },
    "server_domains": {"request": ["https://api.shop.example.com"], "socket": ["wss://ws.shop.example.com"]},
    "webview_domains": {"domains": ["https://h5.shop.example.com"]},
    "testers": {"members": ["alice_wx", "bob_wx"]},
    "developers": [{"wechat_id": "carol_wx", "roles": ["developer"]}],
    "profile": {"nickname": "演示商城", "avatar": "avatar.png", "signature": "一个演示用的小商城，售卖示例商品"},
    "categories": [{"first": 1, "second": 2}],
    "privacy": {
        "owner_setting": {"contact_email": "privacy@shop.example.com", "notice_method": "弹窗提示"},
        "settings": [{"privacy_key": "UserInfo", "privacy_text": "用于展示头像昵称"}],
    },
    "release": {
        "version": "1.2.0",
        "source": {"template_id": 1, "ext_json": {"extAppid": APPID}},
        "audit": {
            "item_list": [
                {
                    "address": "pages/index/index",
                    "tag": "商城 购物",
                    "first_class": "商业服务",
                    "second_class": "网上商城",
                    "first_id": 1,
                    "second_id": 2,
                    "title": "首页",
                }
            ]
        },
    },
}


def valid_spec() -> dict[str, Any]:
    return copy.deepcopy(VALID)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (RGB, one colour), written with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x07\xc1\x60" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_spec(directory: Path, data: Any, name: str = "shop.yaml") -> Path:
    """Write `data` (YAML text, or a value to dump) as a spec file next to a valid avatar.png."""
    directory.mkdir(parents=True, exist_ok=True)
    avatar = directory / "avatar.png"
    if not avatar.exists():
        avatar.write_bytes(png_bytes())
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load_problems(*paths: Path) -> list[Problem]:
    try:
        load_specs(paths)
    except SpecError as error:
        return error.problems
    return []


def spec_problems(directory: Path, data: Any, name: str = "shop.yaml") -> dict[str, list[str]]:
    """{path: [messages]} for one spec written to `directory`."""
    found: dict[str, list[str]] = {}
    for problem in load_problems(write_spec(directory, data, name)):
        found.setdefault(problem.path, []).append(problem.message)
    return found


def block_problems(model: type[BaseModel] | type[RootModel[Any]], data: Any, **context: Any) -> dict[str, list[str]]:
    """{path: [messages]} from validating one block on its own (as a provider's check() does)."""
    found: dict[str, list[str]] = {}
    try:
        model.model_validate(data, context=SpecContext(**context).as_context())
    except ValidationError as error:
        for problem in problems_from_validation_error(error, None):
            found.setdefault(problem.path, []).append(problem.message)
    return found


def assert_problem(found: dict[str, list[str]], path: str, fragment: str) -> None:
    messages = found.get(path, [])
    assert any(fragment in message for message in messages), f"no {fragment!r} at {path!r}; got {found}"
