"""Roll-ups beyond the colours: the commune readiness checklist per province, completion per
task group, and milestone counts over time ("24/34 provinces set up their working group").

Every figure is a count over a count (nothing averaged). The checklist and milestone figures
read the per-task cut-off rows (``monitoring_checklist_days``) the reports write; group
completion of the country or a province reads the green tasks counted as each report was judged
(``monitoring_task_totals``), one unit's its version frozen at the day's cut-off, judged by the
same rules.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.monitoring import kind_queries, repository, task_totals
from motcua.monitoring.models import IndicatorKind, TaskLevel
from motcua.monitoring.plans import catalogue
from motcua.monitoring.rollups import ratio
from motcua.monitoring.schemas import (
    ChecklistItem,
    GroupFigures,
    Milestone,
    MilestonePoint,
    Readiness,
    ReadinessRow,
)
from motcua.monitoring.scope import DEFAULT_KIND, blocs_of, resolve_scope


def _row(code: str, name: str, counts: tuple[int, int, int, int]) -> ReadinessRow:
    expected, reporting, met, never = counts
    return ReadinessRow(
        code=code,
        name=name,
        expected=expected,
        reporting=reporting,
        met=met,
        never_reported=never,
        share_over_reporting=ratio(met, reporting),
        share_over_all=ratio(met, expected),
    )


async def readiness(session: AsyncSession, day: date, kind: str = DEFAULT_KIND) -> list[Readiness]:
    """Each checklist task active on ``day`` and assigned to units of the blocs ``kind``
    names: nationally and per province, the share meeting every item over the units
    reporting and over all units, and how many never reported."""
    blocs = blocs_of(kind)
    tasks = [
        (task, indicator)
        for task, indicator, plan in await repository.tasks_with_indicators(session)
        if indicator.kind == IndicatorKind.checklist and task.starts_on <= day <= plan.ends_on
    ]
    counts = await kind_queries.checklist_by_province_in(
        session, day, [t.id for t, _ in tasks], blocs
    )
    provinces = await repository.provinces(session)
    out = []
    for task, indicator in tasks:
        if not any(key[0] == task.id and got[0] for key, got in counts.items()):
            continue  # no unit of these blocs has the task
        national = [0, 0, 0, 0]
        rows = []
        for province in provinces:
            got = counts.get((task.id, province.code), (0, 0, 0, 0))
            national = [a + b for a, b in zip(national, got, strict=True)]
            if got[0]:
                rows.append(_row(province.code, province.name, got))
        items = [ChecklistItem.model_validate(item) for item in indicator.items]
        out.append(
            Readiness(
                day=day,
                task=task.code,
                title=task.title,
                title_en=task.title_en,
                illustrative=any(item.illustrative for item in items),
                items=items,
                national=_row(
                    "VN", "Toàn quốc", (national[0], national[1], national[2], national[3])
                ),
                provinces=rows,
            )
        )
    return out


async def groups(
    session: AsyncSession, day: date, unit: str | None, kind: str = DEFAULT_KIND
) -> list[GroupFigures]:
    """Per task group and level: tasks green at the cut-off over active assignments, of the
    units of the blocs ``kind`` names."""
    resolved = await resolve_scope(session, unit, kind)
    cat = await catalogue(session)
    assignments = await repository.active_assignments_by_task(session, day, resolved.scope)
    green: dict[int, int] = defaultdict(int)
    if resolved.scope.agency_id is None:  # the country or a province: the counted rows
        green.update(await task_totals.green_by_task(session, day, resolved.scope))
    else:  # one unit: its own cut-off version, judged here
        for values in await repository.cutoff_values(session, day, resolved.scope):
            for task_id in task_totals.green_tasks(cat, values, day):
                green[task_id] += 1
    labels: dict[str, str] = {}
    labels_en: dict[str, str] = {}
    for plan in await repository.plans(session):
        labels.update(plan.groups or {})
        labels_en.update(plan.groups_en or {})
    totals: dict[tuple[str, TaskLevel], list[int]] = {}
    for task_id, n in assignments.items():
        spec = cat.specs[task_id]
        key = (spec.group or "", cat.levels[task_id])
        entry = totals.setdefault(key, [0, 0, 0])
        entry[0] += 1
        entry[1] += n
        entry[2] += green[task_id]
    order = list(labels)
    return [
        GroupFigures(
            group=group,
            label=labels.get(group, "Chưa xếp nhóm"),
            label_en=labels_en.get(group),
            level=level,
            tasks=tasks,
            assignments=n,
            green=g,
            share_green=ratio(g, n),
        )
        for (group, level), (tasks, n, g) in sorted(
            totals.items(),
            key=lambda item: (
                order.index(item[0][0]) if item[0][0] in order else len(order),
                list(TaskLevel).index(item[0][1]),
            ),
        )
    ]


async def milestones(
    session: AsyncSession, start: date, end: date, unit: str | None, kind: str = DEFAULT_KIND
) -> list[Milestone]:
    """For each milestone task, day by day: units (of the blocs ``kind`` names) that have met
    it at a cut-off on or before that day (reached stays reached), over the units assigned
    it. Only days with reports are listed."""
    if end < start:
        raise Invalid("Ngày bắt đầu phải trước ngày kết thúc.", code="invalid-range")
    if (end - start).days > 366:
        raise Invalid("Khoảng ngày tối đa 366 ngày.", code="range-too-long")
    resolved = await resolve_scope(session, unit, kind)
    cat = await catalogue(session)
    ids = [t for t, spec in sorted(cat.specs.items(), key=lambda i: i[1].code) if spec.milestone]
    firsts: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for task_id, first, units in await repository.first_met(session, ids, end, resolved.scope):
        firsts[task_id].append((first, units))
    days = await repository.days_with_reports(session, start, end)
    assigned = await repository.active_assignments_by_task(session, None, resolved.scope)
    out = []
    for task_id in ids:
        spec = cat.specs[task_id]
        points = [
            MilestonePoint(
                day=day,
                met=sum(units for first, units in firsts[task_id] if first <= day),
                expected=assigned[task_id],
            )
            for day in days
            if assigned.get(task_id) and spec.starts_on <= day <= cat.ends_on[task_id]
        ]
        out.append(
            Milestone(
                task=spec.code,
                title=spec.title,
                title_en=spec.title_en,
                level=cat.levels[task_id],
                points=points,
            )
        )
    return out
