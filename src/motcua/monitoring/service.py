"""Monitoring logic: plans and assignments, daily reports with versions and a cut-off, and the
roll-ups the dashboards and the JSON API show."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.observability import REPORTS_STORED
from motcua.core.repository import insert_missing
from motcua.core.settings import get_settings
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject
from motcua.monitoring import repository
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    Contact,
    Indicator,
    IndicatorKind,
    Plan,
    Report,
    Task,
    TaskLevel,
    UnitDay,
)
from motcua.monitoring.repository import Scope
from motcua.monitoring.rules import (
    BadRules,
    BadValue,
    PlanRules,
    Rules,
    Status,
    TaskSpec,
    is_done,
    parse_value,
    plan_rules,
    task_status,
    unit_status,
)
from motcua.monitoring.schemas import (
    BulkOut,
    ChecklistFigures,
    IndicatorIn,
    LevelFigures,
    NonReporter,
    PhaseIn,
    PlanDocument,
    PlanOut,
    ProvinceRow,
    ReportOut,
    Summary,
    TaskHistoryRow,
    TaskIn,
    TaskOut,
    TaskResult,
    Trend,
    TrendPoint,
    UnitRef,
    UnitRow,
)
from motcua.notify.models import Channel
from motcua.notify.service import notify
from motcua.units.models import Agency

MAX_CSV_ROWS = 100_000
CSV_COLUMNS = ("unit", "day", "task", "value")
REPORTING_ROLES = {
    Role.receiving_officer,
    Role.handling_officer,
    Role.approver,
    Role.agency_admin,
}

# --- time --------------------------------------------------------------------------------


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def cutoff_at(day: date) -> datetime:
    """The moment a report for ``day`` stops being on time (16:00 Vietnam time by default)."""
    return datetime.combine(day, get_settings().report_cutoff, tzinfo=zone())


def is_late(day: date, submitted_at: datetime) -> bool:
    """On time strictly before the cut-off: 15:59:59 is on time, 16:00:00 is late."""
    return submitted_at >= cutoff_at(day)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("submitted_at must carry its time zone")
    return moment


# --- plans and assignments ---------------------------------------------------------------


@cache
def plan02_document() -> PlanDocument:
    text = resources.files("motcua.monitoring").joinpath("data", "plan02.yaml")
    return PlanDocument.model_validate(yaml.safe_load(text.read_text("utf-8")))


async def import_plan(session: AsyncSession, document: PlanDocument) -> Plan:
    """Create a plan with its tasks and indicators; a plan code can be imported once."""
    if await repository.plan_by_code(session, document.code) is not None:
        raise Conflict(f"Kế hoạch {document.code} đã có.", code="plan-exists")
    problems = []
    try:
        plan_rules(document.rules, [t.code for t in document.tasks])
    except BadRules as error:
        problems += [f"Quy tắc trạng thái: {p}" for p in error.problems]
    for task in document.tasks:
        if task.deadline < task.starts_on:
            problems.append(f"Nhiệm vụ {task.code}: hạn trước ngày bắt đầu.")
        if task.indicator.kind == IndicatorKind.checklist and not task.indicator.items:
            problems.append(f"Nhiệm vụ {task.code}: danh mục điều kiện trống.")
        if await repository.task_by_code(session, task.code) is not None:
            problems.append(f"Mã nhiệm vụ {task.code} đã dùng.")
        if task.group is not None and task.group not in document.groups:
            problems.append(f"Nhiệm vụ {task.code}: không có nhóm nhiệm vụ “{task.group}”.")
    if problems:
        raise Invalid("Kế hoạch có lỗi: " + " ".join(problems), code="invalid-plan")
    plan = Plan(
        code=document.code,
        title=document.title,
        starts_on=document.starts_on,
        ends_on=document.ends_on,
        phases=[p.model_dump(mode="json") for p in document.phases],
        rules=dict(document.rules),
        synthetic=document.synthetic,
        groups=dict(document.groups),
    )
    session.add(plan)
    await session.flush()
    for item in document.tasks:
        row = Task(
            plan_id=plan.id,
            code=item.code,
            title=item.title,
            level=item.level,
            starts_on=item.starts_on,
            deadline=item.deadline,
            done_criterion=item.done_criterion,
            group_key=item.group,
            milestone=item.milestone,
        )
        session.add(row)
        await session.flush()
        session.add(
            Indicator(
                task_id=row.id,
                kind=item.indicator.kind,
                target=item.indicator.target,
                unit_label=item.indicator.unit_label,
                items=[i.model_dump() for i in item.indicator.items],
            )
        )
    await session.flush()
    return plan


async def assign_task(
    session: AsyncSession, task_code: str, exceptions: Mapping[str, str] | None = None
) -> int:
    """Assign a task to every unit of its level; ``exceptions`` maps unit codes to the reason
    they are exempt. Safe to re-run: existing assignments stay as they are."""
    task = await repository.task_by_code(session, task_code)
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {task_code}.", code="unknown-task")
    existing = await repository.existing_assignments(session, task.id)
    rows = [
        dict(
            task_id=task.id,
            agency_id=agency_id,
            level=task.level,
            province_code=province,
            exempt=False,
            exempt_reason=None,
        )
        for agency_id, province in await repository.agencies_for_level(session, task.level)
        if agency_id not in existing
    ]
    await insert_missing(session, Assignment, rows)
    for unit, reason in (exceptions or {}).items():
        await set_exemption(session, task_code, unit, reason)
    return len(rows)


async def set_exemption(
    session: AsyncSession, task_code: str, unit: str, reason: str | None
) -> None:
    """Exempt one unit from a task (with a reason), or lift the exemption (reason None)."""
    task = await repository.task_by_code(session, task_code)
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {task_code}.", code="unknown-task")
    agency, _, _ = await _reporting_agency(session, unit)
    found = await repository.assignment(session, task.id, agency.id)
    if found is None:
        raise Invalid(
            f"Nhiệm vụ {task_code} không giao cho đơn vị {unit}.", code="task-not-assigned"
        )
    found.exempt = reason is not None
    found.exempt_reason = reason
    await session.flush()


async def plans(session: AsyncSession) -> list[PlanOut]:
    tasks = await repository.tasks_with_indicators(session)
    by_plan: dict[int, list[TaskOut]] = defaultdict(list)
    for task, indicator, _ in tasks:
        by_plan[task.plan_id].append(
            TaskOut(
                code=task.code,
                title=task.title,
                level=task.level,
                starts_on=task.starts_on,
                deadline=task.deadline,
                done_criterion=task.done_criterion,
                indicator=IndicatorIn.model_validate(
                    dict(
                        kind=indicator.kind,
                        target=indicator.target,
                        unit_label=indicator.unit_label,
                        items=indicator.items,
                    )
                ),
                group=task.group_key,
                milestone=task.milestone,
            )
        )
    return [
        PlanOut(
            code=p.code,
            title=p.title,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            phases=[PhaseIn.model_validate(x) for x in p.phases],
            synthetic=p.synthetic,
            groups=dict(p.groups or {}),
            tasks=by_plan[p.id],
        )
        for p in await repository.plans(session)
    ]


async def plan_document(session: AsyncSession, code: str) -> PlanDocument:
    """A stored plan as the document it was imported from (for export; imports back equal)."""
    plan = await repository.plan_by_code(session, code)
    if plan is None:
        raise NotFound(f"Không có kế hoạch {code}.", code="unknown-plan")
    rows = sorted(
        await repository.tasks_with_indicators(session, plan.id), key=lambda row: row[0].id
    )
    return PlanDocument(
        code=plan.code,
        title=plan.title,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        phases=[PhaseIn.model_validate(x) for x in plan.phases],
        rules=dict(plan.rules),
        synthetic=plan.synthetic,
        groups=dict(plan.groups or {}),
        tasks=[
            TaskIn(
                code=task.code,
                title=task.title,
                level=task.level,
                starts_on=task.starts_on,
                deadline=task.deadline,
                done_criterion=task.done_criterion,
                indicator=IndicatorIn.model_validate(
                    dict(
                        kind=indicator.kind,
                        target=indicator.target,
                        unit_label=indicator.unit_label,
                        items=indicator.items,
                    )
                ),
                group=task.group_key,
                milestone=task.milestone,
            )
            for task, indicator, _ in rows
        ],
    )


async def import_plan_file(
    session: AsyncSession, document: PlanDocument, *, assign: bool = True
) -> tuple[Plan, int]:
    """Import a plan read from a file and (by default) assign each task to every unit of its
    level, as Plan 02's seed does; one transaction, so a refusal leaves nothing behind."""
    plan = await import_plan(session, document)
    assigned = 0
    if assign:
        for task in document.tasks:
            assigned += await assign_task(session, task.code)
    return plan, assigned


