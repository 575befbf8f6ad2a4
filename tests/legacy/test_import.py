"""Import of open dossiers from a former one-stop system: round trips in JSON, CSV and XLSX;
every problem named by row and nothing written; old codes found by citizens and officers."""

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.dossiers import repository as dossiers
from motcua.dossiers.models import Dossier, DossierState
from motcua.legacy import service
from motcua.legacy.models import LegacyDossier
from motcua.legacy.schemas import LegacyFile
from motcua.legacy.service import ImportRefused
from motcua.units import repository as units
from motcua.workflow.models import WorkflowCase
from tests.workflow.conftest import Team

SOURCE = "Một cửa cũ tỉnh Thử Nghiệm (dữ liệu thử)"
PROCEDURE = "0.000001"


def row(old_code: str, **changes: Any) -> dict[str, Any]:
    received = clock.now() - timedelta(days=20)
    return {
        "old_code": old_code,
        "source_system": SOURCE,
        "procedure_code": PROCEDURE,
        "applicant_number": "001090000123",
        "received_at": received.isoformat(),
        "due_at": (received + timedelta(days=25)).isoformat(),
        "old_unit_code": "00064",  # Phường Hàng Gai (Hoàn Kiếm), merged into Phường Hoàn Kiếm
        "old_agency_code": "UBND.HANGGAI",
        **changes,
    }


def as_json(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"dossiers": list(rows)}, ensure_ascii=False).encode()


