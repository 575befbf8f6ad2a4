"""The seeds' days as scenarios: one day of synthetic reports whose roll-ups give exactly the
figures the press published for it (``data/scenarios.yaml``).

A scenario writes through the same rule functions and snapshot builder as the simulator, so
the dashboards and the API read it like any other day. It loads into a day that has no
report yet, whole or not at all: a second load, or a day someone already reported for, is
refused before anything is written. Which units are green, report or meet the checklist is
drawn from a generator seeded with the scenario's name, so every load is the same.

The organisations (Party committees, the Fatherland Front, the mass organisations) get
reports on the scenario's day too, so the dashboards filtered to them are not empty. Nothing
was published about them: their values are this project's own (``organisations_done``, the
share of their tasks done), drawn from a separate generator after the People's Committees'
and ministries', and their rows carry their own bloc, so the published figures (which count
the People's Committees) are exactly what they were. As in the simulation, their commune-level
units report only in the demo's organisation provinces.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.monitoring import repository, totals
from motcua.monitoring.cutoff import zone
from motcua.monitoring.models import (
    Assignment,
    ChecklistDay,
    DayTotal,
    IndicatorKind,
    Report,
    TaskLevel,
    UnitDay,
)
from motcua.monitoring.plans import Catalogue, catalogue, seed_plan02
from motcua.monitoring.rules import TaskSpec
from motcua.monitoring.synthetic import (
    DEMO_ORGANISATION_PROVINCES,
    bulk_insert,
    fix_sequence,
    snapshot_rows,
)
from motcua.units.models import Bloc


class Quote(BaseModel):
    """One published figure as the press gave it. Its words are a message of the pages'
    catalog (so English mode translates them); a figure whose percent sign Babel would read as
    a placeholder ("100% xã") is kept out of the words, in ``figures``, and put back by name
    (``%(share)s``) after translation. A plain string in the file is a quote without figures."""

    text: str
    figures: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value

    @property
    def said(self) -> str:
        """The quote in Vietnamese, figures in place."""
        return self.text % self.figures if self.figures else self.text


class ScenarioSpec(BaseModel):
    """One published day and the counts that reproduce it."""

    day: date
    title: str
    published: list[Quote]
    provinces_green: int = Field(ge=0)
    province_tasks: int = Field(ge=1)
    province_tasks_not_green: int = Field(ge=0)
    communes_reporting: int = Field(ge=0)
    communes_meeting: int = Field(ge=0)
    provinces_all_communes_green: int = Field(ge=0)
    ministries_plan_issued: int = Field(ge=0)
    # not published: the share of the organisations' tasks done that day (this project's own)
    organisations_done: float = Field(default=0.5, ge=0, le=1)


@cache
def scenarios() -> dict[str, ScenarioSpec]:
    text = resources.files("motcua.monitoring").joinpath("data", "scenarios.yaml")
    raw: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    return {name: ScenarioSpec.model_validate(spec) for name, spec in raw.items()}


def scenario(name: str) -> ScenarioSpec:
    found = scenarios().get(name)
    if found is None:
        raise NotFound(
            f"Không có kịch bản “{name}”; chọn một trong: {', '.join(scenarios())}.",
            code="unknown-scenario",
        )
    return found


@dataclass(frozen=True)
class Loaded:
    name: str
    day: date
    units: int
    reports: int
    organisation_reports: int = 0  # of ``reports``: the organisations' (not published)


@dataclass(frozen=True)
class _Units:
    ministries: list[int]
    provinces: list[tuple[int, str]]
    communes: list[tuple[int, str]]


async def _units(session: AsyncSession) -> _Units:
    by_level = {
        level: sorted(await repository.agencies_for_level(session, level), key=lambda u: u[0])
        for level in TaskLevel
    }
    return _Units(
        ministries=[agency_id for agency_id, _ in by_level[TaskLevel.ministry]],
        provinces=sorted(
            ((a, str(p)) for a, p in by_level[TaskLevel.province]), key=lambda u: u[1]
        ),
        communes=[(a, str(p)) for a, p in by_level[TaskLevel.commune]],
    )


def _active(cat: Catalogue, level: TaskLevel, day: date) -> dict[str, TaskSpec]:
    return {
        spec.code: spec
        for task_id, spec in sorted(cat.specs.items())
        if cat.levels[task_id] == level
        and not cat.kinds.get(task_id)  # the People's Committees' and ministries' tasks
        and spec.starts_on <= day <= cat.ends_on[task_id]
    }


def _done(spec: TaskSpec) -> Any:
    if spec.kind == IndicatorKind.yes_no:
        return True
    if spec.kind == IndicatorKind.checklist:
        return dict.fromkeys(spec.items, True)
    return spec.goal


def _in_progress(spec: TaskSpec, rng: random.Random) -> Any:
    if spec.kind == IndicatorKind.yes_no:
        return False
    if spec.kind == IndicatorKind.checklist:
        met = set(rng.sample(spec.items, rng.randint(0, len(spec.items) - 1)))
        return {item: item in met for item in spec.items}
    return round(spec.goal * rng.uniform(0.4, 0.95), 1)


def _commune_plan(
    spec: ScenarioSpec, communes: list[tuple[int, str]], rng: random.Random
) -> tuple[set[int], set[int]]:
    """(communes reporting, communes meeting every condition): whole provinces first for
    ``provinces_all_communes_green``; every other province keeps one commune short, so exactly
    that many provinces have all their communes green."""
    by_province: dict[str, list[int]] = defaultdict(list)
    for agency_id, province in communes:
        by_province[province].append(agency_id)
    order = sorted(by_province)
    rng.shuffle(order)
    whole: list[str] = []
    for province in order:
        if len(whole) == spec.provinces_all_communes_green:
            break
        if sum(len(by_province[p]) for p in whole) + len(by_province[province]) <= min(
            spec.communes_meeting, spec.communes_reporting
        ):
            whole.append(province)
    if len(whole) != spec.provinces_all_communes_green:
        raise Invalid("Kịch bản không khả thi với danh mục xã hiện có.", code="bad-scenario")
    full = {a for p in whole for a in by_province[p]}
    short = {by_province[p][0] for p in by_province if p not in whole}
    others = [a for a, _ in communes if a not in full]
    rng.shuffle(others)
    reporting = full | set(others[: spec.communes_reporting - len(full)])
    candidates = [a for a in others if a in reporting and a not in short]
    meeting = full | set(candidates[: spec.communes_meeting - len(full)])
    if len(reporting) != spec.communes_reporting or len(meeting) != spec.communes_meeting:
        raise Invalid("Kịch bản không khả thi với danh mục xã hiện có.", code="bad-scenario")
    return reporting, meeting


def _values(
    spec: ScenarioSpec, cat: Catalogue, units: _Units, rng: random.Random
) -> list[tuple[int, TaskLevel, str | None, dict[str, TaskSpec], dict[str, Any]]]:
    """Every report of the day: (agency, level, province, active tasks, values)."""
    day = spec.day
    out: list[tuple[int, TaskLevel, str | None, dict[str, TaskSpec], dict[str, Any]]] = []
    province_tasks = _active(cat, TaskLevel.province, day)
    open_tasks = [s for s in province_tasks.values() if s.deadline >= day]
    not_green = len(units.provinces) - spec.provinces_green
    if spec.province_tasks_not_green < not_green or (
        spec.province_tasks_not_green and not open_tasks
    ):
        raise Invalid("Kịch bản không khả thi với các nhiệm vụ cấp tỉnh.", code="bad-scenario")
    behind = rng.sample([a for a, _ in units.provinces], not_green)
    left = spec.province_tasks_not_green
    for agency_id, province in units.provinces:
        values = {code: _done(s) for code, s in province_tasks.items()}
        if agency_id in behind:
            share = left // not_green + (1 if behind.index(agency_id) < left % not_green else 0)
            for task in open_tasks[: max(1, share)]:
                values[task.code] = _in_progress(task, rng)
        out.append((agency_id, TaskLevel.province, province, province_tasks, values))
    commune_tasks = _active(cat, TaskLevel.commune, day)
    reporting, meeting = _commune_plan(spec, units.communes, rng)
    for agency_id, province in units.communes:
        if agency_id in reporting:
            good = agency_id in meeting
            values = {
                code: _done(s) if good else _in_progress(s, rng)
                for code, s in commune_tasks.items()
            }
            out.append((agency_id, TaskLevel.commune, province, commune_tasks, values))
    ministry_tasks = _active(cat, TaskLevel.ministry, day)
    issued = set(
        rng.sample(units.ministries, min(spec.ministries_plan_issued, len(units.ministries)))
    )
    for agency_id in units.ministries:
        values = {
            code: (agency_id in issued if s.milestone else _in_progress(s, rng))
            for code, s in ministry_tasks.items()
        }
        out.append((agency_id, TaskLevel.ministry, None, ministry_tasks, values))
    return out


async def load(session: AsyncSession, name: str) -> Loaded:
    """Load one scenario into its day (Plan 02 is seeded first if needed); refused, with
    nothing written, when the day already has reports."""
    spec = scenario(name)
    already = int(
        await session.scalar(
            select(func.count()).select_from(UnitDay).where(UnitDay.day == spec.day)
        )
        or 0
    )
    if already:
        raise Conflict(
            f"Ngày {spec.day:%d/%m/%Y} đã có báo cáo của {already} đơn vị (kịch bản “{name}” "
            "đã nạp, hoặc đã có báo cáo thật); không nạp thêm để số liệu ngày đó không bị lẫn.",
            code="scenario-loaded",
        )
    await seed_plan02(session)
    cat = await catalogue(session)
    checklist_ids = {
        s.id
        for s in _active(cat, TaskLevel.commune, spec.day).values()
        if s.kind == IndicatorKind.checklist
    }
    if not checklist_ids:
        raise Invalid(
            f"Ngày {spec.day:%d/%m/%Y} không có nhiệm vụ danh mục điều kiện cấp xã.",
            code="bad-scenario",
        )
    rng = random.Random(name)
    next_id = int(await session.scalar(select(func.max(Report.id))) or 0) + 1
    reports: list[dict[str, Any]] = []
    unit_days: list[dict[str, Any]] = []
    checklists: list[dict[str, Any]] = []
    assigned: dict[int, set[int]] = defaultdict(set)
    for agency_id, task_id in await session.execute(
        select(Assignment.agency_id, Assignment.task_id).where(Assignment.exempt.is_(False))
    ):
        assigned[agency_id].add(task_id)
    for agency_id, level, province, every, all_values in _values(
        spec, cat, await _units(session), rng
    ):
        specs = {code: s for code, s in every.items() if s.id in assigned[agency_id]}
        values = {code: all_values[code] for code in specs}
        if not specs:
            continue
        report = _report(next_id, agency_id, spec.day, values, rng)
        next_id += 1
        reports.append(report)
        row, lists = snapshot_rows(cat, specs, agency_id, level, province, spec.day, [report])
        unit_days.append(row)
        checklists.extend(lists)
    _check(spec, unit_days, checklists, checklist_ids)
    organisations = 0
    for agency_id, level, province, bloc, specs in await _organisation_units(session, cat, spec):
        own = random.Random(f"{name}:organisations:{agency_id}")
        values = _organisation_values(specs, spec.organisations_done, own)
        report = _report(next_id, agency_id, spec.day, values, own)
        next_id += 1
        organisations += 1
        reports.append(report)
        row, lists = snapshot_rows(cat, specs, agency_id, level, province, spec.day, [report], bloc)
        unit_days.append(row)
        checklists.extend(lists)
    await bulk_insert(session, Report, reports)
    await bulk_insert(session, UnitDay, unit_days)
    await bulk_insert(session, ChecklistDay, checklists)
    await totals.rebuild_days(session, spec.day, spec.day)
    await fix_sequence(session, Report)
    return Loaded(name, spec.day, len(unit_days), len(reports), organisations)


def _report(
    report_id: int, agency_id: int, day: date, values: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    """One synthetic first version, sent before the cut-off."""
    minutes = rng.randint(8 * 60, 15 * 60 + 30)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone())
    return dict(
        id=report_id, agency_id=agency_id, day=day, version=1, values=values, note=None,
        submitted_at=local.astimezone(UTC), officer_id=None, source="scenario", late=False,
        synthetic=True,
    )  # fmt: skip


async def _organisation_units(
    session: AsyncSession, cat: Catalogue, spec: ScenarioSpec
) -> list[tuple[int, TaskLevel, str | None, str, dict[str, TaskSpec]]]:
    """The organisations' units with tasks active on the day: (agency, level, province,
    bloc, tasks); the commune-level ones only in the demo's organisation provinces."""
    units: dict[int, tuple[TaskLevel, str | None, str, set[int]]] = {}
    for agency_id, level, province, bloc, task_id in await session.execute(
        select(
            Assignment.agency_id,
            Assignment.level,
            Assignment.province_code,
            Assignment.bloc,
            Assignment.task_id,
        )
        .where(Assignment.exempt.is_(False), Assignment.bloc != Bloc.government.value)
        .order_by(Assignment.agency_id)
    ):
        if level == TaskLevel.commune and province not in DEMO_ORGANISATION_PROVINCES:
            continue
        units.setdefault(agency_id, (TaskLevel(level), province, bloc, set()))[3].add(task_id)
    out = []
    for agency_id, (level, province, bloc, task_ids) in units.items():
        specs = cat.active(task_ids, spec.day)
        if specs:
            out.append((agency_id, level, province, bloc, specs))
    return out


