"""Bulk loading of the benchmarks' fixtures on PostgreSQL: what makes a first ``make bench``
fit its time on a small machine.

A fixture is written the way PostgreSQL loads fastest: its tables UNLOGGED while they fill (no
write-ahead log; a bench database is thrown away, and after a crash PostgreSQL empties them, so
the reuse marker, UNLOGGED too, goes with them and the next run builds again), the load
session without waiting for the disk at commit, every index and key dropped before the load
and made again after it in one sorted pass, the work split over one connection per core, then
VACUUM ANALYZE (visibility map and statistics as a platform that has run for a while has them).
"""

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

T = TypeVar("T")

LOAD_SETTINGS = (
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",  # the roll-ups' GROUP BYs sort in memory, not in temp files
    "SET maintenance_work_mem = '256MB'",  # one index build a connection, sorted in memory
)
# Each agency's province (as units.repository.agency_province reads it), for fixtures that
# write dossiers in SQL: join it on the receiving agency; no row means "" (above provinces).
AGENCY_PROVINCES = """SELECT a.id AS agency_id,
        CASE WHEN u.level = 'province' THEN u.code ELSE u.province_code END AS province
    FROM agencies a JOIN admin_units u ON u.code = a.unit_code"""
MARKER = """CREATE UNLOGGED TABLE IF NOT EXISTS bench_fixture (
    name text PRIMARY KEY, parameters text NOT NULL, built_at timestamptz NOT NULL,
    seconds double precision NOT NULL)"""


async def agency_provinces(connection: asyncpg.Connection) -> dict[int, str]:
    """Every agency's province by its id (agencies above the provinces are left out: "")."""
    rows = await connection.fetch(AGENCY_PROVINCES)
    return {r["agency_id"]: r["province"] for r in rows if r["province"] is not None}


def workers() -> int:
    """Connections loading at once: one per core (the database server's cores are the
    machine's own in the bench), at least two so one waiting on the disk leaves work going."""
    return max(2, os.cpu_count() or 2)


async def connect(url: str, database: str | None = None) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=database or parsed.database,
    )


async def load_connection(url: str) -> asyncpg.Connection:
    connection = await connect(url)
    for setting in LOAD_SETTINGS:
        await connection.execute(setting)
    return connection


async def each_connection(
    url: str, jobs: Sequence[Callable[[asyncpg.Connection], Awaitable[T]]], at_once: int = 0
) -> list[T]:
    """Run the jobs on ``at_once`` (default ``workers()``) load connections, each job on the
    next free one; the results in the jobs' order."""
    size = min(len(jobs), at_once or workers())
    if size == 0:
        return []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(jobs)):
        queue.put_nowait(index)
    results: list[Any] = [None] * len(jobs)

    async def worker() -> None:
        connection = await load_connection(url)
        try:
            while not queue.empty():
                index = queue.get_nowait()
                results[index] = await jobs[index](connection)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(size)))
    return results


async def run_all(url: str, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
    """Each (statement, arguments) on the next free load connection."""

    def job(statement: str, arguments: Sequence[Any]) -> Callable[[Any], Awaitable[Any]]:
        return lambda connection: connection.execute(statement, *arguments)

    await each_connection(url, [job(s, a) for s, a in statements])


def ranges(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """``first .. last`` cut into ``parts`` contiguous ranges (fewer when it is short)."""
    count = last - first + 1
    if count <= 0:
        return []
    size = -(-count // max(1, parts))
    return [(start, min(last, start + size - 1)) for start in range(first, last + 1, size)]


async def unlogged(connection: asyncpg.Connection, tables: Iterable[str]) -> None:
    """Switch empty tables to UNLOGGED (cheap while they hold nothing)."""
    for table in tables:
        await connection.execute(f'ALTER TABLE "{table}" SET UNLOGGED')


async def drop_indexes(connection: asyncpg.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the tables' indexes and primary keys; the statements that make them again.

    Keys referenced by a foreign key stay (dropping them would need the reference dropped
    too); so do unique constraints other than the primary key, which loads may rely on."""
    keys = await connection.fetch(
        "SELECT c.conrelid::regclass::text AS tab, c.conname, pg_get_constraintdef(c.oid) AS def "
        "FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid::regclass::text = ANY($1) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
        "AND f.confrelid = c.conrelid)",
        list(tables),
    )
    indexes = await connection.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = "
        "i.indexname JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = 'public' "
        "AND i.tablename = ANY($1) AND NOT x.indisprimary AND NOT x.indisunique",
        list(tables),
    )
    again = []
    for row in keys:
        await connection.execute(f'ALTER TABLE {row["tab"]} DROP CONSTRAINT "{row["conname"]}"')
        again.append(f'ALTER TABLE {row["tab"]} ADD CONSTRAINT "{row["conname"]}" {row["def"]}')
    for row in indexes:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
        again.append(str(row["indexdef"]))
    return again


async def finish(url: str, remake: Sequence[str], tables: Sequence[str]) -> None:
    """Make the dropped indexes and keys again, spread over the connections, then VACUUM
    ANALYZE each loaded table."""
    await run_all(url, [(statement, ()) for statement in remake])
    await run_all(url, [(f'VACUUM ANALYZE "{table}"', ()) for table in tables])


async def built(url: str, name: str, wanted: str) -> float | None:
    """The seconds an earlier build of exactly these parameters took, None when the database
    holds no finished build of them."""
    admin = await connect(url, "postgres")
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", make_url(url).database
        )
    finally:
        await admin.close()
    if not exists:
        return None
    connection = await connect(url)
    try:
        if not await connection.fetchval("SELECT to_regclass('bench_fixture') IS NOT NULL"):
            return None
        row = await connection.fetchrow(
            "SELECT parameters, seconds FROM bench_fixture WHERE name = $1", name
        )
        return float(row["seconds"]) if row and row["parameters"] == wanted else None
    finally:
        await connection.close()


async def mark(url: str, name: str, wanted: str, seconds: float) -> None:
    """Record a finished build, for the next run to reuse."""
    connection = await connect(url)
    try:
        await connection.execute(MARKER)
        await connection.execute(
            "INSERT INTO bench_fixture VALUES ($1, $2, now(), $3) ON CONFLICT (name) DO UPDATE "
            "SET parameters = excluded.parameters, built_at = now(), seconds = excluded.seconds",
            name,
            wanted,
            seconds,
        )
    finally:
        await connection.close()


class Stopwatch:
    """Seconds of each phase of a build, printed as it goes (a long build shows progress)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.started = self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = now - self.last
        self.last = now
        print(
            f"{self.what}: {phase} in {self.phases[phase]:.0f} s "
            f"({now - self.started:.0f} s so far)",
            file=sys.stderr,
            flush=True,
        )

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started