def as_csv(*rows: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(LegacyFile.model_json_schema()["$defs"]["LegacyRow"]["properties"])
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def count(session: AsyncSession) -> tuple[int, int]:
    return (
        int(await session.scalar(select(func.count()).select_from(Dossier)) or 0),
        int(await session.scalar(select(func.count()).select_from(LegacyDossier)) or 0),
    )


async def test_json_round_trip_keeps_dates_maps_the_unit_and_says_where_from(
    session: AsyncSession,
) -> None:
    sent = row(
        "OLD-2025-0001",
        applicant_address="12 Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Thành phố Hà Nội",
    )
    imported = await service.import_file(session, "cu.json", as_json(sent))
    assert [i.old_code for i in imported] == ["OLD-2025-0001"]
    dossier = await dossiers.by_code(session, imported[0].code)
    assert dossier is not None and dossier.state == DossierState.received
    assert dossier.received_at == datetime.fromisoformat(sent["received_at"])
    assert dossier.due_at == datetime.fromisoformat(sent["due_at"])
    agency = await units.agency_by_code(session, imported[0].code.rsplit("-", 2)[0])
    assert agency is not None and agency.unit_code == "00070"  # Phường Hoàn Kiếm
    assert agency.name == "Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm"
    first = dossier.events[0]
    assert first.kind == "imported" and first.at == dossier.received_at
    assert first.data["legacy"]["source_system"] == SOURCE
    assert first.data["legacy"]["old_code"] == "OLD-2025-0001"
    assert first.data["legacy"]["old_agency_code"] == "UBND.HANGGAI"
    assert first.data["legacy"]["address"] == {
        "old": "12 Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Thành phố Hà Nội",
        "new": "12 Hàng Bông, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "commune_code": "00070",
        "certain": True,
    }
    case = await session.scalar(select(WorkflowCase).where(WorkflowCase.dossier_id == dossier.id))
    assert case is not None and case.open and case.due_at == dossier.due_at
    assert await service.alias(session, "OLD-2025-0001") == dossier.code
    # Hà Nội's (01): the dossier, its history, its case and its legacy record carry it
    legacy = await session.get(LegacyDossier, dossier.id)
    assert legacy is not None
    assert {dossier.province_code, first.province_code, case.province_code} == {"01"}
    assert legacy.province_code == "01"


async def test_csv_and_xlsx_round_trips(session: AsyncSession) -> None:
    via_csv = await service.import_file(session, "cu.csv", as_csv(row("OLD-CSV-1")))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sent = row("OLD-XLSX-1", old_unit_code="46")  # the province of Huế, unchanged
    sheet.append(list(sent))
    sheet.append(list(sent.values()))
    data = io.BytesIO()
    book.save(data)
    via_xlsx = await service.import_file(session, "cu.xlsx", data.getvalue())
    for done in (*via_csv, *via_xlsx):
        assert await service.alias(session, done.old_code) == done.code
    huế = await units.agency_by_code(session, via_xlsx[0].code.rsplit("-", 2)[0])
    assert huế is not None and huế.unit_code == "46"


async def test_every_problem_is_named_by_row_and_nothing_is_written(
    session: AsyncSession,
) -> None:
    await service.import_file(session, "truoc.json", as_json(row("OLD-DONE")))
    before = await count(session)
    received = clock.now() - timedelta(days=3)
    rows = [
        row("OLD-OK-1"),
        row("OLD-BAD-2", applicant_number="12345"),
        row("OLD-BAD-3", old_unit_code="00028"),  # Phường Kim Mã, split in three
        row("OLD-BAD-4", procedure_code="9.999999"),
        row("OLD-OK-1"),
        row("OLD-DONE"),
        row("OLD-BAD-7", due_at=(received - timedelta(days=30)).isoformat()),
        row("OLD-BAD-8", old_unit_code="99999"),
        row("OLD-BAD-9", new_agency_code="000.00.00.X99", old_unit_code=None),
        row(
            "OLD-BAD-11",
            received_at=(clock.now() + timedelta(days=2)).isoformat(),
            due_at=(clock.now() + timedelta(days=9)).isoformat(),
        ),
    ]
    with pytest.raises(ImportRefused) as refused:
        await service.import_file(session, "cu.csv", as_csv(*rows))
    problems = {(p["row"], p["field"]) for p in refused.value.details["problems"]}
    assert problems == {
        (3, "applicant_number"),
        (4, "old_unit_code"),
        (5, "procedure_code"),
        (6, "old_code"),
        (7, "old_code"),
        (8, "row"),
        (9, "old_unit_code"),
        (10, "new_agency_code"),
        (11, "received_at"),
    }
    messages = {p["row"]: p["message"] for p in refused.value.details["problems"]}
    assert "Phường Giảng Võ" in messages[4] and "Phường Kim Mã" in messages[4]
    assert "dòng 2" in messages[6] and "nhập trước đây" in messages[7]
    assert messages[3] == "số định danh cá nhân cần đủ 12 chữ số"
    assert "phải sau ngày tiếp nhận" in messages[8]
    assert "9 lỗi" in refused.value.message
    assert await count(session) == before
    assert await service.alias(session, "OLD-OK-1") is None


async def test_unreadable_files_are_refused(session: AsyncSession) -> None:
    for name, data in [("cu.json", b"{not json"), ("cu.txt", b"x"), ("cu.json", b"[]")]:
        with pytest.raises(Exception) as refused:
            await service.import_file(session, name, data)
        assert getattr(refused.value, "status_code", None) == 422


async def test_citizen_finds_an_old_code_at_tra_cuu(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    imported = await service.import_file(session, "cu.json", as_json(row("HS-CU/2025/77")))
    page = await client.post(
        "/tra-cuu", data={"code": "HS-CU/2025/77", "secret": imported[0].tracking_secret}
    )
    assert page.status_code == 200, page.text
    assert imported[0].code in page.text and "Đã tiếp nhận" in page.text
    wrong = await client.post("/tra-cuu", data={"code": "HS-CU/2025/77", "secret": "AAAAAAAA"})
    assert wrong.status_code == 404 and "HS-CU/2025/77" in wrong.text


async def test_officer_finds_an_old_code_in_the_queue(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    sent = row("HS-CU-88", old_unit_code=None, new_agency_code=team.commune.code)
    imported = await service.import_file(session, "cu.json", as_json(sent))
    headers = {"Cookie": f"motcua_token={team.tokens['c_receiving_officer']}"}
    queue = await client.get("/can-bo/ho-so", headers=headers)
    assert queue.status_code == 200 and 'name="ma"' in queue.text
    assert imported[0].code in queue.text
    found = await client.get("/can-bo/ho-so", params={"ma": "HS-CU-88"}, headers=headers)
    assert found.status_code == 303
    assert found.headers["location"] == f"/can-bo/ho-so/{imported[0].code}"
    view = await client.get(found.headers["location"], headers=headers)
    assert view.status_code == 200
    assert "Chuyển từ hệ thống một cửa cũ" in view.text and "HS-CU-88" in view.text
    due = get_calendar().localise(datetime.fromisoformat(sent["due_at"]))
    assert due.strftime("%d/%m/%Y") in view.text


def test_documented_schema_is_the_one_the_import_checks() -> None:
    from pathlib import Path

    docs = Path(__file__).parents[2] / "docs"
    documented = json.loads((docs / "legacy.schema.json").read_text("utf-8"))
    assert documented == LegacyFile.model_json_schema()
