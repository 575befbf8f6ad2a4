"""Queries about reporting units of every kind: the organisations' units by code, the units a
task goes to (by level and kind), and a province's commune-level units of chosen blocs."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, false, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.repository import conflict_insert
from motcua.monitoring import totals
from motcua.monitoring.models import Assignment, TaskLevel
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
    await totals.rebuild_expected(session)
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
