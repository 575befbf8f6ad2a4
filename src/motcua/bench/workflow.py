"""Officer queue API over 100,000 synthetic dossiers across the 34 provinces, on PostgreSQL.

The fixture is bulk-loaded with COPY (dossiers, workflow cases, visits); the measured path is
the real HTTP route (bearer token, ``readable`` filter, keyset page) through the ASGI app.
"""

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from motcua.bench import bulk, machine, write_section
from motcua.bench.reference import bench_officer, reference_database
from motcua.core.database import get_session, make_engine


async def _fixture(url: str, count: int) -> tuple[str, str, int]:
    await reference_database(url)
    officer = await bench_officer(url)
    busiest_id, commune_ids, version_id = officer.busiest, officer.communes, officer.version_id
    connection = await bulk.connect(url)
    province_of = await bulk.agency_provinces(connection)
    now = datetime.now(UTC)
    # 2% of all dossiers at the busiest commune (~2,000), the rest spread over every commune
    agency_of = [
        busiest_id if i % 50 == 0 else commune_ids[i % len(commune_ids)] for i in range(count)
    ]
    dossiers = [
        (
            i + 1,
            f"BENCH-{i + 1:08d}",
            "0" * 64,
            version_id,
            "0.000015",
            "Hồ sơ tổng hợp",
            agency_of[i],
            "001084000001",
            "001084000001",
            False,
            "online",
            "in_progress",
            now - timedelta(days=i % 30),
            now + timedelta(days=(i % 40) - 10),
            None,
            "not_required",
            None,
            f"bench-{i}",
            "0" * 64,
            1,
            f"BENCH-{i + 1:08d}",  # tracking salt
            province_of.get(agency_of[i], ""),
        )
        for i in range(count)
    ]
    await connection.copy_records_to_table(
        "dossiers",
        records=dossiers,
        columns=[
            "id",
            "code",
            "secret_hash",
            "procedure_version_id",
            "procedure_code",
            "procedure_name",
            "receiving_agency_id",
            "applicant_number",
            "actor_number",
            "on_behalf",
            "channel",
            "state",
            "received_at",
            "due_at",
            "fee_vnd",
            "payment_state",
            "contact_email",
            "idempotency_key",
            "request_hash",
            "version",
            "tracking_salt",
            "province_code",
        ],
    )
    await connection.copy_records_to_table(
        "workflow_cases",
        records=[(d[0], d[21], 1, "assess", d[6], True, d[13], False, now) for d in dossiers],
        columns=[
            "dossier_id",
            "province_code",
            "step_index",
            "step_kind",
            "current_agency_id",
            "open",
            "due_at",
            "apologised",
            "updated_at",
        ],
    )
    await connection.copy_records_to_table(
        "workflow_visits",
        records=[(d[0], d[21], 1, d[6], d[12]) for d in dossiers],
        columns=["dossier_id", "province_code", "seq", "agency_id", "entered_at"],
    )
    await connection.execute("SELECT setval('dossiers_id_seq', $1)", count)
    await connection.execute("ANALYZE")
    await connection.close()
    return officer.token, officer.busiest_code, agency_of.count(busiest_id)


async def _measure(url: str, token: str, samples: int) -> dict[str, list[float]]:
    from motcua.app import create_app
    from motcua.core.database import make_sessionmaker

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    async def session_dependency():  # type: ignore[no-untyped-def]
        async with sessions() as session:
            yield session
            await session.commit()

    app = create_app()
    app.dependency_overrides[get_session] = session_dependency
    timings: dict[str, list[float]] = {"first page": [], "keyset page 5": []}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        for _ in range(10):
            await c.get("/api/v1/workflow/queue", headers=headers)
        for _ in range(samples):
            start = time.perf_counter()
            response = await c.get("/api/v1/workflow/queue?limit=50", headers=headers)
            timings["first page"].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
            body = response.json()
            for _ in range(3):
                body = (
                    await c.get(
                        "/api/v1/workflow/queue",
                        params={
                            "limit": 50,
                            "after_due": body["next_after_due"],
                            "after_id": body["next_after_id"],
                        },
                        headers=headers,
                    )
                ).json()
            start = time.perf_counter()
            response = await c.get(
                "/api/v1/workflow/queue",
                params={
                    "limit": 50,
                    "after_due": body["next_after_due"],
                    "after_id": body["next_after_id"],
                },
                headers=headers,
            )
            timings["keyset page 5"].append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    return timings


def run_workflow_bench(url: str, count: int, samples: int, output: Path) -> str:
    started = time.perf_counter()
    token, agency, at_agency = asyncio.run(_fixture(url, count))
    load = time.perf_counter() - started
    timings = asyncio.run(_measure(url, token, samples))
    lines = [
        "## Officer queue (`motcua bench workflow`)",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; PostgreSQL.",
        "- Target: p95 under 100 ms with 100,000 dossiers.",
        f"- Fixture: {count:,} synthetic dossiers over every commune of the 34 provinces "
        f"(COPY, {load:.0f} s incl. migrations and seed); the officer's agency {agency} holds "
        f"{at_agency:,} open dossiers.",
        "- Path: GET /api/v1/workflow/queue?limit=50 through the ASGI app (token lookup, "
        "readable filter, keyset paging, no COUNT).",
        "",
        "| request | samples | median ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        lines.append(f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} |")
    report = "\n".join(lines)
    write_section(output, "workflow", report)
    return report
