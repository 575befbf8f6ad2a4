"""Growth run: the data doubles (dossiers 1M -> 2M -> 4M by default, with their history and
access-log rows; monitoring reports x 2 each step) and the main reads are timed at each size.

Rows are made by the database itself (``INSERT … SELECT generate_series``), so a step costs what
PostgreSQL needs to write them and nothing in Python. History, the access log and reports land
in their monthly partitions (0019_growth_partitions); the plans of the key reads at the largest
size are written to docs/scaling.md. Synthetic data only.
"""

import asyncio
import re
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.bench import bulk, machine, write_section
from motcua.bench.reference import BenchOfficer, bench_officer, reference_database
from motcua.core import partitions
from motcua.core.database import get_session, make_engine, make_sessionmaker

SECRET = "BIMAT-0001"
DAYS = 360  # dossiers received over the last year
REPORT_DAYS = 30  # monitoring reports of the first size: every commune, 30 days


async def _base(url: str) -> BenchOfficer:
    async def months(session: AsyncSession) -> None:
        # the year of history about to be loaded gets its months' partitions first
        today = datetime.now(UTC).date()
        await partitions.ensure_months(
            session, partitions.months_from(today - timedelta(days=DAYS + 31), 16)
        )

    await reference_database(url, also=months)
    return await bench_officer(url)


# One dossier g: received (g % DAYS) days ago at its own minute, at the busiest commune one time
# in fifty, else spread over every commune; 3 history events, 2 registry reads, an open case for
# one in four.
GROW = [
    f"""
    INSERT INTO dossiers (id, code, secret_hash, tracking_salt, procedure_version_id,
        procedure_code, procedure_name, receiving_agency_id, province_code, applicant_number,
        actor_number, on_behalf, channel, state, received_at, due_at, payment_state,
        idempotency_key, request_hash, version)
    SELECT g, 'G' || lpad(g::text, 10, '0'), :secret_hash, 'salt', :version,
        '1.000001', 'Hồ sơ tổng hợp', s.agency, COALESCE(p.province, ''),
        '00108' || lpad((g % 5000000)::text, 7, '0'), '00108' || lpad((g % 5000000)::text, 7, '0'),
        false, 'online', CASE WHEN g % 4 = 0 THEN 'in_progress' ELSE 'returned' END,
        CAST(:now AS timestamptz)
            - make_interval(days => (g % :days)::int, mins => (g % 1440)::int),
        CAST(:now AS timestamptz) - make_interval(days => (g % :days)::int) + interval '10 days',
        'not_required', 'g' || g, '0', 1
    FROM (SELECT g, CASE WHEN g % 50 = 0 THEN :busiest
                ELSE (CAST(:communes AS int[]))[1 + g % cardinality(CAST(:communes AS int[]))]
                END AS agency
          FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g) s
        LEFT JOIN ({bulk.AGENCY_PROVINCES}) p ON p.agency_id = s.agency
    """,
    """
    INSERT INTO dossier_events (dossier_id, province_code, seq, at, actor_number, kind,
        from_state, to_state, data)
    SELECT d.id, d.province_code, s, d.received_at + make_interval(hours => (s - 1) * 30),
        d.actor_number,
        (ARRAY['submitted', 'claimed', 'returned'])[s],
        (ARRAY[NULL, 'received', 'in_progress'])[s],
        (ARRAY['received', 'in_progress', 'returned'])[s], '{}'
    FROM dossiers d CROSS JOIN generate_series(1, 3) s
    WHERE d.id BETWEEN :first AND :last AND (s < 3 OR d.state = 'returned')
    """,
    """
    INSERT INTO exchange_access_log (at, actor_personal_id, subject_personal_id,
        evidence_type_code, purpose, legal_basis, outcome, registry_code)
    SELECT d.received_at - make_interval(mins => r), d.actor_number, d.applicant_number,
        (ARRAY['identity', 'residence'])[r], 'application', '[]', 'delivered',
        (ARRAY['population', 'residence'])[r]
    FROM dossiers d CROSS JOIN generate_series(1, 2) r
    WHERE d.id BETWEEN :first AND :last
    """,
    """
    INSERT INTO workflow_cases (dossier_id, province_code, step_index, step_kind,
        current_agency_id, open, due_at, apologised, updated_at)
    SELECT d.id, d.province_code, 1, 'assess', d.receiving_agency_id, true, d.due_at, false,
        d.received_at
    FROM dossiers d WHERE d.id BETWEEN :first AND :last AND d.state = 'in_progress'
    """,
    """
    INSERT INTO workflow_visits (dossier_id, province_code, seq, agency_id, entered_at)
    SELECT d.id, d.province_code, 1, d.receiving_agency_id, d.received_at
    FROM dossiers d WHERE d.id BETWEEN :first AND :last AND d.state = 'in_progress'
    """,
]

