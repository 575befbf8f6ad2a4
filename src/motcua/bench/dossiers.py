"""Dossier submission throughput and latency on PostgreSQL, next to pgbench doing the same
inserts, written to docs/benchmarks.md.

Clients are coroutines in worker processes (one, then one per core, as the app is served):
each one calls ``dossiers.service.submit`` in its own session and transaction, on uvloop as
the app is served (connection checkout, one statement reading which catalog version is in
force with the files and agency the body names, the version's terms each process reads once,
the agency's number from its counter on an autocommit connection,
one statement inserting the dossier unless its Idempotency-Key is taken with its items, first
history event, workflow case and first visit, commit), with a fresh Idempotency-Key each time;
no HTTP. Registries are not called (registry items are passed in), i.e. registries at zero
latency. After the warm-up, before timing, the database's statistics are refreshed (ANALYZE),
as autovacuum keeps them on a running platform. pgbench runs a script with the same writes as
the app sends them (counter upsert in autocommit, then one transaction whose one statement
writes the dossier, four items, one event, workflow case and visit), with prepared statements
as the app. pgbench runs at once after each level at the same number of clients, so that the
ratio of the two compares the same spell of the machine.
"""

import asyncio
import io
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import machine, run_as_served, write_section
from motcua.bench.reference import reference_database
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.database import (
    dispose_autocommit_pools,
    make_engine,
    make_sessionmaker,
)
from motcua.core.process import freeze_startup_heap
from motcua.dossiers import service
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange.synthetic import recorded_reads
from motcua.modules import import_parts
from motcua.units import repository as units_repository
from motcua.units.models import Agency, AgencyKind, AgencyLevel

PROCEDURE = "1.001193"
# Birth registration is received at commune level: a commune service centre (Ba Đình, Hà Nội).
AGENCY = "000.99.00004.P01"
CLIENTS = (1, 4, 16)
ACTORS = [f"001099{n:06d}" for n in range(max(CLIENTS))]
TARGET_P95_MS = 50.0


