"""In-process checks of the HTTP shaping that cannot be provoked from outside: the catch-all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from emulator.app import create_app
from emulator.routing import ROUTES, Ctx, route


def get(path: str) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.get(path)

    return asyncio.run(run())


@pytest.fixture
def broken_route() -> Iterator[str]:
    path = "/wxa/_test_broken"

    @route(path, ("GET",), token=None, body="none")
    def broken(ctx: Ctx) -> dict[str, object]:
        raise ZeroDivisionError("a bug in a service")

    yield path
    del ROUTES[path]


def test_unexpected_exception_is_system_error_without_traceback(broken_route: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    response = get(broken_route)
    assert response.status_code == 200
    data = response.json()
    assert data["errcode"] == -1 and data["errmsg"].startswith("system error rid: ")
    assert "Traceback" not in response.text and "ZeroDivision" not in response.text
    assert any("unexpected error" in r.getMessage() for r in caplog.records)


def test_create_app_without_seed_is_empty() -> None:
    assert get("/_emulator/state").json()["miniprograms"] == []


def test_a_platform_stored_by_an_older_emulator_keeps_its_ticket() -> None:
    """A demo database kept across an upgrade has platforms without the ticket list: their seeded
    ticket used to stay valid for ever, and still does (the demo's `make up` must keep working)."""
    from emulator.seed import load
    from emulator.state import Store
    from emulator.testing import COMPONENT_APPID, COMPONENT_SECRET, DEMO_SEED, VERIFY_TICKET

    store = Store(":memory:")
    app = create_app(store, load(DEMO_SEED))
    with store.tx() as tx:  # what the previous emulator version wrote
        platform = tx.get("platform", COMPONENT_APPID)
        assert platform is not None
        for key in ("tickets", "ticket_pushes", "pushes_since"):
            platform.pop(key)
        platform["verify_ticket_expires_at"] = None
        tx.meta()["clock_offset"] = 30 * 86400.0

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.post("/cgi-bin/component/api_component_token", json={
                "component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
                "component_verify_ticket": VERIFY_TICKET})

    assert "component_access_token" in asyncio.run(run()).json()