REPORTS = """
    INSERT INTO monitoring_reports (agency_id, day, version, values, submitted_at, source, late,
        synthetic)
    SELECT a, CAST(:today AS date) - day_back, 1, '{}',
        CAST(:now AS timestamptz) - make_interval(days => day_back), 'api', false, true
    FROM unnest(CAST(:communes AS int[])) a
        CROSS JOIN generate_series(CAST(:from_day AS int), CAST(:to_day AS int)) day_back
"""


async def _grow(engine: AsyncEngine, fx: BenchOfficer, first: int, last: int) -> None:
    from motcua.dossiers.service import hash_secret

    now = datetime.now(UTC)
    params = {
        "secret_hash": hash_secret("salt", SECRET),
        "version": fx.version_id,
        "busiest": fx.busiest,
        "communes": fx.communes,
        "now": now,
        "days": DAYS,
    }

    async def part(first: int, last: int) -> None:
        for statement in GROW:
            async with engine.begin() as c:
                await c.execute(text("SET LOCAL synchronous_commit = off"))
                await c.execute(text(statement), params | {"first": first, "last": last})

    # One range of dossiers per core, each on its own connection (serial ids, as of events,
    # interleave between the ranges; every row's content depends on its dossier number only).
    await asyncio.gather(*(part(a, b) for a, b in bulk.ranges(first, last, bulk.workers())))


async def _double_reports(engine: AsyncEngine, fx: BenchOfficer, days_now: int) -> int:
    """Reports for days ``days_now`` .. ``2 * days_now - 1`` back (the first call: 0 ..)."""
    start, stop = (0, REPORT_DAYS - 1) if days_now == 0 else (days_now, 2 * days_now - 1)
    async with engine.begin() as c:
        await c.execute(
            text(REPORTS),
            {
                "communes": fx.communes,
                "today": datetime.now(UTC).date(),
                "now": datetime.now(UTC),
                "from_day": start,
                "to_day": stop,
            },
        )
    return stop + 1


MONTH_OF_PROVINCE = """
    SELECT e.kind, count(*) FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id
    WHERE e.at >= :start AND e.at < :end AND d.receiving_agency_id = ANY(:agencies)
    GROUP BY e.kind
"""
NATIONAL_DAY = """
    SELECT count(*), count(*) FILTER (WHERE late) FROM monitoring_reports WHERE day = :day
"""
PERSON_LOG = """
    SELECT seq, at, registry_code, outcome FROM exchange_access_log
    WHERE subject_personal_id = :person ORDER BY seq DESC LIMIT 50
"""


