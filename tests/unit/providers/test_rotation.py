"""providers._rotation: a rotated authorizer refresh token goes into every resource's outputs (the
state, encrypted) and comes back from them before any call, on any machine."""

from __future__ import annotations

from typing import Any

import pytest

from providers import _rotation
from providers._base import Context
from providers._settings import Settings
from wechat import RotatedRefreshToken

BASE = "http://127.0.0.1:1"
APPID = "wx2222222222222222"
CONFIGURED = "configured-refresh-token-0002"
CREDENTIALS = {"mode": "platform", "refresh_token_config": "shopRefreshToken"}


@pytest.fixture(autouse=True)
def _fresh_registry() -> Any:
    _rotation._newest.clear()
    yield
    _rotation._newest.clear()


def ctx(credentials: dict[str, Any] = CREDENTIALS) -> Context:
    return Context(APPID, credentials, Settings(BASE, {"wechat-iac:shopRefreshToken": CONFIGURED}))


def record(token: str, at: float, configured: str | None = None) -> dict[str, Any]:
    return {"token": token, "rotated_at": at, "configured": configured or _rotation.configured_id(CONFIGURED)}


def test_nothing_is_recorded_while_the_token_never_rotated() -> None:
    assert _rotation.outputs(ctx()) == {} and not _rotation.needs_recording(ctx(), {})


def test_a_rotation_is_recorded_in_the_outputs_and_announced(capsys: pytest.CaptureFixture[str]) -> None:
    _rotation.rotated(BASE, APPID, RotatedRefreshToken("rotated-1", 100.0, _rotation.configured_id(CONFIGURED)))
    assert _rotation.outputs(ctx()) == {"authorizer_refresh": record("rotated-1", 100.0)}
    assert _rotation.needs_recording(ctx(), {"authorizer_refresh": record("older", 50.0)})
    assert not _rotation.needs_recording(ctx(), {"authorizer_refresh": record("rotated-1", 100.0)})
    assert "ROTATED" in capsys.readouterr().out


def test_the_newest_recorded_token_wins_whatever_order_the_resources_come_in() -> None:
    _rotation.offer_recorded(ctx(), {"authorizer_refresh": record("newer", 200.0)})
    _rotation.offer_recorded(ctx(), {"authorizer_refresh": record("older", 100.0)})
    assert _rotation.recorded(BASE, APPID).token == "newer"  # type: ignore[union-attr]
    assert _rotation.needs_recording(ctx(), {"authorizer_refresh": record("older", 100.0)})


def test_a_record_from_before_a_reauthorization_is_not_carried_forward() -> None:
    _rotation.offer_recorded(ctx(), {"authorizer_refresh": record("stale", 100.0, configured="another-id")})
    assert _rotation.outputs(ctx()) == {}


def test_owner_and_command_credentials_have_no_refresh_token() -> None:
    owner = ctx({"mode": "owner"})
    _rotation.offer_recorded(owner, {"authorizer_refresh": record("x", 1.0)})
    assert _rotation.outputs(owner) == {} and _rotation.recorded(BASE, APPID) is None


def test_a_rotation_another_process_left_in_the_token_cache_is_recorded(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Preflight (in the program), a preview or the reviewers' plan may be what saw WeChat rotate the token:
    only the cache has it. The next `up`'s resources must still record it in the state."""
    from wechat import TokenCache

    monkeypatch.setenv("WECHAT_IAC_TOKEN_CACHE", str(tmp_path))
    TokenCache(tmp_path).store(BASE, APPID, "authorizer_refresh", {
        "kind": "authorizer_refresh", "appid": APPID, "refresh_token": "rotated-elsewhere", "rotated_at": 300.0,
        "configured": _rotation.configured_id(CONFIGURED)})
    assert _rotation.outputs(ctx()) == {"authorizer_refresh": record("rotated-elsewhere", 300.0)}
    assert _rotation.needs_recording(ctx(), {})
