"""A throwaway database of its own on the suite's PostgreSQL server, for tests that migrate one
from scratch (up, down, and up again) without touching the suite's database."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url


@asynccontextmanager
async def throwaway_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """The URL of a new database named ``prefix`` and a random tail on the server of
    ``server_url``; dropped, connections and all, when the block ends."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(
            host=server.host, port=server.port or 5432, user=server.username,
            database="postgres", password=server.password,
        )  # fmt: skip
    except OSError:
        pytest.skip("no PostgreSQL server answers (make postgres)")
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.close()