async def _measure(url: str, fx: BenchOfficer, size: int, samples: int) -> dict[str, list[float]]:
    from motcua.app import create_app
    from motcua.dossiers import reading as dossier_reading

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    async def session_dependency():  # type: ignore[no-untyped-def]
        async with sessions() as session:
            yield session
            await session.commit()

    app = create_app()
    app.dependency_overrides[get_session] = session_dependency
    rng = secrets.SystemRandom()
    timings: dict[str, list[float]] = {
        "officer queue, first page (HTTP)": [],
        "dossier view (service)": [],
        "tracking by code (service)": [],
        "a province's month of history (SQL)": [],
        "one day's reports, national (SQL)": [],
        "a person's access log (SQL)": [],
    }
    headers = {"Authorization": f"Bearer {fx.token}"}
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        for round_ in range(samples + 3):  # three warm-up rounds
            keep = round_ >= 3
            g = rng.randint(1, size)
            code, person = f"G{g:010d}", f"00108{g % 5000000:07d}"
            started = time.perf_counter()
            answer = await c.get("/api/v1/workflow/queue?limit=50", headers=headers)
            queue = time.perf_counter() - started
            assert answer.status_code == 200, answer.text
            async with sessions() as session:
                started = time.perf_counter()
                await dossier_reading.view(session, code, person)
                view = time.perf_counter() - started
            async with sessions() as session:
                started = time.perf_counter()
                await dossier_reading.track(session, code, SECRET)
                await session.commit()
                track = time.perf_counter() - started
            month = (today - timedelta(days=rng.randint(0, DAYS - 30))).replace(day=1)
            nxt = (month + timedelta(days=32)).replace(day=1)
            async with sessions() as session:
                started = time.perf_counter()
                await session.execute(
                    text(MONTH_OF_PROVINCE),
                    {"start": month, "end": nxt, "agencies": fx.province_agencies},
                )
                province = time.perf_counter() - started
                started = time.perf_counter()
                await session.execute(
                    text(NATIONAL_DAY), {"day": (today - timedelta(days=rng.randint(0, 29))).date()}
                )
                national = time.perf_counter() - started
                started = time.perf_counter()
                await session.execute(text(PERSON_LOG), {"person": person})
                log = time.perf_counter() - started
            if keep:
                for name, seconds in zip(
                    timings, (queue, view, track, province, national, log), strict=True
                ):
                    timings[name].append(seconds * 1000)
    await engine.dispose()
    return timings


PLANS = {
    "a province's month of history": MONTH_OF_PROVINCE,
    "one day's reports, national": NATIONAL_DAY,
    "a person's access log": PERSON_LOG,
    "a dossier's history (dossier view)": (
        "SELECT * FROM dossier_events WHERE dossier_id = :dossier ORDER BY seq"
    ),
}


_IDS = re.compile(r"'\{[0-9,]{40,}\}'")


def compact(plan: str) -> str:
    """A plan a person can read in the doc: a long list of ids named by its length, and of the
    same scan repeated on many monthly partitions the first two and the last."""
    lines = [
        _IDS.sub(lambda m: f"'{{{m.group(0).count(',') + 1} ids}}'", ln) for ln in plan.splitlines()
    ]
    out: list[str] = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].lstrip().startswith(("->  Append", "Append")):
            child = " " * (len(lines[i]) - len(lines[i].lstrip()) + (6 if "->" in lines[i] else 2))
            blocks: list[list[str]] = []
            j = i + 1
            while j < len(lines) and lines[j].startswith(child):
                if lines[j].startswith(child + "->"):
                    blocks.append([])
                blocks[-1].append(lines[j])
                j += 1
            if len(blocks) > 4:
                kept = [
                    *blocks[:2],
                    [f"{child}->  … the same on {len(blocks) - 3} more partitions"],
                    blocks[-1],
                ]
            else:
                kept = blocks
            out.extend(line for block in kept for line in block)
            i = j
            continue
        i += 1
    return "\n".join(out)


async def _plans(url: str, fx: BenchOfficer, size: int) -> dict[str, str]:
    engine = make_engine(url)
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    values = {
        "start": month,
        "end": (month + timedelta(days=32)).replace(day=1),
        "agencies": fx.province_agencies,
        "day": datetime.now(UTC).date(),
        "person": f"00108{(size // 2) % 5000000:07d}",
        "dossier": size // 2,
    }
    plans = {}
    async with engine.connect() as c:
        for name, statement in PLANS.items():
            rows = await c.execute(text(f"EXPLAIN (COSTS OFF) {statement}"), values)
            plans[name] = compact("\n".join(r[0] for r in rows))
    await engine.dispose()
    return plans


