"""The seeds' days: every published figure read back through the API, and a second load (or a
day someone already reported for) refused with nothing written."""

import html
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.monitoring import scenarios, service
from motcua.monitoring.models import ChecklistDay, Report, UnitDay
from tests.monitoring.conftest import at


def percent(value: float | None, digits: int) -> float:
    assert value is not None
    return round(value * 100, digits)


async def figures(
    client: httpx.AsyncClient, day: str
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    summary = await client.get("/api/v1/monitoring/summary", params={"date": day})
    grid = await client.get("/api/v1/monitoring/provinces", params={"date": day})
    assert summary.status_code == 200 and grid.status_code == 200
    body = summary.json()
    levels = {level["level"]: level for level in body["levels"]}
    [checklist] = body["checklists"]
    return levels, checklist, grid.json()


async def stored(session: AsyncSession, day: date) -> tuple[int, int, int]:
    counts = []
    for model in (Report, UnitDay, ChecklistDay):
        counts.append(
            int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.day == day)
                )
                or 0
            )
        )
    return counts[0], counts[1], counts[2]


async def test_seed_2025_07_07_gives_every_published_figure(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    loaded = await scenarios.load(session, "seed-2025-07-07")
    assert loaded.day == date(2025, 7, 7)
    assert loaded.reports - loaded.organisation_reports == 34 + 2982 + 17
    levels, checklist, grid = await figures(client, "2025-07-07")
    provinces, communes = levels["province"], levels["commune"]
    # 32/34 provinces (94%) green
    assert (provinces["expected"], provinces["green"]) == (34, 32)
    assert sum(1 for row in grid if row["status"] == "green") == 32
    assert round(provinces["share_green"] * 100) == 94
    # 99.61% of province-level assignments green (508 of 34 x 15)
    assert (provinces["assignments_expected"], provinces["assignments_green"]) == (510, 508)
    assert percent(provinces["share_assignments_green"], 2) == 99.61
    # the two others are in progress before their deadline, not late
    assert (provinces["yellow"], provinces["red"]) == (2, 0)
    # 2,982 of 3,321 communes reported; 13.3% of them meet every basic condition
    assert (communes["expected"], communes["reported"]) == (3321, 2982)
    assert (checklist["expected"], checklist["reporting"], checklist["met"]) == (3321, 2982, 397)
    assert percent(checklist["share_over_reporting"], 1) == 13.3
    assert checklist["share_over_all"] == round(397 / 3321, 6)
    page = await client.get("/monitoring", params={"date": "2025-07-07"})
    assert page.status_code == 200
    assert "dữ liệu tổng hợp minh hoạ" in page.text and "32/34" in page.text
    assert "99,61%" in page.text and "397/2.982" in page.text
    # stored state: one synthetic report and one snapshot per reporting unit
    reports = (await session.scalars(select(Report).where(Report.day == loaded.day))).all()
    assert len(reports) == loaded.reports
    assert all(r.synthetic and r.source == "scenario" and not r.late for r in reports)


async def test_the_organisations_report_on_the_seeds_days_too(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    """Filtered to the Party committees or the Front, the seeds' day is not empty; their rows
    carry their own bloc, so the published figures (the committees') stay exact."""
    loaded = await scenarios.load(session, "seed-2025-07-31")
    assert loaded.organisation_reports > 0
    day = {"date": "2025-07-31"}
    for kind, khoi in (("party", "dang"), ("front", "mat-tran")):
        summary = await client.get("/api/v1/monitoring/summary", params={**day, "kind": kind})
        levels = {f["level"]: f for f in summary.json()["levels"]}
        assert levels["province"]["reported"] == levels["province"]["expected"] > 0
        assert levels["commune"]["reported"] > 0
        page = await client.get("/monitoring", params={**day, "khoi": khoi})
        assert page.status_code == 200 and "dữ liệu tổng hợp minh hoạ" in page.text
    levels, checklist, _ = await figures(client, "2025-07-31")
    assert (levels["province"]["green"], levels["province"]["expected"]) == (34, 34)
    assert (checklist["expected"], checklist["met"]) == (3321, 1981)
    organisation_rows = await session.scalar(
        select(func.count())
        .select_from(UnitDay)
        .where(UnitDay.day == loaded.day, UnitDay.bloc != "government")
    )
    assert organisation_rows == loaded.organisation_reports


async def test_seed_2025_07_31_gives_every_published_figure(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await scenarios.load(session, "seed-2025-07-31")
    levels, checklist, grid = await figures(client, "2025-07-31")
    provinces = levels["province"]
    # 34/34 green, none yellow or red
    assert (provinces["green"], provinces["yellow"], provinces["red"]) == (34, 0, 0)
    assert all(row["status"] == "green" for row in grid)
    # 8 provinces with 100% of their communes green
    assert sum(1 for row in grid if row["share_communes_green"] == 1.0) == 8
    # 1,981 of 3,321 communes (59.7%) meet the basic conditions
    assert (checklist["expected"], checklist["met"]) == (3321, 1981)
    assert percent(checklist["share_over_all"], 1) == 59.7


async def test_a_scenario_loads_once_and_a_refusal_writes_nothing(session: AsyncSession) -> None:
    day = date(2025, 7, 7)
    first = await scenarios.load(session, "seed-2025-07-07")
    before = await stored(session, day)
    assert before[0] == first.reports
    with pytest.raises(Conflict) as refused:
        await scenarios.load(session, "seed-2025-07-07")
    assert refused.value.code == "scenario-loaded" and "07/07/2025" in refused.value.message
    assert await stored(session, day) == before


async def test_a_day_with_real_reports_is_not_overwritten(session: AsyncSession) -> None:
    day = date(2025, 7, 31)
    await service.seed_plan02(session)
    await service.submit_report(
        session, subject=None, unit="01", day=day, submitted_at=at(day, 9),
        values={f"KH02.TINH.{n:02d}": True for n in (1, 2, 3, 4, 6, 8, 10, 12, 13, 14, 15)}
        | {"KH02.TINH.05": 100, "KH02.TINH.07": 100, "KH02.TINH.09": 100, "KH02.TINH.11": 25},
    )  # fmt: skip
    with pytest.raises(Conflict):
        await scenarios.load(session, "seed-2025-07-31")
    assert await stored(session, day) == (1, 1, 3)  # the province's report, its 3 milestones


async def test_an_unknown_scenario_is_named(session: AsyncSession) -> None:
    with pytest.raises(NotFound) as refused:
        await scenarios.load(session, "seed-2025-13-01")
    assert "seed-2025-07-07" in refused.value.message


async def test_a_plan_that_no_longer_fits_the_published_day_loads_nothing(
    session: AsyncSession,
) -> None:
    await service.seed_plan02(session)
    await service.set_exemption(session, "KH02.TINH.05", "01", "Miễn thử nghiệm")
    with pytest.raises(Invalid) as refused:
        await scenarios.load(session, "seed-2025-07-07")
    assert refused.value.code == "bad-scenario" and "không nạp gì" in refused.value.message
    assert await stored(session, date(2025, 7, 7)) == (0, 0, 0)


async def test_the_published_figures_and_the_plans_words_in_english(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    """Every published quote translates, the one with "100%" too (its figure is kept out of
    the message); the shipped plan's title, its tasks' and groups' read in English in English
    mode and in Vietnamese otherwise."""
    await scenarios.load(session, "seed-2025-07-31")
    day = {"date": "2025-07-31"}
    vietnamese = html.unescape((await client.get("/monitoring", params=day)).text)
    english = html.unescape((await client.get("/monitoring", params={**day, "lang": "en"})).text)
    assert "8 tỉnh, thành phố có 100% xã, phường xanh" in vietnamese
    assert "8 provinces and cities with 100% of their communes and wards green" in english
    for quote in ("100% xã", "34/34 tỉnh", "1.981/3.321 xã"):
        assert quote not in english, quote
    plan = service.plan02_document()
    assert plan.title_en and all(task.title_en for task in plan.tasks)
    assert set(plan.groups_en) == set(plan.groups)
    milestone = next(t for t in plan.tasks if t.milestone and t.level == "province")
    checklist = next(t for t in plan.tasks if t.indicator.kind == "checklist")
    for words in (plan, milestone, checklist):
        assert words.title_en is not None
        assert words.title_en in english and words.title not in english, words.title_en
        assert words.title in vietnamese and words.title_en not in vietnamese
    assert plan.groups_en["the_che"] in english and plan.groups["the_che"] not in english
    assert plan.groups["the_che"] in vietnamese
