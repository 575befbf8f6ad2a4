"""Roll-up arithmetic against a hand-computed fixture in Lai Châu (38 communes), including
units that never report, a late report and a late correction."""

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring import service
from motcua.monitoring.models import TaskLevel
from motcua.monitoring.rollups import combined_status
from motcua.monitoring.schemas import LevelFigures, PlanDocument
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PROVINCE, at

MINISTRY = "000.00.00.G01"
NOTHING = {"T.XA.CHK": [], "T.XA.PCT": 0}


@pytest.fixture
async def day_of_reports(session: AsyncSession, plan: PlanDocument, communes: list[str]) -> None:
    """c0-c2 green (done); c3 yellow (digitised, checklist unmet: not done before its deadline);
    c4 yellow (nothing done); c5 late only; c6 yellow at 16:00 then corrected to green late; c7
    reported the day before, c8 five days before; c9-c37 never. The province reports its task
    done (green), one ministry reports progress (yellow)."""
    c = communes

    async def send(unit: str, values: dict[str, object], hour: int, day: date = DAY) -> None:
        await service.submit_report(
            session, subject=None, unit=unit, day=day, values=values, submitted_at=at(day, hour)
        )

    for unit in c[:3]:
        await send(unit, GREEN_COMMUNE, 9)
    await send(c[3], {"T.XA.CHK": ["premises", "equipment"], "T.XA.PCT": 100}, 10)
    await send(c[4], NOTHING, 11)
    await send(c[5], GREEN_COMMUNE, 17)
    await send(c[6], {"T.XA.CHK": [], "T.XA.PCT": 100}, 12)
    await send(c[6], GREEN_COMMUNE, 19)
    await send(c[7], GREEN_COMMUNE, 9, DAY - timedelta(days=1))
    await send(c[8], GREEN_COMMUNE, 9, DAY - timedelta(days=5))
    await send(PROVINCE, {"T.TINH.YN": True}, 14)
    await send(MINISTRY, {"T.BO.NUM": 2}, 15)


def level(figures: list[LevelFigures], name: str) -> LevelFigures:
    return next(f for f in figures if f.level == name)


async def test_province_summary_by_hand(session: AsyncSession, day_of_reports: None) -> None:
    summary = await service.summary(session, DAY, PROVINCE)
    assert summary.own_status == "green"
    communes = level(summary.levels, "commune")
    assert (communes.expected, communes.reported, communes.reported_on_time) == (38, 7, 6)
    assert (communes.green, communes.yellow, communes.red, communes.grey) == (3, 3, 0, 32)
    assert communes.reporting_rate == round(7 / 38, 6)
    assert communes.on_time_rate == round(6 / 38, 6)
    assert communes.share_green == round(3 / 38, 6)
    assert (communes.assignments_expected, communes.assignments_green) == (76, 8)
    assert communes.share_assignments_green == round(8 / 76, 6)
    province = level(summary.levels, "province")
    assert (province.expected, province.reported, province.green) == (1, 1, 1)
    # a parent's rate is a ratio of sums, not the average of 7/38 and 1/1
    assert summary.total.expected == 39 and summary.total.reported == 8
    assert summary.total.reporting_rate == round(8 / 39, 6)
    assert summary.total.on_time_rate == round(7 / 39, 6)
    [checklist] = summary.checklists
    assert (checklist.task, checklist.expected, checklist.reporting, checklist.met) == (
        "T.XA.CHK", 38, 6, 3,
    )  # fmt: skip
    assert checklist.share_over_reporting == 0.5
    assert checklist.share_over_all == round(3 / 38, 6)


async def test_national_summary(session: AsyncSession, day_of_reports: None) -> None:
    summary = await service.summary(session, DAY, None)
    assert summary.scope.code == "VN" and summary.own_status is None
    communes = level(summary.levels, "commune")
    assert (communes.expected, communes.reported) == (3321, 7)
    ministries = level(summary.levels, "ministry")
    assert (ministries.expected, ministries.reported, ministries.yellow) == (17, 1, 1)
    assert level(summary.levels, "province").expected == 34
    assert summary.total.expected == 3372 and summary.total.reported == 9
    assert summary.total.reporting_rate == round(9 / 3372, 6)


