"""A small test plan over every unit, officers of chosen units, and a clock at a chosen time."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.monitoring import service
from motcua.monitoring.schemas import PlanDocument
from motcua.units import repository as units

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 9, 10)
PROVINCE = "12"  # Lai Châu, 38 communes
PASSWORD = "mat-khau-thu-nghiem"

PLAN = {
    "code": "TEST-PLAN",
    "title": "Kế hoạch thử nghiệm",
    "starts_on": "2025-07-01",
    "ends_on": "2025-12-31",
    "synthetic": True,
    "tasks": [
        {
            "code": "T.XA.CHK",
            "title": "Điều kiện trung tâm cấp xã",
            "level": "commune",
            "starts_on": "2025-07-01",
            "deadline": "2025-12-31",
            "done_criterion": "Đủ 3 điều kiện",
            "indicator": {
                "kind": "checklist",
                "items": [
                    {"key": "premises", "label": "Trụ sở"},
                    {"key": "equipment", "label": "Thiết bị"},
                    {"key": "connectivity", "label": "Kết nối"},
                ],
            },
        },
        {
            "code": "T.XA.PCT",
            "title": "Số hoá hồ sơ",
            "level": "commune",
            "starts_on": "2025-07-01",
            "deadline": "2025-12-31",
            "done_criterion": "100%",
            "indicator": {"kind": "percentage", "target": 100},
        },
        {
            "code": "T.TINH.YN",
            "title": "Ban hành quy trình",
            "level": "province",
            "starts_on": "2025-07-01",
            "deadline": "2025-09-30",
            "done_criterion": "Đã ban hành",
            "indicator": {"kind": "yes_no"},
        },
        {
            "code": "T.BO.NUM",
            "title": "Kết nối cơ sở dữ liệu",
            "level": "ministry",
            "starts_on": "2025-07-01",
            "deadline": "2025-12-31",
            "done_criterion": "10 cơ sở dữ liệu",
            "indicator": {"kind": "number", "target": 10},
        },
    ],
}

# Values that make each task green on DAY (deadline far, or done).
GREEN_COMMUNE = {
    "T.XA.CHK": {"premises": True, "equipment": True, "connectivity": True},
    "T.XA.PCT": 100,
}


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=VN)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with test-sized cost so officer fixtures stay fast."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
async def plan(session: AsyncSession) -> PlanDocument:
    document = PlanDocument.model_validate(PLAN)
    await service.import_plan(session, document)
    for task in document.tasks:
        await service.assign_task(session, task.code)
    return document


@pytest.fixture
async def communes(session: AsyncSession) -> list[str]:
    return [u.code for u in await units.communes_of(session, PROVINCE)]


@dataclass
class Officers:
    commune_a: identity.Subject
    commune_b: identity.Subject
    monitor: identity.Subject
    other_monitor: identity.Subject
    viewer: identity.Subject


async def make_officer(
    session: AsyncSession, username: str, unit: str | None, role: Role, agency: str | None = None
) -> identity.Subject:
    if agency is None:
        found = [a for a in await units.agencies(session, unit_code=unit, limit=5)]
        agency = next(a.code for a in found if a.kind.value == "people_committee")
    await identity.create_officer(
        session,
        username=username,
        full_name=f"Cán bộ {username}",
        agency_code=agency,
        role=role,
        password=PASSWORD,
    )
    token, _ = await identity.issue_token(session, username, PASSWORD)
    return await identity.subject_for_token(session, token)


@pytest.fixture
async def officers(session: AsyncSession, communes: list[str]) -> Officers:
    return Officers(
        commune_a=await make_officer(session, "xa_a", communes[0], Role.receiving_officer),
        commune_b=await make_officer(session, "xa_b", communes[1], Role.handling_officer),
        monitor=await make_officer(session, "tinh_gs", PROVINCE, Role.provincial_monitor),
        other_monitor=await make_officer(session, "tinh_khac", "01", Role.provincial_monitor),
        viewer=await make_officer(session, "trung_uong", "01", Role.national_viewer),
    )


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
