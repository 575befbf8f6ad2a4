"""Roll-ups kept beside the day snapshots, so a national or provincial figure reads a few
hundred counted rows instead of every unit's snapshot (docs/monitoring.md, "Roll-up tables").

- ``monitoring_day_totals``: per day, level, province and bloc, the snapshots counted
  (reported, on time, green, yellow, red at the cut-off, tasks green). A report changes its
  unit's snapshot and adds the difference to its row in the same transaction
  (``add_snapshot``), with an upsert that adds to the row in place, so two units reporting at
  once both count.
- ``monitoring_checklist_totals``: the same for the checklist and milestone rows.
- ``monitoring_milestone_firsts``: per milestone task, province and bloc, how many units first
  met it at a cut-off on each day; a report that changes a unit's first day moves it from one
  row to the other (``move_first``), so a milestone's count on a day is a sum of a few rows.
- ``monitoring_task_totals`` (``task_totals.py``): per task, province and bloc, the units green
  at each day's cut-off (the task groups), judged by the status rules as each report is stored.
- ``monitoring_expected_units`` and ``monitoring_expected_tasks``: who is expected, per
  level, province, bloc and reporting window, and the assignments per task; and
  ``monitoring_unit_windows``, each unit's window (the non-reporters' anti-join); rebuilt from
  the assignments whenever they change (a task assigned, an exemption set or lifted).

Bulk writers (synthetic data, scenarios, the benchmark) insert snapshots directly and then
rebuild the days they wrote (``rebuild_days``). ``rebuild_days`` over every day gives what
the incremental upkeep must equal (tests/monitoring/test_totals.py).

Only the country and a province are read from here; one unit's own figures are read from its
snapshots (a handful of rows).
"""

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.repository import conflict_insert
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    ChecklistTotal,
    DayTotal,
    ExpectedTasks,
    ExpectedUnits,
    Indicator,
    IndicatorKind,
    MilestoneFirst,
    Plan,
    Task,
    TaskLevel,
    TaskTotal,
    UnitDay,
    UnitWindow,
)
from motcua.units.models import ORGANISATION_KINDS, Agency

NO_PROVINCE = ""  # the key of the units of no province (ministries, central organisations)
COUNTS = ("reported", "on_time", "green", "yellow", "red", "tasks_green")


# --- upkeep ----------------------------------------------------------------------------------


def counted(snapshot: UnitDay | None) -> dict[str, int]:
    """What one snapshot adds to its day total (nothing when there is none)."""
    if snapshot is None:
        return dict.fromkeys(COUNTS, 0)
    status = snapshot.cutoff_status
    return {
        "reported": 1,
        "on_time": int(bool(snapshot.on_time)),
        "green": int(status == "green"),
        "yellow": int(status == "yellow"),
        "red": int(status == "red"),
        "tasks_green": int(snapshot.n_green or 0),
    }


@cache
def _adding_upsert(dialect: str, model: Any, names: tuple[str, ...]) -> Any:
    """The upsert that adds the columns ``names`` in place, built once per process (its values
    are parameters): building the conflict clause at each report cost more CPU than sending
    it."""
    table = model.__table__
    statement = conflict_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + statement.excluded[name] for name in names},
    )


async def add_in_place(
    session: AsyncSession, model: Any, key: Mapping[str, Any], delta: Mapping[str, int]
) -> None:
    """Add ``delta`` to the row ``key`` of a roll-up table (created at zero when missing),
    in place, so two reports counting into one row at once both count."""
    if not any(delta.values()):
        return
    upsert = _adding_upsert(session.get_bind().dialect.name, model, tuple(delta))
    await session.execute(upsert, {**key, **delta})


async def add_snapshot(
    session: AsyncSession,
    day: date,
    level: str,
    province_code: str | None,
    bloc: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
) -> None:
    """Add the change of one unit's snapshot (``counted`` before and after) to its total."""
    key = {"day": day, "level": level, "province_code": province_code or NO_PROVINCE,
           "bloc": bloc}  # fmt: skip
    await add_in_place(session, DayTotal, key, {k: after[k] - before[k] for k in COUNTS})


async def add_checklist(
    session: AsyncSession,
    day: date,
    task_id: int,
    level: str,
    province_code: str | None,
    bloc: str,
    reporting: int,
    met: int,
) -> None:
    """Add one checklist row's change (a new row: reporting 1; met turned on or off: ±1)."""
    key = {"day": day, "task_id": task_id, "province_code": province_code or NO_PROVINCE,
           "bloc": bloc, "level": level}  # fmt: skip
    await add_in_place(session, ChecklistTotal, key, {"reporting": reporting, "met": met})


