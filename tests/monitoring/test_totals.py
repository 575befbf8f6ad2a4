"""The roll-up tables always equal what the raw snapshots and assignments give: after any
sequence of reports (on time, late, corrected the same day before or after the cut-off, by
People's Committees and organisations of every level, units that never report) and
exemptions set or lifted; and the migration builds them for data already stored."""

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, column, func, insert, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import make_engine
from motcua.core.migrate import alembic_config, upgrade
from motcua.monitoring import progress, repository, service, totals
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    ChecklistTotal,
    DayTotal,
    ExpectedTasks,
    ExpectedUnits,
    MilestoneFirst,
    Plan,
    Report,
    Task,
    TaskLevel,
    TaskTotal,
    UnitDay,
    UnitWindow,
)
from motcua.monitoring.repository import Scope
from motcua.monitoring.rules import Status, task_status
from motcua.units.models import Agency, AgencyKind, AgencyLevel, CodeStatus
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PROVINCE, at
from tests.monitoring.test_organisations import orgs  # noqa: F401 (fixture)

COMMUNE_VALUES = [
    GREEN_COMMUNE,
    {"T.XA.CHK": [], "T.XA.PCT": 0},
    {"T.XA.CHK": ["premises", "equipment"], "T.XA.PCT": 100},
]
# unit (a commune by its index among Lai Châu's, or a code) -> the values it may send
UNITS: list[tuple[int | str, list[dict[str, Any]]]] = [
    (0, COMMUNE_VALUES),
    (1, COMMUNE_VALUES),
    (2, COMMUNE_VALUES),
    (PROVINCE, [{"T.TINH.YN": True}, {"T.TINH.YN": False}]),
    ("000.00.00.G01", [{"T.BO.NUM": 10}, {"T.BO.NUM": 2}]),
    ("DU.TW", [{"O.TW": True}, {"O.TW": False}]),
    (f"DU.{PROVINCE}", [{"O.TINH.DANG": True}, {"O.TINH.DANG": False}]),
    ("DU.{province}.{c0}", [{"O.XA.DANG": True}, {"O.XA.DANG": False}]),
    ("MT.{province}.{c0}", [{"O.XA.MT": 100}, {"O.XA.MT": 40}]),
    ("CCB.{province}.{c1}", [{"O.XA.MT": 100}, {"O.XA.MT": 0}]),
]
HOURS = [8, 15, 17, 20]  # two before the 16:00 cut-off, two after (late)

report = st.tuples(
    st.just("report"),
    st.integers(0, len(UNITS) - 1),
    st.integers(-1, 1),  # the day before, the day, the day after
    st.sampled_from(HOURS),
    st.integers(0, 2),
)
exemption = st.tuples(
    st.just("exempt"), st.integers(0, 2), st.sampled_from(["T.XA.CHK", "T.XA.PCT"]),
    st.booleans(),
)  # fmt: skip
actions = st.one_of(report, report, report, exemption)


# tasks the reports below may meet, made milestones so their first days are counted too
MILESTONES = ["T.TINH.YN", "T.XA.PCT", "O.XA.DANG"]


@pytest.fixture
async def milestones(session: AsyncSession) -> None:
    await session.execute(update(Task).where(Task.code.in_(MILESTONES)).values(milestone=True))


def unit_code(unit: int | str, communes: list[str]) -> str:
    if isinstance(unit, int):
        return communes[unit]
    return unit.format(province=PROVINCE, c0=communes[0], c1=communes[1])


async def play(session: AsyncSession, communes: list[str], script: list[Any]) -> None:
    exempt: set[tuple[int, str]] = set()  # a commune reports nothing for a task it is spared
    for action in script:
        if action[0] == "exempt":
            _, index, task, on = action
            reason = "Đơn vị mới sáp nhập" if on else None
            await service.set_exemption(session, task, communes[index], reason)
            (exempt.add if on else exempt.discard)((index, task))
            continue
        _, index, offset, hour, choice = action
        unit, options = UNITS[index]
        values = {k: v for k, v in options[choice % len(options)].items()
                  if (unit, k) not in exempt}  # fmt: skip
        if not values:
            continue
        day = DAY + timedelta(days=offset)
        await service.submit_report(
            session,
            subject=None,
            unit=unit_code(unit, communes),
            day=day,
            values=values,
            submitted_at=at(day, hour),
        )


