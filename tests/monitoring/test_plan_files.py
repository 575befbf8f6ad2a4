"""Plans from YAML and XLSX: round trips, all-or-nothing with every bad row named, the CLI."""

import io
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from motcua.cli import app
from motcua.core.errors import Invalid
from motcua.monitoring import formats, repository, service
from motcua.monitoring.names import task_names
from motcua.monitoring.plans import catalogue
from motcua.monitoring.schemas import PlanDocument
from tests.monitoring.conftest import PLAN


def renamed(document: PlanDocument, suffix: str) -> PlanDocument:
    """The same plan under fresh codes, so it can be imported next to the seeded ones."""
    return document.model_copy(
        update={
            "code": f"{document.code}-{suffix}",
            "tasks": [t.model_copy(update={"code": f"{t.code}.{suffix}"}) for t in document.tasks],
        }
    )


def test_plan02_round_trips_through_xlsx_and_yaml() -> None:
    original = service.plan02_document()
    assert formats.read_xlsx(formats.write_xlsx(original)) == original
    assert formats.read_yaml(formats.to_yaml(original)) == original
    book = load_workbook(io.BytesIO(formats.write_xlsx(original)))
    assert book.sheetnames == ["plan", "tasks", "checklist_items"]
    checklist = [t for t in original.tasks if t.indicator.items]
    assert book["checklist_items"].max_row - 1 == sum(len(t.indicator.items) for t in checklist)


async def test_xlsx_import_stores_the_plan_and_its_export_imports_back_unchanged(
    session: AsyncSession,
) -> None:
    document = renamed(PlanDocument.model_validate(PLAN), "X")
    parsed = formats.read_xlsx(formats.write_xlsx(document))
    plan, assigned = await service.import_plan_file(session, parsed)
    assert plan.code == document.code and assigned > 0
    stored = await service.plan_document(session, document.code)
    assert stored == document
    assert formats.read_xlsx(formats.write_xlsx(stored)) == stored
    assert formats.read_yaml(formats.to_yaml(stored)) == stored
    with pytest.raises(Invalid) as again:
        await service.import_plan_file(session, renamed(document, "Y").model_copy(
            update={"tasks": document.tasks}
        ))  # fmt: skip
    assert again.value.code == "invalid-plan" and "đã dùng" in again.value.message
    assert await repository.plan_by_code(session, f"{document.code}-Y") is None


def in_english(document: PlanDocument) -> PlanDocument:
    """The test plan with English words for the plan, its group and its checklist task only."""
    tasks = [
        t.model_copy(update={"title_en": "Commune centre conditions (English)", "group": "xa"})
        if t.code.startswith("T.XA.CHK")
        else t
        for t in document.tasks
    ]
    return document.model_copy(
        update={"title_en": "Test plan (English)", "groups_en": {"xa": "Communes (English)"},
                "groups": {"xa": "Nhóm cấp xã"}, "tasks": tasks}
    )  # fmt: skip


