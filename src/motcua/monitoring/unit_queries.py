"""Queries about reporting units of every kind: the organisations' units by code, the units a
task goes to (by level and kind), and a province's commune-level units of chosen blocs."""

from collections.abc import Collection, Sequence

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring.models import TaskLevel
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


def _province_of() -> object:
    return case(
        (AdminUnit.level == UnitLevel.province, AdminUnit.code), else_=AdminUnit.province_code
    )


async def organisation_agency(
    session: AsyncSession, code: str
) -> tuple[Agency, str | None, str] | None:
    """An organisation's unit by its code, with its province code (None at the centre)."""
    row = (
        await session.execute(
            select(Agency, _province_of())  # type: ignore[call-overload]
            .outerjoin(AdminUnit, AdminUnit.code == Agency.unit_code)
            .where(Agency.code == code, Agency.kind.in_(ORGANISATION_KINDS))
        )
    ).first()
    if row is None:
        return None
    agency, province = row
    return agency, province, code


async def agencies_for_task(
    session: AsyncSession, level: TaskLevel, kinds: Collection[str]
) -> Sequence[tuple[int, str | None, str]]:
    """(agency id, province code, bloc) of every unit of ``level`` and one of ``kinds`` (the
    People's Committees, or the ministries, when ``kinds`` is empty)."""
    wanted = [AgencyKind(k) for k in kinds] or list(DEFAULT_KINDS[level])
    statement = (
        select(Agency.id, _province_of(), Agency.kind)  # type: ignore[call-overload]
        .outerjoin(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(Agency.kind.in_(wanted), Agency.level == AgencyLevel(level.value))
    )
    return [
        (id_, None if level == TaskLevel.ministry else province, BLOC_OF_KIND[kind].value)
        for id_, province, kind in await session.execute(statement)
    ]


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
