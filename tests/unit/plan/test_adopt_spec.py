"""`runner.adopt.spec_text`: live data -> a commented spec that validates, without any WeChat call."""

from __future__ import annotations

from pathlib import Path

from providers.models import load_spec_file
from runner.adopt import spec_text

CREDENTIALS = {"mode": "owner", "app_secret_config": "ownerSecret"}


def test_adopted_blocks_validate_and_what_cannot_be_adopted_is_a_comment(tmp_path: Path) -> None:
    blocks = [
        ("server_domains", {"request": ["https://api.example.com"], "socket": [], "upload": [], "download": [],
                            "udp": [], "tcp": []}, ["tcp: left empty"]),
        ("profile", {"nickname": "x", "signature": "演示商城小程序，提供商品浏览与下单服务"}, ["avatar: not adopted"]),
        ("testers", None, ["testers: not adopted: only userstr values"]),
    ]
    text = spec_text("wx3333333333333333", "owner", CREDENTIALS, blocks, tmp_path)
    path = tmp_path / "owner.yaml"
    path.write_text(text, encoding="utf-8")
    spec = load_spec_file(path)
    assert spec.server_domains is not None and spec.server_domains.request == ["https://api.example.com"]
    assert spec.profile is None, "a nickname WeChat's rules refuse is commented out, not written"
    assert "# profile: not adopted as is: WeChat's value breaks the spec rules (nickname:" in text
    assert "# testers: not adopted: only userstr values" in text
    assert "# tcp: left empty" in text
