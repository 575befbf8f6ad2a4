"""Plans, tasks and assignments: import, export, exemptions, and the catalogue of task specs
the status rules read."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.monitoring import repository, totals, unit_queries
from motcua.monitoring.models import (
    Indicator,
    IndicatorKind,
    Plan,
    Task,
    TaskLevel,
)
from motcua.monitoring.organisations import load_organisations
from motcua.monitoring.rules import (
    BadRules,
    PlanRules,
    Rules,
    TaskSpec,
    plan_rules,
)
from motcua.monitoring.schemas import (
    IndicatorIn,
    PhaseIn,
    PlanDocument,
    PlanOut,
    TaskIn,
    TaskOut,
)
from motcua.monitoring.scope import find_unit


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
    for key in document.groups_en:
        if key not in document.groups:
            problems.append(f"Tên tiếng Anh cho nhóm “{key}”, nhóm này không có trong kế hoạch.")
    if problems:
        raise Invalid("Kế hoạch có lỗi: " + " ".join(problems), code="invalid-plan")
    plan = Plan(
        code=document.code,
        title=document.title,
        title_en=document.title_en,
        starts_on=document.starts_on,
        ends_on=document.ends_on,
        phases=[p.model_dump(mode="json") for p in document.phases],
        rules=dict(document.rules),
        synthetic=document.synthetic,
        groups=dict(document.groups),
        groups_en=dict(document.groups_en),
    )
    session.add(plan)
    await session.flush()
    for item in document.tasks:
        row = Task(
            plan_id=plan.id,
            code=item.code,
            title=item.title,
            title_en=item.title_en,
            level=item.level,
            starts_on=item.starts_on,
            deadline=item.deadline,
            done_criterion=item.done_criterion,
            group_key=item.group,
            milestone=item.milestone,
            unit_kinds=[k.value for k in item.units],
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
    session: AsyncSession,
    task_code: str,
    exceptions: Mapping[str, str] | None = None,
    *,
    count_expected: bool = True,
) -> int:
    """Assign a task to every unit of its level and kinds (the People's Committees, or the
    ministries, unless the plan names other kinds); ``exceptions`` maps unit codes to the reason
    they are exempt. Safe to re-run: existing assignments stay as they are. Who is expected is
    counted again afterwards (``totals.rebuild_expected``); a caller assigning many tasks passes
    ``count_expected=False`` and counts once at the end."""
    task = await repository.task_by_code(session, task_code)
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {task_code}.", code="unknown-task")
    assigned = await unit_queries.assign_all(session, task.id, task.level, task.unit_kinds or [])
    for unit, reason in (exceptions or {}).items():
        await set_exemption(session, task_code, unit, reason)
    if count_expected:
        await totals.rebuild_expected(session)
    return assigned


async def set_exemption(
    session: AsyncSession, task_code: str, unit: str, reason: str | None
) -> None:
    """Exempt one unit from a task (with a reason), or lift the exemption (reason None)."""
    task = await repository.task_by_code(session, task_code)
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {task_code}.", code="unknown-task")
    agency, _, _ = await find_unit(session, unit)
    found = await repository.assignment(session, task.id, agency.id)
    if found is None:
        raise Invalid(
            f"Nhiệm vụ {task_code} không giao cho đơn vị {unit}.", code="task-not-assigned"
        )
    found.exempt = reason is not None
    found.exempt_reason = reason
    await session.flush()
    await totals.rebuild_expected(session)


def _task_fields(task: Task, indicator: Indicator) -> dict[str, Any]:
    """A stored task as the fields of its document: one reading for the plan list and export."""
    return dict(
        code=task.code,
        title=task.title,
        title_en=task.title_en,
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
        units=list(task.unit_kinds or []),
    )


async def plans(session: AsyncSession) -> list[PlanOut]:
    tasks = await repository.tasks_with_indicators(session)
    by_plan: dict[int, list[TaskOut]] = defaultdict(list)
    for task, indicator, _ in tasks:
        by_plan[task.plan_id].append(TaskOut(**_task_fields(task, indicator)))
    return [
        PlanOut(
            code=p.code,
            title=p.title,
            title_en=p.title_en,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            phases=[PhaseIn.model_validate(x) for x in p.phases],
            synthetic=p.synthetic,
            groups=dict(p.groups or {}),
            groups_en=dict(p.groups_en or {}),
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
        title_en=plan.title_en,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        phases=[PhaseIn.model_validate(x) for x in plan.phases],
        rules=dict(plan.rules),
        synthetic=plan.synthetic,
        groups=dict(plan.groups or {}),
        groups_en=dict(plan.groups_en or {}),
        tasks=[TaskIn(**_task_fields(task, indicator)) for task, indicator, _ in rows],
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
            assigned += await assign_task(session, task.code, count_expected=False)
        await totals.rebuild_expected(session)
    return plan, assigned


async def seed_plan02(session: AsyncSession) -> str:
    """Import Plan 02 if absent, create the organisations' units and assign its tasks (safe
    to re-run)."""
    await load_organisations(session)
    document = plan02_document()
    found = await repository.plan_by_code(session, document.code)
    if found is None:
        await import_plan(session, document)
    else:
        await _fill_english(session, found, document)
    assigned = 0
    for task in document.tasks:
        assigned += await assign_task(session, task.code, count_expected=False)
    await totals.rebuild_expected(session)
    state = "imported" if found is None else "already present"
    return f"Plan {document.code} {state}; {assigned} new assignments."


async def _fill_english(session: AsyncSession, plan: Plan, document: PlanDocument) -> None:
    """A plan imported before English titles existed gets the file's, where it has none."""
    plan.title_en = plan.title_en or document.title_en
    plan.groups_en = {**document.groups_en, **(plan.groups_en or {})}
    english = {task.code: task.title_en for task in document.tasks}
    for task, _, _ in await repository.tasks_with_indicators(session, plan.id):
        task.title_en = task.title_en or english.get(task.code)
    await session.flush()


