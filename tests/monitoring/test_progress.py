"""The commune readiness checklist per province (over reporting and over all communes, never
reported), completion per task group, milestone counts over time, the report form on a day
without tasks, and plans whose rules or groups name what does not exist."""

import copy
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.monitoring import progress, service
from motcua.monitoring.models import Plan, Task
from motcua.monitoring.schemas import PlanDocument
from tests.monitoring.conftest import DAY, PASSWORD, PLAN, PROVINCE, Officers, at

HANOI = "01"


def grouped_plan() -> dict[str, Any]:
    plan = copy.deepcopy(PLAN)
    plan["code"] = "TEST-GROUPS"
    plan["groups"] = {"xa": "Cấp xã", "the_che": "Thể chế"}
    for task in plan["tasks"]:
        task["code"] = task["code"].replace("T.", "G.")
        task["group"] = "the_che" if task["level"] != "commune" else "xa"
    plan["tasks"][2]["milestone"] = True  # the province's yes/no task
    plan["tasks"][0]["indicator"]["items"][0]["source"] = "Văn bản minh hoạ"
    plan["tasks"][0]["indicator"]["items"][0]["illustrative"] = True
    return plan


@pytest.fixture
async def grouped(session: AsyncSession) -> PlanDocument:
    document = PlanDocument.model_validate(grouped_plan())
    await service.import_plan_file(session, document)
    return document


async def send(session: AsyncSession, unit: str, day: date, values: dict[str, Any]) -> None:
    await service.submit_report(
        session, subject=None, unit=unit, day=day, values=values, submitted_at=at(day, 9)
    )


def commune_values(met: bool) -> dict[str, Any]:
    checklist = ["premises", "equipment", "connectivity"] if met else ["premises"]
    return {"G.XA.CHK": checklist, "G.XA.PCT": 100}


async def test_readiness_per_province_and_nationally(
    session: AsyncSession, grouped: PlanDocument, communes: list[str], client: httpx.AsyncClient
) -> None:
    """Lai Châu: 3 meet, 2 report without meeting, 1 reported only the day before, 32 never.
    Hà Nội: 1 meets. Everyone else: never reported."""
    for unit in communes[:3]:
        await send(session, unit, DAY, commune_values(True))
    for unit in communes[3:5]:
        await send(session, unit, DAY, commune_values(False))
    await send(session, communes[5], DAY - timedelta(days=1), commune_values(True))
    hanoi = (await service.communes(session, HANOI, DAY))[0].code
    await send(session, hanoi, DAY, commune_values(True))

    response = await client.get("/api/v1/monitoring/readiness", params={"date": str(DAY)})
    assert response.status_code == 200
    [task] = response.json()
    assert task["task"] == "G.XA.CHK" and task["illustrative"] is True
    assert task["items"][0]["source"] == "Văn bản minh hoạ"
    rows = {row["code"]: row for row in task["provinces"]}
    lai_chau = rows[PROVINCE]
    assert (lai_chau["expected"], lai_chau["reporting"], lai_chau["met"]) == (38, 5, 3)
    assert lai_chau["never_reported"] == 38 - 6
    assert lai_chau["share_over_reporting"] == 0.6
    assert lai_chau["share_over_all"] == round(3 / 38, 6)
    national = task["national"]
    assert (national["expected"], national["reporting"], national["met"]) == (3321, 6, 4)
    assert national["share_over_reporting"] == round(4 / 6, 6)
    assert national["share_over_all"] == round(4 / 3321, 6)
    assert national["never_reported"] == 3321 - 7
    assert len(rows) == 34

    never = await client.get(
        "/api/v1/monitoring/non-reporters",
        params={"date": str(DAY), "unit": PROVINCE, "never": "true", "limit": 100},
    )
    codes = [row["code"] for row in never.json()]
    assert len(codes) == 33 and PROVINCE in codes  # its 32 silent communes and itself
    assert communes[5] not in codes and communes[6] in codes
    silent_today = await service.non_reporters(session, DAY, PROVINCE, 100)
    assert communes[5] in [row.code for row in silent_today]  # silent today, not never

    page = await client.get("/monitoring/readiness", params={"date": str(DAY)})
    assert page.status_code == 200
    assert "Văn bản minh hoạ" in page.text and "minh hoạ" in page.text
    assert "G.XA.CHK" not in page.text