async def move_first(
    session: AsyncSession,
    task_id: int,
    level: str,
    province_code: str | None,
    bloc: str,
    before: date | None,
    after: date | None,
) -> None:
    """A unit's first day meeting a milestone went from ``before`` to ``after`` (None: not
    met on any day)."""
    if before == after:
        return
    key = {"task_id": task_id, "province_code": province_code or NO_PROVINCE, "bloc": bloc,
           "level": level}  # fmt: skip
    if before is not None:
        await add_in_place(session, MilestoneFirst, {**key, "first_day": before}, {"units": -1})
    if after is not None:
        await add_in_place(session, MilestoneFirst, {**key, "first_day": after}, {"units": 1})


def public_code() -> Any:
    """An agency's public code in SQL (``unit_queries.public_code``): an organisation's own
    code, the commune or province code of a People's Committee, a ministry's agency code."""
    return case(
        (Agency.kind.in_(list(ORGANISATION_KINDS)), Agency.code),
        else_=func.coalesce(Agency.unit_code, Agency.code),
    )


def _ones(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def province_key(column: Any) -> Any:
    """``column``, or "" for none (the same SQL text wherever it is grouped by)."""
    return func.coalesce(column, literal_column("''"))


async def rebuild_days(session: AsyncSession, start: date, end: date) -> None:
    """Count the snapshots and checklist rows of ``start``..``end`` again from scratch."""
    for model in (DayTotal, ChecklistTotal):
        await session.execute(delete(model).where(model.day >= start, model.day <= end))
    days = select(
        UnitDay.day, UnitDay.level, province_key(UnitDay.province_code), UnitDay.bloc,
        func.count(), _ones(UnitDay.on_time), _ones(UnitDay.cutoff_status == "green"),
        _ones(UnitDay.cutoff_status == "yellow"), _ones(UnitDay.cutoff_status == "red"),
        func.coalesce(func.sum(UnitDay.n_green), 0),
    ).where(UnitDay.day >= start, UnitDay.day <= end).group_by(
        UnitDay.day, UnitDay.level, province_key(UnitDay.province_code), UnitDay.bloc
    )  # fmt: skip
    await session.execute(
        insert(DayTotal).from_select(["day", "level", "province_code", "bloc", *COUNTS], days)
    )
    lists = select(
        ChecklistDay.day, ChecklistDay.task_id, province_key(ChecklistDay.province_code),
        ChecklistDay.bloc, func.min(ChecklistDay.level), func.count(), _ones(ChecklistDay.met),
    ).where(ChecklistDay.day >= start, ChecklistDay.day <= end).group_by(
        ChecklistDay.day, ChecklistDay.task_id, province_key(ChecklistDay.province_code),
        ChecklistDay.bloc,
    )  # fmt: skip
    await session.execute(
        insert(ChecklistTotal).from_select(
            ["day", "task_id", "province_code", "bloc", "level", "reporting", "met"], lists
        )
    )
    await rebuild_firsts(session)
    # the green tasks need the status rules (Python), and their module reads the plans,
    # whose queries use this module: imported here, not at the top
    from motcua.monitoring import task_totals

    await task_totals.rebuild(session, start, end)


async def rebuild_firsts(session: AsyncSession) -> None:
    """Count every unit's first day meeting each milestone again (any day written can move
    it, so over all days)."""
    await session.execute(delete(MilestoneFirst))
    c = ChecklistDay
    province = province_key(c.province_code)
    firsts = (
        select(c.task_id, province.label("province_code"), c.bloc,
               func.min(c.level).label("level"), func.min(c.day).label("first_day"))
        .join(Task, Task.id == c.task_id)
        .where(c.met.is_(True), Task.milestone.is_(True))
        .group_by(c.task_id, c.agency_id, province, c.bloc)
        .subquery()
    )  # fmt: skip
    f = firsts.c
    counted = select(
        f.task_id, f.province_code, f.bloc, f.first_day, func.min(f.level), func.count()
    ).group_by(f.task_id, f.province_code, f.bloc, f.first_day)
    await session.execute(
        insert(MilestoneFirst).from_select(
            ["task_id", "province_code", "bloc", "first_day", "level", "units"], counted
        )
    )


async def rebuild_all_days(session: AsyncSession) -> None:
    first, last = (
        await session.execute(select(func.min(UnitDay.day), func.max(UnitDay.day)))
    ).one()
    for model in (DayTotal, ChecklistTotal, TaskTotal):
        await session.execute(delete(model))
    if first is not None:
        await rebuild_days(session, first, last)
    else:
        await rebuild_firsts(session)


async def rebuild_expected(session: AsyncSession) -> None:
    """Count who is expected again from the assignments (after any change to them)."""
    for model in (ExpectedUnits, ExpectedTasks, UnitWindow):
        await session.execute(delete(model))
    province = province_key(Assignment.province_code)
    each = (
        select(
            Assignment.agency_id,
            func.min(public_code()),
            Assignment.level,
            func.min(Assignment.province_code),
            Assignment.bloc,
            func.min(Task.starts_on),
            func.max(Plan.ends_on),
        )
        .join(Agency, Agency.id == Assignment.agency_id)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Assignment.exempt.is_(False))
        .group_by(Assignment.agency_id, Assignment.level, Assignment.bloc)
    )
    columns = ["agency_id", "code", "level", "province_code", "bloc", "starts_on", "ends_on"]
    await session.execute(insert(UnitWindow).from_select(columns, each))
    w = UnitWindow
    windows = province_key(w.province_code)
    units = select(w.level, windows, w.bloc, w.starts_on, w.ends_on, func.count())
    units = units.group_by(w.level, windows, w.bloc, w.starts_on, w.ends_on)
    await session.execute(
        insert(ExpectedUnits).from_select(
            ["level", "province_code", "bloc", "starts_on", "ends_on", "units"], units
        )
    )
    tasks = (
        select(Assignment.task_id, province, Assignment.bloc, func.min(Assignment.level),
               func.count())
        .where(Assignment.exempt.is_(False))
        .group_by(Assignment.task_id, province, Assignment.bloc)
    )  # fmt: skip
    await session.execute(
        insert(ExpectedTasks).from_select(
            ["task_id", "province_code", "bloc", "level", "units"], tasks
        )
    )


