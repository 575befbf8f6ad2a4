"""Synthetic dossiers for the Citus measurement (docs/scaling.md, section 5): the growth
benchmark's rows (history, access log, open cases; bench/growth.py) for dossiers 100,001 to
120,000, with its handling officer, in a database already made by `motcua seed`,
`motcua monitoring simulate --days 7` and `motcua stats demo --count 10000 --days 60`.

    .venv/bin/python docs/citus/load.py postgresql+asyncpg://postgres@HOST:PORT/motcua_citus

Prints the officer's bearer token and agency for docs/citus/reads.py. Run before
docs/citus/distribute.sql.
"""

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import growth
from motcua.bench.reference import bench_officer
from motcua.core import partitions
from motcua.core.database import make_engine

FIRST, LAST = 100_001, 120_000  # above the ids `motcua stats demo` gave its dossiers


async def main(url: str) -> None:
    engine = make_engine(url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            today = datetime.now(UTC).date()
            await partitions.ensure_months(
                session, partitions.months_from(today - timedelta(days=growth.DAYS + 31), 16)
            )
        fx = await bench_officer(url)
        await growth._grow(engine, fx, FIRST, LAST)
    finally:
        await engine.dispose()
    print(json.dumps({"token": fx.token, "agency_id": fx.busiest, "agency": fx.busiest_code}))


asyncio.run(main(sys.argv[1]))
