"""Async engine and sessions: one transaction per request, committed here and nowhere else."""

import asyncio
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Annotated, Any, TypeVar

import asyncpg
import sqlalchemy.ext.asyncio
from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlalchemy.pool import ConnectionPoolEntry
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from motcua.core.settings import get_settings


def _sqlite_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    # The driver's own BEGIN handling would let RELEASE SAVEPOINT commit the whole
    # transaction; SQLAlchemy emits BEGIN itself instead (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# SQLite allows one writer at a time. A transaction that begins as a reader (plain BEGIN) and
# writes later cannot wait for the lock: if another writer committed since its first read, the
# upgrade fails at once with "database is locked" whatever busy_timeout says. So every
# transaction begins as a writer (BEGIN IMMEDIATE, which waits its turn under busy_timeout),
# except those bound to READER, which only read (the requests of safe methods).
READER = {"motcua_sqlite_reader": True}


def _sqlite_begin(connection: Connection) -> None:
    reader = connection.get_execution_options().get("motcua_sqlite_reader", False)
    connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")


# On PostgreSQL a request of a safe method runs its reads outside a transaction (autocommit):
# a read-only request pays no BEGIN and COMMIT round trips (a tenth of the officer's queue).
# Each statement reads a fresh snapshot, as it would inside a READ COMMITTED transaction. The
# first statement that may write or lock (anything but a plain SELECT) begins a transaction
# there, on the same connection, which the request's session then commits or rolls back as
# any other: a safe-method route that writes, marked or not, keeps one transaction.
LAZY_BEGIN = {"isolation_level": "AUTOCOMMIT", "motcua_lazy_begin": True}
_LOCKING = ("FOR UPDATE", "FOR SHARE", "FOR NO KEY", "FOR KEY SHARE", "_XACT_", "NEXTVAL(")


def _only_reads(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    if head != "SELECT":
        return False
    upper = statement.upper()
    return not any(word in upper for word in _LOCKING)


def _begin_before_write(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if not connection.get_execution_options().get("motcua_lazy_begin"):
        return
    driver = connection.connection.dbapi_connection
    if getattr(driver, "isolation_level", None) != "autocommit":
        return
    # a server-side cursor lives only inside a transaction
    streamed = context is not None and context.execution_options.get("stream_results", False)
    if streamed or not _only_reads(statement):
        # asyncpg's adapter begins a transaction before its next statement, this one; the
        # isolation level goes back to the pool's default when the connection is returned.
        driver.isolation_level = None  # type: ignore[union-attr]


# A pooled connection idle longer than this is pinged before use (a firewall or the server may
# have dropped it silently); a busy one is not.
PING_AFTER_IDLE_S = 30.0


def _mark_used(_: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _check_out(dbapi_connection: Any, record: ConnectionPoolEntry, _: object) -> None:
    """What ``pool_pre_ping`` guards against, without its price: asyncpg's ping is three round
    trips (BEGIN, a query, ROLLBACK) on every checkout, a third of a registry fetch's. A
    connection the server closed (restart, termination, idle timeout) has been seen closed by
    the event loop while it sat in the pool; only one idle for long is pinged. Raising
    ``DisconnectionError`` makes the pool replace the connection and try again."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("PostgreSQL closed this pooled connection")
    if time.monotonic() - record.info.get("idle_since", 0.0) > PING_AFTER_IDLE_S:
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError("a pooled connection did not answer") from error


# What says the database cannot be reached now (stopped, restarting, a connection cut, no
# connection free), as opposed to a request the database refused: the platform answers 503 with
# Retry-After, and the next request opens a new connection by itself.
_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset at the socket
    TimeoutError,  # connecting took longer than CONNECT_TIMEOUT_S (asyncpg raises it raw)
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, a connection that no longer exists
    asyncpg.exceptions.OperatorInterventionError,  # 57: shutting down, starting up
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections
    exc.TimeoutError,  # no pooled connection free in time
)
# SQLAlchemy's words for a transaction whose connection was lost (a disconnect, nothing else).
_INVALIDATED = "Can't reconnect until invalid"
# A connection attempt that hangs (a server that accepts and never answers) ends here: a
# request waits this long, never for the driver's default of a minute.
CONNECT_TIMEOUT_S = 5.0


# The exception classes the app sends to its "unavailable" handler, which checks each one
# with ``database_unavailable`` (the driver's wrappers carry the cause inside).
UNAVAILABLE_CAUSES: tuple[type[Exception], ...] = (
    ConnectionError,
    TimeoutError,
    exc.DBAPIError,
    exc.PendingRollbackError,
    exc.TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def database_unavailable(error: BaseException) -> bool:
    """True when ``error``, or what caused it, says the database is out of reach for now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNREACHABLE):
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True  # SQLAlchemy recognised a disconnect (e.g. "connection is closed")
        if isinstance(current, asyncpg.InterfaceError) and "closed" in str(current):
            return True
        if isinstance(current, exc.PendingRollbackError) and _INVALIDATED in str(current):
            return True  # the next use of a connection lost inside a transaction
        if isinstance(current, sqlite3.OperationalError) and "database is locked" in str(current):
            return True  # SQLite: another writer held the file past busy_timeout; try again
        wrapped = current.orig if isinstance(current, exc.DBAPIError) else None
        current = wrapped or current.__cause__ or current.__context__
    return False


def make_engine(url: str, echo: bool = False) -> AsyncEngine:
    kwargs: dict[str, Any] = {"echo": echo}
    if not url.startswith("sqlite"):
        # Overflow connections are closed on return: a pool smaller than the concurrency pays
        # a PostgreSQL connection (a server process) per request beyond it.
        pool_size = get_settings().database_pool_size
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"timeout": CONNECT_TIMEOUT_S},
        )
    # through the module, so optional tracing (core.tracing) can hook engine creation
    engine = sqlalchemy.ext.asyncio.create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    else:
        event.listen(engine.sync_engine, "connect", _mark_used)
        event.listen(engine.sync_engine, "checkin", _mark_used)
        event.listen(engine.sync_engine, "checkout", _check_out)
        event.listen(engine.sync_engine, "before_cursor_execute", _begin_before_write)
    return engine