# --- reads (the country or a province; ``scope`` has no single unit) -------------------------


def _sums(*columns: Any) -> list[Any]:
    return [cast(func.coalesce(func.sum(c), 0), Integer) for c in columns]


async def reported_by_level(
    session: AsyncSession, day: date, scope: Any
) -> dict[TaskLevel, dict[str, int]]:
    t = DayTotal
    rows = await session.execute(
        select(t.level, *_sums(t.reported, t.on_time, t.green, t.yellow, t.red, t.tasks_green))
        .where(t.day == day, *scope.where(t))
        .group_by(t.level)
    )
    keys = ("reported", "on_time", "green", "yellow", "red", "assignments_green")
    return {
        TaskLevel(level): dict(zip(keys, (int(v) for v in values), strict=True))
        for level, *values in rows
    }


def _active_tasks(day: date) -> list[Any]:
    return [Task.starts_on <= day, Plan.ends_on >= day]


def _tasks(*columns: Any) -> Any:
    return (
        select(*columns)
        .join(Task, Task.id == ExpectedTasks.task_id)
        .join(Plan, Plan.id == Task.plan_id)
    )


async def expected_by_level(
    session: AsyncSession, day: date, scope: Any
) -> dict[TaskLevel, tuple[int, int]]:
    e = ExpectedUnits
    units = await session.execute(
        select(e.level, *_sums(e.units))
        .where(e.starts_on <= day, e.ends_on >= day, *scope.where(e))
        .group_by(e.level)
    )
    active = await session.execute(
        _tasks(ExpectedTasks.level, *_sums(ExpectedTasks.units))
        .where(*_active_tasks(day), *scope.where(ExpectedTasks))
        .group_by(ExpectedTasks.level)
    )
    assignments = {TaskLevel(level): int(n) for level, n in active}
    return {TaskLevel(level): (int(n), assignments.get(TaskLevel(level), 0)) for level, n in units}


async def assignments_by_task(
    session: AsyncSession, day: date | None, scope: Any, checklists_only: bool = False
) -> dict[int, int]:
    statement = _tasks(ExpectedTasks.task_id, *_sums(ExpectedTasks.units)).where(
        *(_active_tasks(day) if day is not None else []), *scope.where(ExpectedTasks)
    )
    if checklists_only:
        statement = statement.join(Indicator, Indicator.task_id == Task.id).where(
            Indicator.kind == IndicatorKind.checklist
        )
    rows = await session.execute(statement.group_by(ExpectedTasks.task_id))
    return {task_id: int(n) for task_id, n in rows if n}


async def checklists_on(
    session: AsyncSession, day: date, scope: Any, by_province: bool = False
) -> dict[Any, tuple[int, int]]:
    """(units reporting at the cut-off, units meeting it) per task, or per (task, province)."""
    c = ChecklistTotal
    keys = [c.task_id, c.province_code] if by_province else [c.task_id]
    rows = await session.execute(
        select(*keys, *_sums(c.reporting, c.met))
        .where(c.day == day, *scope.where(c))
        .group_by(*keys)
    )
    out: dict[Any, tuple[int, int]] = {}
    for row in rows:
        key = (row[0], row[1]) if by_province else row[0]
        out[key] = (int(row[-2]), int(row[-1]))
    return out