def _blank_pdf() -> bytes:
    """A real one-page PDF: uploads are opened by a PDF parser."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


READ_KEYS = ["giay_chung_sinh", "nhan_than_cha_me", "noi_cu_tru_cha_me"]


def _body(upload_id: str, reads: dict[str, int], agency: str | None = None) -> SubmissionIn:
    """The declaration uploaded, the rest cited from the reads the platform made (synthetic)."""
    return SubmissionIn.model_validate(
        {
            "procedure_code": PROCEDURE,
            "receiving_agency": agency or AGENCY,
            "items": [
                {
                    "requirement_key": "to_khai_dang_ky_khai_sinh",
                    "source": "upload",
                    "upload_id": upload_id,
                },
                *(
                    {"requirement_key": k, "source": "registry", "evidence_item": reads[k]}
                    for k in READ_KEYS
                ),
            ],
        }
    )


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# (workers, agencies, clients) -> per round: (submissions per second, latencies in ms)
Results = dict[tuple[int, str, int], list[tuple[float, list[float]]]]
# (agencies, clients) -> pgbench's transactions per second, per round
Limits = dict[tuple[str, int], list[float | None]]


async def _prepare(
    url: str,
) -> tuple[dict[str, str], dict[str, dict[str, int]], list[str], int, int, str]:
    """Database, catalog, one upload per client actor; (uploads, other agencies, ids)."""
    await reference_database(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("ANALYZE"))
        version_id = await session.scalar(
            select(ProcedureVersion.id).join(Procedure).where(Procedure.code == PROCEDURE)
        )
        agency_id = await session.scalar(select(Agency.id).where(Agency.code == AGENCY))
        province = await units_repository.province_of_agency(session, int(agency_id or 0))
        others = list(
            await session.scalars(
                select(Agency.code)
                .where(
                    Agency.code != AGENCY,
                    Agency.kind == AgencyKind.service_centre,
                    Agency.level == AgencyLevel.commune,
                )
                .order_by(Agency.code)
                .limit(16)
            )
        )
    uploads, reads = {}, {}
    for actor in ACTORS:
        async with sessions() as session, session.begin():
            upload = await dossier_uploads.upload(
                session, owner=actor, file_name="to-khai.pdf", data=PDF
            )
            reads[actor] = await recorded_reads(
                session, actor=actor, procedure_code=PROCEDURE, keys=READ_KEYS
            )
        uploads[actor] = upload.id
    await engine.dispose()
    return uploads, reads, others, int(version_id or 0), int(agency_id or 0), province


async def _clients(
    url: str, seconds: float, bodies: dict[str, SubmissionIn], prefix: str, start: Any
) -> list[float]:
    """One worker process: its clients submit in a loop for ``seconds`` after a warm-up, all
    workers starting together."""
    import_parts("models")  # every module's part of a submission (the workflow case) runs too
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    counter = 0

    async def client(actor: str, deadline: float, latencies: list[float]) -> None:
        nonlocal counter
        while time.monotonic() < deadline:
            counter += 1
            key = f"bench-{prefix}-{counter:09d}"
            began = time.perf_counter()
            async with sessions() as session, session.begin():
                await service.submit(session, bodies[actor], actor=actor, idempotency_key=key)
            latencies.append((time.perf_counter() - began) * 1000)

    warm_up = time.monotonic() + 0.5  # not counted
    freeze_startup_heap()  # as the app does once started, before its first request
    await asyncio.gather(*(client(a, warm_up, []) for a in bodies))
    # Statistics as autovacuum keeps them on a running platform. Without them every new
    # connection plans its foreign-key checks against the empty tables the bench began with
    # (sequential scans, kept until the next ANALYZE), and the database spends three times the
    # CPU per submission that it does once warm.
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await asyncio.to_thread(start.wait)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(a, deadline, latencies) for a in bodies))
    await dispose_autocommit_pools()
    await engine.dispose()
    return latencies


def _worker(
    url: str, seconds: float, bodies: dict[str, SubmissionIn], prefix: str, start: Any, out: Any
) -> None:
    try:
        out.put(run_as_served(_clients(url, seconds, bodies, prefix, start)))
    except BaseException as error:  # the parent must not wait for a worker that failed
        start.abort()
        out.put(error)
        raise


def _level(
    url: str, seconds: float, bodies: dict[str, SubmissionIn], workers: int, level: str
) -> list[float]:
    """The clients split over ``workers`` processes; every latency of the timed window."""
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(workers), context.Queue()
    actors = list(bodies)
    processes = [
        context.Process(
            target=_worker,
            args=(
                url,
                seconds,
                {a: bodies[a] for a in actors[n::workers]},
                f"{level}-{n}",
                start,
                out,
            ),
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    latencies: list[float] = []
    for _ in processes:
        answer = out.get(timeout=seconds + 300)
        if isinstance(answer, BaseException):
            raise RuntimeError("a bench worker failed") from answer
        latencies.extend(answer)
    for process in processes:
        process.join(30)
    return latencies


def _run(url: str, seconds: float, rounds: int) -> tuple[Results, Limits]:
    """Each level (one worker, then one per core), pgbench at once after it at the same number
    of clients, ``rounds`` times over: a slow spell of the machine falls on both sides of a
    ratio, not on one."""
    uploads, reads, others, version_id, agency_id, province = asyncio.run(_prepare(url))
    cores = os.cpu_count() or 1
    results: Results = defaultdict(list)
    limits: Limits = defaultdict(list)
    # "one agency": every client files at the same agency on the same day (the worst case: one
    # counter row); "spread": each client at its own agency, as filings are spread in practice.
    levels = [("one agency", c) for c in CLIENTS] + [("spread", max(CLIENTS))]
    for round_ in range(rounds):
        for mode, clients in levels:
            bodies = {
                a: _body(
                    uploads[a], reads[a], others[n % len(others)] if mode == "spread" else None
                )
                for n, a in enumerate(ACTORS[:clients])
            }
            for workers in sorted({1, cores}):
                if clients < workers:
                    continue
                level = f"{round_}-{workers}-{mode.replace(' ', '')}-{clients}"
                latencies = _level(url, seconds, bodies, workers, level)
                results[(workers, mode, clients)].append((len(latencies) / seconds, latencies))
            limits[(mode, clients)].append(
                _pgbench(
                    url,
                    version_id,
                    agency_id,
                    province,
                    clients,
                    max(1, round(seconds)),
                    mode == "spread",
                )
            )
    return results, limits


def _ratios(rounds: list[tuple[float, list[float]]], limits: list[float | None]) -> list[float]:
    """The app's throughput over pgbench's, round by round."""
    return [app / limit for (app, _), limit in zip(rounds, limits, strict=True) if limit]


# The submission's writes as the app sends them: the agency's number, bumped by one autocommit
# statement that does not wait for the disk (pgbench runs with synchronous_commit off, as the
# app's counter connections), then one durable transaction whose one statement writes the dossier
# under its final code with its items, event, workflow case and visit as WITH clauses (one SET
# more than the app sends).
PGBENCH_SCRIPT = """\\set n random(1, 1000000000)
INSERT INTO dossier_counters (agency_code, day, last) VALUES ({counter}, CURRENT_DATE, 1)
  ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_counters.last + 1
  RETURNING last AS seq \\gset
