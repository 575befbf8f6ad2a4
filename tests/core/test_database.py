"""How a worker process holds its PostgreSQL connections (pool size, connections the server
closed or that sat idle), against the PostgreSQL on this machine in both passes of the suite
(these tests need no tables); and when a request's transaction commits."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Message, Receive, Scope, Send

from motcua.core import database
from motcua.core.database import make_engine
from motcua.core.settings import get_settings


def _postgres_url() -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
    return (
        url if url.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1/postgres"
    )


@pytest.fixture
def pool_size(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("MOTCUA_DATABASE_POOL_SIZE", "24")
    get_settings.cache_clear()
    yield 24
    get_settings.cache_clear()


@pytest.fixture
async def postgres() -> AsyncIterator[AsyncEngine]:
    engine = make_engine(_postgres_url())
    yield engine
    await engine.dispose()


async def _backend(postgres: AsyncEngine) -> int:
    async with postgres.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _from_outside(query: str) -> object:
    url = make_url(_postgres_url()).set(drivername="postgresql")
    other = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        return await other.fetchval(query)
    finally:
        await other.close()


async def test_the_pool_keeps_as_many_connections_as_the_setting_says(pool_size: int) -> None:
    engine = make_engine(_postgres_url())
    try:
        assert engine.pool.size() == pool_size  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def test_a_pool_of_no_connections_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_POOL_SIZE", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="database_pool_size"):
            get_settings()
    finally:
        get_settings.cache_clear()


async def test_a_connection_the_server_closed_is_replaced_before_use(postgres: AsyncEngine) -> None:
    first = await _backend(postgres)
    assert await _from_outside(f"SELECT pg_terminate_backend({first})")
    await asyncio.sleep(0.05)  # the pooled connection reads the server's goodbye meanwhile
    second = await _backend(postgres)  # no error reaches the request
    assert second != first


async def test_a_busy_connection_is_not_pinged_but_one_idle_for_long_is(
    postgres: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    async with postgres.connect() as connection:
        raw = await connection.get_raw_connection()
        raw.driver_connection.add_query_logger(lambda record: sent.append(record.query))
    async with postgres.connect() as connection:  # just used: no ping
        await connection.execute(text("SELECT 1"))
    assert sent == ["BEGIN;", "ROLLBACK;"]  # the request's own transaction, nothing before it
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)
    async with postgres.connect() as connection:  # "idle for long": pinged before use
        assert ";" in sent


async def test_an_autocommit_pool_that_could_not_open_is_tried_again() -> None:
    """A database that was not there at the first use is used once it is (no failure kept)."""
    url = make_url(_postgres_url()).set(database="motcua_autocommit_retry")
    await _from_outside('DROP DATABASE IF EXISTS "motcua_autocommit_retry"')
    pool = await database.autocommit_pool(url)
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await pool.fetchval("SELECT 1")
    await _from_outside('CREATE DATABASE "motcua_autocommit_retry"')
    try:
        assert await database.autocommit_pool(url) is pool
        assert await pool.fetchval("SELECT current_setting('synchronous_commit')") == "off"
        await database.dispose_autocommit_pools()
    finally:
        await _from_outside('DROP DATABASE "motcua_autocommit_retry" WITH (FORCE)')


async def test_a_request_is_committed_before_its_response_is_sent() -> None:
    """The order FastAPI gives the request's session: commit, then the first byte out."""
    happened: list[str] = []
    app = FastAPI()

    @app.post("/")
    async def route(session: database.RequestSession) -> dict[str, bool]:
        return {"ok": True}

    async def recording_session() -> AsyncIterator[object]:
        yield object()
        happened.append("commit")

    app.dependency_overrides[database.get_session] = recording_session

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                happened.append("response")
            await send(message)

        await app(scope, receive, watched)

    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        assert (await client.post("/")).status_code == 200
    assert happened == ["commit", "response"]