def _key(row: Any, *names: str) -> tuple[Any, ...]:
    return tuple(
        (getattr(row, n) or totals.NO_PROVINCE) if n == "province_code" else str(getattr(row, n))
        for n in names
    )


async def from_snapshots(session: AsyncSession) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The day and checklist totals counted in Python from every raw row."""
    days: dict[Any, list[int]] = defaultdict(lambda: [0] * 6)
    for s in await session.scalars(select(UnitDay)):
        key = (s.day, *_key(s, "level", "province_code", "bloc"))
        status = s.cutoff_status
        counts = (1, int(s.on_time), int(status == "green"), int(status == "yellow"),
                  int(status == "red"), s.n_green)  # fmt: skip
        days[key] = [a + b for a, b in zip(days[key], counts, strict=True)]
    lists: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for c in await session.scalars(select(ChecklistDay)):
        key = (c.day, c.task_id, *_key(c, "province_code", "bloc", "level"))
        lists[key] = [lists[key][0] + 1, lists[key][1] + int(c.met)]
    return ({k: tuple(v) for k, v in days.items()}, {k: tuple(v) for k, v in lists.items()})


async def stored_totals(session: AsyncSession) -> tuple[dict[Any, Any], dict[Any, Any]]:
    days = {
        (t.day, t.level, t.province_code, t.bloc): (
            t.reported, t.on_time, t.green, t.yellow, t.red, t.tasks_green)
        for t in await session.scalars(select(DayTotal))
        if t.reported
    }  # fmt: skip
    lists = {
        (t.day, t.task_id, t.province_code, t.bloc, t.level): (t.reporting, t.met)
        for t in await session.scalars(select(ChecklistTotal))
        if t.reporting
    }
    return days, lists


async def from_assignments(session: AsyncSession) -> tuple[dict[Any, int], dict[Any, int]]:
    """Who is expected, counted in Python from every assignment."""
    windows: dict[int, list[Any]] = {}
    tasks: dict[Any, int] = defaultdict(int)
    rows = await session.execute(
        select(Assignment, Task.starts_on, Plan.ends_on)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Assignment.exempt.is_(False))
    )
    for a, starts_on, ends_on in rows:
        key = _key(a, "level", "province_code", "bloc")
        found = windows.setdefault(a.agency_id, [key, starts_on, ends_on])
        found[1], found[2] = min(found[1], starts_on), max(found[2], ends_on)
        tasks[(a.task_id, *_key(a, "province_code", "bloc", "level"))] += 1
    units: dict[Any, int] = defaultdict(int)
    for key, starts_on, ends_on in windows.values():
        units[(*key, starts_on, ends_on)] += 1
    return dict(units), dict(tasks)


async def stored_expected(session: AsyncSession) -> tuple[dict[Any, int], dict[Any, int]]:
    units = {
        (e.level, e.province_code, e.bloc, e.starts_on, e.ends_on): e.units
        for e in await session.scalars(select(ExpectedUnits))
    }
    tasks = {
        (e.task_id, e.province_code, e.bloc, e.level): e.units
        for e in await session.scalars(select(ExpectedTasks))
    }
    return units, tasks


async def firsts_from_rows(session: AsyncSession) -> dict[Any, int]:
    """Each milestone's units by the first day they met it, counted in Python from every
    checklist row."""
    first: dict[Any, date] = {}
    rows = await session.execute(
        select(ChecklistDay).join(Task, Task.id == ChecklistDay.task_id).where(Task.milestone)
    )
    for c in rows.scalars():
        if c.met:
            key = (c.task_id, *_key(c, "province_code", "bloc", "level"), c.agency_id)
            first[key] = min(first.get(key, c.day), c.day)
    counts: dict[Any, int] = defaultdict(int)
    for (*key, _), day in first.items():
        counts[(*key, day)] += 1
    return dict(counts)


async def stored_firsts(session: AsyncSession) -> dict[Any, int]:
    return {
        (m.task_id, m.province_code, m.bloc, m.level, m.first_day): m.units
        for m in await session.scalars(select(MilestoneFirst))
        if m.units
    }


async def greens_from_reports(session: AsyncSession) -> dict[Any, int]:
    """Units green per task at the cut-off, recounted in Python: every snapshot's cut-off
    version judged by the status rules, task by task."""
    cat = await service.catalogue(session)
    counts: dict[Any, int] = defaultdict(int)
    rows = await session.execute(
        select(UnitDay, Report.values).join(Report, Report.id == UnitDay.cutoff_report_id)
    )
    for s, values in rows:
        for code, value in values.items():
            spec = cat.specs[cat.by_code[code]]
            status = task_status(spec, value, s.day, cat.rules[spec.id], reported=True)
            if status == Status.green:
                counts[(s.day, spec.id, *_key(s, "province_code", "bloc"))] += 1
    return dict(counts)


async def stored_greens(session: AsyncSession) -> dict[Any, int]:
    return {
        (t.day, t.task_id, t.province_code, t.bloc): t.green
        for t in await session.scalars(select(TaskTotal))
        if t.green
    }


async def windows_from_assignments(session: AsyncSession) -> dict[int, tuple[Any, ...]]:
    """Each unit's window, from its non-exempt assignments, in Python."""
    found: dict[int, list[Any]] = {}
    rows = await session.execute(
        select(Assignment, Task.starts_on, Plan.ends_on)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Assignment.exempt.is_(False))
    )
    for a, starts_on, ends_on in rows:
        key = (str(a.level), a.province_code, a.bloc)
        window = found.setdefault(a.agency_id, [key, starts_on, ends_on])
        window[1], window[2] = min(window[1], starts_on), max(window[2], ends_on)
    return {agency: (*key, s, e) for agency, (key, s, e) in found.items()}