async def test_a_unit_that_reported_only_late_is_grey_at_the_cutoff_but_counts_as_reported(
    session: AsyncSession, day_of_reports: None, communes: list[str]
) -> None:
    rows = {row.code: row for row in await service.communes(session, PROVINCE, DAY)}
    assert len(rows) == 38
    late = rows[communes[5]]
    assert (late.status, late.reported, late.on_time) == ("grey", True, False)
    corrected = rows[communes[6]]
    assert (corrected.status, corrected.on_time, corrected.tasks_green) == ("yellow", True, 1)
    assert rows[communes[0]].status == "green" and rows[communes[0]].tasks_green == 2
    assert rows[communes[7]].last_reported_on == DAY - timedelta(days=1)
    assert rows[communes[20]].last_reported_on is None and not rows[communes[20]].reported


async def test_province_grid(session: AsyncSession, day_of_reports: None) -> None:
    grid = {row.code: row for row in await service.province_grid(session, DAY)}
    assert len(grid) == 34
    lai_chau = grid[PROVINCE]
    assert lai_chau.status == "green"
    assert (lai_chau.communes_expected, lai_chau.communes_reported) == (38, 7)
    assert (lai_chau.communes_on_time, lai_chau.communes_green) == (6, 3)
    assert lai_chau.share_communes_green == round(3 / 38, 6)
    assert grid["01"].status == "grey" and grid["01"].communes_reported == 0


async def test_non_reporters_oldest_silence_first(
    session: AsyncSession, day_of_reports: None, communes: list[str]
) -> None:
    rows = await service.non_reporters(session, DAY, PROVINCE, limit=100)
    codes = [row.code for row in rows]
    assert len(rows) == 31 and PROVINCE not in codes
    never = sorted(communes[9:])
    assert codes == [*never, communes[8], communes[7]]
    assert rows[0].last_reported_on is None and rows[0].days_silent is None
    assert (rows[-2].days_silent, rows[-1].days_silent) == (5, 1)
    assert len(await service.non_reporters(session, DAY, PROVINCE, limit=3)) == 3


async def test_non_reporters_a_page_at_a_time_with_counts_from_the_roll_ups(
    session: AsyncSession, day_of_reports: None, communes: list[str]
) -> None:
    every = await service.non_reporters(session, DAY, None, 100_000)
    assert len(every) == 3_372 - 9  # the 9 units of Lai Châu that reported for DAY
    pages = [
        await service.non_reporters(session, DAY, None, 200, offset=offset)
        for offset in range(0, len(every), 200)
    ]
    assert [row for page in pages for row in page] == every
    communes_only = await service.non_reporters(
        session, DAY, None, 50, level=TaskLevel.commune, offset=100
    )
    assert communes_only == [r for r in every if r.level == TaskLevel.commune][100:150]
    counts = await service.silent_counts(session, DAY, None, never=False)
    assert counts == {lv: sum(1 for r in every if r.level == lv) for lv in TaskLevel}
    never = await service.silent_counts(session, DAY, PROVINCE, never=True)
    listed = await service.non_reporters(session, DAY, PROVINCE, 100, never=True)
    assert never == {TaskLevel.commune: 29} and len(listed) == 29
    assert sorted(r.code for r in listed) == sorted(communes[9:])


async def test_trend_is_a_ratio_of_sums_over_days(
    session: AsyncSession, day_of_reports: None
) -> None:
    trend = await service.trend(session, PROVINCE, DAY - timedelta(days=5), DAY, None)
    assert [p.expected for p in trend.points] == [39] * 6
    assert [p.reported for p in trend.points] == [1, 0, 0, 0, 1, 8]
    assert trend.expected == 234 and trend.reported == 10
    assert trend.reporting_rate == round(10 / 234, 6)
    assert trend.points[-1].green == 4  # c0-c2 and the province
    before_plan = await service.trend(session, PROVINCE, date(2025, 6, 28), date(2025, 7, 1), None)
    assert [p.expected for p in before_plan.points] == [0, 0, 0, 39]
    assert before_plan.points[0].reporting_rate is None  # nothing expected: no rate, not 0%


def test_a_provinces_own_colour_from_its_units_counted() -> None:
    """(reported, green, yellow, red) at the cut-off of its province-level units, and how many
    are expected: green only when every one is green, otherwise the worst, grey for silence."""
    cases = [
        ((1, 1, 0, 0), 1, "green"),
        ((3, 3, 0, 0), 3, "green"),
        ((2, 2, 0, 0), 3, "grey"),  # one of three silent
        ((3, 2, 1, 0), 3, "yellow"),
        ((3, 1, 1, 1), 3, "red"),
        ((2, 1, 1, 0), 3, "yellow"),
        ((1, 0, 0, 0), 1, "grey"),  # reported after the cut-off only
        ((0, 0, 0, 0), 1, "grey"),
        ((0, 0, 0, 0), 0, "grey"),
    ]
    for counts, expected, colour in cases:
        assert combined_status(counts, expected) == colour, counts
