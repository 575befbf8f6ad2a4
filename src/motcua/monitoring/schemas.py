"""API shapes for plans, reports and roll-ups."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from motcua.monitoring.models import IndicatorKind, TaskLevel


class ChecklistItem(BaseModel):
    """One condition of a checklist task, with where it comes from; ``illustrative`` when no
    official list states it (shown as such)."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str
    source: str | None = None
    illustrative: bool = False


class IndicatorIn(BaseModel):
    kind: IndicatorKind
    target: float | None = None
    unit_label: str | None = None
    items: list[ChecklistItem] = Field(default_factory=list)


class UnitKindIn(StrEnum):
    """The organisations a task can be given to besides the People's Committees."""

    party_committee = "party_committee"
    fatherland_front = "fatherland_front"
    mass_organisation = "mass_organisation"
    national_assembly = "national_assembly"


class TaskIn(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")
    title: str
    title_en: str | None = Field(
        default=None, max_length=300, description="The title in English mode; absent: Vietnamese"
    )
    level: TaskLevel
    starts_on: date
    deadline: date
    done_criterion: str
    indicator: IndicatorIn
    group: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,40}$")
    milestone: bool = False
    units: list[UnitKindIn] = Field(
        default_factory=list,
        description="Kinds of unit the task is for; empty: People's Committees (or ministries)",
    )


class PhaseIn(BaseModel):
    name: str
    ends_on: date


class PlanDocument(BaseModel):
    """A plan with its tasks, as imported from YAML."""

    code: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,40}$")
    title: str
    title_en: str | None = Field(
        default=None, max_length=300, description="The title in English mode; absent: Vietnamese"
    )
    starts_on: date
    ends_on: date
    phases: list[PhaseIn] = Field(default_factory=list)
    rules: dict[str, Any] = Field(
        default_factory=dict, description="Status rule settings (docs/monitoring.md)"
    )
    synthetic: bool = False
    groups: dict[str, str] = Field(default_factory=dict, description="Task group key -> label")
    groups_en: dict[str, str] = Field(
        default_factory=dict, description="Task group key -> label in English mode"
    )
    tasks: list[TaskIn]


class TaskOut(BaseModel):
    code: str
    title: str
    title_en: str | None = None
    level: TaskLevel
    starts_on: date
    deadline: date
    done_criterion: str
    indicator: IndicatorIn
    group: str | None
    milestone: bool
    units: list[str] = Field(default_factory=list)


class PlanOut(BaseModel):
    code: str
    title: str
    title_en: str | None = None
    starts_on: date
    ends_on: date
    phases: list[PhaseIn]
    synthetic: bool
    groups: dict[str, str]
    groups_en: dict[str, str] = Field(default_factory=dict)
    tasks: list[TaskOut]


class ReportIn(BaseModel):
    unit: str = Field(
        min_length=1,
        max_length=35,
        description="Commune (5 digits) or province (2 digits) code, a ministry's agency code, "
        "or an organisation's code (DU.01, MT.01.00004, QH.TW)",
    )
    day: date
    values: dict[str, Any] = Field(description="Task code -> value (bool, number, checklist)")
    note: str | None = Field(default=None, max_length=2000)


class TaskResult(BaseModel):
    task: str
    value: Any
    status: str


class ReportOut(BaseModel):
    id: int
    unit: str
    unit_name: str
    day: date
    version: int
    submitted_at: datetime
    late: bool
    status: str
    tasks: list[TaskResult]


class BulkProblem(BaseModel):
    line: int
    message: str


class BulkOut(BaseModel):
    reports: int
    units: int


class LevelFigures(BaseModel):
    """One level's figures (``all`` for the total); every rate is a ratio of sums (DHIS2)."""

    level: str
    expected: int
    reported: int
    reported_on_time: int
    green: int
    yellow: int
    red: int
    grey: int
    reporting_rate: float | None
    on_time_rate: float | None
    share_green: float | None
    assignments_expected: int
    assignments_green: int
    share_assignments_green: float | None


class ChecklistFigures(BaseModel):
    task: str
    title: str
    title_en: str | None = None
    expected: int
    reporting: int
    met: int
    share_over_reporting: float | None
    share_over_all: float | None


class UnitRef(BaseModel):
    code: str
    name: str
    level: str
    kind: str | None = None  # the agency's kind (people_committee, party_committee, ...)
    code_provisional: bool = False


class Summary(BaseModel):
    day: date
    scope: UnitRef
    kind: str = "government"
    own_status: str | None
    levels: list[LevelFigures]
    total: LevelFigures
    checklists: list[ChecklistFigures]


class ProvinceRow(BaseModel):
    code: str
    name: str
    status: str
    communes_expected: int
    communes_reported: int
    communes_on_time: int
    communes_green: int
    share_communes_green: float | None
    reporting_rate: float | None


class UnitRow(BaseModel):
    code: str
    name: str
    status: str
    reported: bool
    on_time: bool | None
    first_submitted_at: datetime | None
    tasks_green: int
    last_reported_on: date | None
    kind: str = "people_committee"
    code_provisional: bool = False


class NonReporter(BaseModel):
    code: str
    name: str
    level: TaskLevel
    province_code: str | None
    last_reported_on: date | None
    days_silent: int | None


class TrendPoint(BaseModel):
    day: date
    expected: int
    reported: int
    reported_on_time: int
    green: int
    reporting_rate: float | None
    on_time_rate: float | None
    share_green: float | None


class Trend(BaseModel):
    scope: UnitRef
    start: date
    end: date
    points: list[TrendPoint]
    expected: int
    reported: int
    reported_on_time: int
    reporting_rate: float | None
    on_time_rate: float | None


class TaskHistoryRow(BaseModel):
    day: date
    version: int
    late: bool
    values: dict[str, Any]
    statuses: dict[str, str]


class ReadinessRow(BaseModel):
    """One scope's checklist figures: over the units reporting and over all units assigned."""

    code: str
    name: str
    expected: int
    reporting: int
    met: int
    never_reported: int
    share_over_reporting: float | None
    share_over_all: float | None


class Readiness(BaseModel):
    """A checklist task on one day: its items with their sources, the country and each
    province."""

    day: date
    task: str
    title: str
    title_en: str | None = None
    illustrative: bool
    items: list[ChecklistItem]
    national: ReadinessRow
    provinces: list[ReadinessRow]


class GroupFigures(BaseModel):
    group: str
    label: str
    label_en: str | None = None
    level: TaskLevel
    tasks: int
    assignments: int
    green: int
    share_green: float | None


class MilestonePoint(BaseModel):
    day: date
    met: int
    expected: int


class Milestone(BaseModel):
    task: str
    title: str
    title_en: str | None = None
    level: TaskLevel
    points: list[MilestonePoint]