# --- task specs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Every task with what the rules need, read once per request."""

    specs: dict[int, TaskSpec]
    rules: dict[int, Rules]
    ends_on: dict[int, date]
    by_code: dict[str, int]
    levels: dict[int, TaskLevel] = field(default_factory=dict)

    def green_share(self, task_ids: Iterable[int]) -> float:
        """The share of green tasks that makes a unit green: the strictest of its plans'."""
        return max((self.rules[t].unit_green_share for t in task_ids), default=1.0)

    def active(self, task_ids: set[int], day: date) -> dict[str, TaskSpec]:
        return {
            self.specs[t].code: self.specs[t]
            for t in sorted(task_ids)
            if self.specs[t].starts_on <= day <= self.ends_on[t]
        }


async def catalogue(session: AsyncSession) -> Catalogue:
    specs, rules, ends_on, levels = {}, {}, {}, {}
    rows = await repository.tasks_with_indicators(session)
    codes: dict[int, list[str]] = defaultdict(list)
    for task, _, plan in rows:
        codes[plan.id].append(task.code)
    by_plan: dict[int, PlanRules] = {}
    for task, indicator, plan in rows:
        if plan.id not in by_plan:
            by_plan[plan.id] = plan_rules(plan.rules, codes[plan.id])
        specs[task.id] = spec_of(task, indicator)
        rules[task.id] = by_plan[plan.id].for_task(task.code)
        ends_on[task.id] = plan.ends_on
        levels[task.id] = task.level
    return Catalogue(specs, rules, ends_on, {s.code: i for i, s in specs.items()}, levels)