@dataclass(frozen=True)
class Catalogue:
    """Every task with what the rules need (``catalogue``); never changed once made."""

    specs: dict[int, TaskSpec]
    rules: dict[int, Rules]
    ends_on: dict[int, date]
    by_code: dict[str, int]
    levels: dict[int, TaskLevel] = field(default_factory=dict)
    # the kinds of unit each task is for; empty: the People's Committees (or ministries)
    kinds: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def green_share(self, task_ids: Iterable[int]) -> float:
        """The share of green tasks that makes a unit green: the strictest of its plans'."""
        return max((self.rules[t].unit_green_share for t in task_ids), default=1.0)

    def active(self, task_ids: set[int], day: date) -> dict[str, TaskSpec]:
        return {
            self.specs[t].code: self.specs[t]
            for t in sorted(task_ids)
            if self.specs[t].starts_on <= day <= self.ends_on[t]
        }


# The catalogue each database's tasks last made, with the mark it was made at (``catalogue``).
_KEPT: dict[URL, tuple[tuple[int, int, int], Catalogue]] = {}


async def catalogue(session: AsyncSession) -> Catalogue:
    """Every task with what the rules need. Tasks, their indicators and plans are only ever
    added (a plan imports once) and an English title only ever filled in where there was none,
    so the mark (how many tasks, the highest id, how many English titles) changes whenever the
    catalogue does: the process keeps the last one made and reads only the mark while it
    holds, instead of every task and plan with their rules at each report (a quarter of a
    report's CPU). On PostgreSQL only, where an id is never given out twice; SQLite may give a
    rolled-back task's id out again, so there it is read every time."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return catalogue_of(await repository.tasks_with_indicators(session))
    mark = await repository.catalogue_mark(session)
    kept = _KEPT.get(bind.engine.url)
    if kept is not None and kept[0] == mark:
        return kept[1]
    made = catalogue_of(await repository.tasks_with_indicators(session))
    _KEPT[bind.engine.url] = (mark, made)
    return made


def catalogue_of(rows: Sequence[tuple[Any, Any, Any]]) -> Catalogue:
    """The catalogue of (task, indicator, plan) rows: the tables' objects, or anything with
    their attributes (a migration reads plain rows)."""
    specs, rules, ends_on, levels, kinds = {}, {}, {}, {}, {}
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
        kinds[task.id] = tuple(task.unit_kinds or ())
    by_code = {s.code: i for i, s in specs.items()}
    return Catalogue(specs, rules, ends_on, by_code, levels, kinds)


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
        title_en=task.title_en,
    )