# Per event loop, as asyncpg's connections belong to the loop that opened them.
_Pools = dict[str, "asyncio.Task[asyncpg.Pool]"]
_autocommit_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pools]" = (
    weakref.WeakKeyDictionary()
)


async def autocommit_pool(url: URL) -> asyncpg.Pool:
    """A few autocommit connections (PostgreSQL) beside the pool requests use, for one write
    that must not wait for a request's commit, such as taking a dossier number. A pool of its
    own: a request that holds its connection never queues for one of these behind requests that
    hold theirs, and none of these is held while waiting for anything else. Plain asyncpg:
    one statement, no transaction and no session state to keep, at a third of the cost."""
    pools = _autocommit_pools.setdefault(asyncio.get_running_loop(), {})
    key = url.render_as_string(hide_password=False)
    pool = pools.get(key)
    if pool is None:
        pool = pools[key] = asyncio.ensure_future(_open_autocommit_pool(url))
    if pool.done():
        return pool.result()
    # Shielded: a caller cancelled while the pool opens must not cancel it for the others.
    return await asyncio.shield(pool)


async def _nothing_to_reset(_: asyncpg.Connection) -> None:
    """Each use is one statement outside any transaction, changing no session state."""


async def _open_autocommit_pool(url: URL) -> asyncpg.Pool:
    # Its commits do not wait for the disk: whatever depends on such a write commits later,
    # durably, and that flush covers the earlier write; if the server stops before, nothing
    # depends on it yet (a dossier number taken but never used).
    # No connection is opened before the first use, and one that fails is opened again at the
    # next: a database that was down when a process started is used once it is back.
    return await asyncpg.create_pool(
        url.set(drivername="postgresql").render_as_string(hide_password=False),
        min_size=0,
        max_size=16,
        timeout=CONNECT_TIMEOUT_S,
        reset=_nothing_to_reset,
        server_settings={"synchronous_commit": "off"},
    )


async def dispose_autocommit_pools() -> None:
    """At shutdown (app lifespan, end of a command or a test run)."""
    for pool in _autocommit_pools.pop(asyncio.get_running_loop(), {}).values():
        await (await pool).close()


@lru_cache
def get_engine() -> AsyncEngine:
    settings = get_settings()
    return make_engine(settings.database_url, settings.database_echo)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@lru_cache
def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(get_engine())


@lru_cache(maxsize=8)
def _reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool; on SQLite its transactions begin as readers, on PostgreSQL
    a transaction begins only at the first statement that may write (``LAZY_BEGIN``)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**READER)
    return engine.execution_options(**LAZY_BEGIN)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_Route = TypeVar("_Route", bound=Callable[..., Any])


def writes_on_read(route: _Route) -> _Route:
    """Marks a route of a safe method that may write all the same (a payment request made on
    its first view): its request session begins as a writer too."""
    route.motcua_writes = True  # type: ignore[attr-defined]
    return route


def _writer(request: Request) -> bool:
    if request.method not in SAFE_METHODS:
        return True
    return getattr(request.scope.get("endpoint"), "motcua_writes", False) is True


@lru_cache
def get_replica_engine() -> AsyncEngine | None:
    """The streaming replica's engine, when one is configured."""
    url = get_settings().database_replica_url
    return make_engine(url) if url else None


# Set on the answer to every writing request while a replica serves reads: the browser then
# reads the primary for a while, so it sees its own change whatever the replica's lag.
READ_PRIMARY_COOKIE = "motcua_read_primary"


def _on_replica(request: Request) -> bool:
    if get_replica_engine() is None or _writer(request):
        return False
    if READ_PRIMARY_COOKIE in request.cookies:
        return False
    path = request.url.path
    return any(path == p or path.startswith(p + "/") for p in get_settings().replica_paths)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: commits if the request succeeded, rolls back otherwise. A request of
    a method that changes things is a writer from its first statement (on SQLite, concurrent
    writers then wait their turn instead of failing with "database is locked"). The read-only
    routes of ``replica_paths`` read a streaming replica when one is configured."""
    engine = get_engine()
    replica = get_replica_engine() if _on_replica(request) else None
    bind = _reader(replica) if replica else engine if _writer(request) else _reader(engine)
    async with get_sessionmaker()(bind=bind) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# The request's session, committed once the route has built its response and before a byte of
# it is sent: a client is never told "done" about work whose commit then fails, and a browser
# following a redirect never arrives before the change it was sent to see.
RequestSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def recreate_postgres_database(url: str) -> None:
    """Drop and create an empty PostgreSQL database (tests and benchmarks only)."""
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


class ReadYourWrites:
    """ASGI middleware: with a replica configured, the answer to a writing request sets
    ``READ_PRIMARY_COOKIE`` for ``replica_stickiness_seconds``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") in SAFE_METHODS
            or get_settings().database_replica_url is None
        ):
            await self.app(scope, receive, send)
            return
        seconds = get_settings().replica_stickiness_seconds

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and seconds:
                MutableHeaders(scope=message).append(
                    "Set-Cookie",
                    f"{READ_PRIMARY_COOKIE}=1; Max-Age={seconds}; Path=/; HttpOnly; SameSite=Lax",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
