"""Privacy settings and credentials (config key names only; pasted secrets are refused)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from spec_helpers import COMPONENT_APPID, assert_problem, block_problems

from providers.models import PRIVACY_KEYS, CredentialsSpec, PrivacySpec, looks_like_secret

OWNER = {"contact_email": "privacy@example.com", "notice_method": "弹窗提示"}


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"owner_setting": {"notice_method": "弹窗"}}, "owner_setting", "give at least one contact"),
        ({"owner_setting": {"contact_email": "a@example.com"}}, "owner_setting.notice_method", "required field"),
        ({"owner_setting": {**OWNER, "notice_method": "  "}}, "owner_setting.notice_method", "must not be empty"),
        ({"owner_setting": {**OWNER, "contact_email": "nope"}}, "owner_setting.contact_email", "email address"),
        ({"owner_setting": {**OWNER, "contact_phone": "call me"}}, "owner_setting.contact_phone", "phone number"),
        ({"owner_setting": {**OWNER, "contact_qq": 123456}}, "owner_setting.contact_qq", "put the value in quotes"),
        ({"owner_setting": {**OWNER, "contact_qq": "12a"}}, "owner_setting.contact_qq", "QQ number"),
        ({"owner_setting": {**OWNER, "contact_weixin": "a b"}}, "owner_setting.contact_weixin", "without spaces"),
        (
            {"owner_setting": {**OWNER, "contact_mail": "x"}},
            "owner_setting.contact_mail",
            "did you mean 'contact_email'",
        ),
        ({}, "owner_setting", "required field is missing"),
        (
            {"owner_setting": OWNER, "settings": [{"privacy_key": "Userinfo", "privacy_text": "x"}]},
            "settings[0].privacy_key",
            "did you mean UserInfo?",
        ),
        (
            {"owner_setting": OWNER, "settings": [{"privacy_key": "Telepathy", "privacy_text": "x"}]},
            "settings[0].privacy_key",
            "one of: UserInfo",
        ),
        (
            {"owner_setting": OWNER, "settings": [{"privacy_key": "Camera", "privacy_text": ""}]},
            "settings[0].privacy_text",
            "must not be empty",
        ),
        (
            {
                "owner_setting": OWNER,
                "settings": [
                    {"privacy_key": "Camera", "privacy_text": "扫码"},
                    {"privacy_key": "Camera", "privacy_text": "拍照"},
                ],
            },
            "settings[1]",
            "duplicate of [0]",
        ),
        ({"owner_setting": OWNER, "setting_list": []}, "setting_list", "did you mean 'settings'?"),
    ],
)
def test_privacy_rules(data: dict[str, Any], path: str, fragment: str) -> None:
    assert_problem(block_problems(PrivacySpec, data), path, fragment)


@pytest.mark.parametrize("contact", ["contact_email", "contact_phone", "contact_qq", "contact_weixin"])
def test_any_one_contact_is_enough(contact: str) -> None:
    value = {
        "contact_email": "a@b.cn",
        "contact_phone": "+86 10-1234-5678",
        "contact_qq": "10001",
        "contact_weixin": "shop_wx",
    }
    spec = PrivacySpec.model_validate({"owner_setting": {contact: value[contact], "notice_method": "弹窗"}})
    assert getattr(spec.owner_setting, contact) == value[contact]


def test_every_listed_privacy_key_is_accepted_and_sorted_on_the_wire() -> None:
    settings = [{"privacy_key": key, "privacy_text": f"用于{key}"} for key in reversed(PRIVACY_KEYS)]
    spec = PrivacySpec.model_validate({"owner_setting": OWNER, "settings": settings})
    wire = spec.to_wire()
    assert [item["privacy_key"] for item in wire["setting_list"]] == sorted(PRIVACY_KEYS)
    assert wire["owner_setting"] == OWNER
    assert len(PRIVACY_KEYS) == 22


PLATFORM = {
    "mode": "platform",
    "component_appid": COMPONENT_APPID,
    "component_secret_config": "componentSecret",
    "verify_ticket_config": "componentVerifyTicket",
    "refresh_token_config": "shop:refreshToken",
}


@pytest.mark.parametrize(
    "data",
    [
        PLATFORM,
        {**{k: v for k, v in PLATFORM.items() if k != "verify_ticket_config"}, "verify_ticket_file": "/run/ticket"},
        {**{k: v for k, v in PLATFORM.items() if k != "verify_ticket_config"}, "verify_ticket_env": "WX_TICKET"},
        {"mode": "owner", "app_secret_config": "appSecret", "upload_key_config": "uploadKey"},
        {"mode": "command", "command": ["./get-token.sh", "--app", "wx2222222222222222"]},
    ],
)
def test_good_credentials(data: dict[str, Any]) -> None:
    assert CredentialsSpec.model_validate(data).mode == data["mode"]


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"mode": "platform"}, "component_appid", "required when mode is platform"),
        ({"mode": "platform"}, "refresh_token_config", "required when mode is platform"),
        ({"mode": "platform"}, "", "exactly one of verify_ticket_config, verify_ticket_file, verify_ticket_env"),
        ({**PLATFORM, "verify_ticket_env": "WX_TICKET"}, "verify_ticket_env", "exactly one of"),
        ({**PLATFORM, "app_secret_config": "appSecret"}, "app_secret_config", "not used when mode is platform"),
        ({"mode": "owner"}, "app_secret_config", "required when mode is owner"),
        ({"mode": "owner", "app_secret_config": "s", "command": ["x"]}, "command", "not used when mode is owner"),
        ({**PLATFORM, "mode": "owner", "app_secret_config": "s"}, "component_appid", "not used when mode is owner"),
        ({"mode": "command"}, "command", "required when mode is command"),
        ({"mode": "command", "command": []}, "command", "at least 1 item"),
        ({"mode": "command", "command": "./token.sh"}, "command", "valid list"),
        ({"mode": "robot"}, "mode", "'platform', 'owner' or 'command'"),
        ({}, "mode", "required field is missing"),
        ({**PLATFORM, "component_appid": "wx123"}, "component_appid", '"wx" and 16 lower-case hex'),
        ({**PLATFORM, "component_appid": "WX1111111111111111"}, "component_appid", "appid"),
        ({**PLATFORM, "refresh_token_config": "1token"}, "refresh_token_config", "Pulumi stack config key"),
        ({**PLATFORM, "refresh_token_config": "my token"}, "refresh_token_config", "Pulumi stack config key"),
        ({**PLATFORM, "verify_ticket_config": None, "verify_ticket_env": "1X"}, "verify_ticket_env", "variable"),
        ({**PLATFORM, "component_secret": "x"}, "component_secret", "did you mean 'component_secret_config'"),
    ],
)
def test_credential_rules(data: dict[str, Any], path: str, fragment: str) -> None:
    assert_problem(block_problems(CredentialsSpec, data), path, fragment)


SECRETS = [
    "0123456789abcdef0123456789abcdef",  # an AppSecret
    "ABCDEF0123456789ABCDEF0123456789ABCD",
    "ticket@@@Wa5hq9Zk2bXzQJ4w1Xc7yTfR0pLm",  # a component_verify_ticket
    "refreshtoken@@@Fz8Hq2Lx",
    "78_aBcD3fGh1jKlMn0pQrStUvWx9yZ_AbCdEfGhIjKlMnOpQrStUv2xYz",  # an access token
]


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("field", ["component_secret_config", "refresh_token_config", "verify_ticket_config"])
def test_pasted_secrets_are_refused_without_echoing_them(field: str, secret: str) -> None:
    found = block_problems(CredentialsSpec, {**PLATFORM, field: secret})
    assert_problem(found, field, "pulumi config set --secret")
    assert all(secret not in message for messages in found.values() for message in messages)
    with pytest.raises(ValidationError) as caught:
        CredentialsSpec.model_validate({**PLATFORM, field: secret})
    assert secret not in str(caught.value)


def test_a_secret_in_a_token_command_is_refused() -> None:
    found = block_problems(CredentialsSpec, {"mode": "command", "command": ["./token.sh", SECRETS[0]]})
    assert_problem(found, "command[1]", "looks like a secret value")


@pytest.mark.parametrize(
    "name",
    ["componentSecret", "shop:refreshToken", "demoShopRefreshToken2024", "a.b-c_d", "wechatAppSecretForDemoShop"],
)
def test_config_key_names_do_not_look_like_secrets(name: str) -> None:
    assert not looks_like_secret(name)
