"""Queries the dashboards' kind filter needs beyond the shared roll-up queries: the commune
readiness checklist per province counted over the units of chosen blocs only."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring.models import Assignment, ChecklistDay, UnitDay


async def checklist_by_province_in(
    session: AsyncSession, day: date, task_ids: Sequence[int], blocs: tuple[str, ...] | None
) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    """Per (task, province), over the units of ``blocs`` (None: every bloc): units assigned,
    units reporting at the cut-off, units meeting every item, units that never reported
    anything up to ``day``."""
    if not task_ids:
        return {}
    ids = list(task_ids)
    out: dict[tuple[int, str], list[int]] = {}
    of_blocs = [] if blocs is None else [Assignment.bloc.in_(blocs)]
    assigned = select(Assignment.task_id, Assignment.province_code, func.count()).where(
        Assignment.task_id.in_(ids), Assignment.exempt.is_(False), *of_blocs
    )
    ever = select(UnitDay.agency_id).where(
        UnitDay.agency_id == Assignment.agency_id, UnitDay.day <= day
    )
    never = assigned.where(~ever.exists())
    for index, statement in ((0, assigned), (3, never)):
        grouped = statement.group_by(Assignment.task_id, Assignment.province_code)
        for task_id, province, n in await session.execute(grouped):
            out.setdefault((task_id, str(province)), [0, 0, 0, 0])[index] = int(n)
    rows = await session.execute(
        select(
            ChecklistDay.task_id,
            ChecklistDay.province_code,
            func.count(),
            func.sum(case((ChecklistDay.met, 1), else_=0)),
        )
        .where(
            ChecklistDay.day == day,
            ChecklistDay.task_id.in_(ids),
            *([] if blocs is None else [ChecklistDay.bloc.in_(blocs)]),
        )
        .group_by(ChecklistDay.task_id, ChecklistDay.province_code)
    )
    for task_id, province, n, met in rows:
        counts = out.setdefault((task_id, str(province)), [0, 0, 0, 0])
        counts[1], counts[2] = int(n), int(met or 0)
    return {key: (c[0], c[1], c[2], c[3]) for key, c in out.items()}
