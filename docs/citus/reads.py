"""The platform's key reads, through its own API and services, against a Citus coordinator:
with `log_statement = 'all'` and `citus.multi_task_query_log_level = 'log'` on the coordinator,
its log then holds every statement each read sent (after the `SELECT 'mark:<read>'` before
it) and which of them visited every shard; docs/citus/plans.sql holds those statements.

    .venv/bin/python docs/citus/reads.py URL '{"token": "...", "code": "G0000100050",
        "person": "001080100050", "secret": "BIMAT-0001", "province": "01",
        "day": "2025-12-31", "start": "2025-11-01", "end": "2025-12-31"}'

Prints each read's answer (status and its beginning, or the error the database gave).
"""

import asyncio
import json
import sys
from typing import Any

import httpx
from sqlalchemy import text

from motcua.app import create_app
from motcua.core.database import get_session, make_engine, make_sessionmaker
from motcua.dossiers import reading


async def main(url: str, args: dict[str, str]) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    async def session_dependency():  # type: ignore[no-untyped-def]
        async with sessions() as session:
            yield session
            await session.commit()

    app = create_app()
    app.dependency_overrides[get_session] = session_dependency
    results: dict[str, Any] = {}

    async def mark(name: str) -> None:
        async with engine.connect() as c:
            await c.execute(text(f"SELECT 'mark:{name}'"))

    async def service(name: str, call: Any) -> None:
        await mark(name)
        try:
            async with sessions() as session:
                results[name] = ["ok", str(await call(session))[:300]]
                await session.commit()
        except Exception as error:  # the refusal is the finding
            results[name] = ["error", repr(error)[:500]]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://citus") as client:

        async def get(name: str, path: str, **kw: Any) -> None:
            await mark(name)
            try:
                answer = await client.get(path, **kw)
                results[name] = [answer.status_code, answer.text[:300]]
            except Exception as error:  # the refusal is the finding
                results[name] = ["error", repr(error)[:500]]

        day, province = args["day"], args["province"]
        period = f"start={args['start']}&end={args['end']}"
        await get(
            "queue",
            "/api/v1/workflow/queue?limit=50",
            headers={"Authorization": f"Bearer {args['token']}"},
        )
        await service("dossier-view", lambda s: reading.view(s, args["code"], args["person"]))
        await service("tracking", lambda s: reading.track(s, args["code"], args["secret"]))
        await get(
            "province-monitoring-day",
            f"/api/v1/monitoring/provinces/{province}/communes?date={day}",
        )
        await get("national-summary", f"/api/v1/monitoring/summary?date={day}")
        await get("national-provinces", f"/api/v1/monitoring/provinces?date={day}")
        await get("catalog-search", "/api/v1/procedures?q=khai%20sinh")
        await get(
            "province-statistics", f"/api/v1/stats/dossiers?unit={province}&{period}&group=commune"
        )
        await get("national-statistics", f"/api/v1/stats/dossiers?{period}&group=province")
        await mark("end")
    await engine.dispose()
    print(json.dumps(results, ensure_ascii=False, indent=1))


asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
