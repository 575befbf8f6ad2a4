"""Daily reports: checking, storing a new version and writing the day snapshot in the same
transaction; CSV uploads all or nothing; a unit's versions."""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid, NotFound
from motcua.core.observability import REPORTS_STORED
from motcua.identity.service import Forbidden, Subject
from motcua.monitoring import repository, task_totals, totals
from motcua.monitoring.cutoff import is_late, require_aware, zone
from motcua.monitoring.models import (
    ChecklistDay,
    IndicatorKind,
    Report,
    TaskLevel,
    UnitDay,
)
from motcua.monitoring.organisations import is_organisation_code
from motcua.monitoring.plans import Catalogue, catalogue
from motcua.monitoring.rules import (
    BadValue,
    Status,
    TaskSpec,
    is_done,
    parse_value,
    task_status,
    unit_status,
)
from motcua.monitoring.schemas import (
    BulkOut,
    ReportOut,
    TaskHistoryRow,
    TaskResult,
)
from motcua.monitoring.scope import find_unit, lookup_unit, may_report
from motcua.monitoring.unit_queries import bloc_of
from motcua.units.models import Agency

MAX_CSV_ROWS = 100_000


CSV_COLUMNS = ("unit", "day", "task", "value")


@dataclass
class Draft:
    """A report checked and ready to store."""

    agency: Agency
    province_code: str | None
    unit: str
    day: date
    values: dict[str, Any]
    specs: dict[str, TaskSpec]
    lines: list[int] = field(default_factory=list)