def spec_of(task: Task, indicator: Indicator) -> TaskSpec:
    return TaskSpec(
        id=task.id,
        code=task.code,
        title=task.title,
        kind=indicator.kind,
        starts_on=task.starts_on,
        deadline=task.deadline,
        target=indicator.target,
        items=tuple(i["key"] for i in indicator.items),
        group=task.group_key,
        milestone=task.milestone,
    )


# --- reports -----------------------------------------------------------------------------


async def _reporting_agency(session: AsyncSession, unit: str) -> tuple[Agency, str | None, str]:
    found = await repository.reporting_agency(session, unit.strip())
    if found is None:
        raise NotFound(
            f"Không có đơn vị {unit!r}. Dùng mã xã (5 chữ số), mã tỉnh (2 chữ số) "
            "hoặc mã định danh của bộ.",
            code="unknown-unit",
        )
    return found


def may_report(subject: Subject | None, agency: Agency, province_code: str | None) -> bool:
    """Who may report for a unit: its own officers; a provincial monitor for the province
    and its communes; a system administrator for anyone. ``None`` is the system itself."""
    if subject is None or subject.role == Role.system_admin:
        return True
    if subject.role == Role.provincial_monitor:
        return subject.agency_level.value == "province" and province_code == subject.unit_code
    if subject.role not in REPORTING_ROLES:
        return False
    if agency.unit_code is None:  # a ministry reports through its own officers
        return subject.agency_id == agency.id
    return subject.unit_code == agency.unit_code and subject.agency_level == agency.level


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
    found = await repository.reporting_agency(session, unit.strip())
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
    draft, problems = await _draft(session, cat, subject, unit, day, values, _aware(submitted_at))
    if draft is None:
        code, _ = problems[0]
        messages = [m for _, m in problems]
        if code == "not-your-unit":
            raise Forbidden(messages[0], code=code)
        if code == "unknown-unit":
            raise NotFound(messages[0], code=code)
        raise Invalid(" ".join(messages), code=code, problems=messages)
    return await _store(session, cat, draft, subject, submitted_at, note, source)


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
    level = TaskLevel(draft.agency.level.value)
    snapshot = await repository.unit_day(session, draft.day, draft.agency.id)
    if snapshot is None:
        snapshot = UnitDay(
            day=draft.day,
            agency_id=draft.agency.id,
            level=level,
            province_code=draft.province_code,
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
            row = await repository.checklist_day(session, draft.day, draft.agency.id, spec.id)
            if row is None:
                session.add(
                    ChecklistDay(
                        day=draft.day,
                        agency_id=draft.agency.id,
                        task_id=spec.id,
                        level=level,
                        province_code=draft.province_code,
                        met=met,
                    )
                )
            else:
                row.met = met
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


async def submit_csv(
    session: AsyncSession, *, subject: Subject | None, content: str, submitted_at: datetime
) -> BulkOut:
    """Reports for many units from one CSV (``unit,day,task,value``, one task per row).

    All or nothing: every bad row is listed with its line number and nothing is stored.
    """
    submitted_at = _aware(submitted_at)
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
    if not groups and not problems:
        raise Invalid("Tệp không có dòng dữ liệu nào.", code="invalid-csv", problems=[])
    cat = await catalogue(session)
    drafts: list[Draft] = []
    for (unit, day), cells in groups.items():
        values = {task: value for task, (_, value) in cells.items()}
        lines = sorted(line for line, _ in cells.values())
        draft, errors = await _draft(session, cat, subject, unit, day, values, submitted_at)
        if draft is None:
            for _, message in errors:
                line = next(
                    (ln for task, (ln, _) in cells.items() if f" {task} " in f" {message} "),
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
    agency, _, _ = await _reporting_agency(session, unit)
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


# --- roll-ups ----------------------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 6) if denominator else None


@dataclass(frozen=True)
class ResolvedScope:
    scope: Scope
    ref: UnitRef
    agency_id: int | None


async def resolve_scope(session: AsyncSession, unit: str | None) -> ResolvedScope:
    if not unit:
        return ResolvedScope(Scope(), UnitRef(code="VN", name="Toàn quốc", level="national"), None)
    agency, province, code = await _reporting_agency(session, unit)
    if agency.level.value == "province":
        scope = Scope(province_code=province)
    else:
        scope = Scope(agency_id=agency.id)
    return ResolvedScope(scope, UnitRef(code=code, name=agency.name, level=agency.level), agency.id)


def _figures(level: TaskLevel, expected: tuple[int, int], got: Mapping[str, int]) -> LevelFigures:
    units, assignments = expected
    reported, green = got.get("reported", 0), got.get("green", 0)
    yellow, red = got.get("yellow", 0), got.get("red", 0)
    return LevelFigures(
        level=level,
        expected=units,
        reported=reported,
        reported_on_time=got.get("on_time", 0),
        green=green,
        yellow=yellow,
        red=red,
        grey=max(0, units - green - yellow - red),
        reporting_rate=ratio(reported, units),
        on_time_rate=ratio(got.get("on_time", 0), units),
        share_green=ratio(green, units),
        assignments_expected=assignments,
        assignments_green=got.get("assignments_green", 0),
        share_assignments_green=ratio(got.get("assignments_green", 0), assignments),
    )


async def summary(session: AsyncSession, day: date, unit: str | None) -> Summary:
    """Figures for one day at the cut-off, per level and in total (ratios of sums)."""
    resolved = await resolve_scope(session, unit)
    expected = await repository.expected_by_level(session, day, resolved.scope)
    got = await repository.reported_by_level(session, day, resolved.scope)
    levels = [
        _figures(level, expected.get(level, (0, 0)), got.get(level, {}))
        for level in TaskLevel
        if level in expected or level in got
    ]
    totals: dict[str, int] = defaultdict(int)
    for values in got.values():
        for key, value in values.items():
            totals[key] += value
    total = _figures(
        TaskLevel.commune,
        (sum(e[0] for e in expected.values()), sum(e[1] for e in expected.values())),
        totals,
    )
    total.level = "all"
    own_status = None
    if resolved.agency_id is not None:
        own = await repository.unit_day(session, day, resolved.agency_id)
        own_status = (own.cutoff_status if own else None) or Status.grey.value
    checklists = [
        ChecklistFigures(
            task=task.code,
            title=task.title,
            expected=n_expected,
            reporting=n_reporting,
            met=n_met,
            share_over_reporting=ratio(n_met, n_reporting),
            share_over_all=ratio(n_met, n_expected),
        )
        for task, n_expected, n_reporting, n_met in await repository.checklist_figures(
            session, day, resolved.scope
        )
    ]
    return Summary(
        day=day,
        scope=resolved.ref,
        own_status=own_status,
        levels=levels,
        total=total,
        checklists=checklists,
    )


async def province_grid(session: AsyncSession, day: date) -> list[ProvinceRow]:
    """The 34 provinces: own status at the cut-off, and their communes' figures."""
    own, expected, communes = await repository.province_grid(session, day)
    rows = []
    for province in await repository.provinces(session):
        reported, on_time, green = communes.get(province.code, (0, 0, 0))
        n = expected.get(province.code, 0)
        rows.append(
            ProvinceRow(
                code=province.code,
                name=province.name,
                status=own.get(province.code) or Status.grey.value,
                communes_expected=n,
                communes_reported=reported,
                communes_on_time=on_time,
                communes_green=green,
                share_communes_green=ratio(green, n),
                reporting_rate=ratio(reported, n),
            )
        )
    return rows


async def communes(session: AsyncSession, province: str, day: date) -> list[UnitRow]:
    """Drill-down: every commune of a province with its status at the cut-off."""
    found = await repository.reporting_agency(session, province)
    if found is None or found[0].level.value != "province":
        raise NotFound(f"Không có tỉnh/thành phố mã {province!r}.", code="unknown-province")
    units = await repository.communes_with_agency(session, province)
    ids = [agency_id for _, agency_id in units]
    snapshots = await repository.unit_days_on(session, day, ids)
    last = await repository.last_reported(session, day, ids)
    rows = []
    for unit, agency_id in units:
        snap = snapshots.get(agency_id)
        rows.append(
            UnitRow(
                code=unit.code,
                name=unit.name,
                status=(snap.cutoff_status if snap else None) or Status.grey.value,
                reported=snap is not None,
                on_time=snap.on_time if snap else None,
                first_submitted_at=snap.first_submitted_at if snap else None,
                tasks_green=snap.n_green if snap else 0,
                last_reported_on=last.get(agency_id),
            )
        )
    return rows


async def non_reporters(
    session: AsyncSession, day: date, unit: str | None, limit: int, *, never: bool = False
) -> list[NonReporter]:
    """Units expected on ``day`` that sent nothing for it, longest silence first; with
    ``never``, only those that have not reported once up to ``day``."""
    resolved = await resolve_scope(session, unit)
    silent = await repository.silent_units(session, day, resolved.scope)
    ids = [agency_id for agency_id, _, _ in silent]
    last = await repository.last_reported(session, day, ids)
    if never:
        silent = [row for row in silent if row[0] not in last]
    names = await repository.units_named(session, ids)

    def key(item: tuple[int, TaskLevel, str | None]) -> tuple[date, str]:
        return (last.get(item[0], date.min), names[item[0]].unit_code or names[item[0]].code)

    rows = []
    for agency_id, level, province in sorted(silent, key=key)[:limit]:
        agency = names[agency_id]
        last_day = last.get(agency_id)
        rows.append(
            NonReporter(
                code=agency.unit_code or agency.code,
                name=agency.name,
                level=level,
                province_code=province,
                last_reported_on=last_day,
                days_silent=(day - last_day).days if last_day else None,
            )
        )
    return rows


async def trend(
    session: AsyncSession, unit: str | None, start: date, end: date, level: TaskLevel | None
) -> Trend:
    """Per-day rates over a range, and the range's own rates as ratios of sums."""
    if end < start:
        raise Invalid("Ngày bắt đầu phải trước ngày kết thúc.", code="invalid-range")
    if (end - start).days > 366:
        raise Invalid("Khoảng ngày tối đa 366 ngày.", code="range-too-long")
    resolved = await resolve_scope(session, unit)
    windows = await repository.window_counts(session, resolved.scope, level)
    counts = await repository.daily_counts(session, start, end, resolved.scope, level)
    points = []
    day = start
    while day <= end:
        expected = sum(n for s, e, n in windows if s <= day <= e)
        reported, on_time, green = counts.get(day, (0, 0, 0))
        points.append(
            TrendPoint(
                day=day,
                expected=expected,
                reported=reported,
                reported_on_time=on_time,
                green=green,
                reporting_rate=ratio(reported, expected),
                on_time_rate=ratio(on_time, expected),
                share_green=ratio(green, expected),
            )
        )
        day += timedelta(days=1)
    expected_total = sum(p.expected for p in points)
    reported_total = sum(p.reported for p in points)
    on_time_total = sum(p.reported_on_time for p in points)
    return Trend(
        scope=resolved.ref,
        start=start,
        end=end,
        points=points,
        expected=expected_total,
        reported=reported_total,
        reported_on_time=on_time_total,
        reporting_rate=ratio(reported_total, expected_total),
        on_time_rate=ratio(on_time_total, expected_total),
    )


async def default_day(session: AsyncSession) -> date:
    """The last day with reports, or today when there are none yet."""
    return await repository.latest_day(session) or clock.today()


async def seed_plan02(session: AsyncSession) -> str:
    """Import Plan 02 if absent and assign its tasks (safe to re-run)."""
    document = plan02_document()
    created = await repository.plan_by_code(session, document.code) is None
    if created:
        await import_plan(session, document)
    assigned = 0
    for task in document.tasks:
        assigned += await assign_task(session, task.code)
    state = "imported" if created else "already present"
    return f"Plan {document.code} {state}; {assigned} new assignments."


@dataclass(frozen=True)
class FormTask:
    code: str
    title: str
    kind: str
    target: float | None
    unit_label: str | None
    items: list[dict[str, Any]]
    deadline: date


@dataclass(frozen=True)
class FormPlan:
    title: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ReportForm:
    """What the report form shows: the tasks due on the day, or why there are none and the
    last day (up to today) that has some."""

    unit_name: str
    tasks: list[FormTask]
    plans: list[FormPlan]
    reason: str | None
    last_open_day: date | None


def _no_tasks_reason(day: date, spans: list[tuple[date, date, str]]) -> str:
    if not spans:
        return "Đơn vị chưa được giao nhiệm vụ nào trong các kế hoạch đang theo dõi."
    if day < min(start for start, _, _ in spans):
        first = min(start for start, _, _ in spans)
        return (
            f"Ngày {day:%d/%m/%Y} trước khi các nhiệm vụ được giao bắt đầu "
            f"(sớm nhất từ {first:%d/%m/%Y})."
        )
    if day > max(end for _, end, _ in spans):
        end, title = max((end, title) for _, end, title in spans)
        return (
            f"{title} đã kết thúc ngày {end:%d/%m/%Y}; sau ngày đó không còn nhiệm vụ phải báo cáo."
        )
    return f"Ngày {day:%d/%m/%Y} không có nhiệm vụ nào đang thực hiện."


async def report_form(
    session: AsyncSession, subject: Subject, unit: str, day: date, today: date
) -> ReportForm:
    """The unit's name and the tasks its report for ``day`` must cover; when there are none,
    why not, and the last day up to ``today`` that has tasks."""
    agency, province, _ = await _reporting_agency(session, unit)
    if not may_report(subject, agency, province):
        raise Forbidden(f"Bạn không có quyền báo cáo thay đơn vị {unit}.", code="not-your-unit")
    assigned = (await repository.assigned_task_ids(session, [agency.id]))[agency.id]
    tasks: list[FormTask] = []
    plans: dict[int, FormPlan] = {}
    spans: list[tuple[date, date, str]] = []
    for task, indicator, plan in await repository.tasks_with_indicators(session):
        if task.id not in assigned:
            continue
        plans[plan.id] = FormPlan(plan.title, plan.starts_on, plan.ends_on)
        spans.append((task.starts_on, plan.ends_on, plan.title))
        if task.starts_on <= day <= plan.ends_on:
            tasks.append(
                FormTask(
                    task.code, task.title, indicator.kind.value, indicator.target,
                    indicator.unit_label, list(indicator.items), task.deadline,
                )
            )  # fmt: skip
    last_open = None
    if not tasks:
        open_days = [min(end, today) for start, end, _ in spans if start <= min(end, today)]
        last_open = max(open_days, default=None)
    return ReportForm(
        unit_name=agency.name,
        tasks=tasks,
        plans=list(plans.values()),
        reason=None if tasks else _no_tasks_reason(day, spans),
        last_open_day=last_open if last_open != day else None,
    )


def own_unit(subject: Subject) -> str:
    """The code an officer reports under by default."""
    return subject.unit_code or subject.agency_code


# --- reminders ---------------------------------------------------------------------------


async def set_contact(
    session: AsyncSession, *, unit: str, name: str, channel: Channel, address: str
) -> None:
    """Register a unit's focal point for reminders (idempotent for the same address)."""
    agency, _, _ = await _reporting_agency(session, unit)
    if channel == Channel.email and "@" not in address:
        raise Invalid(f"Địa chỉ thư điện tử không hợp lệ: {address!r}.", code="bad-address")
    if channel == Channel.sms and not address.lstrip("+").isdigit():
        raise Invalid(f"Số điện thoại không hợp lệ: {address!r}.", code="bad-address")
    existing = [
        c
        for c in await repository.contacts_of(session, [agency.id])
        if c.channel == channel and c.address == address
    ]
    if existing:
        existing[0].name = name
    else:
        session.add(Contact(agency_id=agency.id, name=name, channel=channel, address=address))
    await session.flush()


def reminder_due(now: datetime) -> bool:
    """Between the reminder time and the cut-off, Vietnam time."""
    local = _aware(now).astimezone(zone()).time()
    settings = get_settings()
    return settings.report_reminder_at <= local < settings.report_cutoff


async def remind_non_reporters(session: AsyncSession, day: date) -> int:
    """Notify the contacts of every unit expected on ``day`` that has not reported yet.

    One notification per unit, contact and day (the event key), so running it again, from a
    second worker or by hand, sends nothing twice."""
    silent = await repository.silent_units(session, day, Scope())
    ids = [agency_id for agency_id, _, _ in silent]
    names = await repository.units_named(session, ids)
    cutoff = get_settings().report_cutoff.strftime("%H:%M")
    sent = 0
    for contact in await repository.contacts_of(session, ids):
        await notify(
            session,
            event_key=f"monitoring:reminder:{day.isoformat()}:{contact.agency_id}",
            kind="report_reminder",
            channel=contact.channel,
            recipient=contact.address,
            context={
                "name": contact.name,
                "unit": names[contact.agency_id].name,
                "day": day.strftime("%d/%m/%Y"),
                "cutoff": cutoff,
            },
        )
        sent += 1
    return sent
