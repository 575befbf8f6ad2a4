"""Colours over time: for each day of a range and each level, how many expected units were
green, yellow, red at the cut-off and how many were grey (no report before it).

The same counts the day's summary gives (``service.summary``), day by day, so the dashboards'
trend charts and the API agree point for point; one grouped query over the day snapshots.
"""

from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.monitoring import repository, totals
from motcua.monitoring.models import TaskLevel, UnitDay
from motcua.monitoring.scope import DEFAULT_KIND, resolve_scope

MAX_DAYS = 366


class StatusPoint(BaseModel):
    """One day of one level: units expected and their colours at the cut-off."""

    day: date
    expected: int
    green: int
    yellow: int
    red: int
    grey: int


class StatusSeries(BaseModel):
    level: TaskLevel
    points: list[StatusPoint]


async def status_series(
    session: AsyncSession, unit: str | None, start: date, end: date, kind: str = DEFAULT_KIND
) -> list[StatusSeries]:
    """Per level with units expected in the range, one point a day from ``start`` to
    ``end``; grey is every expected unit that was not green, yellow or red at the cut-off."""
    if end < start:
        raise Invalid("Ngày bắt đầu phải trước ngày kết thúc.", code="invalid-range")
    if (end - start).days >= MAX_DAYS:
        raise Invalid("Khoảng ngày tối đa 366 ngày.", code="range-too-long")
    resolved = await resolve_scope(session, unit, kind)
    counts: dict[tuple[TaskLevel, date], dict[str, int]] = defaultdict(dict)
    if resolved.scope.agency_id is None:  # the country or a province: the day totals
        for level_, day_, found in await totals.colours(session, start, end, resolved.scope):
            counts[(TaskLevel(level_), day_)] = found
    else:
        rows = await session.execute(
            select(UnitDay.level, UnitDay.day, UnitDay.cutoff_status, func.count())
            .where(
                and_(UnitDay.day >= start, UnitDay.day <= end),
                UnitDay.cutoff_status.is_not(None),
                *resolved.scope.where(UnitDay),
            )
            .group_by(UnitDay.level, UnitDay.day, UnitDay.cutoff_status)
        )
        for level, day, status, n in rows:
            counts[(TaskLevel(level), day)][str(status)] = int(n)
    out = []
    for level in TaskLevel:
        windows = await repository.window_counts(session, resolved.scope, level)
        if not windows:
            continue
        points = []
        day = start
        while day <= end:
            expected = sum(n for s, e, n in windows if s <= day <= e)
            got = counts.get((level, day), {})
            green, yellow, red = got.get("green", 0), got.get("yellow", 0), got.get("red", 0)
            grey = max(0, expected - green - yellow - red)
            points.append(StatusPoint(day=day, expected=expected, green=green, yellow=yellow,
                                      red=red, grey=grey))  # fmt: skip
            day += timedelta(days=1)
        out.append(StatusSeries(level=level, points=points))
    return out


class PlanSpan(BaseModel):
    """A followed plan's title (and its English one, for English mode) and dates."""

    title: str
    title_en: str | None = None
    starts_on: date
    ends_on: date


class Period(BaseModel):
    """The plans being followed and, when ``day`` has no task to report, why not: ``none``
    (no plan), ``before`` the first plan starts, ``after`` the last one ended, or a ``gap``
    between plans. The pages phrase the reason, so it is translated like their other words."""

    plans: list[PlanSpan]
    start: date | None  # the first day of the first plan
    end: date | None  # the last day of the last plan
    reason: Literal["none", "before", "after", "gap"] | None


async def period(session: AsyncSession, day: date) -> Period:
    """Each plan's title and dates, and why ``day`` has nothing due (so an empty day is not
    read as a day of zeros)."""
    plans = [
        PlanSpan(title=p.title, title_en=p.title_en, starts_on=p.starts_on, ends_on=p.ends_on)
        for p in await repository.plans(session)
    ]
    if not plans:
        return Period(plans=[], start=None, end=None, reason="none")
    spans = [(p.starts_on, p.ends_on) for p in plans]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    reason: Literal["before", "after", "gap"] | None = None
    if day < start:
        reason = "before"
    elif day > end:
        reason = "after"
    elif not any(s <= day <= e for s, e in spans):
        reason = "gap"
    return Period(plans=plans, start=start, end=end, reason=reason)


def chart_range(day: date, plans: Period) -> tuple[date, date] | None:
    """The plans' days up to ``day`` (at most a year back); none before they start."""
    if plans.start is None or plans.end is None or day < plans.start:
        return None
    end = min(day, plans.end)
    return max(plans.start, end - timedelta(days=MAX_DAYS - 1)), end
