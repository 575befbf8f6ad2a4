"""Plan files: YAML and XLSX in, YAML and XLSX out, so a spreadsheet the steering committee
already keeps can be imported, and an export imports back unchanged.

XLSX layout (row 1 holds the column names of each sheet):

- ``plan``: one row; ``phases`` has one phase a line (``name: YYYY-MM-DD``), ``rules`` one
  setting a line (``name: value``), ``groups`` one task group a line (``key: label``), and
  ``groups_en`` their labels in English mode the same way (``title_en``: the plan's title in
  English mode; both optional);
- ``tasks``: one row per task, the indicator in ``indicator_*`` columns, its ``group`` and
  whether it is a ``milestone`` (``title_en``: optional, its title in English mode);
- ``checklist_items``: one row per checklist condition, ``task_code`` naming its task, with
  its ``source`` and whether it is ``illustrative``.

Reading is all-or-nothing: every bad row is listed with its sheet and row number, and nothing
reaches the database until the whole file is clean. Parsing never touches the database.
"""

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ValidationError

from motcua.catalog.schemas import ImportProblem
from motcua.monitoring.models import IndicatorKind
from motcua.monitoring.schemas import ChecklistItem, PlanDocument, TaskIn

PLAN_COLUMNS = [
    "code", "title", "starts_on", "ends_on", "synthetic", "phases", "rules", "groups",
    "title_en", "groups_en",
]  # fmt: skip
TASK_COLUMNS = [
    "code", "title", "level", "starts_on", "deadline", "done_criterion",
    "indicator_kind", "indicator_target", "indicator_unit_label", "group", "milestone",
    "units", "title_en",
]  # fmt: skip
CHECKLIST_COLUMNS = ["task_code", "key", "label", "source", "illustrative"]
SUFFIXES = (".yaml", ".yml", ".xlsx")
M = TypeVar("M", bound=BaseModel)


class UnreadablePlan(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def read(path: Path) -> PlanDocument:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path.read_bytes())
    if suffix in {".yaml", ".yml"}:
        return read_yaml(path.read_text("utf-8"))
    raise UnreadablePlan([_problem(None, str(path), "chỉ nhận tệp .yaml, .yml hoặc .xlsx")])


def _problem(line: int | None, location: str, message: str) -> ImportProblem:
    return ImportProblem(line=line, location=location, message=message)


def _messages(error: ValidationError, prefix: str, line: int | None) -> list[ImportProblem]:
    out = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"])
        out.append(_problem(line, f"{prefix}.{field}" if field else prefix, e["msg"]))
    return out


# --- YAML ------------------------------------------------------------------------------------


def read_yaml(content: str) -> PlanDocument:
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise UnreadablePlan([_problem(line, "", f"tệp không đọc được: {error}")]) from error
    try:
        document = PlanDocument.model_validate(data)
    except ValidationError as error:
        raise UnreadablePlan(_messages(error, "plan", None)) from error
    problems = _consistency(document, {})
    if problems:
        raise UnreadablePlan(problems)
    return document


def to_yaml(document: PlanDocument) -> str:
    return yaml.safe_dump(
        document.model_dump(mode="json", exclude_defaults=True),
        allow_unicode=True,
        sort_keys=False,
    )


def _consistency(document: PlanDocument, rows: dict[str, int]) -> list[ImportProblem]:
    """What the schema cannot say alone: dates in order, checklists not empty, codes unique."""
    problems = []
    seen: set[str] = set()
    for task in document.tasks:
        line = rows.get(task.code)
        where = f"tasks.{task.code}"
        if task.code in seen:
            problems.append(_problem(line, where, "mã nhiệm vụ bị trùng trong tệp"))
        seen.add(task.code)
        if task.deadline < task.starts_on:
            problems.append(_problem(line, where, "hạn trước ngày bắt đầu"))
        if task.indicator.kind == IndicatorKind.checklist and not task.indicator.items:
            problems.append(_problem(line, where, "chỉ số dạng danh mục nhưng không có điều kiện"))
        if task.indicator.kind != IndicatorKind.checklist and task.indicator.items:
            problems.append(_problem(line, where, "chỉ số không phải danh mục mà có điều kiện"))
    return problems


# --- XLSX ------------------------------------------------------------------------------------


def _rows(sheet: Any) -> list[tuple[int, dict[str, Any]]]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    out = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {h: v for h, v in zip(header, values, strict=False) if h}
        out.append((number, {k: _cell(v) for k, v in cells.items() if _cell(v) is not None}))
    return out


