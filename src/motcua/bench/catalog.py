"""Catalog search latency on SQLite and PostgreSQL, written to docs/benchmarks.md.

Each figure is the latency of one `catalog.service.search` call in its own session (connection
checkout, query, mapping to the API shape), measured in-process with a monotonic clock over a
fixed query mix, after one warm-up pass. Medians and 95th percentiles over all samples.
"""

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import machine, write_section
from motcua.bench.reference import reference_database
from motcua.catalog import service as catalog
from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.schemas import CatalogDocument
from motcua.catalog.synthetic import synthetic_document
from motcua.core.database import make_engine, make_sessionmaker
from motcua.core.migrate import upgrade
from motcua.core.repository import analyze
from motcua.units import service as units

TARGET_P95_MS = 20.0
SYNTHETIC = 2500

Query = Callable[[AsyncSession], Awaitable[object]]
QUERIES: list[tuple[str, Query]] = [
    ("words, no marks", lambda s: catalog.search(s, "dang ky khai sinh")),
    ("words, marked", lambda s: catalog.search(s, "Đăng ký thường trú")),
    ("one common word", lambda s: catalog.search(s, "cap")),
    ("prefix", lambda s: catalog.search(s, "giay phep kin")),
    ("code", lambda s: catalog.search(s, "1.001193")),
    ("no match", lambda s: catalog.search(s, "khong co thu tuc nao nhu vay")),
    ("filter level", lambda s: catalog.search(s, "", level=Level.commune)),
    ("words + filters", lambda s: catalog.search(
        s, "giay chung nhan", level=Level.province, online_level=OnlineLevel.full)),
    ("agency filter, page 5", lambda s: catalog.search(
        s, "", agency="000.00.00.G10", page=5)),
    ("sector filter", lambda s: catalog.search(s, "", sector="ho-tich")),
]  # fmt: skip


@dataclass
class Result:
    database: str
    version: str
    procedures: int
    samples: list[float]
    by_query: dict[str, list[float]]

    def p(self, q: float, values: list[float] | None = None) -> float:
        data = sorted(values if values is not None else self.samples)
        return data[min(len(data) - 1, round(q * (len(data) - 1)))]


async def _synthetic(session: AsyncSession) -> None:
    await catalog.import_document(session, synthetic_document(SYNTHETIC))
    await analyze(session)


async def _measure(url: str, label: str, rounds: int, essential: CatalogDocument) -> Result:
    if label != "SQLite":  # the migrated database with units and the 25 from the template
        await reference_database(url, also=_synthetic)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    if label == "SQLite":
        await asyncio.to_thread(upgrade, url)
        async with sessions() as session, session.begin():
            await units.load_units(session)
            await catalog.import_document(session, essential)
            await _synthetic(session)
    async with sessions() as session:
        total = (await catalog.search(session, "")).total
        version_sql = "select sqlite_version()" if label == "SQLite" else "show server_version"
        version = str(await session.scalar(text(version_sql)))
    by_query: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
    for round_ in range(rounds + 1):
        for name, query in QUERIES:
            async with sessions() as session:
                started = time.perf_counter()
                await query(session)
                elapsed = (time.perf_counter() - started) * 1000
            if round_ > 0:  # round 0 warms caches and is not counted
                by_query[name].append(elapsed)
    await engine.dispose()
    samples = [v for values in by_query.values() for v in values]
    return Result(label, version, total, samples, by_query)


def run_catalog_bench(postgres_url: str, rounds: int, output: Path) -> str:
    from motcua.catalog.formats import essential_services

    essential = essential_services()

    async def both() -> list[Result]:
        with tempfile.TemporaryDirectory() as folder:
            sqlite_url = f"sqlite+aiosqlite:///{folder}/bench.db"
            results = [await _measure(sqlite_url, "SQLite", rounds, essential)]
        results.append(await _measure(postgres_url, "PostgreSQL", rounds, essential))
        return results

    results = asyncio.run(both())
    report = _report(results, rounds)
    write_section(output, "catalog", report)
    return report


def _report(results: list[Result], rounds: int) -> str:
    sqlite_, postgres = results
    lines = [
        "## Catalog search latency (`motcua bench catalog`)",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"SQLite {sqlite_.version}, PostgreSQL {postgres.version}.",
        f"- Catalog: {sqlite_.procedures} procedures in force (25 essential services + "
        f"{SYNTHETIC} synthetic), 3,321 communes, 6,727 agencies.",
        f"- What: one `catalog.service.search` call per sample, in its own session, in-process; "
        f"{len(QUERIES)} queries x {rounds} rounds = {len(sqlite_.samples)} samples per "
        "database after one warm-up round.",
        f"- Target: p95 under {TARGET_P95_MS:.0f} ms.",
        "",
        "| database | p50 (ms) | p95 (ms) | max (ms) | target met |",
        "|---|---:|---:|---:|---|",
    ]
    for r in results:
        p95 = r.p(0.95)
        lines.append(
            f"| {r.database} | {statistics.median(r.samples):.2f} | {p95:.2f} | "
            f"{max(r.samples):.2f} | {'yes' if p95 < TARGET_P95_MS else 'NO'} |"
        )
    ratio = statistics.median(postgres.samples) / statistics.median(sqlite_.samples)
    lines += [
        "",
        f"Median ratio PostgreSQL / SQLite: {ratio:.2f}.",
        "",
        "Per query (median ms, SQLite / PostgreSQL):",
        "",
        "| query | SQLite | PostgreSQL |",
        "|---|---:|---:|",
    ]
    for name, _ in QUERIES:
        lines.append(
            f"| {name} | {statistics.median(sqlite_.by_query[name]):.2f} | "
            f"{statistics.median(postgres.by_query[name]):.2f} |"
        )
    lines.append("")
    return "\n".join(lines)
