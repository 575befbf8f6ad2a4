"""Monitoring roll-up latency on PostgreSQL, written to docs/benchmarks.md.

Data: every People's Committee and ministry (3,321 communes, 34 provinces, 17 ministries)
assigned 20 tasks of its level (in five task groups, one milestone per level); every Party
committee, Fatherland Front and mass organisation (six per commune, seven per province, and the
central bodies) 3 tasks of its kind and level; 180 days of synthetic reports built inside
PostgreSQL (``bench.monitoring_fixture``: the statuses the real rules give the values). Each
sample is one service call in its own session, in-process, timed with a monotonic clock; days
and provinces are drawn at random from the period, after one warm-up pass. Medians and 95th
percentiles over all samples.
"""

import asyncio
import hashlib
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import bulk, machine, monitoring_fixture, reference, write_section
from motcua.bench.monitoring_fixture import load_reports
from motcua.core.database import make_engine, make_sessionmaker
from motcua.core.repository import analyze
from motcua.monitoring import progress, service, totals
from motcua.monitoring.models import Assignment, Report, UnitDay
from motcua.monitoring.organisations import load_organisations
from motcua.monitoring.schemas import PlanDocument
from motcua.units import service as units

TASKS_PER_LEVEL = 20
ORG_TASKS = 3  # per organisation kind and level
ORG_KINDS = {"D": ["party_committee"], "M": ["fatherland_front", "mass_organisation"]}
END = date(2025, 12, 31)
TARGETS_MS = {
    "national summary": 300.0,
    "national summary, all kinds": 300.0,
    "province drill-down": 100.0,
    "province drill-down, all kinds": 100.0,
}
KINDS = ["percentage", "number", "yes_no", "percentage", "checklist"]
GROUPS = {f"g{n}": f"Nhóm {n}" for n in range(5)}


def bench_plan(days: int) -> PlanDocument:
    """20 tasks per level, starting before the period, deadlines spread across it."""
    start = END - timedelta(days=days + 30)
    tasks: list[dict[str, object]] = []
    for level in ("ministry", "province", "commune"):
        for n in range(TASKS_PER_LEVEL):
            kind = KINDS[n % len(KINDS)]
            indicator: dict[str, object] = {"kind": kind}
            if kind == "number":
                indicator["target"] = 50
            if kind == "percentage":
                indicator["target"] = 100
            if kind == "checklist":
                indicator["items"] = [{"key": k, "label": k} for k in ("a", "b", "c", "d", "e")]
            tasks.append(
                {
                    "code": f"BENCH.{level[:2].upper()}.{n:02d}",
                    "title": f"Nhiệm vụ tổng hợp {n}",
                    "level": level,
                    "starts_on": start.isoformat(),
                    "deadline": (start + timedelta(days=40 + 8 * n)).isoformat(),
                    "done_criterion": "Dữ liệu tổng hợp",
                    "indicator": indicator,
                    "group": f"g{n % len(GROUPS)}",
                    "milestone": n == 2,
                }
            )
        for prefix, kinds in ORG_KINDS.items():
            for n in range(ORG_TASKS):
                tasks.append(
                    {
                        "code": f"BENCH.{prefix}{level[:2].upper()}.{n:02d}",
                        "title": f"Nhiệm vụ tổng hợp của tổ chức {n}",
                        "level": level,
                        "units": kinds,
                        "starts_on": start.isoformat(),
                        "deadline": (start + timedelta(days=60 + 40 * n)).isoformat(),
                        "done_criterion": "Dữ liệu tổng hợp",
                        "indicator": {"kind": "percentage", "target": 100}
                        if n
                        else {"kind": "yes_no"},
                        "group": f"g{n % len(GROUPS)}",
                    }
                )
    return PlanDocument.model_validate(
        {"code": "BENCH", "title": "Kế hoạch tổng hợp cho đo hiệu năng", "synthetic": True,
         "starts_on": start.isoformat(), "ends_on": END.isoformat(), "groups": GROUPS,
         "tasks": tasks}
    )  # fmt: skip


Sample = Callable[[AsyncSession, date, str], Awaitable[object]]
QUERIES: list[tuple[str, Sample]] = [
    ("national summary", lambda s, d, p: service.summary(s, d, None)),
    ("national summary, all kinds", lambda s, d, p: service.summary(s, d, None, "all")),
    ("province grid (34)", lambda s, d, p: service.province_grid(s, d)),
    ("province drill-down", lambda s, d, p: service.communes(s, p, d)),
    ("province drill-down, all kinds", lambda s, d, p: service.communes(s, p, d, "all")),
    ("province grid (34), all kinds", lambda s, d, p: service.province_grid(s, d, "all")),
    ("province summary", lambda s, d, p: service.summary(s, d, p)),
    ("non-reporters, national", lambda s, d, p: service.non_reporters(s, d, None, 500)),
    ("trend 30 days, national", lambda s, d, p: service.trend(
        s, None, d - timedelta(days=29), d, None)),
    ("readiness, per province", lambda s, d, p: progress.readiness(s, d)),
    ("task groups, national", lambda s, d, p: progress.groups(s, d, None)),
    ("milestones 30 days, national", lambda s, d, p: progress.milestones(
        s, d - timedelta(days=29), d, None)),
]  # fmt: skip


SHARED_NOTE = (
    "measured while other work ran on the same 2 cores (test suites and builds of other "
    "branches), so the figures are upper bounds of an idle machine's."
)


async def _count_late(sessions: Any) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Report).where(Report.late)) or 0
        )


