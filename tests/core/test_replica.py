"""Read-only routes read a streaming replica, and a person still reads their own writes: a real
second PostgreSQL cluster made with pg_basebackup from a throwaway primary (both started here on
free ports by ``tests/cluster.py``, so the shared server is never touched), replay paused to hold
the replica behind."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from motcua.app import create_app
from motcua.catalog import service as catalog
from motcua.catalog.formats import essential_services
from motcua.catalog.synthetic import synthetic_document
from motcua.core.database import (
    READ_PRIMARY_COOKIE,
    get_engine,
    get_replica_engine,
    get_sessionmaker,
)
from motcua.core.migrate import upgrade
from motcua.core.settings import get_settings
from motcua.units import service as units
from tests.cluster import Cluster


def _url(cluster: Cluster) -> str:
    return cluster.url_of("postgres")


async def test_no_cookie_without_a_replica(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/calendar/due", json={})
    assert READ_PRIMARY_COOKIE not in answer.headers.get("set-cookie", "")


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    made: list[Cluster] = []
    try:
        made.append(primary := Cluster())
        primary.start("fsync=off")
        made.append(replica := Cluster.standby_of(primary))
        replica.start("fsync=off")
        yield primary, replica
    finally:
        for cluster in reversed(made):
            cluster.remove()


@pytest.fixture(scope="module")
def configured(clusters: tuple[Cluster, Cluster]) -> Iterator[tuple[str, str]]:
    primary, replica = _url(clusters[0]), _url(clusters[1])
    upgrade(primary)
    saved = {k: os.environ.get(k) for k in ("MOTCUA_DATABASE_URL", "MOTCUA_DATABASE_REPLICA_URL")}
    os.environ["MOTCUA_DATABASE_URL"], os.environ["MOTCUA_DATABASE_REPLICA_URL"] = primary, replica
    caches = (get_settings, get_engine, get_sessionmaker, get_replica_engine)
    for cached in caches:
        cached.cache_clear()
    yield primary, replica
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for cached in caches:
        cached.cache_clear()


@pytest.fixture
async def app_client(configured: tuple[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        yield client
    for engine in (get_engine(), get_replica_engine()):
        if engine is not None:
            await engine.dispose()


async def _replica_sql(replica: str, statement: str) -> object:
    engine = create_async_engine(replica)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(statement))).scalar()
    finally:
        await engine.dispose()


async def _caught_up(primary: str, replica: str) -> None:
    engine = create_async_engine(primary)
    async with engine.connect() as connection:
        target = (await connection.execute(text("SELECT pg_current_wal_lsn()::text"))).scalar()
    await engine.dispose()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        behind = await _replica_sql(
            replica, f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0"
        )
        if behind is False:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the replica did not catch up within 20 s")


async def _add_procedure(primary: str, count: int) -> str:
    """The synthetic catalog of ``count`` procedures (units first); the code of the last."""
    document = synthetic_document(count)
    engine = create_async_engine(primary)
    async with AsyncSession(engine) as session, session.begin():
        if count == 1:
            await units.load_units(session)
            await catalog.import_document(session, essential_services())  # evidence types
        await catalog.import_document(session, document)
    await engine.dispose()
    return document.procedures[-1].code


async def test_reads_go_to_the_replica_and_a_writer_then_reads_the_primary(
    configured: tuple[str, str], app_client: httpx.AsyncClient
) -> None:
    primary, replica = configured
    seen = await _add_procedure(primary, 1)
    await _caught_up(primary, replica)
    assert (await app_client.get(f"/api/v1/procedures/{seen}")).status_code == 200
    await _replica_sql(replica, "SELECT pg_wal_replay_pause()")
    try:
        fresh = await _add_procedure(primary, 2)  # the replica is held behind it
        on_replica = await app_client.get(f"/api/v1/procedures/{fresh}")
        assert on_replica.status_code == 404  # proves the read went to the replica
        # A writing request marks the browser; its next reads come from the primary.
        wrote = await app_client.post("/api/v1/calendar/due", json={})
        assert READ_PRIMARY_COOKIE in wrote.headers.get("set-cookie", "")
        assert "Max-Age=30" in wrote.headers["set-cookie"]
        app_client.cookies.set(READ_PRIMARY_COOKIE, "1")
        mine = await app_client.get(f"/api/v1/procedures/{fresh}")
        app_client.cookies.clear()
        assert mine.status_code == 200
        # Routes outside the replica's list always read the primary; readiness reports the lag.
        ready = (await app_client.get("/readyz")).json()
        assert ready["checks"]["database"] == "ok" and ready["replica"].startswith("ok, ")
    finally:
        await _replica_sql(replica, "SELECT pg_wal_replay_resume()")
    await _caught_up(primary, replica)
    assert (await app_client.get(f"/api/v1/procedures/{fresh}")).status_code == 200
