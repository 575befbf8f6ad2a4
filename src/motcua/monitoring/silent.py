"""The non-reporters of a day, a page at a time.

A unit is silent on a day when its window holds the day (``monitoring_unit_windows``, kept
with who is expected) and it has no snapshot that day: an anti-join on the snapshots' key
(day, unit), one index probe per unit of the scope. The longest silence first needs each
silent unit's last day, one probe of the (unit, day) index each; the names are read only for
the page shown. How many are silent comes from the roll-ups (expected less reported), so a
page costs the silent units of its scope, not every unit and every assignment.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from motcua.monitoring.models import TaskLevel, UnitDay, UnitWindow
from motcua.monitoring.repository import Scope
from motcua.units.models import Agency


@dataclass(frozen=True)
class Silent:
    agency_id: int
    code: str
    name: str
    level: TaskLevel
    province_code: str | None
    last_day: date | None


def _silent(day: date, scope: Scope, level: TaskLevel | None) -> list[Any]:
    """Units of ``scope`` (and ``level``) expected on ``day`` with no snapshot for it."""
    w = UnitWindow
    reported = select(UnitDay.agency_id).where(UnitDay.day == day, UnitDay.agency_id == w.agency_id)
    return [
        w.starts_on <= day,
        w.ends_on >= day,
        *scope.where(w),
        *([w.level == level.value] if level is not None else []),
        ~reported.exists(),
    ]


def _last_day(day: date) -> Any:
    """The last day on or before ``day`` a unit reported for (a probe of its index)."""
    inner = aliased(UnitDay)
    return (
        select(func.max(inner.day))
        .where(inner.agency_id == UnitWindow.agency_id, inner.day <= day)
        .scalar_subquery()
    )


async def silent_units(
    session: AsyncSession, day: date, scope: Scope
) -> Sequence[tuple[int, TaskLevel, str | None]]:
    """Units expected on ``day`` with no report for it (late reports count as reports)."""
    w = UnitWindow
    rows = await session.execute(
        select(w.agency_id, w.level, w.province_code).where(*_silent(day, scope, None))
    )
    return [(a, TaskLevel(level), p) for a, level, p in rows]


async def silent_page(
    session: AsyncSession,
    day: date,
    scope: Scope,
    *,
    level: TaskLevel | None = None,
    never: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Silent]:
    """Silent units, never reported first, then the longest silence, then by code; only
    those that never reported up to ``day`` with ``never``; ``limit`` of them from
    ``offset``. The page is cut from the windows alone; names are read for it only."""
    w = UnitWindow
    last = _last_day(day).label("last_day")
    code: Any = w.code
    if session.get_bind().dialect.name == "postgresql":
        code = code.collate("C")  # byte order, as Python compares the codes
    page = (
        select(w.agency_id, w.code, w.level, w.province_code, last)
        .where(*_silent(day, scope, level))
        .order_by(last.asc().nulls_first(), code)
    )
    if never:
        page = page.where(_last_day(day).is_(None))
    if limit is not None:
        page = page.limit(limit).offset(offset)
    found = page.subquery()
    code_found: Any = found.c.code
    if session.get_bind().dialect.name == "postgresql":
        code_found = code_found.collate("C")
    rows = await session.execute(
        select(found, Agency.name)
        .join(Agency, Agency.id == found.c.agency_id)
        .order_by(found.c.last_day.asc().nulls_first(), code_found)
    )
    return [
        Silent(agency_id, code_, name, TaskLevel(lv), province, last_day)
        for agency_id, code_, lv, province, last_day, name in rows
    ]


async def never_count(session: AsyncSession, day: date, scope: Scope) -> dict[TaskLevel, int]:
    """Silent units that never reported up to ``day``, per level."""
    w = UnitWindow
    rows = await session.execute(
        select(w.level, func.count())
        .where(*_silent(day, scope, None), _last_day(day).is_(None))
        .group_by(w.level)
    )
    return {TaskLevel(level): int(n) for level, n in rows}


async def silent_count(session: AsyncSession, day: date, scope: Scope) -> dict[TaskLevel, int]:
    """Silent units per level counted by the anti-join (one unit's scope, or as a check of
    the roll-ups' expected less reported)."""
    w = UnitWindow
    rows = await session.execute(
        select(w.level, func.count()).where(*_silent(day, scope, None)).group_by(w.level)
    )
    return {TaskLevel(level): int(n) for level, n in rows}