def _check_values(
    specs: Mapping[str, TaskSpec],
    assigned_codes: set[str],
    values: Mapping[str, Any],
    unit: str,
    day: date,
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for code, raw in values.items():
        spec = specs.get(code)
        if spec is None:
            if code in assigned_codes:
                problems.append(f"Nhiệm vụ {code} chưa bắt đầu hoặc đã hết kỳ vào ngày {day}.")
            else:
                problems.append(f"Nhiệm vụ {code} không giao cho đơn vị {unit}.")
            continue
        try:
            clean[code] = parse_value(spec, raw)
        except BadValue as error:
            problems.append(str(error))
    missing = sorted(set(specs) - set(values))
    if missing:
        problems.append(f"Thiếu giá trị cho nhiệm vụ: {', '.join(missing)}.")
    return clean, problems


async def _draft(
    session: AsyncSession,
    cat: Catalogue,
    subject: Subject | None,
    unit: str,
    day: date,
    values: Mapping[str, Any],
    submitted_at: datetime,
) -> tuple[Draft | None, list[tuple[str, str]]]:
    """Everything that can be wrong with one report, as (code, message) pairs."""
    try:
        found = await lookup_unit(session, unit)
    except Invalid as error:
        return None, [("bad-unit-code", str(error.message))]
    if found is None:
        return None, [("unknown-unit", f"Không có đơn vị {unit!r}.")]
    agency, province, unit = found
    if not may_report(subject, agency, province):
        return None, [
            ("not-your-unit", f"Bạn không có quyền báo cáo thay đơn vị {unit} ({agency.name}).")
        ]
    if day > submitted_at.astimezone(zone()).date():
        return None, [("date-in-future", f"Không thể báo cáo cho ngày {day} chưa tới.")]
    assigned = (await repository.assigned_task_ids(session, [agency.id]))[agency.id]
    specs = cat.active(assigned, day)
    if not specs:
        return None, [("no-tasks", f"Đơn vị {unit} không có nhiệm vụ phải báo cáo ngày {day}.")]
    codes = {cat.specs[t].code for t in assigned}
    clean, problems = _check_values(specs, codes, values, unit, day)
    if problems:
        code = "task-not-assigned" if any("không giao" in p for p in problems) else "invalid-value"
        return None, [(code, p) for p in problems]
    return Draft(agency, province, unit, day, clean, specs), []


async def submit_report(
    session: AsyncSession,
    *,
    subject: Subject | None,
    unit: str,
    day: date,
    values: Mapping[str, Any],
    submitted_at: datetime,
    note: str | None = None,
    source: str = "api",
) -> ReportOut:
    """Store a new version of a unit's report for a day and update the day's snapshot."""
    cat = await catalogue(session)
    draft, problems = await _draft(
        session, cat, subject, unit, day, values, require_aware(submitted_at)
    )
    if draft is None:
        code, _ = problems[0]
        messages = [m for _, m in problems]
        if code == "not-your-unit":
            raise Forbidden(messages[0], code=code)
        if code == "unknown-unit":
            raise NotFound(messages[0], code=code)
        raise Invalid(" ".join(messages), code=code, problems=messages)
    return await _store(session, cat, draft, subject, submitted_at, note, source)


async def _snapshot(
    session: AsyncSession,
    cat: Catalogue,
    draft: Draft,
    report: Report,
    statuses: Mapping[str, Status],
    status: Status,
) -> None:
    """Write the unit's day snapshot (and checklist rows) next to the report that causes it."""
    level = TaskLevel(draft.agency.level.value)
    late, submitted_at = report.late, report.submitted_at
    snapshot = await repository.unit_day(session, draft.day, draft.agency.id)
    before = totals.counted(snapshot)
    if snapshot is None:
        snapshot = UnitDay(
            day=draft.day,
            agency_id=draft.agency.id,
            level=level,
            province_code=draft.province_code,
            bloc=bloc_of(draft.agency),
            first_submitted_at=submitted_at,
            on_time=False,
            n_green=0,
            n_yellow=0,
            n_red=0,
            synthetic=False,
        )
        session.add(snapshot)
    snapshot.latest_report_id = report.id
    snapshot.latest_status = status.value
    if not late:  # only versions before the cut-off touch the frozen columns
        await _move_greens(session, cat, draft, snapshot, statuses)
        snapshot.on_time = True
        snapshot.cutoff_report_id = report.id
        snapshot.cutoff_status = status.value
        snapshot.n_green = sum(1 for s in statuses.values() if s == Status.green)
        snapshot.n_yellow = sum(1 for s in statuses.values() if s == Status.yellow)
        snapshot.n_red = sum(1 for s in statuses.values() if s == Status.red)
        for code, spec in draft.specs.items():
            if spec.kind != IndicatorKind.checklist and not spec.milestone:
                continue
            met = is_done(spec, draft.values[code])
            if spec.milestone:
                await _move_first(session, draft, spec.id, level, met)
            row = await repository.checklist_day(session, draft.day, draft.agency.id, spec.id)
            await totals.add_checklist(
                session, draft.day, spec.id, level.value, draft.province_code,
                bloc_of(draft.agency), int(row is None), int(met) - int(bool(row and row.met)),
            )  # fmt: skip
            if row is None:
                session.add(
                    ChecklistDay(
                        day=draft.day,
                        agency_id=draft.agency.id,
                        task_id=spec.id,
                        level=level,
                        province_code=draft.province_code,
                        bloc=bloc_of(draft.agency),
                        met=met,
                    )
                )
            else:
                row.met = met
    await totals.add_snapshot(
        session, draft.day, level.value, draft.province_code, snapshot.bloc, before,
        totals.counted(snapshot),
    )  # fmt: skip


async def _move_greens(
    session: AsyncSession,
    cat: Catalogue,
    draft: Draft,
    snapshot: UnitDay,
    statuses: Mapping[str, Status],
) -> None:
    """Count the unit's green tasks at the cut-off (the task groups): those of this version
    instead of those of the version it replaces before the cut-off, if any."""
    before: list[int] = []
    if snapshot.cutoff_report_id is not None and snapshot.n_green:  # none green: nothing to read
        replaced = await session.get(Report, snapshot.cutoff_report_id)
        if replaced is not None:
            before = task_totals.green_tasks(cat, replaced.values, draft.day)
    after = [draft.specs[code].id for code, s in statuses.items() if s == Status.green]
    await task_totals.move_greens(
        session, draft.day, draft.province_code, snapshot.bloc, before, after
    )


async def _move_first(
    session: AsyncSession, draft: Draft, task_id: int, level: TaskLevel, met: bool
) -> None:
    """Keep the milestone's counted first days: this cut-off row (met or not) may make the
    unit's first day earlier, or, no longer met, the next day it met."""
    agency, day = draft.agency.id, draft.day
    before = await repository.first_met_day(session, task_id, agency)
    after: date | None
    if met:
        after = day if before is None or day < before else before
    elif before == day:
        after = await repository.first_met_day(session, task_id, agency, other_than=day)
    else:
        after = before
    await totals.move_first(
        session, task_id, level.value, draft.province_code, bloc_of(draft.agency), before, after
    )


async def _store(
    session: AsyncSession,
    cat: Catalogue,
    draft: Draft,
    subject: Subject | None,
    submitted_at: datetime,
    note: str | None,
    source: str,
) -> ReportOut:
    submitted_at = submitted_at.astimezone(UTC)
    version = await repository.last_version(session, draft.agency.id, draft.day) + 1
    late = is_late(draft.day, submitted_at)
    report = Report(
        agency_id=draft.agency.id,
        day=draft.day,
        version=version,
        values=draft.values,
        note=note,
        submitted_at=submitted_at,
        officer_id=subject.officer_id if subject else None,
        source=source,
        late=late,
        synthetic=False,
    )
    session.add(report)
    await session.flush()
    REPORTS_STORED.labels(source).inc()
    statuses = {
        code: task_status(spec, draft.values[code], draft.day, cat.rules[spec.id], reported=True)
        for code, spec in draft.specs.items()
    }
    status = unit_status(
        statuses.values(), cat.green_share(spec.id for spec in draft.specs.values())
    )
    await _snapshot(session, cat, draft, report, statuses, status)
    await session.flush()
    return ReportOut(
        id=report.id,
        unit=draft.unit,
        unit_name=draft.agency.name,
        day=draft.day,
        version=version,
        submitted_at=submitted_at,
        late=late,
        status=status.value,
        tasks=[
            TaskResult(task=code, value=draft.values[code], status=statuses[code].value)
            for code in draft.specs
        ],
    )


def _read_csv(
    content: str,
) -> tuple[dict[tuple[str, date], dict[str, tuple[int, str]]], list[dict[str, Any]]]:
    """The rows of a CSV upload grouped by (unit, day): task -> (line, value); and the
    problems found in the rows themselves."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header[:4]) != CSV_COLUMNS:
        raise Invalid(
            "Dòng 1 phải là tiêu đề: unit,day,task,value.",
            code="invalid-csv",
            problems=[{"line": 1, "message": "Tiêu đề phải là unit,day,task,value."}],
        )
    problems: list[dict[str, Any]] = []
    groups: dict[tuple[str, date], dict[str, tuple[int, str]]] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if number > MAX_CSV_ROWS + 1:
            problems.append({"line": number, "message": f"Tối đa {MAX_CSV_ROWS} dòng."})
            break
        if len(row) < 4:
            problems.append({"line": number, "message": "Cần đủ 4 cột unit,day,task,value."})
            continue
        unit, day_text, task, value = (cell.strip() for cell in row[:4])
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            problems.append(
                {"line": number, "message": f"Ngày {day_text!r} không hợp lệ (YYYY-MM-DD)."}
            )
            continue
        group = groups.setdefault((unit, day), {})
        if task in group:
            problems.append(
                {"line": number, "message": f"Nhiệm vụ {task} của {unit} ngày {day} bị lặp."}
            )
            continue
        group[task] = (number, value)
    return groups, problems


async def submit_csv(
    session: AsyncSession, *, subject: Subject | None, content: str, submitted_at: datetime
) -> BulkOut:
    """Reports for many units from one CSV (``unit,day,task,value``, one task per row).

    All or nothing: every bad row is listed with its line number and nothing is stored.
    """
    submitted_at = require_aware(submitted_at)
    groups, problems = _read_csv(content)
    if not groups and not problems:
        raise Invalid("Tệp không có dòng dữ liệu nào.", code="invalid-csv", problems=[])
    cat = await catalogue(session)
    titles = {spec.code: f"“{spec.title}”" for spec in cat.specs.values()}
    drafts: list[Draft] = []
    for (unit, day), cells in groups.items():
        values = {task: value for task, (_, value) in cells.items()}
        lines = sorted(line for line, _ in cells.values())
        draft, errors = await _draft(session, cat, subject, unit, day, values, submitted_at)
        if draft is None:
            for _, message in errors:
                line = next(  # the row of the task the message names (by code or title)
                    (
                        ln
                        for task, (ln, _) in cells.items()
                        if f" {task} " in f" {message} " or titles.get(task, "\0") in message
                    ),
                    lines[0],
                )
                problems.append({"line": line, "message": message})
        else:
            draft.lines = lines
            drafts.append(draft)
    if problems:
        problems.sort(key=lambda p: int(p["line"]))
        raise Invalid(
            f"Không lưu gì: {len(problems)} lỗi trong tệp.", code="invalid-csv", problems=problems
        )
    for draft in drafts:
        await _store(session, cat, draft, subject, submitted_at, None, "csv")
    return BulkOut(reports=len(drafts), units=len({d.agency.id for d in drafts}))


async def report_versions(
    session: AsyncSession, unit: str, start: date, end: date
) -> list[TaskHistoryRow]:
    """Every version a unit submitted in a date range, newest first, with task statuses."""
    if (end - start).days > 366:
        raise Invalid("Khoảng ngày tối đa 366 ngày.", code="range-too-long")
    agency, _, _ = await find_unit(session, unit)
    cat = await catalogue(session)
    rows = []
    for report in await repository.reports_of(session, agency.id, start, end):
        statuses = {}
        for code, value in report.values.items():
            task_id = cat.by_code.get(code)
            if task_id is not None:
                spec = cat.specs[task_id]
                statuses[code] = task_status(
                    spec, value, report.day, cat.rules[task_id], reported=True
                ).value
        rows.append(
            TaskHistoryRow(
                day=report.day,
                version=report.version,
                late=report.late,
                values=report.values,
                statuses=statuses,
            )
        )
    return rows


def own_unit(subject: Subject) -> str:
    """The code an officer reports under by default: an organisation's officer under the
    organisation's code, others under their commune's or province's code (or the agency's)."""
    if is_organisation_code(subject.agency_code):
        return subject.agency_code
    return subject.unit_code or subject.agency_code
