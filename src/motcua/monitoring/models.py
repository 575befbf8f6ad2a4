"""Monitoring tables: plans, tasks, indicators, assignments, versioned reports, day snapshots.

A *unit* that must report is an **agency** (``agencies.id``): a ministry, or the People's
Committee of a province or commune. Every province and commune has exactly one People's
Committee in ``agencies``, so one integer key covers all three levels, a ministry needs no fake
administrative-unit code, and the officer who reports (who belongs to an agency) is checked
against the same key. ``province_code`` is copied onto assignments and snapshots because every
roll-up groups by province; agencies never move between provinces, so the copy cannot go stale.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime
from motcua.notify.models import Channel


class TaskLevel(enum.StrEnum):
    ministry = "ministry"
    province = "province"
    commune = "commune"


class IndicatorKind(enum.StrEnum):
    yes_no = "yes_no"
    number = "number"
    percentage = "percentage"
    checklist = "checklist"


class Plan(Base):
    """kế hoạch, e.g. Plan 02-KH/BCĐTW, with its phases and its status thresholds."""

    __tablename__ = "monitoring_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # the title in English mode (a plan is data, so Babel cannot translate it); None: Vietnamese
    title_en: Mapped[str | None] = mapped_column(String(300), default=None)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # task groups (nhóm nhiệm vụ): key -> label, e.g. "du_lieu" -> "Dữ liệu"
    groups: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # the groups' labels in English mode, by key; a key absent: the Vietnamese label
    groups_en: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")


class Task(Base):
    """nhiệm vụ: what every unit of one level must do by a deadline."""

    __tablename__ = "monitoring_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("monitoring_plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300), default=None)  # None: Vietnamese
    level: Mapped[TaskLevel] = mapped_column(Enum(TaskLevel, native_enum=False, length=16))
    starts_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    done_criterion: Mapped[str] = mapped_column(Text)
    group_key: Mapped[str | None] = mapped_column(String(40), default=None)
    # a milestone (mốc) is counted nationally day by day: "24/34 provinces set up their group"
    milestone: Mapped[bool] = mapped_column(Boolean, default=False)
    # the kinds of unit the task is for (``AgencyKind`` values); empty: the People's Committees
    # of its level, or the ministries for a central task
    unit_kinds: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")


class Indicator(Base):
    """chỉ số: the figure a unit reports for a task (one per task)."""

    __tablename__ = "monitoring_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("monitoring_tasks.id"), unique=True)
    kind: Mapped[IndicatorKind] = mapped_column(Enum(IndicatorKind, native_enum=False, length=16))
    target: Mapped[float | None] = mapped_column(Float, default=None)
    unit_label: Mapped[str | None] = mapped_column(String(40), default=None)
    items: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Assignment(Base):
    """A task given to one unit; an exemption keeps the row (and its reason) but removes the
    unit from what is expected."""

    __tablename__ = "monitoring_assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "agency_id"),
        Index("ix_monitoring_assignments_scope", "level", "province_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("monitoring_tasks.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    level: Mapped[TaskLevel] = mapped_column(Enum(TaskLevel, native_enum=False, length=16))
    province_code: Mapped[str | None] = mapped_column(String(5), default=None)
    # khối (``Bloc``): government, party or front; copied like ``province_code`` so the
    # dashboards' filter needs no join
    bloc: Mapped[str] = mapped_column(String(12), default="government", server_default="government")
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    exempt_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Report(Base):
    """báo cáo: one version of a unit's report for one day. Never updated: a correction is a
    new row with the next version number."""

    __tablename__ = "monitoring_reports"
    __table_args__ = (UniqueConstraint("agency_id", "day", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), default=None)
    source: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class UnitDay(Base):
    """Snapshot of one unit on one day, written in the same transaction as each report.

    ``cutoff_*`` columns come from the last version submitted before the day's cut-off and are
    only ever written by such a version, so once the cut-off has passed they cannot change: that
    is the frozen 16:00 snapshot the roll-ups read. ``latest_*`` follow every correction.
    """

    __tablename__ = "monitoring_unit_days"
    __table_args__ = (
        Index("ix_monitoring_unit_days_scope", "day", "level", "province_code"),
        Index("ix_monitoring_unit_days_agency_day", "agency_id", "day"),
        # a province's communes page: the last day each unit reported, grouped over the
        # province's rows (an index-only scan; docs/scaling.md section 5)
        Index("ix_monitoring_unit_days_province_agency_day", "province_code", "agency_id", "day"),
        # the colours per day, level and bloc are read from ``DayTotal``, not counted here
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    level: Mapped[TaskLevel] = mapped_column(Enum(TaskLevel, native_enum=False, length=16))
    province_code: Mapped[str | None] = mapped_column(String(5), default=None)
    # khối (``Bloc``): government, party or front; copied like ``province_code`` so the
    # dashboards' filter needs no join
    bloc: Mapped[str] = mapped_column(String(12), default="government", server_default="government")
    first_submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    on_time: Mapped[bool] = mapped_column(Boolean)
    latest_report_id: Mapped[int] = mapped_column(Integer)
    latest_status: Mapped[str] = mapped_column(String(8))
    cutoff_report_id: Mapped[int | None] = mapped_column(Integer, default=None)
    cutoff_status: Mapped[str | None] = mapped_column(String(8), default=None)
    n_green: Mapped[int] = mapped_column(Integer, default=0)
    n_yellow: Mapped[int] = mapped_column(Integer, default=0)
    n_red: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class ChecklistDay(Base):
    """Whether a unit met a checklist task (every item) or a milestone task at the day's
    cut-off."""

    __tablename__ = "monitoring_checklist_days"
    __table_args__ = (
        Index("ix_monitoring_checklist_days_scope", "day", "task_id", "level"),
        # a milestone's first day met, per unit, read from the index alone
        Index("ix_monitoring_checklist_days_first_met", "task_id", "met", "agency_id", "day"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("monitoring_tasks.id"), primary_key=True)
    level: Mapped[TaskLevel] = mapped_column(Enum(TaskLevel, native_enum=False, length=16))
    province_code: Mapped[str | None] = mapped_column(String(5), default=None)
    # khối (``Bloc``): government, party or front; copied like ``province_code`` so the
    # dashboards' filter needs no join
    bloc: Mapped[str] = mapped_column(String(12), default="government", server_default="government")
    met: Mapped[bool] = mapped_column(Boolean)


class Contact(Base):
    """đầu mối: who at a unit is reminded to report (e-mail or SMS)."""

    __tablename__ = "monitoring_contacts"
    __table_args__ = (UniqueConstraint("agency_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=16))
    address: Mapped[str] = mapped_column(String(320))


# --- roll-ups kept with the snapshots (monitoring/totals.py) -------------------------------
# ``province_code`` is "" for the units of no province (ministries, central organisations) so
# that it can be part of the key.


class DayTotal(Base):
    """The unit-day snapshots of one day, level, province and bloc, counted: written in the
    same transaction as every snapshot, so the national figures read 34 × 3 rows, not 23,000."""

    __tablename__ = "monitoring_day_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    green: Mapped[int] = mapped_column(Integer, default=0)
    yellow: Mapped[int] = mapped_column(Integer, default=0)
    red: Mapped[int] = mapped_column(Integer, default=0)
    tasks_green: Mapped[int] = mapped_column(Integer, default=0)


class ChecklistTotal(Base):
    """The checklist and milestone rows of one day, task, province and bloc, counted."""

    __tablename__ = "monitoring_checklist_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    reporting: Mapped[int] = mapped_column(Integer, default=0)
    met: Mapped[int] = mapped_column(Integer, default=0)


class MilestoneFirst(Base):
    """Units that first met a milestone task at a cut-off on ``first_day``, per task, province
    and bloc: the milestone count on any day is the sum up to that day (reached stays
    reached), read from a few rows instead of every unit's checklist rows."""

    __tablename__ = "monitoring_milestone_firsts"

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    units: Mapped[int] = mapped_column(Integer, default=0)


