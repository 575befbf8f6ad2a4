"""The statistics benchmark's fixture: millions of synthetic dossier facts written by the
database itself, then the roll-up built from them by the rebuild's own GROUP BY.

Every fact comes from ``generate_series`` with deterministic pseudo-random spreads
(``hashint8extended`` of the dossier number, one seed per attribute): a commune of the 34
provinces (so a province weighs as many communes as it has), one of the 25 essential services
(a few carry most filings), a channel, a day of the year, an outcome and the other counters.
A marker table records the parameters of a finished build, so a second run with the same
parameters (and the same schema) reuses the database instead of writing it again.
"""

import asyncio
import sys
import time
from datetime import date
from importlib import resources

import asyncpg
import yaml
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import make_engine, recreate_postgres_database
from motcua.core.migrate import upgrade
from motcua.stats import monthly, repository
from motcua.stats.facts import Channel, essential_codes
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel

FIRST_DAY = date(2025, 1, 1)
DAYS = 365
GENERATOR = "facts-v1"  # change when the generator's SQL changes, so old fixtures are rebuilt
CHUNK = 1_000_000

MARKER = """CREATE TABLE IF NOT EXISTS bench_fixture (
    name text PRIMARY KEY, parameters text NOT NULL, built_at timestamptz NOT NULL,
    seconds double precision NOT NULL)"""

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


async def _connect(url: str, database: str | None = None) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=database or parsed.database,
    )


async def _built(url: str, wanted: str) -> bool:
    """Whether the database holds a finished fixture of exactly these parameters."""
    admin = await _connect(url, "postgres")
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", make_url(url).database
        )
    finally:
        await admin.close()
    if not exists:
        return False
    connection = await _connect(url)
    try:
        if not await connection.fetchval("SELECT to_regclass('bench_fixture') IS NOT NULL"):
            return False
        found = await connection.fetchval(
            "SELECT parameters FROM bench_fixture WHERE name = 'stats'"
        )
        return bool(found == wanted)
    finally:
        await connection.close()


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


async def _load_reference(url: str) -> None:
    from motcua.catalog import service as catalog
    from motcua.catalog.schemas import CatalogDocument
    from motcua.units import service as units

    await recreate_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    document = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    async with AsyncSession(engine) as session, session.begin():
        await units.load_units(session)
        await catalog.import_document(
            session, CatalogDocument.model_validate(yaml.safe_load(document.read_text("utf-8")))
        )
    await engine.dispose()


def _progress(what: str, started: float) -> None:
    print(f"{what}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


async def _drop_secondary_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drop the facts' and roll-up's indexes other than their keys, and return the statements
    that make them again: building an index once after the load is much faster than keeping
    it up to date row by row."""
    rows = await connection.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = "
        "i.indexname JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename IN "
        "('stats_dossier_facts', 'stats_daily') AND NOT x.indisprimary"
    )
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [str(row["indexdef"]) for row in rows]


async def build(url: str, count: int) -> tuple[list[str], float, bool]:
    """The provinces, the seconds the build took (facts and roll-up) and whether an earlier
    build was reused."""
    wanted = parameters(count)
    if await _built(url, wanted):
        communes = await _communes(url)
        connection = await _connect(url)
        seconds = float(
            await connection.fetchval("SELECT seconds FROM bench_fixture WHERE name = 'stats'")
        )
        await connection.close()
        return sorted({p for _, _, p in communes}), seconds, True
    await _load_reference(url)
    communes = await _communes(url)
    procedures = sorted(essential_codes())
    started = time.perf_counter()
    connection = await _connect(url)
    try:
        # The communes as a table numbered from 1, joined on the drawn number.
        await connection.execute(
            "CREATE TEMP TABLE bench_communes AS SELECT * FROM unnest($1::int[], $2::int[], "
            "$3::text[], $4::text[]) AS u(n, agency_id, commune_code, province_code)",
            list(range(1, len(communes) + 1)),
            [a for a, _, _ in communes],
            [c for _, c, _ in communes],
            [p for _, _, p in communes],
        )
        await connection.execute("ANALYZE bench_communes")
        indexes = await _drop_secondary_indexes(connection)
        statement = generator_sql()
        for first in range(1, count + 1, CHUNK):
            await connection.execute(
                statement,
                procedures,
                list(Channel.ALL),
                len(communes),
                FIRST_DAY,
                DAYS,
                len(procedures),
                first,
                min(count, first + CHUNK - 1),
            )
    finally:
        await connection.close()
    _progress(f"{count:,} facts written", started)
    engine = make_engine(url)
    async with AsyncSession(engine) as session, session.begin():
        # The GROUP BY of millions of facts sorts in memory rather than in temporary files.
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await repository.rollup_from_facts(session)
        await monthly.from_daily(session)
    await engine.dispose()
    _progress("roll-up built", started)
    connection = await _connect(url)
    try:
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for definition in indexes:
            await connection.execute(definition)
        _progress("indexes made again", started)
        await connection.execute("VACUUM ANALYZE stats_dossier_facts")
        await connection.execute("VACUUM ANALYZE stats_daily")
        seconds = time.perf_counter() - started
        await connection.execute(MARKER)
        await connection.execute(
            "INSERT INTO bench_fixture VALUES ('stats', $1, now(), $2)", wanted, seconds
        )
    finally:
        await connection.close()
    return sorted({p for _, _, p in communes}), seconds, False
