"""Roll-ups for one day or a range: per level and in total, as ratios of sums (DHIS2)."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Invalid, NotFound
from motcua.monitoring import repository, silent, unit_queries
from motcua.monitoring.models import (
    TaskLevel,
)
from motcua.monitoring.repository import Scope
from motcua.monitoring.rules import (
    Status,
)
from motcua.monitoring.schemas import (
    ChecklistFigures,
    LevelFigures,
    NonReporter,
    ProvinceRow,
    Summary,
    Trend,
    TrendPoint,
    UnitRow,
)
from motcua.monitoring.scope import DEFAULT_KIND, blocs_of, kinds_of, resolve_scope
from motcua.units.models import AgencyKind, CodeStatus


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 6) if denominator else None


def _figures(level: TaskLevel, expected: tuple[int, int], got: Mapping[str, int]) -> LevelFigures:
    units, assignments = expected
    reported, green = got.get("reported", 0), got.get("green", 0)
    yellow, red = got.get("yellow", 0), got.get("red", 0)
    return LevelFigures(
        level=level,
        expected=units,
        reported=reported,
        reported_on_time=got.get("on_time", 0),
        green=green,
        yellow=yellow,
        red=red,
        grey=max(0, units - green - yellow - red),
        reporting_rate=ratio(reported, units),
        on_time_rate=ratio(got.get("on_time", 0), units),
        share_green=ratio(green, units),
        assignments_expected=assignments,
        assignments_green=got.get("assignments_green", 0),
        share_assignments_green=ratio(got.get("assignments_green", 0), assignments),
    )


async def summary(
    session: AsyncSession, day: date, unit: str | None, kind: str = DEFAULT_KIND
) -> Summary:
    """Figures for one day at the cut-off, per level and in total (ratios of sums), over the
    units of the blocs ``kind`` names (People's Committees and ministries by default)."""
    resolved = await resolve_scope(session, unit, kind)
    expected = await repository.expected_by_level(session, day, resolved.scope)
    got = await repository.reported_by_level(session, day, resolved.scope)
    levels = [
        _figures(level, expected.get(level, (0, 0)), got.get(level, {}))
        for level in TaskLevel
        if level in expected or level in got
    ]
    totals: dict[str, int] = defaultdict(int)
    for values in got.values():
        for key, value in values.items():
            totals[key] += value
    total = _figures(
        TaskLevel.commune,
        (sum(e[0] for e in expected.values()), sum(e[1] for e in expected.values())),
        totals,
    )
    total.level = "all"
    own_status = None
    if resolved.agency_id is not None:
        own = await repository.unit_day(session, day, resolved.agency_id)
        own_status = (own.cutoff_status if own else None) or Status.grey.value
    checklists = [
        ChecklistFigures(
            task=task.code,
            title=task.title,
            title_en=task.title_en,
            expected=n_expected,
            reporting=n_reporting,
            met=n_met,
            share_over_reporting=ratio(n_met, n_reporting),
            share_over_all=ratio(n_met, n_expected),
        )
        for task, n_expected, n_reporting, n_met in await repository.checklist_figures(
            session, day, resolved.scope
        )
    ]
    return Summary(
        day=day,
        scope=resolved.ref,
        kind=kind,
        own_status=own_status,
        levels=levels,
        total=total,
        checklists=checklists,
    )


def combined_status(counts: tuple[int, int, int, int], expected: int) -> str:
    """A province's own status over its province-level units of the chosen blocs, from their
    counts at the cut-off (reported, green, yellow, red): green when every one is green;
    otherwise the worst (red, yellow, then grey for no report at the cut-off). With the
    People's Committee alone, its own status."""
    reported, green, yellow, red = counts
    units = max(reported, expected)
    if units and green == units:
        return Status.green.value
    if red:
        return Status.red.value
    return Status.yellow.value if yellow else Status.grey.value


async def province_grid(
    session: AsyncSession, day: date, kind: str = DEFAULT_KIND
) -> list[ProvinceRow]:
    """The 34 provinces: own status at the cut-off, and their communes' figures (of the
    blocs ``kind`` names)."""
    scope = Scope(blocs=blocs_of(kind))
    own, expected, communes = await repository.province_grid(session, day, scope)
    rows = []
    for province in await repository.provinces(session):
        reported, on_time, green = communes.get(province.code, (0, 0, 0))
        own_expected, n = expected.get(province.code, (0, 0))
        rows.append(
            ProvinceRow(
                code=province.code,
                name=province.name,
                status=combined_status(own.get(province.code, (0, 0, 0, 0)), own_expected),
                communes_expected=n,
                communes_reported=reported,
                communes_on_time=on_time,
                communes_green=green,
                share_communes_green=ratio(green, n),
                reporting_rate=ratio(reported, n),
            )
        )
    return rows


async def communes(
    session: AsyncSession, province: str, day: date, kind: str = DEFAULT_KIND
) -> list[UnitRow]:
    """Drill-down: every commune-level unit of a province of the blocs ``kind`` names (the
    communes' People's Committees by default) with its status at the cut-off."""
    found = await repository.reporting_agency(session, province)
    if found is None or found[0].level.value != "province":
        raise NotFound(f"Không có tỉnh/thành phố mã {province!r}.", code="unknown-province")
    kinds = kinds_of(blocs_of(kind))
    rows = []
    for unit in await unit_queries.province_rows(session, province, kinds, day):
        committee = unit.kind == AgencyKind.people_committee
        reported = unit.reported is not None
        rows.append(
            UnitRow(
                code=unit.unit_code if committee else unit.code,
                name=unit.unit_name if committee else unit.name,
                status=unit.cutoff_status or Status.grey.value,
                reported=reported,
                on_time=unit.on_time if reported else None,
                first_submitted_at=unit.first_submitted_at,
                tasks_green=unit.n_green or 0,
                last_reported_on=unit.last_day,
                kind=unit.kind.value,
                code_provisional=not committee and unit.code_status == CodeStatus.provisional,
            )
        )
    return rows


async def non_reporters(
    session: AsyncSession,
    day: date,
    unit: str | None,
    limit: int,
    *,
    never: bool = False,
    kind: str = DEFAULT_KIND,
    level: TaskLevel | None = None,
    offset: int = 0,
) -> list[NonReporter]:
    """Units expected on ``day`` that sent nothing for it, longest silence first (never
    reported first, then by code); with ``never``, only those that have not reported once up
    to ``day``; of one ``level`` if given; ``limit`` of them from ``offset`` (the page shown:
    names are read for these only)."""
    resolved = await resolve_scope(session, unit, kind)
    rows = await silent.silent_page(
        session, day, resolved.scope, level=level, never=never, limit=limit, offset=offset
    )
    return [
        NonReporter(
            code=row.code,
            name=row.name,
            level=row.level,
            province_code=row.province_code,
            last_reported_on=row.last_day,
            days_silent=(day - row.last_day).days if row.last_day else None,
        )
        for row in rows
    ]


async def silent_counts(
    session: AsyncSession, day: date, unit: str | None, *, never: bool, kind: str = DEFAULT_KIND
) -> dict[TaskLevel, int]:
    """How many units are silent on ``day`` per level: for the country or a province, the
    roll-ups' expected less reported (a few hundred rows, not the units); those that never
    reported, and one unit, by the anti-join itself."""
    resolved = await resolve_scope(session, unit, kind)
    if never:
        return await silent.never_count(session, day, resolved.scope)
    if resolved.scope.agency_id is not None:
        return await silent.silent_count(session, day, resolved.scope)
    expected = await repository.expected_by_level(session, day, resolved.scope)
    got = await repository.reported_by_level(session, day, resolved.scope)
    return {
        level: max(0, units - got.get(level, {}).get("reported", 0))
        for level, (units, _) in expected.items()
    }


async def trend(
    session: AsyncSession,
    unit: str | None,
    start: date,
    end: date,
    level: TaskLevel | None,
    kind: str = DEFAULT_KIND,
) -> Trend:
    """Per-day rates over a range, and the range's own rates as ratios of sums."""
    if end < start:
        raise Invalid("Ngày bắt đầu phải trước ngày kết thúc.", code="invalid-range")
    if (end - start).days > 366:
        raise Invalid("Khoảng ngày tối đa 366 ngày.", code="range-too-long")
    resolved = await resolve_scope(session, unit, kind)
    windows = await repository.window_counts(session, resolved.scope, level)
    counts = await repository.daily_counts(session, start, end, resolved.scope, level)
    points = []
    day = start
    while day <= end:
        expected = sum(n for s, e, n in windows if s <= day <= e)
        reported, on_time, green = counts.get(day, (0, 0, 0))
        points.append(
            TrendPoint(
                day=day,
                expected=expected,
                reported=reported,
                reported_on_time=on_time,
                green=green,
                reporting_rate=ratio(reported, expected),
                on_time_rate=ratio(on_time, expected),
                share_green=ratio(green, expected),
            )
        )
        day += timedelta(days=1)
    expected_total = sum(p.expected for p in points)
    reported_total = sum(p.reported for p in points)
    on_time_total = sum(p.reported_on_time for p in points)
    return Trend(
        scope=resolved.ref,
        start=start,
        end=end,
        points=points,
        expected=expected_total,
        reported=reported_total,
        reported_on_time=on_time_total,
        reporting_rate=ratio(reported_total, expected_total),
        on_time_rate=ratio(on_time_total, expected_total),
    )


async def default_day(session: AsyncSession) -> date:
    """The last day with reports, or today when there are none yet."""
    return await repository.latest_day(session) or clock.today()
