"""Plans from YAML and XLSX: round trips, all-or-nothing with every bad row named, the CLI."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from motcua.cli import app
from motcua.core.errors import Invalid
from motcua.monitoring import formats, repository, service
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