async def stored_windows(session: AsyncSession) -> dict[int, tuple[Any, ...]]:
    return {
        w.agency_id: (str(w.level), w.province_code, w.bloc, w.starts_on, w.ends_on)
        for w in await session.scalars(select(UnitWindow))
    }


async def assert_totals_follow(session: AsyncSession) -> None:
    assert await stored_totals(session) == await from_snapshots(session)
    assert await stored_greens(session) == await greens_from_reports(session)
    assert await stored_windows(session) == await windows_from_assignments(session)
    assert await stored_firsts(session) == await firsts_from_rows(session)
    assert await stored_expected(session) == await from_assignments(session)


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(actions, min_size=1, max_size=14))
@pytest.mark.usefixtures("orgs", "milestones")
async def test_totals_always_equal_the_snapshots(
    session: AsyncSession, communes: list[str], script: list[Any]
) -> None:
    async with session.begin_nested() as example:
        await play(session, communes, script)
        await assert_totals_follow(session)
        # and the national figures read from them are the raw snapshots' figures
        figures = await service.summary(session, DAY, None, "all")
        reported = await session.scalar(
            select(func.count()).select_from(UnitDay).where(UnitDay.day == DAY)
        )
        assert figures.total.reported == reported
        # and the non-reporters counted from the roll-ups (expected less reported) are those
        # the anti-join lists, less the units that reported and were exempted of every task
        # since (exemptions have no history)
        windows = await stored_windows(session)
        for unit in (None, PROVINCE):
            counts = await service.silent_counts(session, DAY, unit, never=False, kind="all")
            listed = await service.non_reporters(session, DAY, unit, 100_000, kind="all")
            for level in TaskLevel:
                gone = await session.scalars(
                    select(UnitDay.agency_id).where(
                        UnitDay.day == DAY,
                        UnitDay.level == level,
                        *([UnitDay.province_code == unit] if unit else []),
                    )
                )
                unexpected = sum(1 for a in gone if a not in windows)
                n = sum(1 for r in listed if r.level == level)
                assert counts.get(level, 0) == max(0, n - unexpected), (unit, level)
        # and the task groups' green tasks, read from their roll-up, are the recount's
        recount: dict[int, int] = defaultdict(int)
        for (day, task_id, *_), n in (await greens_from_reports(session)).items():
            recount[task_id] += n if day == DAY else 0
        assigned = await repository.active_assignments_by_task(session, DAY, Scope(blocs=None))
        groups = await progress.groups(session, DAY, None, "all")
        assert sum(g.green for g in groups) == sum(recount[t] for t in assigned)
        # and each milestone's national count on the day is its units' first days up to it
        by_code = (await service.catalogue(session)).by_code
        firsts = await firsts_from_rows(session)
        for m in await progress.milestones(session, DAY - timedelta(days=1), DAY, None, "all"):
            counted = sum(n for (task, *_, first), n in firsts.items()
                          if task == by_code[m.task] and first <= DAY)  # fmt: skip
            assert [p.met for p in m.points if p.day == DAY] in ([counted], []), m.task
        await example.rollback()