async def _sizes(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with engine.connect() as c:
        found = {
            t: int(await c.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
            for t in ("dossiers", "dossier_events", "exchange_access_log", "monitoring_reports")
        }
        found["database MB"] = int(
            (await c.scalar(text("SELECT pg_database_size(current_database())")) or 0) // 2**20
        )
    await engine.dispose()
    return found


async def _analyze(url: str) -> None:
    engine = make_engine(url)
    async with engine.connect() as c:
        await c.execute(text("COMMIT"))
        await c.execute(text("ANALYZE"))
    await engine.dispose()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run_growth_bench(
    url: str, sizes: list[int], samples: int, output: Path, plans_output: Path
) -> str:
    started_all = time.perf_counter()
    fx = asyncio.run(_base(url))
    rows: list[str] = []
    loads: list[str] = []
    made, report_days = 0, 0
    engine_url = url
    for size in sizes:
        started = time.perf_counter()

        async def step(first: int, last: int, days: int) -> int:
            engine = make_engine(engine_url)
            try:
                await _grow(engine, fx, first, last)
                return await _double_reports(engine, fx, days)
            finally:
                await engine.dispose()

        report_days = asyncio.run(step(made + 1, size, report_days))
        asyncio.run(_analyze(url))
        made = size
        load = time.perf_counter() - started
        counted = asyncio.run(_sizes(url))
        loads.append(
            f"| {size:,} | {counted['dossier_events']:,} | {counted['exchange_access_log']:,} "
            f"| {counted['monitoring_reports']:,} | {counted['database MB']:,} | {load:.0f} |"
        )
        timings = asyncio.run(_measure(url, fx, size, samples))
        for name, values in timings.items():
            rows.append(
                f"| {name} | {size:,} | {len(values)} | {statistics.median(values):.1f} "
                f"| {_p95(values):.1f} |"
            )
    plans = asyncio.run(_plans(url, fx, made))
    lines = [
        "## Growth: the data doubles (`make bench-growth`)",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; PostgreSQL, "
        "tables partitioned by month (docs/scaling.md). The machine was shared with other "
        "work during the run (its load shows in the p95 figures).",
        f"- Data (synthetic): dossiers received over {DAYS} days at every commune (one in fifty "
        "at the officer's commune), 3 history events each (2 for the quarter still open), 2 "
        "registry reads each, an open workflow case for one in four; monitoring reports of "
        f"every commune, {REPORT_DAYS} days at the first size and doubled with each step. Made "
        "by the database (`INSERT … SELECT generate_series`), then ANALYZE.",
        f"- What: {samples} samples per read and size after 3 warm-up rounds, one at a time, at "
        "random dossiers, persons, months and days; *HTTP* through the ASGI app in-process, "
        "*service* a service call in its own session, *SQL* one statement (a person's list "
        "of who read their data, as `/du-lieu/cua-toi` reads it; a province's month of "
        "history and one day's reports nationally, the reads monthly partitions are for; the "
        "statistics pages themselves read roll-ups). "
        f"Whole run {time.perf_counter() - started_all:.0f} s.",
        *(
            [
                f"- Sizes: {', '.join(f'{n:,}' for n in sizes)} dossiers. The issue's 1M -> 2M "
                "-> 4M (`make bench-growth` with its default sizes) did not fit the time this "
                "run had on the shared machine; these sizes double the same way."
            ]
            if max(sizes) < 4_000_000
            else []
        ),
        "",
        "| dossiers | history events | access-log rows | monitoring reports | database MB "
        "| load s |",
        "|---|---|---|---|---|---|",
        *loads,
        "",
        "| read | dossiers | samples | median ms | p95 ms |",
        "|---|---|---|---|---|",
        *sorted(rows, key=lambda r: r.split("|")[1]),
    ]
    report = "\n".join(lines)
    write_section(output, "growth", report)
    plan_lines = [
        f"Plans at {made:,} dossiers on this machine (PostgreSQL, `EXPLAIN (COSTS OFF)`, "
        "written by `make bench-growth`):",
        "",
    ]
    for name, plan in plans.items():
        plan_lines += [f"{name}:", "", "```", plan, "```", ""]
    write_section(plans_output, "growth-plans", "\n".join(plan_lines))
    return report
