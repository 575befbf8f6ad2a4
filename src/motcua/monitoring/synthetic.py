"""Synthetic reporting behaviour, so the dashboard shows something real on first run.

Every row written here is marked ``synthetic``. Each unit gets a fixed temperament drawn from
its id and the seed: how reliably it reports (improving over the period), how often it is late,
how fast it works (its pace against the target curve); about 2% of units never report. Values
and statuses go through the same parsing and status rules as real reports, and the day
snapshots are built the same way, only in bulk.
"""

import json
import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.models import Base
from motcua.monitoring.cutoff import is_late, zone
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    IndicatorKind,
    Report,
    TaskLevel,
    UnitDay,
)
from motcua.monitoring.plans import Catalogue, catalogue
from motcua.monitoring.rules import (
    Status,
    TaskSpec,
    is_done,
    parse_value,
    task_status,
    unit_status,
)
from motcua.monitoring.totals import rebuild_days
from motcua.units.models import Bloc

# Provinces whose communes' organisations the demo simulates: Lai Châu (38 communes) and Huế
# (40); the organisations of every other commune exist and are assigned, but stay silent.
DEMO_ORGANISATION_PROVINCES = ("12", "46")


@dataclass(frozen=True)
class Temperament:
    silent: bool
    reliability: float
    lateness: float
    pace: float
    correction: float


def temperament(seed: int, agency_id: int) -> Temperament:
    rng = random.Random(seed * 1_000_003 + agency_id)
    return Temperament(
        silent=rng.random() < 0.02,
        reliability=rng.uniform(0.55, 0.97),
        lateness=rng.uniform(0.0, 0.25),
        pace=rng.uniform(0.65, 1.35),
        correction=rng.uniform(0.0, 0.06),
    )


def synthetic_value(spec: TaskSpec, pace: float, day: date, rng: random.Random) -> Any:
    """A plausible value: progress at the unit's pace along the target line, with noise; slow
    units keep going after the deadline, so most catch up in the end."""
    span = max(1, (spec.deadline - spec.starts_on).days)
    elapsed = max(0, (day - spec.starts_on).days) / span
    share = min(1.0, max(0.0, pace * elapsed + rng.uniform(-0.05, 0.05)))
    if spec.kind == IndicatorKind.yes_no:
        return share >= 0.95
    if spec.kind == IndicatorKind.checklist:
        met = round(share * len(spec.items))
        return parse_value(spec, list(spec.items[:met]))
    value = round(share * spec.goal, 1)
    return min(value, 100.0) if spec.kind == IndicatorKind.percentage else value


@dataclass(frozen=True)
class SimulationReport:
    start: date
    end: date
    units: int
    reports: int
    late: int
    silent_units: int


async def _assigned(
    session: AsyncSession, organisation_provinces: Collection[str] | None
) -> dict[int, tuple[TaskLevel, str | None, str, list[int]]]:
    """Each unit to simulate: (level, province, bloc, task ids). Organisations' commune-level
    units only in ``organisation_provinces`` (None: everywhere)."""
    assigned: dict[int, tuple[TaskLevel, str | None, str, list[int]]] = {}
    for agency_id, level, province, bloc, task_id in await session.execute(
        select(
            Assignment.agency_id,
            Assignment.level,
            Assignment.province_code,
            Assignment.bloc,
            Assignment.task_id,
        ).where(Assignment.exempt.is_(False))
    ):
        if (
            organisation_provinces is not None
            and bloc != Bloc.government
            and level == TaskLevel.commune
            and province not in organisation_provinces
        ):
            continue
        assigned.setdefault(agency_id, (TaskLevel(level), province, bloc, []))[3].append(task_id)
    return assigned


async def simulate(
    session: AsyncSession,
    *,
    days: int,
    end: date,
    seed: int = 1,
    organisation_provinces: Collection[str] | None = DEMO_ORGANISATION_PROVINCES,
) -> SimulationReport:
    """Reports for every assigned unit for ``days`` days ending on ``end``; (unit, day) pairs
    that already have a report are left alone, so real reports are never overwritten. The
    organisations report centrally and in every province, but in the communes only of
    ``organisation_provinces`` (docs/monitoring.md, "Synthetic data")."""
    cat = await catalogue(session)
    start = end - timedelta(days=days - 1)
    assigned = await _assigned(session, organisation_provinces)
    existing = await session.execute(
        select(UnitDay.agency_id, UnitDay.day).where(UnitDay.day >= start, UnitDay.day <= end)
    )
    taken = {(agency_id, day) for agency_id, day in existing}
    next_id = int(await session.scalar(select(func.max(Report.id))) or 0) + 1
    totals = {"reports": 0, "late": 0}
    units = sorted(assigned)
    moods = {a: temperament(seed, a) for a in units}
    silent = sum(1 for a in units if moods[a].silent)
    day = start
    while day <= end:
        reports, unit_days, checklists = [], [], []
        progress = (day - start).days / max(1, days - 1)
        for agency_id in units:
            level, province, bloc, task_ids = assigned[agency_id]
            mood = moods[agency_id]
            specs = cat.active(set(task_ids), day)
            if mood.silent or not specs or (agency_id, day) in taken:
                continue
            rng = random.Random(f"{seed}:{agency_id}:{day.isoformat()}")
            if rng.random() > min(0.99, mood.reliability + 0.3 * progress):
                continue
            late_chance = mood.lateness * (1.2 - progress)
            versions = 2 if rng.random() < mood.correction else 1
            rows = _unit_reports(cat, specs, agency_id, day, mood, rng, late_chance, versions)
            for version, (values, submitted_at) in enumerate(rows, start=1):
                reports.append(
                    dict(
                        id=next_id,
                        agency_id=agency_id,
                        day=day,
                        version=version,
                        values=values,
                        note=None,
                        submitted_at=submitted_at,
                        officer_id=None,
                        source="synthetic",
                        late=is_late(day, submitted_at),
                        synthetic=True,
                    )
                )
                next_id += 1
            unit_day, lists = snapshot_rows(
                cat, specs, agency_id, level, province, day, reports[-len(rows) :], bloc
            )
            unit_days.append(unit_day)
            checklists.extend(lists)
            totals["late"] += sum(1 for r in reports[-len(rows) :] if r["late"])
        totals["reports"] += len(reports)
        await bulk_insert(session, Report, reports)
        await bulk_insert(session, UnitDay, unit_days)
        await bulk_insert(session, ChecklistDay, checklists)
        day += timedelta(days=1)
    await rebuild_days(session, start, end)
    await fix_sequence(session, Report)
    return SimulationReport(start, end, len(units), totals["reports"], totals["late"], silent)