BEGIN;
SET LOCAL synchronous_commit = on;
WITH d AS (INSERT INTO dossiers (code, tracking_salt, secret_hash, procedure_version_id,
  procedure_code, procedure_name, receiving_agency_id, province_code, applicant_number,
  actor_number, on_behalf, channel, state, received_at, due_at, fee_vnd, payment_state,
  contact_email, idempotency_key, request_hash, version)
  VALUES ({counter} || '-' || lpad(:seq::text, greatest(4, length(:seq::text)), '0'),
  md5(:n::text), md5(:n::text) || md5(:client_id::text), {version},
  '1.001193', 'Đăng ký khai sinh', {agency}, '{province}', '001099000001', '001099000001',
  false, 'online', 'received', now(), now() + interval '1 day', NULL, 'to_confirm', NULL,
  'pgbench-' || md5(:n::text || :client_id || clock_timestamp()),
  md5(:n::text) || md5(:client_id::text), 1)
  ON CONFLICT (actor_number, idempotency_key) DO NOTHING RETURNING *),
i AS (INSERT INTO dossier_items (dossier_id, province_code, position, requirement_key, source,
  upload_id, value, sha256) SELECT d.id, d.province_code, v.* FROM d, (VALUES
  (1, 'to_khai_dang_ky_khai_sinh', 'upload', NULL, NULL::json, md5('a') || md5('b')),
  (2, 'giay_chung_sinh', 'registry', NULL, '{{"ghi_chu": "x"}}', md5('c') || md5('d')),
  (3, 'nhan_than_cha_me', 'registry', NULL, '{{"ghi_chu": "x"}}', md5('e') || md5('f')),
  (4, 'noi_cu_tru_cha_me', 'registry', NULL, '{{"ghi_chu": "x"}}', md5('g') || md5('h'))) v),
e AS (INSERT INTO dossier_events (dossier_id, province_code, seq, at, actor_number, kind,
  from_state, to_state, data) SELECT d.id, d.province_code, 1, now(), '001099000001',
  'submitted', NULL, 'received', '{{"items": 4}}' FROM d),
c AS (INSERT INTO workflow_cases (dossier_id, province_code, step_index, step_kind,
  current_agency_id, open, due_at, apologised, updated_at) SELECT d.id, d.province_code, 0,
  'receive', {agency}, true, d.due_at, false, d.received_at FROM d)
INSERT INTO workflow_visits (dossier_id, province_code, seq, agency_id, entered_at)
  SELECT d.id, d.province_code, 1, {agency}, d.received_at FROM d;