def _organisation_values(
    specs: dict[str, TaskSpec], done: float, rng: random.Random
) -> dict[str, Any]:
    return {
        code: _done(s) if rng.random() < done else _in_progress(s, rng) for code, s in specs.items()
    }


def _check(
    spec: ScenarioSpec,
    unit_days: list[dict[str, Any]],
    checklists: list[dict[str, Any]],
    checklist_ids: set[int],
) -> None:
    """The rows about to be written give the scenario's counts, or nothing is written (a
    database holding an older Plan 02 would not)."""
    provinces = [row for row in unit_days if row["level"] == TaskLevel.province.value]
    communes = {row["agency_id"] for row in unit_days if row["level"] == TaskLevel.commune.value}
    tasks = sum(row["n_green"] + row["n_yellow"] + row["n_red"] for row in provinces)
    got = (
        sum(1 for row in provinces if row["cutoff_status"] == "green"),
        tasks - sum(row["n_green"] for row in provinces),
        tasks,
        len(communes),
        sum(1 for row in checklists if row["met"] and row["task_id"] in checklist_ids),
    )
    wanted = (
        spec.provinces_green,
        spec.province_tasks_not_green,
        spec.province_tasks * len(provinces),
        spec.communes_reporting,
        spec.communes_meeting,
    )
    if got != wanted:
        raise Invalid(
            f"Kế hoạch 02 trong cơ sở dữ liệu không khớp với kịch bản ngày {spec.day:%d/%m/%Y} "
            "(số nhiệm vụ hoặc danh mục đơn vị khác); không nạp gì.",
            code="bad-scenario",
        )


async def loaded_days(session: AsyncSession) -> list[tuple[str, ScenarioSpec]]:
    """The scenarios whose day has reports (the dashboards link to them)."""
    days = [s.day for s in scenarios().values()]
    present = set(  # from the day totals: a few hundred rows a day, not every snapshot
        await session.scalars(
            select(DayTotal.day).where(DayTotal.day.in_(days), DayTotal.reported > 0).distinct()
        )
    )
    return [(name, s) for name, s in scenarios().items() if s.day in present]