async def assigned_by_province(
    session: AsyncSession, task_ids: list[int]
) -> dict[tuple[int, str], int]:
    t = ExpectedTasks
    rows = await session.execute(
        select(t.task_id, t.province_code, *_sums(t.units))
        .where(t.task_id.in_(task_ids))
        .group_by(t.task_id, t.province_code)
    )
    return {(task_id, province): int(n) for task_id, province, n in rows}


async def expected_by_province(
    session: AsyncSession, day: date, scope: Any
) -> dict[str, tuple[int, int]]:
    """(province-level units, commune-level units) expected per province on ``day``."""
    e = ExpectedUnits
    out: dict[str, list[int]] = {}
    for code, level, n in await session.execute(
        select(e.province_code, e.level, *_sums(e.units))
        .where(e.level != TaskLevel.ministry.value, e.starts_on <= day, e.ends_on >= day,
               *scope.where(e))
        .group_by(e.province_code, e.level)
    ):  # fmt: skip
        out.setdefault(str(code), [0, 0])[level == TaskLevel.commune.value] = int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


async def own_by_province(
    session: AsyncSession, day: date, scope: Any
) -> dict[str, tuple[int, int, int, int]]:
    """Province-level units (reported, green, yellow, red at the cut-off) per province."""
    t = DayTotal
    rows = await session.execute(
        select(t.province_code, *_sums(t.reported, t.green, t.yellow, t.red))
        .where(t.day == day, t.level == TaskLevel.province.value, *scope.where(t))
        .group_by(t.province_code)
    )
    return {str(code): (int(n), int(g), int(y), int(r)) for code, n, g, y, r in rows}


async def communes_by_province(
    session: AsyncSession, day: date, scope: Any
) -> dict[str, tuple[int, int, int]]:
    """(commune-level units reported, on time, green) per province on ``day``."""
    t = DayTotal
    rows = await session.execute(
        select(t.province_code, *_sums(t.reported, t.on_time, t.green))
        .where(t.day == day, t.level == TaskLevel.commune.value, *scope.where(t))
        .group_by(t.province_code)
    )
    return {str(code): (int(n), int(on_time), int(g)) for code, n, on_time, g in rows}


async def window_counts(
    session: AsyncSession, scope: Any, level: TaskLevel | None
) -> list[tuple[date, date, int]]:
    e = ExpectedUnits
    statement = select(e.starts_on, e.ends_on, *_sums(e.units)).where(*scope.where(e))
    if level is not None:
        statement = statement.where(e.level == level.value)
    rows = await session.execute(statement.group_by(e.starts_on, e.ends_on))
    return [(s, end, int(n)) for s, end, n in rows]


async def daily_counts(
    session: AsyncSession, start: date, end: date, scope: Any, level: TaskLevel | None
) -> dict[date, tuple[int, int, int]]:
    t = DayTotal
    statement = select(t.day, *_sums(t.reported, t.on_time, t.green)).where(
        and_(t.day >= start, t.day <= end), *scope.where(t)
    )
    if level is not None:
        statement = statement.where(t.level == level.value)
    rows = await session.execute(statement.group_by(t.day))
    return {d: (int(n), int(on_time), int(g)) for d, n, on_time, g in rows}


async def colours(
    session: AsyncSession, start: date, end: date, scope: Any
) -> list[tuple[str, date, dict[str, int]]]:
    """(level, day, {colour: units}) at the cut-off over a range."""
    t = DayTotal
    rows = await session.execute(
        select(t.level, t.day, *_sums(t.green, t.yellow, t.red))
        .where(and_(t.day >= start, t.day <= end), *scope.where(t))
        .group_by(t.level, t.day)
    )
    return [
        (level, day, {"green": int(g), "yellow": int(y), "red": int(r)})
        for level, day, g, y, r in rows
    ]


async def milestone_firsts(
    session: AsyncSession, task_ids: list[int], end: date, scope: Any
) -> list[tuple[int, date, int]]:
    """(task, first day met, units) up to ``end``: a milestone's count on a day is the sum of
    its rows up to that day."""
    if not task_ids:
        return []
    m = MilestoneFirst
    rows = await session.execute(
        select(m.task_id, m.first_day, *_sums(m.units))
        .where(m.task_id.in_(task_ids), m.first_day <= end, *scope.where(m))
        .group_by(m.task_id, m.first_day)
    )
    return [(task_id, first, int(n)) for task_id, first, n in rows if n]


async def days_with_snapshots(session: AsyncSession, start: date, end: date) -> list[date]:
    """The days someone reported for, from the day totals (a few hundred rows a day rather
    than every unit's snapshot)."""
    rows = await session.scalars(
        select(DayTotal.day).where(DayTotal.day >= start, DayTotal.day <= end).distinct()
    )
    return sorted(rows)
