"""All monitoring queries. Roll-ups read the day snapshots (``monitoring_unit_days``,
``monitoring_checklist_days``) and the assignments, never the report history."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from motcua.monitoring import totals
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    Contact,
    Indicator,
    IndicatorKind,
    Plan,
    Report,
    Task,
    TaskLevel,
    UnitDay,
)
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel, Bloc, UnitLevel


@dataclass(frozen=True)
class Scope:
    """Which units a figure covers: the whole country, one province (itself and its communes),
    or one unit; and of which blocs (``Bloc``: the People's Committees and ministries by
    default, the organisations only when asked for; None: every bloc)."""

    province_code: str | None = None
    agency_id: int | None = None
    blocs: tuple[str, ...] | None = (Bloc.government.value,)

    def where(self, table: Any) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.blocs is not None:
            clauses.append(table.bloc.in_(self.blocs))
        if self.province_code is not None:
            clauses.append(table.province_code == self.province_code)
        if self.agency_id is not None:
            clauses.append(table.agency_id == self.agency_id)
        return clauses


# --- units -------------------------------------------------------------------------------


async def reporting_agency(
    session: AsyncSession, unit: str
) -> tuple[Agency, str | None, str] | None:
    """The agency that reports for ``unit`` (admin-unit code, or a ministry's agency code),
    with its province code and the public code of the unit."""
    if unit.isdigit() and len(unit) in (2, 5):
        row = (
            await session.execute(
                select(Agency, AdminUnit)
                .join(AdminUnit, AdminUnit.code == Agency.unit_code)
                .where(Agency.unit_code == unit, Agency.kind == AgencyKind.people_committee)
            )
        ).first()
        if row is None:
            return None
        agency, admin = row
        province = admin.code if admin.level == UnitLevel.province else admin.province_code
        return agency, province, unit
    ministry = await session.scalar(
        select(Agency).where(
            Agency.code == unit,
            Agency.kind == AgencyKind.ministry,
            Agency.practice_of_id.is_(None),  # a practice twin (workflow.practice) reports nothing
        )
    )
    return None if ministry is None else (ministry, None, unit)


async def agencies_for_level(
    session: AsyncSession, level: TaskLevel
) -> Sequence[tuple[int, str | None]]:
    """(agency id, province code) of every unit that must do tasks of ``level``."""
    if level == TaskLevel.ministry:
        rows = await session.execute(
            select(Agency.id, Agency.unit_code).where(
                Agency.kind == AgencyKind.ministry, Agency.practice_of_id.is_(None)
            )
        )
        return [(id_, None) for id_, _ in rows]
    statement = (
        select(
            Agency.id,
            case(
                (AdminUnit.level == UnitLevel.province, AdminUnit.code),
                else_=AdminUnit.province_code,
            ),
        )
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(
            Agency.kind == AgencyKind.people_committee,
            Agency.level == AgencyLevel(level.value),
        )
    )
    return [(id_, province) for id_, province in await session.execute(statement)]


async def units_named(session: AsyncSession, agency_ids: Sequence[int]) -> dict[int, Agency]:
    if not agency_ids:
        return {}
    rows = await session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))
    return {a.id: a for a in rows}


async def provinces(session: AsyncSession) -> Sequence[AdminUnit]:
    result = await session.scalars(
        select(AdminUnit).where(AdminUnit.level == UnitLevel.province).order_by(AdminUnit.code)
    )
    return result.all()


async def communes_with_agency(
    session: AsyncSession, province_code: str
) -> Sequence[tuple[AdminUnit, int]]:
    rows = await session.execute(
        select(AdminUnit, Agency.id)
        .join(Agency, Agency.unit_code == AdminUnit.code)
        .where(
            AdminUnit.province_code == province_code,
            AdminUnit.level == UnitLevel.commune,
            Agency.kind == AgencyKind.people_committee,
        )
        .order_by(AdminUnit.code)
    )
    return [(unit, id_) for unit, id_ in rows]


# --- plans and tasks -----------------------------------------------------------------------


async def plan_by_code(session: AsyncSession, code: str) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.code == code))


async def plans(session: AsyncSession) -> Sequence[Plan]:
    return (await session.scalars(select(Plan).order_by(Plan.starts_on, Plan.code))).all()


async def tasks_with_indicators(
    session: AsyncSession, plan_id: int | None = None
) -> Sequence[tuple[Task, Indicator, Plan]]:
    statement = (
        select(Task, Indicator, Plan)
        .join(Indicator, Indicator.task_id == Task.id)
        .join(Plan, Plan.id == Task.plan_id)
        .order_by(Task.code)
    )
    if plan_id is not None:
        statement = statement.where(Task.plan_id == plan_id)
    return [(t, i, p) for t, i, p in await session.execute(statement)]


_CATALOGUE_MARK = select(
    func.count(Task.id), func.coalesce(func.max(Task.id), 0), func.count(Task.title_en)
)


async def catalogue_mark(session: AsyncSession) -> tuple[int, int, int]:
    """How many tasks, the highest id, how many English titles: what changes whenever the
    catalogue does (``plans.catalogue``)."""
    count, highest, english = (await session.execute(_CATALOGUE_MARK)).one()
    return int(count), int(highest), int(english)


async def task_by_code(session: AsyncSession, code: str) -> Task | None:
    return await session.scalar(select(Task).where(Task.code == code))


async def assigned_task_ids(
    session: AsyncSession, agency_ids: Sequence[int]
) -> dict[int, set[int]]:
    """Non-exempt task ids per agency."""
    result: dict[int, set[int]] = {a: set() for a in agency_ids}
    rows = await session.execute(
        select(Assignment.agency_id, Assignment.task_id).where(
            Assignment.agency_id.in_(agency_ids), Assignment.exempt.is_(False)
        )
    )
    for agency_id, task_id in rows:
        result[agency_id].add(task_id)
    return result


async def assignment(session: AsyncSession, task_id: int, agency_id: int) -> Assignment | None:
    return await session.scalar(
        select(Assignment).where(Assignment.task_id == task_id, Assignment.agency_id == agency_id)
    )


async def existing_assignments(session: AsyncSession, task_id: int) -> set[int]:
    rows = await session.scalars(select(Assignment.agency_id).where(Assignment.task_id == task_id))
    return set(rows)


# --- reports -----------------------------------------------------------------------------


async def last_version(session: AsyncSession, agency_id: int, day: date) -> int:
    value = await session.scalar(
        select(func.max(Report.version)).where(Report.agency_id == agency_id, Report.day == day)
    )
    return int(value or 0)


async def reports_of(
    session: AsyncSession, agency_id: int, start: date, end: date
) -> Sequence[Report]:
    result = await session.scalars(
        select(Report)
        .where(Report.agency_id == agency_id, Report.day >= start, Report.day <= end)
        .order_by(Report.day.desc(), Report.version.desc())
    )
    return result.all()


async def unit_day(session: AsyncSession, day: date, agency_id: int) -> UnitDay | None:
    return await session.get(UnitDay, (day, agency_id))


async def checklist_day(
    session: AsyncSession, day: date, agency_id: int, task_id: int
) -> ChecklistDay | None:
    return await session.get(ChecklistDay, (day, agency_id, task_id))


# --- roll-ups ----------------------------------------------------------------------------


def _unit_windows(scope: Scope) -> Any:
    """Each unit's reporting window: from its earliest assigned task's start to the end of
    its latest plan (exempt assignments do not count)."""
    return (
        select(
            Assignment.agency_id,
            Assignment.level,
            Assignment.province_code,
            func.min(Task.starts_on).label("starts_on"),
            func.max(Plan.ends_on).label("ends_on"),
        )
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Assignment.exempt.is_(False), *scope.where(Assignment))
        .group_by(Assignment.agency_id, Assignment.level, Assignment.province_code)
        .subquery()
    )


def _active_assignments(day: date, scope: Scope) -> Select[TaskLevel, int]:
    return (
        select(Assignment.level, func.count())
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Assignment.exempt.is_(False),
            Task.starts_on <= day,
            Plan.ends_on >= day,
            *scope.where(Assignment),
        )
        .group_by(Assignment.level)
    )


async def expected_by_level(
    session: AsyncSession, day: date, scope: Scope
) -> dict[TaskLevel, tuple[int, int]]:
    """(units expected to report, task assignments active) per level on ``day``."""
    if scope.agency_id is None:
        return await totals.expected_by_level(session, day, scope)
    windows = _unit_windows(scope)
    units = await session.execute(
        select(windows.c.level, func.count())
        .where(windows.c.starts_on <= day, windows.c.ends_on >= day)
        .group_by(windows.c.level)
    )
    active = await session.execute(_active_assignments(day, scope))
    assignments = {TaskLevel(level): int(n) for level, n in active}
    return {
        TaskLevel(level): (int(count), assignments.get(TaskLevel(level), 0))
        for level, count in units
    }


def _green(column: Any, value: str) -> Any:
    return func.sum(case((column == value, 1), else_=0))


async def reported_by_level(
    session: AsyncSession, day: date, scope: Scope
) -> dict[TaskLevel, dict[str, int]]:
    if scope.agency_id is None:
        return await totals.reported_by_level(session, day, scope)
    rows = await session.execute(
        select(
            UnitDay.level,
            func.count(),
            func.sum(case((UnitDay.on_time, 1), else_=0)),
            _green(UnitDay.cutoff_status, "green"),
            _green(UnitDay.cutoff_status, "yellow"),
            _green(UnitDay.cutoff_status, "red"),
            func.sum(UnitDay.n_green),
        )
        .where(UnitDay.day == day, *scope.where(UnitDay))
        .group_by(UnitDay.level)
    )
    keys = ("reported", "on_time", "green", "yellow", "red", "assignments_green")
    return {
        TaskLevel(level): dict(zip(keys, (int(v or 0) for v in values), strict=True))
        for level, *values in rows
    }


async def checklist_figures(
    session: AsyncSession, day: date, scope: Scope
) -> list[tuple[Task, int, int, int]]:
    """(task, units expected, units reporting at the cut-off, units meeting every item)."""
    if scope.agency_id is None:
        expected = await totals.assignments_by_task(session, day, scope, checklists_only=True)
        if not expected:
            return []
        counted = await totals.checklists_on(session, day, scope)
        found = await session.scalars(select(Task).where(Task.id.in_(expected)).order_by(Task.code))
        return [(t, expected[t.id], *counted.get(t.id, (0, 0))) for t in found]
    expected = dict(
        (task_id, int(n))
        for task_id, n in await session.execute(
            select(Assignment.task_id, func.count())
            .join(Task, Task.id == Assignment.task_id)
            .join(Plan, Plan.id == Task.plan_id)
            .join(Indicator, Indicator.task_id == Task.id)
            .where(
                Indicator.kind == IndicatorKind.checklist,
                Assignment.exempt.is_(False),
                Task.starts_on <= day,
                Plan.ends_on >= day,
                *scope.where(Assignment),
            )
            .group_by(Assignment.task_id)
        )
    )
    if not expected:
        return []
    reported = {
        task_id: (int(n), int(met or 0))
        for task_id, n, met in await session.execute(
            select(
                ChecklistDay.task_id,
                func.count(),
                func.sum(case((ChecklistDay.met, 1), else_=0)),
            )
            .where(ChecklistDay.day == day, *scope.where(ChecklistDay))
            .group_by(ChecklistDay.task_id)
        )
    }
    tasks = await session.scalars(select(Task).where(Task.id.in_(expected)).order_by(Task.code))
    return [(t, expected[t.id], *reported.get(t.id, (0, 0))) for t in tasks]


async def province_grid(
    session: AsyncSession, day: date, scope: Scope | None = None
) -> tuple[
    dict[str, tuple[int, int, int, int]],
    dict[str, tuple[int, int]],
    dict[str, tuple[int, int, int]],
]:
    """Per province: its own province-level units (the People's Committee, and the
    organisations when ``scope`` includes them) counted at the cut-off (reported, green, yellow,
    red), (province-level units, commune-level units) expected, and commune-level units
    (reported, on time, green). The country's read the day totals, not the units."""
    scope = scope or Scope()
    if scope.agency_id is None:
        own = await totals.own_by_province(session, day, scope)
        found = await totals.expected_by_province(session, day, scope)
        return own, found, await totals.communes_by_province(session, day, scope)
    own = {
        str(code): (int(n), int(g or 0), int(y or 0), int(r or 0))
        for code, n, g, y, r in await session.execute(
            select(
                UnitDay.province_code,
                func.count(),
                _green(UnitDay.cutoff_status, "green"),
                _green(UnitDay.cutoff_status, "yellow"),
                _green(UnitDay.cutoff_status, "red"),
            )
            .where(UnitDay.day == day, UnitDay.level == TaskLevel.province, *scope.where(UnitDay))
            .group_by(UnitDay.province_code)
        )
    }
    windows = _unit_windows(scope)
    expected: dict[str, list[int]] = {}
    for code, level, n in await session.execute(
        select(windows.c.province_code, windows.c.level, func.count())
        .where(
            windows.c.level != TaskLevel.ministry,
            windows.c.starts_on <= day,
            windows.c.ends_on >= day,
        )
        .group_by(windows.c.province_code, windows.c.level)
    ):
        expected.setdefault(str(code), [0, 0])[level == TaskLevel.commune] = int(n)
    communes = {
        str(code): (int(n), int(on_time or 0), int(green or 0))
        for code, n, on_time, green in await session.execute(
            select(
                UnitDay.province_code,
                func.count(),
                func.sum(case((UnitDay.on_time, 1), else_=0)),
                _green(UnitDay.cutoff_status, "green"),
            )
            .where(UnitDay.day == day, UnitDay.level == TaskLevel.commune, *scope.where(UnitDay))
            .group_by(UnitDay.province_code)
        )
    }
    return own, {k: (v[0], v[1]) for k, v in expected.items()}, communes


async def unit_days_on(
    session: AsyncSession, day: date, agency_ids: Sequence[int]
) -> dict[int, UnitDay]:
    if not agency_ids:
        return {}
    rows = await session.scalars(
        select(UnitDay).where(UnitDay.day == day, UnitDay.agency_id.in_(agency_ids))
    )
    return {row.agency_id: row for row in rows}


async def window_counts(
    session: AsyncSession, scope: Scope, level: TaskLevel | None
) -> Sequence[tuple[date, date, int]]:
    """(window start, window end, units) — enough to count expected units on any day."""
    if scope.agency_id is None:
        return await totals.window_counts(session, scope, level)
    windows = _unit_windows(scope)
    statement = select(windows.c.starts_on, windows.c.ends_on, func.count()).group_by(
        windows.c.starts_on, windows.c.ends_on
    )
    if level is not None:
        statement = statement.where(windows.c.level == level)
    return [(s, e, int(n)) for s, e, n in await session.execute(statement)]


async def daily_counts(
    session: AsyncSession, start: date, end: date, scope: Scope, level: TaskLevel | None
) -> dict[date, tuple[int, int, int]]:
    """Per day: (reported, on time, green at the cut-off)."""
    if scope.agency_id is None:
        return await totals.daily_counts(session, start, end, scope, level)
    statement = (
        select(
            UnitDay.day,
            func.count(),
            func.sum(case((UnitDay.on_time, 1), else_=0)),
            _green(UnitDay.cutoff_status, "green"),
        )
        .where(and_(UnitDay.day >= start, UnitDay.day <= end), *scope.where(UnitDay))
        .group_by(UnitDay.day)
    )
    if level is not None:
        statement = statement.where(UnitDay.level == level)
    return {
        d: (int(n), int(on_time or 0), int(green or 0))
        for d, n, on_time, green in await session.execute(statement)
    }


async def latest_day(session: AsyncSession) -> date | None:
    """The last day anything was reported for (the dashboards open on it)."""
    return await session.scalar(select(func.max(UnitDay.day)))


async def contacts_of(session: AsyncSession, agency_ids: Sequence[int]) -> Sequence[Contact]:
    if not agency_ids:
        return []
    result = await session.scalars(
        select(Contact).where(Contact.agency_id.in_(agency_ids)).order_by(Contact.id)
    )
    return result.all()


# --- readiness, groups, milestones ---------------------------------------------------------


async def checklist_by_province(
    session: AsyncSession, day: date, task_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    """Per (task, province): units assigned, units reporting at the cut-off, units meeting
    every item, units that never reported anything up to ``day``."""
    if not task_ids:
        return {}
    ids = list(task_ids)
    out: dict[tuple[int, str], list[int]] = {}
    for key, n in (await totals.assigned_by_province(session, ids)).items():
        out.setdefault(key, [0, 0, 0, 0])[0] = n
    ever = select(UnitDay.agency_id).where(
        UnitDay.agency_id == Assignment.agency_id, UnitDay.day <= day
    )
    province = totals.province_key(Assignment.province_code)
    never = (
        select(Assignment.task_id, province, func.count())
        .where(Assignment.task_id.in_(ids), Assignment.exempt.is_(False), ~ever.exists())
        .group_by(Assignment.task_id, province)
    )
    for task_id, province, n in await session.execute(never):
        out.setdefault((task_id, str(province)), [0, 0, 0, 0])[3] = int(n)
    counted = await totals.checklists_on(session, day, Scope(blocs=None), by_province=True)
    for key, (n, met) in counted.items():
        if key[0] in ids:
            counts = out.setdefault(key, [0, 0, 0, 0])
            counts[1], counts[2] = n, met
    return {key: (c[0], c[1], c[2], c[3]) for key, c in out.items()}


async def cutoff_values(session: AsyncSession, day: date, scope: Scope) -> Sequence[dict[str, Any]]:
    """The values of the versions frozen at the day's cut-off in ``scope`` (one unit's, for
    the country and a province read ``monitoring_task_totals``)."""
    rows = await session.scalars(
        select(Report.values)
        .join(UnitDay, Report.id == UnitDay.cutoff_report_id)
        .where(UnitDay.day == day, *scope.where(UnitDay))
    )
    return list(rows)


async def active_assignments_by_task(
    session: AsyncSession, day: date | None, scope: Scope
) -> dict[int, int]:
    """Non-exempt assignments per task: those active on ``day``, or all of them (None)."""
    if scope.agency_id is None:
        return await totals.assignments_by_task(session, day, scope)
    active = [] if day is None else [Task.starts_on <= day, Plan.ends_on >= day]
    rows = await session.execute(
        select(Assignment.task_id, func.count())
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Assignment.exempt.is_(False), *active, *scope.where(Assignment))
        .group_by(Assignment.task_id)
    )
    return {task_id: int(n) for task_id, n in rows}


async def first_met(
    session: AsyncSession, task_ids: Sequence[int], end: date, scope: Scope
) -> Sequence[tuple[int, date, int]]:
    """(task, first day met at the cut-off, units) by ``end``: a milestone reached stays
    reached. The country and a province read the counted first days; one unit its rows."""
    if not task_ids:
        return []
    if scope.agency_id is None:
        return await totals.milestone_firsts(session, list(task_ids), end, scope)
    rows = await session.execute(
        select(ChecklistDay.task_id, func.min(ChecklistDay.day))
        .where(
            ChecklistDay.task_id.in_(list(task_ids)),
            ChecklistDay.day <= end,
            ChecklistDay.met.is_(True),
            *scope.where(ChecklistDay),
        )
        .group_by(ChecklistDay.task_id, ChecklistDay.agency_id)
    )
    return [(task_id, first, 1) for task_id, first in rows]


async def days_with_reports(session: AsyncSession, start: date, end: date) -> list[date]:
    return await totals.days_with_snapshots(session, start, end)


async def first_met_day(
    session: AsyncSession, task_id: int, agency_id: int, other_than: date | None = None
) -> date | None:
    """The first day one unit met a task at a cut-off (optionally not counting one day)."""
    c = ChecklistDay
    statement = select(func.min(c.day)).where(
        c.task_id == task_id, c.met.is_(True), c.agency_id == agency_id
    )
    if other_than is not None:
        statement = statement.where(c.day != other_than)
    found: date | None = await session.scalar(statement)
    return found