@pytest.mark.usefixtures("orgs", "milestones")
async def test_rebuilding_gives_what_the_reports_kept(
    session: AsyncSession, communes: list[str]
) -> None:
    script = [("report", 0, 0, 8, 0), ("report", 0, 0, 15, 1), ("report", 0, 0, 20, 0),
              ("report", 8, 0, 17, 0), ("report", 7, -1, 8, 1), ("report", 3, 1, 8, 0),
              ("exempt", 2, "T.XA.CHK", True)]  # fmt: skip
    await play(session, communes, script)
    kept = await stored_totals(session), await stored_expected(session)
    firsts = await stored_firsts(session)
    assert firsts  # c0's and the province's first days met
    greens = await stored_greens(session)
    assert greens  # the province's yes at 08:00, the Party committee's of c0 the day before
    await totals.rebuild_all_days(session)
    await totals.rebuild_expected(session)
    assert (await stored_totals(session), await stored_expected(session)) == kept
    assert await stored_firsts(session) == firsts
    assert await stored_greens(session) == greens
    await assert_totals_follow(session)
    days, _ = kept[0]
    # c0: yellow at 15:00 replaced the green of 08:00; its 20:00 correction is after the cut-off
    assert days[(DAY, "commune", PROVINCE, "government")] == (1, 1, 0, 1, 0, 0)
    # MTTQ of c0 reported late only: reported, not on time, no colour
    assert days[(DAY, "commune", PROVINCE, "front")] == (1, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("kind", ["government", "all"])
@pytest.mark.usefixtures("orgs")
async def test_a_day_without_reports_counts_everyone_expected_and_no_one_reported(
    session: AsyncSession, kind: str
) -> None:
    figures = await service.summary(session, date(2025, 8, 1), None, kind)
    assert figures.total.reported == 0
    expected = await session.scalar(
        select(func.count(func.distinct(Assignment.agency_id))).where(
            *([Assignment.bloc == "government"] if kind == "government" else [])
        )
    )
    assert figures.total.expected == expected


# the plans' table as it was at 0019 (later columns, with their defaults, did not exist yet)
PLANS_AT_0019 = table(
    "monitoring_plans",
    *(column(name) for name in ("id", "code", "title", "starts_on", "ends_on", "synthetic")),
    *(column(name, JSON) for name in ("phases", "rules", "groups")),
)


async def test_the_migration_counts_what_is_already_stored(tmp_path: Path) -> None:
    """Snapshots and assignments written before the roll-up tables existed are counted by the
    migrations that create them (the milestones' first days too)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0019_orgs_units")
    engine = make_engine(url)
    day = date(2025, 9, 10)
    snapshot = dict(day=day, level="commune", province_code=PROVINCE, first_submitted_at=at(day, 9),
                    latest_report_id=1, latest_status="green", n_yellow=0, n_red=0,
                    synthetic=True)  # fmt: skip
    async with engine.connect() as connection:
        await connection.execute(
            insert(Agency),
            [
                dict(id=n, code=f"X.{n}", code_status=CodeStatus.provisional, name=f"Đơn vị {n}",
                     level=AgencyLevel.commune, kind=kind)
                for n, kind in ((1, AgencyKind.people_committee),
                                (2, AgencyKind.people_committee),
                                (3, AgencyKind.fatherland_front))
            ],
        )  # fmt: skip
        await connection.execute(
            insert(PLANS_AT_0019),
            [
                dict(
                    id=1,
                    code="P",
                    title="Kế hoạch",
                    starts_on=date(2025, 7, 1),
                    ends_on=date(2025, 12, 31),
                    phases=[],
                    rules={},
                    synthetic=True,
                    groups={},
                )
            ],
        )
        await connection.execute(
            insert(Task),
            [
                dict(
                    id=n,
                    plan_id=1,
                    code=f"T{n}",
                    title="Nhiệm vụ",
                    level="commune",
                    starts_on=date(2025, 7, n),
                    deadline=date(2025, 12, 1),
                    done_criterion="Xong",
                    milestone=n == 1,
                    unit_kinds=[],
                )
                for n in (1, 2)
            ],
        )
        await connection.execute(
            insert(Assignment),
            [
                dict(
                    task_id=t,
                    agency_id=a,
                    level="commune",
                    province_code=PROVINCE,
                    bloc=b,
                    exempt=(a, t) == (3, 2),
                )
                for a, b in ((1, "government"), (2, "government"), (3, "front"))
                for t in (1, 2)
            ],
        )
        await connection.execute(
            insert(UnitDay),
            [
                {
                    **snapshot,
                    "agency_id": 1,
                    "bloc": "government",
                    "on_time": True,
                    "cutoff_report_id": 1,
                    "cutoff_status": "green",
                    "n_green": 2,
                },
                {
                    **snapshot,
                    "agency_id": 2,
                    "bloc": "government",
                    "on_time": False,
                    "cutoff_report_id": None,
                    "cutoff_status": None,
                    "n_green": 0,
                },
                {
                    **snapshot,
                    "agency_id": 3,
                    "bloc": "front",
                    "on_time": True,
                    "cutoff_report_id": 1,
                    "cutoff_status": "yellow",
                    "n_green": 0,
                },
            ],
        )
        await connection.execute(
            insert(ChecklistDay),
            [
                dict(
                    day=day,
                    agency_id=a,
                    task_id=1,
                    level="commune",
                    province_code=PROVINCE,
                    bloc="government",
                    met=a == 1,
                )
                for a in (1, 2)
            ],
        )
        await connection.commit()
    await asyncio.to_thread(upgrade, url)
    async with AsyncSession(engine) as session:
        assert await stored_totals(session) == await from_snapshots(session)
        assert await stored_expected(session) == await from_assignments(session)
        assert await stored_windows(session) == await windows_from_assignments(session)
        days, lists = await stored_totals(session)
        assert days[(day, "commune", PROVINCE, "government")] == (2, 1, 1, 0, 0, 2)
        assert lists == {(day, 1, PROVINCE, "government", "commune"): (2, 1)}
        # the milestone's first days, from its checklist rows: one commune met it that day
        assert await stored_firsts(session) == {(1, PROVINCE, "government", "commune", day): 1}
        assert await stored_firsts(session) == await firsts_from_rows(session)
        units, _ = await stored_expected(session)
        assert units[("commune", PROVINCE, "government", date(2025, 7, 1), date(2025, 12, 31))] == 2
    await engine.dispose()
