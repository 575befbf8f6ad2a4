"""A refused daily report keeps what the officer typed, the note included, and stores nothing."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring.models import Report
from motcua.monitoring.schemas import PlanDocument
from tests.forms import token_in
from tests.monitoring.conftest import DAY, PASSWORD, Officers

NOTE = "Xã chưa có đường truyền ổn định; đã báo viễn thông tỉnh ngày 03/12."


async def test_a_refused_report_keeps_the_note_and_values(
    client: httpx.AsyncClient,
    session: AsyncSession,
    plan: PlanDocument,
    communes: list[str],
    officers: Officers,
) -> None:
    await client.post(
        "/login", data={"username": "xa_a", "password": PASSWORD, "next": "/monitoring/report"}
    )
    form = await client.get("/monitoring/report", params={"date": str(DAY)})
    before = await session.scalar(select(func.count()).select_from(Report))
    refused = await client.post(
        "/monitoring/report",
        data={
            "unit": communes[0],
            "day": str(DAY),
            "task:T.XA.CHK": ["premises", "equipment"],
            "task:T.XA.PCT": "nhiều lắm",  # not a number: refused
            "note": NOTE,
            "csrf_token": token_in(form.text),
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert 'role="alert"' in page
    assert f">{NOTE}</textarea>" in page
    assert 'value="premises" checked' in page and 'value="equipment" checked' in page
    assert 'value="connectivity" checked' not in page
    assert 'value="nhiều lắm"' in page
    assert await session.scalar(select(func.count()).select_from(Report)) == before
