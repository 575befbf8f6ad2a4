"""The report form: the tasks due on a day, or why there are none and the last open day; on a
day already reported, the last version sent, to edit."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity.service import Forbidden, Subject
from motcua.monitoring import repository
from motcua.monitoring.scope import find_unit, may_report


@dataclass(frozen=True)
class FormTask:
    code: str
    title: str
    kind: str
    target: float | None
    unit_label: str | None
    items: list[dict[str, Any]]
    deadline: date
    title_en: str | None = None  # the title in English mode; None: the Vietnamese


@dataclass(frozen=True)
class FormPlan:
    title: str
    starts_on: date
    ends_on: date
    title_en: str | None = None


@dataclass(frozen=True)
class ReportForm:
    """What the report form shows: the tasks due on the day, or why there are none and the
    last day (up to today) that has some."""

    unit_name: str
    tasks: list[FormTask]
    plans: list[FormPlan]
    reason: str | None
    last_open_day: date | None
    # the last version sent for the day, as the form's fields hold it (empty: none yet)
    sent_at: datetime | None = None
    sent_values: dict[str, Any] = field(default_factory=dict)
    sent_note: str | None = None


def form_value(kind: str, value: Any) -> Any:
    """A stored value as the form's field holds it: yes/no, the items met, or the number."""
    if kind == "yes_no":
        return "yes" if value else "no"
    if kind == "checklist":
        return [item for item, met in dict(value or {}).items() if met]
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number).replace(".", ",")


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
    agency, province, _ = await find_unit(session, unit)
    if not may_report(subject, agency, province):
        raise Forbidden(f"Bạn không có quyền báo cáo thay đơn vị {unit}.", code="not-your-unit")
    assigned = (await repository.assigned_task_ids(session, [agency.id]))[agency.id]
    tasks: list[FormTask] = []
    plans: dict[int, FormPlan] = {}
    spans: list[tuple[date, date, str]] = []
    for task, indicator, plan in await repository.tasks_with_indicators(session):
        if task.id not in assigned:
            continue
        plans[plan.id] = FormPlan(plan.title, plan.starts_on, plan.ends_on, plan.title_en)
        spans.append((task.starts_on, plan.ends_on, plan.title))
        if task.starts_on <= day <= plan.ends_on:
            tasks.append(
                FormTask(
                    task.code, task.title, indicator.kind.value, indicator.target,
                    indicator.unit_label, list(indicator.items), task.deadline,
                    task.title_en,
                )
            )  # fmt: skip
    sent = max(
        await repository.reports_of(session, agency.id, day, day),
        key=lambda report: report.version,
        default=None,
    )
    kinds = {task.code: task.kind for task in tasks}
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
        sent_at=sent.submitted_at if sent else None,
        sent_values={
            code: form_value(kinds[code], value)
            for code, value in (sent.values if sent else {}).items()
            if code in kinds
        },
        sent_note=sent.note if sent else None,
    )
