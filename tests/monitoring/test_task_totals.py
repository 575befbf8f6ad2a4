"""The task groups' roll-up (units green per task at the cut-off): kept by each report, moved
by a correction before the cut-off and not by one after it, kept right by the simulator, and
built by its migration from the reports already stored; the groups of the country and of a
province read from it give what judging every unit's report gives."""

import asyncio
from collections import defaultdict
from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import make_engine
from motcua.core.migrate import alembic_config, upgrade
from motcua.monitoring import progress, repository, service, totals
from motcua.monitoring.models import Indicator, Plan, Report, Task, TaskTotal, UnitDay
from motcua.monitoring.schemas import PlanDocument
from motcua.monitoring.scope import resolve_scope
from motcua.monitoring.synthetic import simulate
from motcua.monitoring.task_totals import green_tasks
from motcua.units.models import Agency, AgencyKind, AgencyLevel, CodeStatus
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PROVINCE, at
from tests.monitoring.test_totals import greens_from_reports, stored_greens


async def green_on(session: AsyncSession, code: str, day: date = DAY) -> int:
    task_id = (await service.catalogue(session)).by_code[code]
    rows = await session.scalars(
        select(TaskTotal.green).where(TaskTotal.day == day, TaskTotal.task_id == task_id)
    )
    return sum(rows)


async def test_a_correction_before_the_cut_off_moves_the_unit_and_a_late_one_does_not(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    async def send(values: dict[str, object], hour: int) -> None:
        await service.submit_report(session, subject=None, unit=communes[0], day=DAY,
                                    values=values, submitted_at=at(DAY, hour))  # fmt: skip

    await send(GREEN_COMMUNE, 9)
    assert (await green_on(session, "T.XA.CHK"), await green_on(session, "T.XA.PCT")) == (1, 1)
    await send({"T.XA.CHK": GREEN_COMMUNE["T.XA.CHK"], "T.XA.PCT": 40}, 11)
    assert (await green_on(session, "T.XA.CHK"), await green_on(session, "T.XA.PCT")) == (1, 0)
    await send({"T.XA.CHK": [], "T.XA.PCT": 100}, 17)  # after 16:00: the snapshot stays
    assert (await green_on(session, "T.XA.CHK"), await green_on(session, "T.XA.PCT")) == (1, 0)
    assert await stored_greens(session) == await greens_from_reports(session)


async def _judged(session: AsyncSession, unit: str | None) -> dict[tuple[str, str], int]:
    """The groups' green counts the slow way: every unit's cut-off version judged here."""
    resolved = await resolve_scope(session, unit, "government")
    cat = await service.catalogue(session)
    assigned = await repository.active_assignments_by_task(session, DAY, resolved.scope)
    rows = await session.execute(
        select(UnitDay, Report.values)
        .join(Report, Report.id == UnitDay.cutoff_report_id)
        .where(UnitDay.day == DAY, *resolved.scope.where(UnitDay))
    )
    out: dict[tuple[str, str], int] = defaultdict(int)
    for _, values in rows:
        for task_id in green_tasks(cat, values, DAY):
            if task_id in assigned:
                out[(cat.specs[task_id].group or "", cat.levels[task_id].value)] += 1
    return dict(out)


async def test_the_simulator_keeps_it_and_the_groups_read_what_judging_gives(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    await service.submit_report(session, subject=None, unit=communes[1], day=DAY,
                                values=GREEN_COMMUNE, submitted_at=at(DAY, 9))  # fmt: skip
    await simulate(session, days=2, end=DAY, seed=5)
    recount = await greens_from_reports(session)
    assert await stored_greens(session) == recount
    assert sum(n for (day, *_), n in recount.items() if day == DAY) > 2
    for unit in (None, PROVINCE, communes[1]):
        groups = await progress.groups(session, DAY, unit)
        got = {(g.group, g.level.value): g.green for g in groups if g.green}
        assert got == await _judged(session, unit), unit
    # and rebuilding from scratch gives the same rows
    await totals.rebuild_all_days(session)
    assert await stored_greens(session) == recount


async def test_the_migration_counts_the_reports_already_stored(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(
        command.downgrade, alembic_config(url), "0021_monpages_milestone_firsts"
    )
    engine = make_engine(url)
    day = date(2025, 9, 10)
    async with engine.connect() as connection:
        await connection.execute(
            insert(Agency),
            [dict(id=n, code=f"X.{n}", code_status=CodeStatus.provisional, name=f"Đơn vị {n}",
                  level=AgencyLevel.commune, kind=AgencyKind.people_committee)
             for n in (1, 2, 3)],
        )  # fmt: skip
        await connection.execute(
            insert(Plan),
            [dict(id=1, code="P", title="Kế hoạch", starts_on=date(2025, 7, 1),
                  ends_on=date(2025, 12, 31), phases=[], rules={}, synthetic=True,
                  groups={"g": "Nhóm"}, groups_en={})],
        )  # fmt: skip
        await connection.execute(
            insert(Task),
            [dict(id=n, plan_id=1, code=f"T{n}", title="Nhiệm vụ", level="commune",
                  starts_on=date(2025, 7, 1), deadline=date(2025, 12, 1),
                  done_criterion="Xong", group_key="g", milestone=False, unit_kinds=[])
             for n in (1, 2)],
        )  # fmt: skip
        await connection.execute(
            insert(Indicator),
            [dict(id=1, task_id=1, kind="yes_no", target=None, items=[]),
             dict(id=2, task_id=2, kind="number", target=10, items=[])],
        )  # fmt: skip
        sent = {1: {"T1": True, "T2": 10}, 2: {"T1": True, "T2": 3}, 3: {"T1": False, "T2": 12}}
        await connection.execute(
            insert(Report),
            [dict(id=a, agency_id=a, day=day, version=1, values=values,
                  submitted_at=at(day, 9), source="api", late=a == 3, synthetic=False)
             for a, values in sent.items()],
        )  # fmt: skip
        await connection.execute(
            insert(UnitDay),
            [dict(day=day, agency_id=a, level="commune", province_code=PROVINCE,
                  bloc="government", first_submitted_at=at(day, 9), on_time=a != 3,
                  latest_report_id=a, latest_status="green",
                  cutoff_report_id=None if a == 3 else a, cutoff_status=None, n_green=0,
                  n_yellow=0, n_red=0, synthetic=False)
             for a in sent],
        )  # fmt: skip
        await connection.commit()
    await asyncio.to_thread(upgrade, url)
    async with AsyncSession(engine) as session:
        # T1 green for units 1 and 2; T2 only for unit 1 (3 reported after the cut-off)
        assert await stored_greens(session) == {
            (day, 1, PROVINCE, "government"): 2,
            (day, 2, PROVINCE, "government"): 1,
        }
        assert await stored_greens(session) == await greens_from_reports(session)
    await engine.dispose()