async def sample(
    sessions: Any, start: date, days: int, rounds: int, provinces: list[str]
) -> dict[str, list[float]]:
    """``rounds`` samples of every query (after one warm-up round) on loaded data."""
    rng = random.Random(11)
    samples: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
    for round_ in range(rounds + 1):
        day = start + timedelta(days=rng.randrange(days))
        province = rng.choice(provinces)
        for name, query in QUERIES:
            async with sessions() as session:
                t0 = time.perf_counter()
                await query(session, day, province)
                elapsed = (time.perf_counter() - t0) * 1000
            if round_ > 0:
                samples[name].append(elapsed)
    return samples


def _load(values: Any) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def p95(values: list[float]) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(0.95 * (len(data) - 1)))]


def parameters(days: int) -> str:
    """The fixture's identity: the days, the reference database's and the code that writes it
    (a change to either builds it again)."""
    code = hashlib.sha256()
    for module in (monitoring_fixture.__file__, __file__):
        code.update(Path(module).read_bytes())
    return f"days={days};{reference.parameters()};code={code.hexdigest()[:16]}"


async def _build(url: str, days: int) -> dict[str, object]:
    """The units (a copy of the reference database), the organisations, the plan, its
    assignments and ``days`` of reports; kept with its marker for the next run of the same."""
    wanted = parameters(days)
    earlier = await bulk.built(url, "monitoring", wanted)
    if earlier is not None:
        return {"reused": True, "load_seconds": earlier}
    started = time.perf_counter()
    await reference.reference_database(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    facts: dict[str, object] = {"reused": False}
    async with sessions() as session, session.begin():
        await load_organisations(session)
        document = bench_plan(days)
        await service.import_plan(session, document)
        for task in document.tasks:
            await service.assign_task(session, task.code, count_expected=False)
        await totals.rebuild_expected(session)
    facts["setup_seconds"] = time.perf_counter() - started
    start = END - timedelta(days=days - 1)
    async with sessions() as session, session.begin():
        await load_reports(session, start, END)
    async with sessions() as session, session.begin():
        await analyze(session)
    await engine.dispose()
    facts["load_seconds"] = time.perf_counter() - started
    await bulk.mark(url, "monitoring", wanted, float(str(facts["load_seconds"])))
    return facts


async def _run(
    url: str, days: int, rounds: int
) -> tuple[dict[str, list[float]], dict[str, object]]:
    facts = await _build(url, days)
    start = END - timedelta(days=days - 1)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        for name, model in (("reports", Report), ("unit_days", UnitDay),
                            ("assignments", Assignment)):  # fmt: skip
            facts[name] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
        facts["version"] = str(await session.scalar(text("show server_version")))
        facts["units"] = int(
            await session.scalar(select(func.count(func.distinct(Assignment.agency_id)))) or 0
        )
        provinces = [p[0].code for p in await units.provinces(session)]
    facts["late"] = int(await _count_late(sessions))
    facts["load_before"] = os.getloadavg()
    samples = await sample(sessions, start, days, rounds, provinces)
    facts["load_after"] = os.getloadavg()
    await engine.dispose()
    return samples, facts


def _loaded(facts: dict[str, object]) -> str:
    seconds = float(str(facts["load_seconds"]))
    if facts["reused"]:
        return (
            f"built by an earlier run in {seconds:.0f} s and reused (the same days, schema "
            "and fixture code)."
        )
    return (
        f"loaded in {seconds:.0f} s (a copy of the reference database's units, then "
        f"organisations, plan and assignments {float(str(facts['setup_seconds'])):.0f} s; the "
        "rest set-based in PostgreSQL, keys and indexes built after the rows, then ANALYZE)."
    )


def run_monitoring_bench(postgres_url: str, days: int, rounds: int, output: Path) -> str:
    samples, facts = asyncio.run(_run(postgres_url, days, rounds))
    lines = [
        "## Monitoring roll-ups (`motcua bench monitoring`)",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"PostgreSQL {facts['version']}.",
        f"- Data: {facts['units']:,} reporting units: 3,321 communes + 34 provinces + 17 "
        f"ministries ({TASKS_PER_LEVEL} tasks each in {len(GROUPS)} groups, one milestone per "
        "level), and the Party committees, Fatherland Front and mass organisations of every "
        f"commune (6), province (7) and the centre ({ORG_TASKS} tasks per kind and level); "
        f"{facts['assignments']:,} assignments; {days} days of synthetic reports built in "
        f"PostgreSQL: {facts['reports']:,} reports, {facts['unit_days']:,} unit-day snapshots "
        f"({facts['late']:,} late); {_loaded(facts)}",
        f"- What: one service call per sample in its own session, in-process; {rounds} samples "
        "per query at random days and provinces, after one warm-up round. The country's and a "
        "province's figures read the roll-up tables kept with the unit-day snapshots (per day, "
        "level, province and bloc) and the counts of who is expected (docs/monitoring.md).",
        "- Targets: national summary p95 < 300 ms; province drill-down p95 < 100 ms; for the "
        "People's Committees (the default) and for every kind of unit (`kind=all`).",
        f"- Machine shared: {SHARED_NOTE} Load average (1, 5, 15 min) when the samples "
        f"started: {_load(facts['load_before'])}; when they ended: {_load(facts['load_after'])}.",
        "",
        "| query | p50 (ms) | p95 (ms) | max (ms) | target met |",
        "|---|---:|---:|---:|---|",
    ]
    for name, _ in QUERIES:
        values = samples[name]
        target = TARGETS_MS.get(name)
        met = "" if target is None else ("yes" if p95(values) < target else "NO")
        lines.append(
            f"| {name} | {statistics.median(values):.1f} | {p95(values):.1f} | "
            f"{max(values):.1f} | {met} |"
        )
    lines.append("")
    report = "\n".join(lines)
    write_section(output, "monitoring", report)
    return report
