"""Import validates everything first and changes nothing on any bad row; export round-trips."""

import json
from pathlib import Path

import httpx
import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from motcua.catalog import formats, service
from motcua.catalog.models import ProcedureVersion

GOOD = {
    "code": "2.999101",
    "name": "Cấp giấy phép thử nghiệm nhập danh mục",
    "sector": "Thương mại",
    "levels": ["province"],
    "managing_agency": "000.00.00.G02",
    "processing_days": 10,
    "online_level": "partial",
    "requirements": [
        {"key": "don", "name": "Đơn đề nghị", "form_template": "Mẫu 01"},
        {
            "key": "dkkd",
            "name": "Đăng ký kinh doanh",
            "evidence_type": "business.registration",
            "fields": ["enterprise_code", "enterprise_name"],
        },
    ],
}


async def count_versions(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ProcedureVersion)) or 0)


async def test_json_import_creates_a_published_version(session: AsyncSession) -> None:
    document, lines = formats.read_text(json.dumps({"procedures": [GOOD]}, ensure_ascii=False))
    report = await service.import_document(session, document, lines)
    assert report.created == ["2.999101 v1"]
    detail = await service.current(session, "2.999101")
    assert detail.managing_agency is not None and detail.managing_agency.code == "000.00.00.G02"
    again = await service.import_document(session, document, lines)
    assert again.unchanged == ["2.999101"] and again.created == []


async def test_changed_content_makes_a_new_version(session: AsyncSession) -> None:
    document, _ = formats.read_text(json.dumps({"procedures": [GOOD]}))
    await service.import_document(session, document)
    changed, _ = formats.read_text(json.dumps({"procedures": [GOOD | {"processing_days": 7}]}))
    report = await service.import_document(session, changed)
    assert report.created == ["2.999101 v2"]
    assert (await service.current(session, "2.999101")).processing_days == 7


def test_schema_errors_list_every_problem_with_its_line() -> None:
    text = json.dumps(
        {
            "procedures": [
                GOOD,
                GOOD | {"code": "12345", "processing_days": -1},
                GOOD | {"online_level": "fax"},
            ]
        },
        indent=2,
        ensure_ascii=False,
    )
    with pytest.raises(formats.UnreadableCatalog) as error:
        formats.read_text(text)
    problems = {p.location: p for p in error.value.problems}
    assert set(problems) == {
        "procedures[1].code",
        "procedures[1].processing_days",
        "procedures[2].online_level",
    }
    lines = text.splitlines()
    for problem in problems.values():
        assert problem.line is not None
        field = problem.location.rsplit(".", 1)[1]
        assert f'"{field}"' in lines[problem.line - 1]


async def test_reference_errors_import_nothing(session: AsyncSession) -> None:
    before = await count_versions(session)
    document, lines = formats.read_text(
        yaml.safe_dump(
            {
                "procedures": [
                    GOOD,
                    GOOD | {"code": "2.999102", "managing_agency": "000.00.00.Z00"},
                    GOOD | {"code": "2.999101"},
                    GOOD
                    | {
                        "code": "2.999103",
                        "requirements": [{"key": "x", "name": "X", "evidence_type": "no.such"}],
                    },
                ]
            },
            allow_unicode=True,
        )
    )
    with pytest.raises(service.ImportRejected) as rejected:
        await service.import_document(session, document, lines)
    locations = [p.location for p in rejected.value.problems]
    assert locations == [
        "procedures[1].managing_agency",
        "procedures[2].code",
        "procedures[3].requirements[0].evidence_type",
    ]
    assert all(p.line for p in rejected.value.problems)
    assert await count_versions(session) == before


def test_unparseable_file_reports_the_line() -> None:
    with pytest.raises(formats.UnreadableCatalog) as error:
        formats.read_text('{"procedures": [\n  {"code": "1.000001",,}\n]}')
    assert error.value.problems[0].line == 2


async def test_export_round_trips_unchanged(session: AsyncSession) -> None:
    exported = await service.export_document(session)
    assert len(exported.procedures) == 325
    document, lines = formats.read_text(formats.to_json(exported))
    report = await service.import_document(session, document, lines)
    assert report.created == [] and len(report.unchanged) == 325


async def test_xlsx_round_trip_and_bad_rows(session: AsyncSession) -> None:
    exported = await service.export_document(session)
    content = formats.write_xlsx(exported)
    document, _ = formats.read_xlsx(content)
    report = await service.import_document(session, document)
    assert report.created == [] and len(report.unchanged) == 325

    from io import BytesIO

    book = load_workbook(BytesIO(content))
    sheet = book["procedures"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("processing_days") + 1, value="ba ngày")
    sheet.cell(row=5, column=header.index("code") + 1, value="1-2-3")
    sheet.cell(row=6, column=header.index("online_level") + 1, value="fax")
    out = BytesIO()
    book.save(out)
    with pytest.raises(formats.UnreadableCatalog) as error:
        formats.read_xlsx(out.getvalue())
    rows = {p.line for p in error.value.problems if p.location.startswith("procedures")}
    assert rows == {3, 5, 6}
    # the requirements of the procedure whose code broke no longer find their owner
    orphans = [p for p in error.value.problems if p.location.startswith("requirements")]
    assert orphans and all(p.line for p in orphans)


def test_cpsv_ap_export_shape() -> None:
    document, _ = formats.read_text(json.dumps({"procedures": [GOOD]}))
    graph = formats.to_cpsv_ap(document, "https://motcua.example/")["@graph"]
    service_ = graph[0]
    assert service_["@type"] == "cpsv:PublicService"
    assert service_["@id"] == "https://motcua.example/procedures/2.999101"
    assert service_["dct:identifier"] == "2.999101"
    assert service_["cv:hasCompetentAuthority"]["dct:identifier"] == "000.00.00.G02"
    assert [i["@type"] for i in service_["cpsv:hasInput"]] == ["cv:Evidence", "cv:Evidence"]
    assert service_["cv:processingTime"]["@value"] == "P10D"


async def test_export_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/catalog/export")
    assert response.status_code == 200 and response.json()["format"] == "motcua-catalog/1"
    cpsv = await client.get("/api/v1/catalog/export/cpsv-ap")
    assert cpsv.status_code == 200 and "@context" in cpsv.json()
    schema = await client.get("/api/v1/catalog/schema")
    assert schema.json()["title"].startswith("motcua catalog document")


def test_cli_reports_every_bad_row_and_imports_nothing(tmp_path: Path) -> None:
    from motcua.cli import app

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"procedures": [GOOD | {"code": "x"}, GOOD | {"levels": []}]}, indent=2)
    )
    result = CliRunner().invoke(app, ["catalog", "import", str(bad)])
    assert result.exit_code == 1
    assert "procedures[0].code" in result.output and "procedures[1].levels" in result.output
    assert "dòng" in result.output


def test_committed_schema_matches_the_model() -> None:
    committed = Path(__file__).parents[2] / "docs" / "catalog.schema.json"
    assert json.loads(committed.read_text("utf-8")) == formats.json_schema()


async def test_imported_draft_stays_private(session: AsyncSession) -> None:
    document, _ = formats.read_text(json.dumps({"procedures": [GOOD | {"status": "draft"}]}))
    report = await service.import_document(session, document)
    assert report.created == ["2.999101 v1"]
    draft = await service.version_detail(session, "2.999101", 1)
    assert draft.status == "draft" and draft.effective_from is None
    page = await service.search(session, "thu nghiem nhap danh muc")
    assert page.total == 0
