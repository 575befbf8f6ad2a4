"""Queries about reporting units of every kind: the organisations' units by code, the units a
task goes to (by level and kind), and a province's commune-level units of chosen blocs."""

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, false, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from motcua.core.repository import conflict_insert
from motcua.monitoring.models import Assignment, TaskLevel, UnitDay
from motcua.units.models import (
    BLOC_OF_KIND,
    ORGANISATION_KINDS,
    AdminUnit,
    Agency,
    AgencyKind,
    AgencyLevel,
    Bloc,
    UnitLevel,
)

# The kinds a task of each level goes to when its plan names none.
DEFAULT_KINDS = {
    TaskLevel.ministry: (AgencyKind.ministry,),
    TaskLevel.province: (AgencyKind.people_committee,),
    TaskLevel.commune: (AgencyKind.people_committee,),
}


def public_code(agency: Agency) -> str:
    """The code a unit is named by in the API: the commune or province code of a People's
    Committee, an organisation's or a ministry's own code."""
    if agency.kind in ORGANISATION_KINDS:
        return agency.code
    return agency.unit_code or agency.code


def bloc_of(agency: Agency) -> str:
    """The bloc (khối) a unit's rows carry: its kind's, or government."""
    return BLOC_OF_KIND.get(agency.kind, Bloc.government).value


def _province_of() -> Any:
    return case(
        (AdminUnit.level == UnitLevel.province, AdminUnit.code), else_=AdminUnit.province_code
    )


async def organisation_agency(
    session: AsyncSession, code: str
) -> tuple[Agency, str | None, str] | None:
    """An organisation's unit by its code, with its province code (None at the centre)."""
    row = (
        await session.execute(
            select(Agency, _province_of())
            .outerjoin(AdminUnit, AdminUnit.code == Agency.unit_code)
            .where(Agency.code == code, Agency.kind.in_(ORGANISATION_KINDS))
        )
    ).first()
    if row is None:
        return None
    agency, province = row
    return agency, province, code


async def assign_all(
    session: AsyncSession, task_id: int, level: TaskLevel, kinds: Collection[str]
) -> int:
    """Assign a task to every unit of ``level`` and one of ``kinds`` (the People's Committees,
    or the ministries, when ``kinds`` is empty) that does not have it yet, in one INSERT …
    SELECT; the number of new assignments."""
    wanted = [AgencyKind(k) for k in kinds] or list(DEFAULT_KINDS[level])
    bloc = case(
        *[(Agency.kind == kind, b.value) for kind, b in BLOC_OF_KIND.items()],
        else_=Bloc.government.value,
    )
    province = null() if level == TaskLevel.ministry else _province_of()
    rows = (
        select(literal(task_id), Agency.id, literal(level.value), province, bloc, false(), null())
        .outerjoin(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(Agency.kind.in_(wanted), Agency.level == AgencyLevel(level.value))
    )
    columns = ["task_id", "agency_id", "level", "province_code", "bloc", "exempt",
               "exempt_reason"]  # fmt: skip
    insert = conflict_insert(session.get_bind().dialect.name)
    result = await session.execute(
        insert(Assignment).from_select(columns, rows).on_conflict_do_nothing()
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def province_units(
    session: AsyncSession, province_code: str, kinds: Collection[AgencyKind]
) -> Sequence[tuple[Agency, AdminUnit]]:
    """The commune-level units of a province of the given kinds, by commune then code."""
    rows = await session.execute(
        select(Agency, AdminUnit)
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(
            AdminUnit.province_code == province_code,
            AdminUnit.level == UnitLevel.commune,
            Agency.level == AgencyLevel.commune,
            Agency.kind.in_(list(kinds)),
        )
        .order_by(AdminUnit.code, Agency.kind != AgencyKind.people_committee, Agency.code)
    )
    return [(agency, unit) for agency, unit in rows]


async def province_rows(
    session: AsyncSession, province_code: str, kinds: Collection[AgencyKind], day: date
) -> Sequence[Any]:
    """The drill-down in one query: per commune-level unit of the province of the given
    kinds, its names and codes, its snapshot of ``day`` (or nulls) and the last day it
    reported for up to ``day``: ``day`` itself when it has a snapshot, else its latest earlier
    one, from the province's days grouped by unit and joined (no correlated subquery: a
    distributed database refuses one beside its reference tables, docs/scaling.md section 5)."""
    snap = aliased(UnitDay)
    earlier = aliased(UnitDay)
    last = (
        select(earlier.agency_id, func.max(earlier.day).label("day"))
        .where(earlier.province_code == province_code, earlier.day <= day)
        .group_by(earlier.agency_id)
        .subquery("last")
    )
    statement = (
        select(
            Agency.id, Agency.kind, Agency.code, Agency.name, Agency.code_status,
            AdminUnit.code.label("unit_code"), AdminUnit.name.label("unit_name"),
            snap.agency_id.label("reported"), snap.cutoff_status, snap.on_time,
            snap.first_submitted_at, snap.n_green,
            case((snap.agency_id.is_not(None), literal(day)), else_=last.c.day).label("last_day"),
        )
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .outerjoin(
            snap,  # the day's snapshots of the province's communes: one range of an index
            and_(
                snap.day == day,
                snap.level == TaskLevel.commune,
                snap.province_code == province_code,
                snap.agency_id == Agency.id,
            ),
        )
        .outerjoin(last, last.c.agency_id == Agency.id)
        .where(
            AdminUnit.province_code == province_code,
            AdminUnit.level == UnitLevel.commune,
            Agency.level == AgencyLevel.commune,
            Agency.kind.in_(list(kinds)),
        )
        .order_by(AdminUnit.code, Agency.kind != AgencyKind.people_committee, Agency.code)
    )  # fmt: skip
    return (await session.execute(statement)).all()