END;
"""


async def agency_province(url: str, agency_id: int) -> str:
    """The province the pgbench script's dossiers carry: their receiving agency's."""
    engine = make_engine(url)
    try:
        async with AsyncSession(engine) as session:
            return await units_repository.province_of_agency(session, agency_id)
    finally:
        await engine.dispose()


def _pgbench(
    url: str,
    version_id: int,
    agency_id: int,
    province: str,
    clients: int,
    seconds: int,
    spread: bool,
) -> float | None:
    if shutil.which("pgbench") is None:
        return None
    parsed = make_url(url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        counter = "'PGBENCH-' || :client_id" if spread else "'PGBENCH'"
        script.write(
            PGBENCH_SCRIPT.format(
                version=version_id, agency=agency_id, province=province, counter=counter
            )
        )
    completed = subprocess.run(
        [
            "pgbench",
            "-n",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            "-M",
            "prepared",  # as the app sends its statements (asyncpg prepares them)
            "-c",
            str(clients),
            "-j",
            str(clients),
            "-T",
            str(seconds),
            "-f",
            script.name,
            parsed.database or "postgres",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"},
    )
    Path(script.name).unlink()
    match = re.search(r"tps = ([\d.]+)", completed.stdout)
    return float(match.group(1)) if match else None


def run_dossiers_bench(postgres_url: str, seconds: float, rounds: int, output: Path) -> str:
    results, limits = _run(postgres_url, seconds, rounds)
    cores = os.cpu_count() or 1
    rows = []
    for (workers, mode, clients), measured in sorted(
        results.items(), key=lambda level: (level[0][0], level[0][1] == "spread", level[0][2])
    ):
        samples = [latency for _, round_latencies in measured for latency in round_latencies]
        found = [limit for limit in limits[(mode, clients)] if limit]
        ratios = _ratios(measured, limits[(mode, clients)])
        rows.append(
            f"| {workers} | {mode} | {clients} | {len(samples)} | "
            f"{statistics.median(t for t, _ in measured):.0f} | "
            f"{statistics.median(samples):.1f} | {_percentile(samples, 0.95):.1f} | "
            f"{f'{statistics.median(found):.0f}' if found else 'n/a'} | "
            f"{f'{statistics.median(ratios):.2f}' if ratios else 'n/a'} |"
        )
    aim = results[(cores, "one agency", 16)]
    p95_16 = _percentile([x for _, round_latencies in aim for x in round_latencies], 0.95)
    spread = results[(cores, "spread", 16)]
    p95_spread = _percentile([x for _, round_latencies in spread for x in round_latencies], 0.95)
    ratios_16 = _ratios(aim, limits[("one agency", 16)])
    ratio_16 = statistics.median(ratios_16) if ratios_16 else 0.0
    ratios_spread = _ratios(spread, limits[("spread", 16)])
    ratio_spread = statistics.median(ratios_spread) if ratios_spread else 0.0
    body = "\n".join(
        [
            "## Dossier submission (PostgreSQL)",
            "",
            f"Machine: {machine()}. Calls of `dossiers.service.submit` by client coroutines "
            "spread over worker processes (one, then one per core, as `motcua serve --workers "
            "N`, on uvloop as uvicorn runs it), one session and transaction each (one statement "
            "reading which catalog version is in force, the files and the receiving agency the "
            "body names; the version's terms read once per process; the per-agency-day counter "
            "upsert on an autocommit connection; one statement inserting the dossier unless its "
            "Idempotency-Key is taken, with 4 items, the first history event, the workflow case "
            "and its first visit; commit), fresh Idempotency-Key each time, "
            f"{seconds:.0f} s per level after a 0.5 s warm-up and an ANALYZE (statistics as "
            "autovacuum keeps them on a running platform); no HTTP; registries at zero "
            "latency (their items are passed in). pgbench sends the same writes the same way "
            "(counter upsert in autocommit without waiting for the disk, then one durable "
            "transaction whose one statement writes the dossier, 4 items, 1 event, workflow case "
            "and visit), prepared statements, same database, same run, same number of clients: "
            "the database's own limit for this "
            f"work here. {rounds} rounds, each running every level with pgbench at once after "
            "it: *per second* and *pgbench tps* are medians over the rounds, *ratio* the "
            "median of each round's ratio, p50 and p95 over every sample of every round. "
            f"*one agency*: every client files at {AGENCY} on the same day (one "
            "counter row, the worst case); *spread*: each client files at its own agency "
            "(pgbench likewise bumps one counter row per client).",
            "",
            "| workers | agencies | clients | submissions | per second | p50 ms | p95 ms "
            "| pgbench tps | ratio |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Aim at 16 clients, one worker per core ({cores}): ratio above 0.25: "
            f"{ratio_16:.2f} at one agency (rounds {', '.join(f'{r:.2f}' for r in ratios_16)}; "
            f"{'met' if ratio_16 > 0.25 else 'not met'}), {ratio_spread:.2f} spread (rounds "
            f"{', '.join(f'{r:.2f}' for r in ratios_spread)}; "
            f"{'met' if ratio_spread > 0.25 else 'not met'}); p95 "
            f"under {TARGET_P95_MS:.0f} ms: {p95_16:.1f} ms at one agency "
            f"({'met' if p95_16 < TARGET_P95_MS else 'not met'}), {p95_spread:.1f} ms spread "
            f"({'met' if p95_spread < TARGET_P95_MS else 'not met'}).",
        ]
    )
    write_section(output, "dossiers", body)
    return body