class ExpectedUnits(Base):
    """Units expected to report, per level, province, bloc and reporting window (from the
    earliest start of a unit's tasks to the end of its latest plan): rebuilt whenever
    assignments change."""

    __tablename__ = "monitoring_expected_units"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, primary_key=True)
    ends_on: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer)


class ExpectedTasks(Base):
    """Non-exempt assignments per task, province and bloc: rebuilt with ``ExpectedUnits``."""

    __tablename__ = "monitoring_expected_tasks"

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    units: Mapped[int] = mapped_column(Integer)


class TaskTotal(Base):
    """Units green on a task at one day's cut-off, per task, province and bloc: the task
    groups' figures sum a few hundred of these instead of judging every unit's report. Kept
    by each report (its cut-off version judged by the status rules, as it is stored)."""

    __tablename__ = "monitoring_task_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    bloc: Mapped[str] = mapped_column(String(12), primary_key=True)
    green: Mapped[int] = mapped_column(Integer, default=0)


class UnitWindow(Base):
    """Each reporting unit's window (from the earliest start of its non-exempt tasks to the
    end of its latest plan), with its level, province and bloc: rebuilt with
    ``ExpectedUnits``, so the non-reporters of a day are the units of this table whose window
    holds it and that have no snapshot that day (an anti-join on the snapshots' key), not an
    aggregate over every assignment."""

    __tablename__ = "monitoring_unit_windows"
    __table_args__ = (Index("ix_monitoring_unit_windows_scope", "bloc", "province_code"),)

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the unit's public code (``unit_queries.public_code``), copied so the longest silences
    # are ordered and cut to a page before any agency row is read
    code: Mapped[str] = mapped_column(String(35))
    level: Mapped[TaskLevel] = mapped_column(Enum(TaskLevel, native_enum=False, length=16))
    province_code: Mapped[str | None] = mapped_column(String(5), default=None)
    bloc: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