def _unit_reports(
    cat: Catalogue,
    specs: dict[str, TaskSpec],
    agency_id: int,
    day: date,
    mood: Temperament,
    rng: random.Random,
    late_chance: float,
    versions: int,
) -> list[tuple[dict[str, Any], datetime]]:
    late = rng.random() < late_chance
    minutes = rng.randint(16 * 60, 21 * 60) if late else rng.randint(8 * 60, 16 * 60 - 1)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone())
    values = {code: synthetic_value(spec, mood.pace, day, rng) for code, spec in specs.items()}
    rows = [(values, local.astimezone(UTC))]
    if versions == 2:  # a correction an hour or two later, a little further along
        corrected = {
            code: synthetic_value(spec, mood.pace * 1.05, day, rng) for code, spec in specs.items()
        }
        rows.append((corrected, (local + timedelta(minutes=rng.randint(30, 150))).astimezone(UTC)))
    return rows


def snapshot_rows(
    cat: Catalogue,
    specs: dict[str, TaskSpec],
    agency_id: int,
    level: TaskLevel,
    province: str | None,
    day: date,
    versions: Sequence[dict[str, Any]],
    bloc: str = Bloc.government.value,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The same snapshot the service writes report by report, built from all versions."""

    def statuses(values: dict[str, Any]) -> dict[str, Status]:
        return {
            code: task_status(spec, values[code], day, cat.rules[spec.id], reported=True)
            for code, spec in specs.items()
        }

    share = cat.green_share(spec.id for spec in specs.values())
    latest = versions[-1]
    on_time = [v for v in versions if not v["late"]]
    row: dict[str, Any] = dict(
        day=day,
        agency_id=agency_id,
        level=level.value,
        province_code=province,
        bloc=bloc,
        first_submitted_at=versions[0]["submitted_at"],
        on_time=bool(on_time),
        latest_report_id=latest["id"],
        latest_status=unit_status(statuses(latest["values"]).values(), share).value,
        cutoff_report_id=None,
        cutoff_status=None,
        n_green=0,
        n_yellow=0,
        n_red=0,
        synthetic=True,
    )
    checklists = []
    if on_time:
        frozen = on_time[-1]
        by_task = statuses(frozen["values"])
        row.update(
            cutoff_report_id=frozen["id"],
            cutoff_status=unit_status(by_task.values(), share).value,
            n_green=sum(1 for s in by_task.values() if s == Status.green),
            n_yellow=sum(1 for s in by_task.values() if s == Status.yellow),
            n_red=sum(1 for s in by_task.values() if s == Status.red),
        )
        for code, spec in specs.items():
            if spec.kind == IndicatorKind.checklist or spec.milestone:
                checklists.append(
                    dict(
                        day=day,
                        agency_id=agency_id,
                        task_id=spec.id,
                        level=level.value,
                        province_code=province,
                        bloc=bloc,
                        met=is_done(spec, frozen["values"][code]),
                    )
                )
    return row, checklists


async def bulk_insert(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    """Many rows at once: COPY on PostgreSQL, multi-row INSERT elsewhere."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        table = Base.metadata.tables[model.__tablename__]
        columns = [c.name for c in table.columns]
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        records: Iterable[tuple[Any, ...]] = (
            tuple(json.dumps(r.get(c)) if c in json_columns else r.get(c) for c in columns)
            for r in rows
        )
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table.name, records=list(records), columns=columns)
        return
    for start in range(0, len(rows), 2000):
        await session.execute(insert(model), list(rows[start : start + 2000]))


async def fix_sequence(session: AsyncSession, model: type[Base]) -> None:
    """Explicit ids were written; move PostgreSQL's sequence past them."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        table = model.__tablename__
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )
