"""The statistics benchmark's fixture: millions of synthetic dossier facts written by the
database itself, then the roll-up built from them by the rebuild's own GROUP BY.

Every fact comes from ``generate_series`` with deterministic pseudo-random spreads
(``hashint8extended`` of the dossier number, one seed per attribute): a commune of the 34
provinces (so a province weighs as many communes as it has), one of the 25 essential services
(a few carry most filings), a channel, a day of the year, an outcome and the other counters.
A marker table records the parameters of a finished build, so a second run with the same
parameters (and the same schema) reuses the database instead of writing it again.

The load is the bulk path of ``motcua.bench.bulk``: UNLOGGED tables without their indexes and
keys, one connection per core each writing its own ranges of dossier numbers (the facts) and
then of days (the daily roll-up) and months (the monthly one), indexes and keys made again
after, VACUUM ANALYZE. Every row depends only on its dossier number, so the split changes no
figure.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import bulk
from motcua.bench.reference import reference_database
from motcua.core.database import make_engine
from motcua.stats import monthly, repository
from motcua.stats.facts import Channel, essential_codes
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel

FIRST_DAY = date(2025, 1, 1)
DAYS = 365
GENERATOR = "facts-v1"  # change when the generator's SQL changes, so old fixtures are rebuilt
CHUNK = 1_000_000  # dossiers at most in one statement
TABLES = ("stats_dossier_facts", "stats_daily", "stats_monthly")

# Columns of stats_dossier_facts and the expression that fills each; ``s`` holds the drawn
# attributes of dossier ``g`` (see ``DRAWS``). Shares: channels 45/25/27/3 %, outcomes
# on time 80, late 10, pending 8, refused 2 %; a fee on 30 %, paid online on 70 % of those
# filed online; supplements on 10 %, an apology on half the late ones, a violation on 3 %.
FACT_COLUMNS = {
    "dossier_id": "g",
    "last_event_id": "g",
    "last_violation_id": "0",
    "day": "d",
    "week": "d - (extract(isodow FROM d)::int - 1)",
    "month": "date_trunc('month', d)::date",
    "province_code": "m.province_code",
    "commune_code": "m.commune_code",
    "agency_id": "m.agency_id",
    "procedure_code": "($1::text[])[p]",
    "channel": "($2::text[])[ch]",
    "essential": "true",
    "due_at": "(d + 15)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'",
    "received": "1",
    "online": "(ch <= 2)::int",
    "online_full": "(ch = 1)::int",
    "on_time": "(o < 80)::int",
    "late": "(o >= 80 AND o < 90)::int",
    "pending": "(o >= 90 AND o < 98)::int",
    "refused": "(o >= 98)::int",
    "withdrawn": "0",
    "processing_days": "CASE WHEN o < 80 THEN 1 + x % 10 WHEN o < 90 THEN 11 + x % 10 ELSE 0 END",
    "with_fee": "(x % 10 < 3)::int",
    "paid_online": "(x % 10 < 3 AND ch <= 2 AND x % 100 < 70)::int",
    "supplements": "(x % 20 < 2)::int",
    "apologies": "(o >= 80 AND o < 90 AND x % 2 = 0)::int",
    "items_registry": "r",
    "items_upload": "u",
    "items_counter": "CASE WHEN ch > 2 THEN 1 ELSE 0 END",
    "reused": "(r > 0)::int",
    "violations": "(x % 100 < 3)::int",
    "synthetic": "1",
}
DRAWS = """
    1 + (hashint8extended(g, 1) & 2147483647) % $3 AS c,
    $4::date + ((hashint8extended(g, 2) & 2147483647) % $5)::int AS d,
    1 + floor($6 * power(((hashint8extended(g, 3) & 2147483647) % 1000000) / 1e6, 2))::int AS p,
    CASE WHEN (hashint8extended(g, 4) & 2147483647) % 100 < 45 THEN 1
         WHEN (hashint8extended(g, 4) & 2147483647) % 100 < 70 THEN 2
         WHEN (hashint8extended(g, 4) & 2147483647) % 100 < 97 THEN 3 ELSE 4 END AS ch,
    (hashint8extended(g, 5) & 2147483647) % 100 AS o,
    (hashint8extended(g, 6) & 2147483647) % 3 AS r,
    (hashint8extended(g, 7) & 2147483647) % 2 AS u,
    (hashint8extended(g, 8) & 2147483647) % 1000 AS x
"""


def generator_sql() -> str:
    columns = ", ".join(FACT_COLUMNS)
    values = ", ".join(FACT_COLUMNS.values())
    return (
        f"INSERT INTO stats_dossier_facts ({columns}) SELECT {values} FROM "
        f"(SELECT g, {DRAWS} FROM generate_series($7::bigint, $8::bigint) AS g) AS s "
        "JOIN bench_communes AS m ON m.n = s.c"
    )


def parameters(count: int) -> str:
    from alembic.script import ScriptDirectory

    from motcua.core.migrate import alembic_config

    heads = ",".join(sorted(ScriptDirectory.from_config(alembic_config("")).get_heads()))
    return f"{GENERATOR};count={count};first={FIRST_DAY};days={DAYS};schema={heads}"


async def _communes(url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(url)
    async with AsyncSession(engine) as session:
        rows = (
            await session.execute(
                select(Agency.id, AdminUnit.code, AdminUnit.province_code)
                .join(AdminUnit, AdminUnit.code == Agency.unit_code)
                .where(
                    Agency.level == AgencyLevel.commune,
                    Agency.kind == AgencyKind.people_committee,
                )
                .order_by(Agency.id)
            )
        ).all()
    await engine.dispose()
    return [(int(a), str(c), str(p)) for a, c, p in rows if p]


async def _write_facts(url: str, count: int, communes: list[tuple[int, str, str]]) -> None:
    procedures = sorted(essential_codes())
    connection = await bulk.load_connection(url)
    try:
        # The communes as a table numbered from 1, joined on the drawn number.
        await connection.execute(
            "CREATE UNLOGGED TABLE bench_communes AS SELECT * FROM unnest($1::int[], $2::int[], "
            "$3::text[], $4::text[]) AS u(n, agency_id, commune_code, province_code)",
            list(range(1, len(communes) + 1)),
            [a for a, _, _ in communes],
            [c for _, c, _ in communes],
            [p for _, _, p in communes],
        )
        await connection.execute("ANALYZE bench_communes")
    finally:
        await connection.close()
    parts = bulk.workers() * -(-count // (CHUNK * bulk.workers()))
    arguments = (procedures, list(Channel.ALL), len(communes), FIRST_DAY, DAYS, len(procedures))
    chunks = bulk.ranges(1, count, parts)
    await bulk.run_all(url, [(generator_sql(), (*arguments, a, b)) for a, b in chunks])
    connection = await bulk.connect(url)
    try:
        await connection.execute("DROP TABLE bench_communes")
    finally:
        await connection.close()


async def _roll_up(url: str) -> None:
    """The daily roll-up by ranges of days, then the monthly one by ranges of months, each
    range on its own connection: the rebuild's own statements, restricted."""
    engine = make_engine(url)
    gate = asyncio.Semaphore(bulk.workers())

    async def one(work: Callable[[AsyncSession], Awaitable[None]]) -> None:
        async with gate, AsyncSession(engine) as session, session.begin():
            await session.execute(text("SET LOCAL work_mem = '256MB'"))
            await session.execute(text("SET LOCAL synchronous_commit = off"))
            await work(session)

    def daily(first: int, last: int) -> Callable[[AsyncSession], Awaitable[None]]:
        span = (FIRST_DAY + timedelta(days=first), FIRST_DAY + timedelta(days=last))
        return lambda session: repository.rollup_from_facts(session, days=span)

    def months(first: date, last: date) -> Callable[[AsyncSession], Awaitable[None]]:
        return lambda session: monthly.from_daily(session, months=(first, last))

    try:
        # As many ranges as connections: each range reads the whole table once.
        parts = bulk.ranges(0, DAYS - 1, bulk.workers())
        await asyncio.gather(*(one(daily(first, last)) for first, last in parts))
        first_months = sorted({(FIRST_DAY + timedelta(days=n)).replace(day=1) for n in range(DAYS)})
        spans = bulk.ranges(0, len(first_months) - 1, bulk.workers())
        await asyncio.gather(*(one(months(first_months[a], first_months[b])) for a, b in spans))
    finally:
        await engine.dispose()


async def build(url: str, count: int) -> tuple[list[str], float, bool]:
    """The provinces, the seconds the build took (facts and roll-up) and whether an earlier
    build was reused."""
    wanted = parameters(count)
    earlier = await bulk.built(url, "stats", wanted)
    if earlier is not None:
        communes = await _communes(url)
        return sorted({p for _, _, p in communes}), earlier, True
    clock = bulk.Stopwatch("stats fixture")
    await reference_database(url)
    communes = await _communes(url)
    clock.lap("database, units and catalog")
    connection = await bulk.connect(url)
    try:
        await bulk.unlogged(connection, TABLES)
        remake = await bulk.drop_indexes(connection, TABLES)
    finally:
        await connection.close()
    await _write_facts(url, count, communes)
    clock.lap(f"{count:,} facts written")
    await _roll_up(url)
    clock.lap("roll-ups built")
    await bulk.finish(url, remake, TABLES)
    clock.lap("indexes and keys made again, tables analysed")
    await bulk.mark(url, "stats", wanted, clock.total)
    return sorted({p for _, _, p in communes}), clock.total, False
