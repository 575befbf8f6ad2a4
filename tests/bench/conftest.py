"""The benchmarks' fixture builders at a tiny size, on PostgreSQL (they are written for it): each
test gets databases of its own on the server the PostgreSQL run uses (the local one in the
SQLite run), dropped afterwards."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy.engine import make_url

Fresh = Callable[[], Awaitable[str]]


def _server() -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL") or ""
    return url if url.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1/x"


async def query(url: str, statement: str) -> object:
    """One value, read on a connection of its own."""
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


@pytest.fixture
async def fresh_database() -> AsyncIterator[Fresh]:
    """A maker of database URLs (the builders make the databases themselves)."""
    server = make_url(_server())
    names: list[str] = []

    async def make() -> str:
        names.append(f"motcua_benchtest_{uuid.uuid4().hex[:10]}")
        return server.set(database=names[-1]).render_as_string(hide_password=False)

    yield make
    admin = await asyncpg.connect(
        host=server.host, port=server.port or 5432, user=server.username, database="postgres"
    )
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