def _cell(value: Any) -> Any:
    """Empty cells are absent; a date cell is a date; text is trimmed."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _pairs(
    value: Any, sheet: str, line: int, column: str
) -> tuple[list[tuple[str, str]], list[ImportProblem]]:
    """A cell of ``name: value`` lines."""
    pairs, problems = [], []
    for part in str(value or "").splitlines():
        if not part.strip():
            continue
        name, colon, rest = part.rpartition(":")
        if not colon or not name.strip() or not rest.strip():
            problems.append(
                _problem(line, f"{sheet}.{column}", f"dòng “{part}” phải có dạng tên: giá trị")
            )
            continue
        pairs.append((name.strip(), rest.strip()))
    return pairs, problems


def _validated(
    model: type[M],
    data: dict[str, Any],
    where: str,
    line: int,
    problems: list[ImportProblem],
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(_messages(error, where, line))
        return None


def read_xlsx(content: bytes) -> PlanDocument:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise UnreadablePlan([_problem(None, "", f"tệp XLSX không đọc được: {error}")]) from error
    missing = [s for s in ("plan", "tasks") if s not in book.sheetnames]
    if missing:
        raise UnreadablePlan([_problem(None, s, f"thiếu trang '{s}'") for s in missing])
    problems: list[ImportProblem] = []

    plan_rows = _rows(book["plan"])
    if len(plan_rows) != 1:
        problems.append(_problem(None, "plan", "trang 'plan' phải có đúng một dòng kế hoạch"))
    plan: dict[str, Any] = dict(plan_rows[0][1]) if plan_rows else {}
    plan_line = plan_rows[0][0] if plan_rows else 2
    phase_pairs, bad = _pairs(plan.pop("phases", None), "plan", plan_line, "phases")
    problems += bad
    rule_pairs, bad = _pairs(plan.pop("rules", None), "plan", plan_line, "rules")
    problems += bad
    plan["phases"] = [{"name": n, "ends_on": v} for n, v in phase_pairs]
    plan["rules"] = {name: _rule_value(value) for name, value in rule_pairs}
    group_pairs, bad = _pairs(plan.pop("groups", None), "plan", plan_line, "groups")
    problems += bad
    plan["groups"] = dict(group_pairs)
    english_pairs, bad = _pairs(plan.pop("groups_en", None), "plan", plan_line, "groups_en")
    problems += bad
    plan["groups_en"] = dict(english_pairs)
    plan["synthetic"] = _boolean(plan.get("synthetic"))

    items: dict[str, list[ChecklistItem]] = {}
    item_rows: list[tuple[int, str]] = []
    if "checklist_items" in book.sheetnames:
        for line, row in _rows(book["checklist_items"]):
            owner = str(row.pop("task_code", "") or "")
            if not owner:
                problems.append(_problem(line, "checklist_items.task_code", "thiếu mã nhiệm vụ"))
                continue
            row["illustrative"] = _boolean(row.get("illustrative"))
            item = _validated(ChecklistItem, row, "checklist_items", line, problems)
            item_rows.append((line, owner))
            if item is not None:
                items.setdefault(owner, []).append(item)

    tasks: list[TaskIn] = []
    task_lines: dict[str, int] = {}
    task_rows = _rows(book["tasks"])
    known = {str(_text(row.get("code", ""))) for _, row in task_rows}
    for line, row in task_rows:
        code = str(_text(row.get("code", "")))
        indicator = {
            "kind": row.pop("indicator_kind", None),
            "target": row.pop("indicator_target", None),
            "unit_label": _text(row.pop("indicator_unit_label", None)),
            "items": [i.model_dump() for i in items.get(code, [])],
        }
        row["indicator"] = {k: v for k, v in indicator.items() if v is not None}
        row["milestone"] = _boolean(row.get("milestone"))
        row["units"] = [k.strip() for k in str(row.get("units") or "").split(";") if k.strip()]
        for column in ("code", "title", "title_en", "done_criterion"):
            if column in row:
                row[column] = _text(row[column])
        task = _validated(TaskIn, row, "tasks", line, problems)
        if task is not None:
            tasks.append(task)
            task_lines.setdefault(task.code, line)
    for line, owner in item_rows:
        if owner not in known:
            problems.append(
                _problem(
                    line,
                    "checklist_items.task_code",
                    f"không có nhiệm vụ “{owner}” trong trang 'tasks'",
                )
            )

    plan["tasks"] = []
    header = _validated(PlanDocument, plan, "plan", plan_line, problems)
    document = None
    if header is not None:
        document = header.model_copy(update={"tasks": tasks})
        problems += _consistency(document, task_lines)
    if problems or document is None:
        raise UnreadablePlan(
            sorted(problems, key=lambda p: (p.location.split(".")[0], p.line or 0))
        )
    return document


def _text(value: Any) -> Any:
    """A code or a label typed as a number in a spreadsheet is still text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _boolean(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "có", "co", "x"}:
        return True
    if text in {"0", "false", "no", "không", "khong", ""}:
        return False
    return value  # validation names the bad value


def write_xlsx(document: PlanDocument) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "plan"
    sheet.append(PLAN_COLUMNS)
    sheet.append(
        [
            document.code,
            document.title,
            document.starts_on,
            document.ends_on,
            document.synthetic,
            "\n".join(f"{p.name}: {p.ends_on.isoformat()}" for p in document.phases),
            "\n".join(f"{k}: {_rule_text(v)}" for k, v in document.rules.items()),
            "\n".join(f"{k}: {v}" for k, v in document.groups.items()),
            document.title_en,
            "\n".join(f"{k}: {v}" for k, v in document.groups_en.items()) or None,
        ]
    )
    tasks = book.create_sheet("tasks")
    tasks.append(TASK_COLUMNS)
    checklist = book.create_sheet("checklist_items")
    checklist.append(CHECKLIST_COLUMNS)
    for task in document.tasks:
        tasks.append(
            [
                task.code,
                task.title,
                task.level.value,
                task.starts_on,
                task.deadline,
                task.done_criterion,
                task.indicator.kind.value,
                task.indicator.target,
                task.indicator.unit_label,
                task.group,
                task.milestone,
                "; ".join(k.value for k in task.units) or None,
                task.title_en,
            ]
        )
        for item in task.indicator.items:
            checklist.append([task.code, item.key, item.label, item.source, item.illustrative])
    for ws in (sheet, tasks):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rule_value(text: str) -> Any:
    """A rule setting from its cell line: a number where it reads as one, else the text
    (rule-set names, ``when=status; …`` lists), which the rules check on import."""
    try:
        return float(text)
    except ValueError:
        return text


def _rule_text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(f"{step['when']}={step['status']}" for step in value)
    if isinstance(value, dict):
        return "; ".join(f"{code}={name}" for code, name in value.items())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
