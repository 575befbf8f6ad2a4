"""Units green per task at each day's cut-off, counted per day, task, province and bloc
(``monitoring_task_totals``), so the task groups of the country or a province sum a few
hundred rows instead of judging every unit's report (docs/monitoring.md, "Roll-up tables").

Whether a task is green needs the status rules (value against target and deadline, the
plan's rule set), which SQL cannot apply, so the counts are kept in Python:

- a report judges its tasks as it is stored; a version before the cut-off moves its unit from
  the tasks its previous cut-off version made green to the ones it makes green
  (``move_greens``), in the report's own transaction, with the same adding upsert as the day
  totals;
- bulk writers (synthetic data, scenarios, the benchmark) call ``rebuild`` for the days they
  wrote (``totals.rebuild_days`` does): it reads each cut-off version once per distinct set of
  values and judges it with the same rules.

``rebuild`` over every day gives what the incremental upkeep must equal
(tests/monitoring/test_task_totals.py).
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Integer, Text, cast, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.repository import conflict_insert
from motcua.monitoring.models import Report, TaskTotal, UnitDay
from motcua.monitoring.plans import Catalogue, catalogue
from motcua.monitoring.rules import Status, task_status
from motcua.monitoring.totals import NO_PROVINCE, province_key

Key = tuple[date, int, str, str]  # day, task, province ("" for none), bloc


def green_tasks(cat: Catalogue, values: Mapping[str, Any], day: date) -> list[int]:
    """The tasks one cut-off version makes green, by the rules of each task's plan."""
    found = []
    for code, value in values.items():
        task_id = cat.by_code.get(code)
        if task_id is None:
            continue
        spec = cat.specs[task_id]
        if task_status(spec, value, day, cat.rules[task_id], reported=True) == Status.green:
            found.append(task_id)
    return sorted(found)


async def move_greens(
    session: AsyncSession,
    day: date,
    province_code: str | None,
    bloc: str,
    before: Iterable[int],
    after: Iterable[int],
) -> None:
    """One unit's cut-off version changed: its tasks green ``before`` count one less, those
    green ``after`` one more; one statement, rows in task order (as every report takes them),
    each added in place."""
    delta: Counter[int] = Counter(after)
    delta.subtract(before)
    rows = [
        {"day": day, "task_id": task_id, "province_code": province_code or NO_PROVINCE,
         "bloc": bloc, "green": delta[task_id]}
        for task_id in sorted(delta)
        if delta[task_id]
    ]  # fmt: skip
    if not rows:
        return
    table: Any = TaskTotal.__table__
    statement = conflict_insert(session.get_bind().dialect.name)(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"green": table.c.green + statement.excluded.green},
    )
    await session.execute(statement)


def count_greens(
    cat: Catalogue, versions: Iterable[tuple[date, str, str, Any, int]]
) -> Counter[Key]:
    """Green units per (day, task, province, bloc) from (day, province, bloc, values, units
    that sent exactly these values)."""
    counts: Counter[Key] = Counter()
    for day, province, bloc, values, units in versions:
        parsed = json.loads(values) if isinstance(values, str) else values
        for task_id in green_tasks(cat, parsed, day):
            counts[(day, task_id, province, bloc)] += int(units)
    return counts


async def rebuild(session: AsyncSession, start: date, end: date) -> None:
    """Count the green tasks of ``start``..``end`` again from the cut-off versions."""
    await session.execute(delete(TaskTotal).where(TaskTotal.day >= start, TaskTotal.day <= end))
    cat = await catalogue(session)
    province, values = province_key(UnitDay.province_code), cast(Report.values, Text)
    versions = await session.stream(
        select(UnitDay.day, province, UnitDay.bloc, values, func.count())
        .join(Report, Report.id == UnitDay.cutoff_report_id)
        .where(UnitDay.day >= start, UnitDay.day <= end)
        .group_by(UnitDay.day, province, UnitDay.bloc, values)
        .execution_options(yield_per=5000)
    )
    counts: Counter[Key] = Counter()
    async for part in versions.partitions():
        counts.update(count_greens(cat, part))
    rows = [
        {"day": d, "task_id": t, "province_code": p, "bloc": b, "green": n}
        for (d, t, p, b), n in sorted(counts.items())
        if n
    ]
    for first in range(0, len(rows), 2000):
        await session.execute(insert(TaskTotal), rows[first : first + 2000])


async def green_by_task(session: AsyncSession, day: date, scope: Any) -> dict[int, int]:
    """Units green at the cut-off per task, in the country or a province (``scope``)."""
    t = TaskTotal
    rows = await session.execute(
        select(t.task_id, cast(func.coalesce(func.sum(t.green), 0), Integer))
        .where(t.day == day, *scope.where(t))
        .group_by(t.task_id)
    )
    return {task_id: int(n) for task_id, n in rows if n}
