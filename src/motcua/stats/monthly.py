"""The monthly roll-up: the daily roll-up summed per month, province, procedure and channel.

At millions of dossiers the daily roll-up holds about one row per dossier (a commune rarely
gets the same procedure by the same channel twice a day), so a national month is hundreds of
thousands of rows to sum. Requests for whole months that filter and group by nothing finer
than a province, a procedure or a channel (the national tables, the service index, the
concentration among the 25) read this table instead: 34 × 25 × 4 rows a month at most. It moves
by the same differences as the daily rows, in the same transaction, and the rebuild makes it
again from them, so the two always agree (a test compares them).
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from motcua.core.repository import conflict_insert
from motcua.stats.models import COUNTERS, DailyRollup, MonthlyRollup

DAILY = cast(Table, DailyRollup.__table__)
MONTHLY = cast(Table, MonthlyRollup.__table__)
KEYS = ("month", "province_code", "procedure_code", "channel")
GROUPS = {
    "province": MONTHLY.c.province_code,
    "procedure": MONTHLY.c.procedure_code,
    "channel": MONTHLY.c.channel,
}


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def covers(where: Any, period: str | None, group: str | None) -> bool:
    """Whether a request of the daily roll-up (``repository.Filter``) can be answered here."""
    return (
        where.commune_code is None
        and where.agency_id is None
        and period in (None, "month")
        and (group is None or group in GROUPS)
        and _whole_months(where.start, where.end)
    )


def _where(where: Any) -> list[ColumnElement[bool]]:
    clauses = [MONTHLY.c.month >= where.start, MONTHLY.c.month <= where.end]
    for column, value in (
        (MONTHLY.c.province_code, where.province_code),
        (MONTHLY.c.procedure_code, where.procedure_code),
        (MONTHLY.c.channel, where.channel),
    ):
        if value is not None:
            clauses.append(column == value)
    if where.essential_only:
        clauses.append(MONTHLY.c.essential.is_(True))
    return clauses


async def sums(
    session: AsyncSession, where: Any, period: str | None, group: str | None
) -> list[tuple[date | None, str | None, dict[str, int]]]:
    """What ``repository.sums`` answers, from the monthly rows (``covers`` must hold)."""
    period_column = MONTHLY.c.month if period else literal(None)
    group_column = GROUPS[group] if group else literal(None)
    totals = [func.coalesce(func.sum(MONTHLY.c[n]), 0).label(n) for n in COUNTERS]
    if period is None and group is None:
        row = (await session.execute(select(*totals).where(and_(*_where(where))))).mappings().one()
        return [(None, None, {n: int(row[n]) for n in COUNTERS})]
    statement = (
        select(period_column.label("period"), group_column.label("grp"), *totals)
        .where(and_(*_where(where)))
        .group_by(period_column, group_column)
        .order_by(period_column, group_column)
    )
    return [
        (r["period"], None if r["grp"] is None else str(r["grp"]),
         {n: int(r[n]) for n in COUNTERS})
        for r in (await session.execute(statement)).mappings()
    ]  # fmt: skip


async def add(session: AsyncSession, daily_rows: Sequence[dict[str, Any]]) -> None:
    """Move the monthly rows by the differences just added to these daily rows."""
    merged: dict[tuple[object, ...], dict[str, Any]] = {}
    for row in daily_rows:
        key = tuple(row[k] for k in KEYS)
        if key in merged:
            for name in COUNTERS:
                merged[key][name] += int(row[name])
        else:
            merged[key] = {k: row[k] for k in (*KEYS, "essential", *COUNTERS)}
    if not merged:
        return
    insert = conflict_insert(session.get_bind().dialect.name)
    statement = insert(MONTHLY)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEYS),
            set_={name: MONTHLY.c[name] + statement.excluded[name] for name in COUNTERS},
        ),
        list(merged.values()),
    )


async def from_daily(session: AsyncSession, months: tuple[date, date] | None = None) -> None:
    """The monthly rows made again from the daily roll-up (after ``clear``); of the months
    ``months`` only, first and last included, when given (a bulk load splits the work)."""
    essential = (
        func.bool_or(DAILY.c.essential)
        if session.get_bind().dialect.name == "postgresql"
        else func.max(DAILY.c.essential)
    )
    keys = [DAILY.c[k] for k in KEYS]
    query = select(*keys, essential, *[func.sum(DAILY.c[n]) for n in COUNTERS]).group_by(*keys)
    if months is not None:
        query = query.where(DAILY.c.month.between(*months))
    await session.execute(MONTHLY.insert().from_select([*KEYS, "essential", *COUNTERS], query))


async def clear(session: AsyncSession) -> None:
    await session.execute(delete(MonthlyRollup))


async def rows(session: AsyncSession) -> dict[tuple[object, ...], dict[str, int]]:
    """Every non-empty monthly row (the tests compare it with the daily roll-up's sums)."""
    found = {}
    for row in (await session.execute(select(MONTHLY))).mappings():
        counts = {name: int(row[name]) for name in COUNTERS}
        if any(counts.values()):
            found[tuple(row[k] for k in KEYS)] = counts
    return found
