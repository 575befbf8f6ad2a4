"""The request's session on PostgreSQL: a request of a safe method that only reads sends no
BEGIN and no COMMIT; one that writes, and every request of another method, runs in one
transaction, committed when it succeeds and rolled back when it fails. Every statement the
driver sends is recorded (asyncpg's query logger), against the PostgreSQL on this machine in
both passes of the suite (a table of its own, dropped at the end)."""

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from motcua.core import database
from motcua.core.database import RequestSession, writes_on_read
from motcua.core.settings import get_settings

TABLE = "motcua_test_request_transactions"


def _postgres_url() -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
    return (
        url if url.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1/postgres"
    )


class Failed(Exception):
    pass


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The request sessions' engine on PostgreSQL; every statement its connections send (the
    application's, and those asyncpg sends by itself to begin and end transactions)."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", _postgres_url())
    monkeypatch.delenv("MOTCUA_DATABASE_REPLICA_URL", raising=False)
    caches = (get_settings, database.get_engine, database.get_sessionmaker)
    caches += (database.get_replica_engine,)
    for cached in caches:
        cached.cache_clear()
    database._reader.cache_clear()
    statements: list[str] = []

    def logged(dbapi_connection: object, _: object) -> None:
        driver = dbapi_connection.driver_connection  # type: ignore[attr-defined]
        driver.add_query_logger(lambda record: statements.append(record.query.strip()))

    def executed(_: object, __: object, statement: str, *___: object) -> None:
        statements.append(statement.strip())

    engine = database.get_engine().sync_engine
    event.listen(engine, "connect", logged)  # what asyncpg sends itself: BEGIN, COMMIT…
    event.listen(engine, "before_cursor_execute", executed)  # the application's statements
    yield statements
    for cached in caches:
        cached.cache_clear()
    database._reader.cache_clear()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/read")
    async def read(session: RequestSession) -> dict[str, int]:
        one = await session.scalar(text(f"SELECT count(*) FROM {TABLE}"))
        await session.scalar(text(f"SELECT max(n) FROM {TABLE}"))
        return {"rows": int(one or 0)}

    @app.get("/read-then-write")
    async def read_then_write(session: RequestSession, fail: bool = False) -> dict[str, bool]:
        await session.scalar(text(f"SELECT count(*) FROM {TABLE}"))
        await session.execute(text(f"INSERT INTO {TABLE} (n) VALUES (1)"))
        await session.execute(text(f"INSERT INTO {TABLE} (n) VALUES (2)"))
        if fail:
            raise Failed
        return {"ok": True}

    @app.get("/marked")
    @writes_on_read
    async def marked(session: RequestSession) -> dict[str, bool]:
        await session.execute(text(f"INSERT INTO {TABLE} (n) VALUES (3)"))
        return {"ok": True}

    @app.get("/stream")
    async def stream(session: RequestSession) -> dict[str, int]:
        rows = await session.stream(text(f"SELECT n FROM {TABLE}"))  # a server-side cursor
        return {"rows": len([n async for n in rows.scalars()])}

    @app.post("/write")
    async def write(session: RequestSession, fail: bool = False) -> dict[str, bool]:
        await session.execute(text(f"INSERT INTO {TABLE} (n) VALUES (4)"))
        if fail:
            raise Failed
        return {"ok": True}

    return app


async def _rows(url: str) -> list[int]:
    import asyncpg

    connection = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        return [r[0] for r in await connection.fetch(f"SELECT n FROM {TABLE} ORDER BY n")]
    finally:
        await connection.close()


@pytest.fixture
async def table() -> AsyncIterator[None]:
    import asyncpg

    url = make_url(_postgres_url()).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    await connection.execute(f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (n int)")
    try:
        yield
    finally:
        await connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await connection.close()


def _transaction_words(statements: list[str]) -> list[str]:
    words = ("BEGIN", "COMMIT", "ROLLBACK")
    return [s.rstrip(";").split()[0].upper() for s in statements if s.upper().startswith(words)]


async def test_a_read_only_get_sends_no_begin_and_no_commit(sent: list[str], table: None) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        for _ in range(3):  # a fresh connection, then pooled ones
            sent.clear()
            assert (await client.get("/read")).json() == {"rows": 0}
            assert len([s for s in sent if s.upper().startswith("SELECT")]) == 2
            assert _transaction_words(sent) == []
        # a server-side cursor needs a transaction: the read that opens one begins it
        sent.clear()
        assert (await client.get("/stream")).json() == {"rows": 0}
        assert _transaction_words(sent) == ["BEGIN", "COMMIT"]
    await database.get_engine().dispose()


async def test_a_get_that_writes_commits_its_writes_in_one_transaction(
    sent: list[str], table: None
) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        sent.clear()
        assert (await client.get("/read-then-write")).status_code == 200
        assert _transaction_words(sent) == ["BEGIN", "COMMIT"]
        assert await _rows(_postgres_url()) == [1, 2]
        # failing after its two writes: neither is kept
        sent.clear()
        assert (await client.get("/read-then-write?fail=true")).status_code == 500
        assert _transaction_words(sent) == ["BEGIN", "ROLLBACK"]
        assert await _rows(_postgres_url()) == [1, 2]
        # the connection went back to the pool as it came: the next read sends no BEGIN
        sent.clear()
        assert (await client.get("/read")).status_code == 200
        assert _transaction_words(sent) == []
        # a route marked as writing begins as a writer, from its first statement
        sent.clear()
        assert (await client.get("/marked")).status_code == 200
        assert _transaction_words(sent) == ["BEGIN", "COMMIT"]
        assert await _rows(_postgres_url()) == [1, 2, 3]
    await database.get_engine().dispose()


async def test_a_post_commits_when_it_succeeds_and_rolls_back_when_it_fails(
    sent: list[str], table: None
) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        sent.clear()
        assert (await client.post("/write?fail=true")).status_code == 500
        assert _transaction_words(sent) == ["BEGIN", "ROLLBACK"]
        assert await _rows(_postgres_url()) == []
        sent.clear()
        assert (await client.post("/write")).status_code == 200
        assert _transaction_words(sent) == ["BEGIN", "COMMIT"]
        assert await _rows(_postgres_url()) == [4]
    await database.get_engine().dispose()
