"""One database per run (SQLite file, or PostgreSQL when MOTCUA_TEST_DATABASE_URL says so),
migrated and seeded once; every test runs inside a transaction that is rolled back."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from motcua.app import create_app
from motcua.catalog import service as catalog
from motcua.catalog.formats import essential_services
from motcua.catalog.synthetic import synthetic_document
from motcua.core.database import (
    dispose_autocommit_pools,
    get_engine,
    get_session,
    get_sessionmaker,
    make_engine,
    recreate_postgres_database,
)
from motcua.core.migrate import upgrade
from motcua.core.settings import get_settings
from motcua.exchange.connectors import close_registry_transport
from motcua.units import service as units

SYNTHETIC_IN_TESTS = 300
# Tests seal the access log themselves; an app served in a test must not start its own sealer.
os.environ.setdefault("MOTCUA_EXCHANGE_SEAL_SECONDS", "0")
# Thousands of logins and applications from one address: tests of the limits turn them on.
os.environ.setdefault("MOTCUA_RATE_LIMIT_ENABLED", "false")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL") or ""
    if not url:
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return url


@pytest.fixture
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A CLI command's own SQLite file, as a fresh install would have (commands read the
    settings, so the cached settings, engine and sessions are dropped before and after)."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    yield
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()


@pytest.fixture(autouse=True)
def forget_eid_providers() -> Iterator[None]:
    """The e-ID provider's discovery is cached per issuer for the process: a test that signed
    in against a served sandbox must not leave its provider to the next test."""
    from motcua.identity import oidc

    yield
    oidc._providers.clear()


@pytest.fixture(scope="session", autouse=True)
async def registry_connections() -> AsyncIterator[None]:
    """The process's pooled registry transport and autocommit connections are closed once,
    when the run ends."""
    yield
    await close_registry_transport()
    await dispose_autocommit_pools()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    if database_url.startswith("postgresql"):
        await recreate_postgres_database(database_url)
    import asyncio

    await asyncio.to_thread(upgrade, database_url)
    engine = make_engine(database_url)
    async with AsyncSession(engine) as session, session.begin():
        await units.load_units(session)
        await catalog.import_document(session, essential_services())
        await catalog.import_document(session, synthetic_document(SYNTHETIC_IN_TESTS))
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection per test, inside a transaction that is rolled back at the end."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's connection: their commits are savepoints (workers, CLI paths)."""
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
async def session(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
async def client(session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app()

    async def request_session() -> AsyncIterator[AsyncSession]:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise

    app.dependency_overrides[get_session] = request_session
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        yield client


@pytest.fixture
def data_dir() -> Iterator[Path]:
    yield Path(__file__).parent / "data"
