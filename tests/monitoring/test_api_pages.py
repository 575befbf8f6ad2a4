"""The JSON API and the pages over real HTTP semantics (ASGI), with bearer tokens and cookies."""

import csv
import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.monitoring import service
from motcua.monitoring.schemas import PlanDocument
from tests.forms import token_in
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PASSWORD, PROVINCE, Officers, at, login


@pytest.fixture
async def reported(session: AsyncSession, plan: PlanDocument, communes: list[str]) -> None:
    for unit in communes[:2]:
        await service.submit_report(
            session, subject=None, unit=unit, day=DAY, values=GREEN_COMMUNE,
            submitted_at=at(DAY, 9),
        )  # fmt: skip


async def test_report_through_the_api(
    client: httpx.AsyncClient, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    headers = await login(client, "xa_a")
    body = {"unit": communes[0], "day": str(DAY), "values": GREEN_COMMUNE}
    response = await client.post("/api/v1/monitoring/reports", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1 and response.json()["late"] is True  # sent today
    again = await client.post("/api/v1/monitoring/reports", json=body, headers=headers)
    assert again.json()["version"] == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"unit": "99999"}, 404, "unknown-unit"),
        ({"values": {"T.XA.PCT": 10}}, 422, "invalid-value"),
        ({"values": {**GREEN_COMMUNE, "T.BO.NUM": 1}}, 422, "task-not-assigned"),
        ({"values": {**GREEN_COMMUNE, "T.XA.PCT": [1]}}, 422, "invalid-value"),
        ({"day": "2999-01-01"}, 422, "date-in-future"),
        ({"day": "10/09/2025"}, 422, "invalid-parameter"),
        ({"unit": "COMMUNE_B"}, 403, "not-your-unit"),
    ],
)
async def test_bad_reports_are_refused_with_a_message(
    client: httpx.AsyncClient,
    plan: PlanDocument,
    communes: list[str],
    officers: Officers,
    change: dict[str, object],
    status: int,
    code: str,
) -> None:
    headers = await login(client, "xa_a")
    body = {"unit": communes[0], "day": str(DAY), "values": GREEN_COMMUNE, **change}
    if body["unit"] == "COMMUNE_B":
        body["unit"] = communes[1]
    response = await client.post("/api/v1/monitoring/reports", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["message"]
    history = await client.get(
        f"/api/v1/monitoring/reports/{communes[0]}", params={"start": str(DAY), "end": str(DAY)}
    )
    assert history.json() == []  # nothing stored


async def test_reporting_needs_a_signed_in_officer(
    client: httpx.AsyncClient, plan: PlanDocument, communes: list[str]
) -> None:
    body = {"unit": communes[0], "day": str(DAY), "values": GREEN_COMMUNE}
    response = await client.post("/api/v1/monitoring/reports", json=body)
    assert response.status_code == 401 and "đăng nhập" in response.json()["message"]
    bad = await client.post(
        "/api/v1/monitoring/reports", json=body, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401 and bad.json()["code"] == "invalid-token"


async def test_bulk_upload_through_the_api(
    client: httpx.AsyncClient, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    headers = await login(client, "tinh_gs")
    day = clock.today() - timedelta(days=1)
    if day > plan.ends_on:  # the test plan ends in 2025; report on one of its days
        day = DAY
    lines = ["unit,day,task,value"]
    for unit in communes[:3]:
        lines += [f"{unit},{day},T.XA.CHK,premises", f"{unit},{day},T.XA.PCT,30"]
    files = {"file": ("bao-cao.csv", "\n".join(lines).encode(), "text/csv")}
    response = await client.post("/api/v1/monitoring/reports/bulk", files=files, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json() == {"reports": 3, "units": 3}
    lines.append(f"{communes[5]},{day},T.XA.PCT,nhiều")
    files = {"file": ("bao-cao.csv", "\n".join(lines).encode(), "text/csv")}
    refused = await client.post("/api/v1/monitoring/reports/bulk", files=files, headers=headers)
    assert refused.status_code == 422
    assert {p["line"] for p in refused.json()["problems"]} == {8}  # bad value, missing task
    binary = {"file": ("x.csv", b"\xff\xfe\x00", "text/csv")}
    assert (
        await client.post("/api/v1/monitoring/reports/bulk", files=binary, headers=headers)
    ).status_code == 422


async def test_roll_up_routes(client: httpx.AsyncClient, reported: None) -> None:
    params = {"date": str(DAY)}
    summary = await client.get("/api/v1/monitoring/summary", params={**params, "unit": PROVINCE})
    assert summary.status_code == 200
    assert summary.json()["total"]["reported"] == 2
    grid = await client.get("/api/v1/monitoring/provinces", params=params)
    assert len(grid.json()) == 34
    communes = await client.get(f"/api/v1/monitoring/provinces/{PROVINCE}/communes", params=params)
    assert len(communes.json()) == 38
    silent = await client.get("/api/v1/monitoring/non-reporters", params={**params, "limit": 5})
    assert len(silent.json()) == 5
    trend = await client.get(
        "/api/v1/monitoring/trend", params={"start": str(DAY - timedelta(days=2)), "end": str(DAY)}
    )
    assert trend.json()["reported"] == 2
    plans = await client.get("/api/v1/monitoring/plans")
    assert any(p["code"] == "TEST-PLAN" for p in plans.json())


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/monitoring/summary?date=2025-02-30",
        "/api/v1/monitoring/summary?unit=%3Cscript%3E",
        "/api/v1/monitoring/summary?unit=00",
        "/api/v1/monitoring/provinces/999/communes",
        "/api/v1/monitoring/provinces/99/communes",
        "/api/v1/monitoring/non-reporters?limit=0",
        "/api/v1/monitoring/trend?start=2025-09-10&end=2025-09-01",
        "/api/v1/monitoring/trend?start=2020-01-01&end=2025-09-01",
        "/api/v1/monitoring/reports/12?start=2025-01-01&end=x",
        "/monitoring/export/provinces.pdf",
        "/monitoring/export/communes.csv",
        "/monitoring/provinces/99",
        "/monitoring?date=hôm-nay",
    ],
)
async def test_bad_parameters_are_4xx(
    client: httpx.AsyncClient, plan: PlanDocument, url: str
) -> None:
    response = await client.get(url)
    assert 400 <= response.status_code < 500, response.text
    if url.startswith("/api/"):
        assert response.json()["message"]


async def test_dashboard_pages(
    client: httpx.AsyncClient, reported: None, communes: list[str]
) -> None:
    overview = await client.get("/monitoring", params={"date": str(DAY)})
    assert overview.status_code == 200
    html = overview.text
    assert (
        "Giám sát thực hiện kế hoạch" in html
        and html.count('class="grey"')
        + html.count('class="green"')
        + html.count('class="yellow"')
        + html.count('class="red"')
        >= 34
    )
    assert 'href="/monitoring/provinces/12?date=2025-09-10"' in html
    province = await client.get(f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY)})
    assert province.status_code == 200 and communes[0] in province.text and "Xanh" in province.text
    silent = await client.get("/monitoring/non-reporters", params={"date": str(DAY)})
    assert silent.status_code == 200 and "Chưa bao giờ" in silent.text
    unit = await client.get(f"/monitoring/units/{communes[0]}", params={"date": str(DAY)})
    # task names, not codes
    assert unit.status_code == 200 and "Số hoá hồ sơ" in unit.text and "T.XA.PCT" not in unit.text