async def test_english_titles_travel_with_the_plan_and_show_in_english_mode(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    document = in_english(renamed(PlanDocument.model_validate(PLAN), "EN"))
    assert formats.read_xlsx(formats.write_xlsx(document)) == document
    assert formats.read_yaml(formats.to_yaml(document)) == document
    await service.import_plan_file(session, document)
    assert await service.plan_document(session, document.code) == document
    listed = (await client.get("/api/v1/monitoring/plans")).json()
    [plan] = [p for p in listed if p["code"] == document.code]
    assert plan["title_en"] == "Test plan (English)"
    assert plan["groups_en"] == {"xa": "Communes (English)"}
    day = {"date": "2025-09-10"}
    english = await client.get("/monitoring/readiness", params={**day, "lang": "en"})
    assert english.status_code == 200
    assert "Commune centre conditions (English)" in english.text
    overview = await client.get("/monitoring", params={**day, "lang": "en"})
    assert "Test plan (English): from 01/07/2025" in overview.text
    assert "Điều kiện trung tâm cấp xã" not in english.text
    vietnamese = await client.get("/monitoring/readiness", params={**day, "lang": "vi"})
    assert "Điều kiện trung tâm cấp xã" in vietnamese.text
    overview = await client.get("/monitoring", params={**day, "lang": "vi"})
    assert "Kế hoạch thử nghiệm: từ 01/07/2025" in overview.text
    assert "(English)" not in vietnamese.text
    # a task with no English title reads in Vietnamese in English mode
    names = {n.code: n for n in (await task_names(session)).values()}
    untitled = names["T.XA.PCT.EN"]
    assert untitled.title_en is None and untitled.title == "Số hoá hồ sơ"
    assert names["T.XA.CHK.EN"].group_en == "Communes (English)"
    wrong = document.model_copy(update={"code": "OTHER", "tasks": [], "groups_en": {"zz": "Z"}})
    with pytest.raises(Invalid) as refused:
        await service.import_plan(session, wrong)
    assert "“zz”" in refused.value.message


async def test_seeding_again_gives_an_older_plan02_its_english_words(
    session: AsyncSession,
) -> None:
    shipped = service.plan02_document()
    older = shipped.model_copy(
        update={"title_en": None, "groups_en": {},
                "tasks": [t.model_copy(update={"title_en": None}) for t in shipped.tasks]}
    )  # fmt: skip
    await service.import_plan(session, older)
    assert (await service.plan_document(session, shipped.code)).title_en is None
    await service.seed_plan02(session)
    assert await service.plan_document(session, shipped.code) == shipped


def bad_workbook() -> bytes:
    book = Workbook()
    plan = book.active
    assert plan is not None
    plan.title = "plan"
    plan.append(formats.PLAN_COLUMNS)
    plan.append(["BAD-PLAN", "Kế hoạch có lỗi", "2025-07-01", "2025-12-31", "có",
                 "Giai đoạn một 2025-09-30", "green_share: 0.9"])  # fmt: skip
    tasks = book.create_sheet("tasks")
    tasks.append(formats.TASK_COLUMNS)
    tasks.append(["B.01", "Đúng", "commune", "2025-07-01", "2025-09-30", "x", "yes_no"])  # row 2
    tasks.append(["B.02", "Cấp sai", "village", "2025-07-01", "2025-09-30", "x", "yes_no"])  # 3
    tasks.append(["B.03", "Ngày sai", "province", "31/09/2025", "2025-09-30", "x", "number"])  # 4
    tasks.append(["B.04", "Hạn trước", "province", "2025-09-01", "2025-08-01", "x", "yes_no"])  # 5
    tasks.append([None, None, None, None, None, None, None])  # an empty row is skipped
    tasks.append(["B.05", "Danh mục", "commune", "2025-07-01", "2025-09-30", "x", "checklist"])
    items = book.create_sheet("checklist_items")
    items.append(formats.CHECKLIST_COLUMNS)
    items.append(["B.05", "Trụ sở có dấu", "Trụ sở"])  # row 2: bad key
    items.append(["B.99", "premises", "Trụ sở"])  # row 3: unknown task
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_bad_xlsx_lists_every_bad_row_and_yields_nothing() -> None:
    with pytest.raises(formats.UnreadablePlan) as caught:
        formats.read_xlsx(bad_workbook())
    found = {(p.location.split(".")[0], p.line) for p in caught.value.problems}
    assert ("tasks", 3) in found  # level
    assert ("tasks", 4) in found  # date
    assert ("tasks", 5) in found  # deadline before start
    assert ("tasks", 7) in found  # checklist left empty by its bad item
    assert ("checklist_items", 2) in found and ("checklist_items", 3) in found
    assert ("plan", 2) in found  # the phase line has no "name: date"
    assert ("tasks", 2) not in found
    with pytest.raises(formats.UnreadablePlan) as missing:
        formats.read_xlsx(b"not a workbook")
    assert "không đọc được" in missing.value.problems[0].message


def test_yaml_with_problems_is_refused_with_each_named() -> None:
    broken = dict(PLAN, tasks=[dict(PLAN["tasks"][0], deadline="2025-01-01")])  # type: ignore[call-overload]
    with pytest.raises(formats.UnreadablePlan) as caught:
        formats.read_yaml(formats.to_yaml(PlanDocument.model_validate(broken)))
    assert "hạn trước ngày bắt đầu" in caught.value.problems[0].message
    with pytest.raises(formats.UnreadablePlan):
        formats.read_yaml("code: [unclosed")


def test_cli_imports_yaml_and_xlsx_and_exports_what_it_imported(
    own_database: None, tmp_path: Path
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["units", "load"]).exit_code == 0
    document = PlanDocument.model_validate(PLAN)
    source = tmp_path / "plan.xlsx"
    source.write_bytes(formats.write_xlsx(document))
    imported = runner.invoke(app, ["monitoring", "import", str(source)])
    assert imported.exit_code == 0, imported.output
    assert f"{len(document.tasks)} tasks" in imported.output
    again = runner.invoke(app, ["monitoring", "import", str(source)])
    assert again.exit_code == 1 and "đã có" in again.output
    other = tmp_path / "other.yml"
    other.write_text(formats.to_yaml(renamed(document, "Y")), encoding="utf-8")
    assert runner.invoke(app, ["monitoring", "import", str(other), "--no-assign"]).exit_code == 0
    for suffix in (".xlsx", ".yaml"):
        out = tmp_path / f"export{suffix}"
        exported = runner.invoke(app, ["monitoring", "export", document.code, "-o", str(out)])
        assert exported.exit_code == 0, exported.output
        assert formats.read(out) == document
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bad_workbook())
    refused = runner.invoke(app, ["monitoring", "import", str(bad)])
    assert refused.exit_code == 1 and "dòng 3, tasks.level" in refused.output
    assert "dòng 3, checklist_items.task_code" in refused.output
    wrong = tmp_path / "plan.csv"
    wrong.write_text("x", encoding="utf-8")
    assert runner.invoke(app, ["monitoring", "import", str(wrong)]).exit_code == 1
    unknown = runner.invoke(app, ["monitoring", "export", "NOPE", "-o", str(tmp_path / "n.yaml")])
    assert unknown.exit_code == 1 and "Không có kế hoạch" in unknown.output


async def test_the_catalogue_is_made_again_when_a_plan_or_an_english_title_arrives(
    session: AsyncSession,
) -> None:
    """Reports read the catalogue the process keeps (on PostgreSQL) while its mark holds: a
    plan imported or an English title filled in makes a new one, with the new tasks and
    words."""
    assert "T.XA.PCT" not in (await catalogue(session)).by_code
    await service.import_plan(session, PlanDocument.model_validate(PLAN))
    after = await catalogue(session)
    assert {"T.XA.CHK", "T.XA.PCT"} <= set(after.by_code)
    same = await catalogue(session)
    if session.get_bind().dialect.name == "postgresql":
        assert same is after  # kept: only the mark was read
    assert same == after
    shipped = service.plan02_document()
    untitled = [t.model_copy(update={"title_en": None}) for t in shipped.tasks]
    await service.import_plan(session, shipped.model_copy(update={"tasks": untitled}))
    task = shipped.tasks[0]
    older = await catalogue(session)
    assert older.specs[older.by_code[task.code]].title_en is None
    await service.seed_plan02(session)  # fills the English titles in
    filled = await catalogue(session)
    assert task.title_en and filled.specs[filled.by_code[task.code]].title_en == task.title_en
