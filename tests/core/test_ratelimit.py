"""Rate limits: per address and per account, counted in the database (so every worker process
counts together), 429 with Retry-After past the limit; a refused login still counts."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.models import RateCounter
from motcua.core.settings import get_settings


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTCUA_RATE_LIMIT_ENABLED", "true")
    monkeypatch.setenv("MOTCUA_RATE_LIMITS_PER_IP", '{"login": "5/300", "tracking": "3/60"}')
    monkeypatch.setenv("MOTCUA_RATE_LIMITS_PER_ACCOUNT", '{"login": "2/900"}')
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_wrong_logins_are_limited_per_account_then_per_address(
    limits: None, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for _ in range(2):
        wrong = await client.post("/api/v1/auth/token", data={"username": "an", "password": "x"})
        assert wrong.status_code == 401, wrong.text
    limited = await client.post("/api/v1/auth/token", data={"username": "An ", "password": "x"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate-limited"
    wait = int(limited.headers["retry-after"])
    assert 1 <= wait <= 900 and limited.json()["retry_after_seconds"] == wait
    # Another account from the same address: two more, then the address's limit (5) is reached.
    for name, expected in (("binh", 401), ("chi", 401), ("dung", 429)):
        response = await client.post("/login", data={"username": name, "password": "x"})
        assert response.status_code == expected, (name, response.status_code)
    page = response
    assert "thử lại sau" in page.text and int(page.headers["retry-after"]) >= 1
    counters = {c.key: c.hits for c in await session.scalars(select(RateCounter))}
    assert counters["login:account:an"] == 3 and counters["login:ip:127.0.0.1"] == 6


async def test_tracking_guesses_are_limited(limits: None, client: httpx.AsyncClient) -> None:
    codes = []
    for n in range(4):
        response = await client.post("/tra-cuu", data={"code": f"H{n}", "secret": "000000"})
        codes.append(response.status_code)
    assert codes[:3] != [429] * 3 and codes[3] == 429
    assert all(c < 500 for c in codes)


async def test_unlimited_routes_are_not_counted(
    limits: None, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for _ in range(10):
        assert (await client.get("/api/v1/procedures")).status_code == 200
    assert not list(await session.scalars(select(RateCounter)))