async def test_exports(client: httpx.AsyncClient, reported: None) -> None:
    response = await client.get("/monitoring/export/provinces.csv", params={"date": str(DAY)})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Tỉnh/thành phố", "Trạng thái"] and len(rows) == 35
    lai_chau = next(r for r in rows if r[0] == PROVINCE)
    assert lai_chau[4] == "2"  # communes reported
    xlsx = await client.get(
        "/monitoring/export/communes.xlsx", params={"date": str(DAY), "unit": PROVINCE}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 39
    silent = await client.get("/monitoring/export/non-reporters.csv", params={"date": str(DAY)})
    assert silent.status_code == 200 and len(silent.content.splitlines()) > 3000


async def test_report_form_page_with_the_sign_in_cookie(
    client: httpx.AsyncClient, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    assert (await client.get("/monitoring/report")).status_code == 303  # to /login
    login = await client.post(
        "/login", data={"username": "xa_a", "password": PASSWORD, "next": "/monitoring/report"}
    )
    assert login.status_code == 303 and login.headers["location"] == "/monitoring/report"
    assert "httponly" in login.headers["set-cookie"].lower()
    form = await client.get("/monitoring/report", params={"date": str(DAY)})
    assert form.status_code == 200
    assert 'name="task:T.XA.CHK" value="premises"' in form.text
    assert '<label for="day">' in form.text
    sent = await client.post(
        "/monitoring/report",
        data={
            "unit": communes[0],
            "day": str(DAY),
            "task:T.XA.CHK": ["premises", "equipment", "connectivity"],
            "task:T.XA.PCT": "100",
            "csrf_token": token_in(form.text),
        },
    )
    assert sent.status_code == 201, sent.text
    assert "Đã nhận báo cáo" in sent.text and "trễ hạn" in sent.text
    other = await client.get("/monitoring/report", params={"unit": communes[1], "date": str(DAY)})
    assert other.status_code == 403


async def test_dashboard_without_any_plan_or_report(client: httpx.AsyncClient) -> None:
    response = await client.get("/monitoring")
    assert response.status_code == 200 and "34" in response.text
    summary = await client.get("/api/v1/monitoring/summary")
    assert summary.status_code == 200 and summary.json()["total"]["reporting_rate"] is None