async def test_group_completion_and_milestones_over_time(
    session: AsyncSession, grouped: PlanDocument, communes: list[str], client: httpx.AsyncClient
) -> None:
    day1, day2, day3 = DAY - timedelta(days=2), DAY - timedelta(days=1), DAY
    await send(session, PROVINCE, day1, {"G.TINH.YN": False})
    await send(session, HANOI, day1, {"G.TINH.YN": True})
    await send(session, PROVINCE, day2, {"G.TINH.YN": True})
    # Hà Nội sends nothing on day 2 and day 3: a milestone reached stays reached
    await send(session, communes[0], day3, commune_values(True))
    await send(session, communes[1], day3, commune_values(False))

    response = await client.get(
        "/api/v1/monitoring/milestones", params={"start": str(day1), "end": str(day3)}
    )
    assert response.status_code == 200
    [milestone] = response.json()
    assert milestone["task"] == "G.TINH.YN" and milestone["level"] == "province"
    assert [(p["day"], p["met"], p["expected"]) for p in milestone["points"]] == [
        (str(day1), 1, 34), (str(day2), 2, 34), (str(day3), 2, 34),
    ]  # fmt: skip

    groups = await client.get("/api/v1/monitoring/groups", params={"date": str(day3)})
    figures = {(g["group"], g["level"]): g for g in groups.json()}
    commune = figures[("xa", "commune")]
    # two tasks x 3,321 communes; c0 has both green, c1 only the digitisation
    assert (commune["tasks"], commune["assignments"], commune["green"]) == (2, 6642, 3)
    assert commune["label"] == "Cấp xã"
    assert figures[("the_che", "province")]["green"] == 0  # nobody reported on day 3
    in_province = await progress.groups(session, day3, PROVINCE)
    assert {(g.group, g.level.value): g.assignments for g in in_province}[("xa", "commune")] == 76

    page = await client.get("/monitoring", params={"date": str(day3)})
    assert page.status_code == 200
    assert "2/34" in page.text and "Tỷ lệ hoàn thành theo nhóm nhiệm vụ" in page.text


async def test_report_form_says_why_a_day_has_no_tasks_and_offers_the_last_open_day(
    client: httpx.AsyncClient, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    signed_in = await client.post("/login", data={"username": "xa_a", "password": PASSWORD})
    assert signed_in.status_code == 303
    after = await client.get("/monitoring/report", params={"date": "2026-01-05"})
    assert after.status_code == 200
    assert "không có nhiệm vụ phải báo cáo" in after.text
    assert "đã kết thúc ngày 31/12/2025" in after.text
    assert "01/07/2025" in after.text and "31/12/2025" in after.text  # the plan's period
    assert "date=2025-12-31" in after.text  # the last open day, offered
    assert 'method="post" action="/monitoring/report"' not in after.text
    before = await client.get("/monitoring/report", params={"date": "2025-06-20"})
    assert "trước khi các nhiệm vụ được giao bắt đầu" in before.text
    open_day = await client.get("/monitoring/report", params={"date": str(DAY)})
    assert "Gửi báo cáo" in open_day.text and "Hạn hoàn thành" in open_day.text


@pytest.mark.parametrize(
    ("change", "named"),
    [({"rules": {"statuses": "done=green; otherwise=purple"}}, "purple"),
     ({"rules": {"task_rule_sets": {"NOT.A.TASK": "on_track"}}}, "NOT.A.TASK"),
     ({"rules": {"rule_set": "lenient"}}, "lenient"),
     ({"groups": {}}, "the_che")],
)  # fmt: skip
async def test_a_plan_naming_what_does_not_exist_is_refused_whole(
    session: AsyncSession, change: dict[str, Any], named: str
) -> None:
    document = PlanDocument.model_validate(grouped_plan() | change)
    with pytest.raises(Invalid) as refused:
        await service.import_plan_file(session, document)
    assert refused.value.code == "invalid-plan" and named in refused.value.message
    assert await session.scalar(select(func.count()).select_from(Plan)) == 0
    assert await session.scalar(select(func.count()).select_from(Task)) == 0


async def test_a_plan_may_choose_the_on_track_rule(session: AsyncSession) -> None:
    document = PlanDocument.model_validate(grouped_plan() | {"rules": {"rule_set": "on_track"}})
    await service.import_plan_file(session, document)
    province = await service.submit_report(
        session, subject=None, unit=PROVINCE, day=DAY, values={"G.TINH.YN": False},
        submitted_at=at(DAY, 9),
    )  # fmt: skip
    assert province.status == "green"  # yes/no, 20 days left: on track under this option
