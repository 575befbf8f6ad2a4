"""All queries on units and agencies."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from motcua.units.models import (
    AdminUnit,
    Agency,
    AgencyKind,
    AgencyLevel,
    UnitLevel,
    UnitSuccession,
)


def agency_province(agency_id: Any) -> Any:
    """The province of the agency with this id, as a scalar subquery: its unit's code at a
    province, its unit's province at a commune, "" for an agency above the provinces. Rows
    keyed by a dossier carry it as their distribution key (docs/scaling.md section 5)."""
    # Aliases of their own, so the subquery never correlates with an outer ``agencies``.
    agency, unit = aliased(Agency), aliased(AdminUnit)
    return func.coalesce(
        select(case((unit.level == UnitLevel.province, unit.code), else_=unit.province_code))
        .join(agency, agency.unit_code == unit.code)
        .where(agency.id == agency_id)
        .scalar_subquery(),
        "",
    )


_AGENCY_PROVINCE = select(agency_province(bindparam("agency_id")))


_PROVINCE_BY_CODE = select(agency_province(Agency.id)).where(Agency.code == bindparam("code"))


async def province_of_agency_code(session: AsyncSession, code: str) -> str | None:
    """The province of the agency of this identifier code; None when no agency has it."""
    found = await session.scalar(_PROVINCE_BY_CODE, {"code": code})
    return None if found is None else str(found)


async def province_of_agency(session: AsyncSession, agency_id: int) -> str:
    """The province a dossier received by this agency carries ("" above the provinces)."""
    return str(await session.scalar(_AGENCY_PROVINCE, {"agency_id": agency_id}) or "")


async def provinces(session: AsyncSession) -> Sequence[tuple[AdminUnit, int]]:
    communes = (
        select(AdminUnit.province_code, func.count().label("n"))
        .where(AdminUnit.level == UnitLevel.commune)
        .group_by(AdminUnit.province_code)
        .subquery()
    )
    rows = await session.execute(
        select(AdminUnit, func.coalesce(communes.c.n, 0))
        .outerjoin(communes, communes.c.province_code == AdminUnit.code)
        .where(AdminUnit.level == UnitLevel.province)
        .order_by(AdminUnit.code)
    )
    return [(unit, int(count)) for unit, count in rows]


async def communes_of(session: AsyncSession, province_code: str) -> Sequence[AdminUnit]:
    result = await session.scalars(
        select(AdminUnit)
        .where(AdminUnit.province_code == province_code, AdminUnit.level == UnitLevel.commune)
        .order_by(AdminUnit.code)
    )
    return result.all()


async def unit(session: AsyncSession, code: str) -> AdminUnit | None:
    return await session.get(AdminUnit, code)


async def successions(session: AsyncSession, old_code: str) -> Sequence[UnitSuccession]:
    result = await session.scalars(
        select(UnitSuccession)
        .where(UnitSuccession.old_code == old_code)
        .order_by(UnitSuccession.preferred.desc(), UnitSuccession.successor_code)
    )
    return result.all()


async def count_units(session: AsyncSession, level: UnitLevel) -> int:
    return int(await session.scalar(select(func.count()).where(AdminUnit.level == level)) or 0)


async def agency_ids_by_code(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Agency.code, Agency.id))
    return {code: id_ for code, id_ in rows}


async def agencies_by_codes(session: AsyncSession, codes: set[str]) -> dict[str, Agency]:
    if not codes:
        return {}
    result = await session.scalars(select(Agency).where(Agency.code.in_(codes)))
    return {a.code: a for a in result}


# Real agencies only: a practice twin (workflow.practice) is never named by its code.
_AGENCY_BY_CODE = select(Agency).where(
    Agency.code == bindparam("code"), Agency.practice_of_id.is_(None)
)


async def practice_twin(session: AsyncSession, agency_id: int) -> Agency | None:
    """The practice twin of an agency (workflow.practice), if it has one."""
    return await session.scalar(select(Agency).where(Agency.practice_of_id == agency_id))


async def agency_by_code(session: AsyncSession, code: str) -> Agency | None:
    return await session.scalar(_AGENCY_BY_CODE, {"code": code})


async def agencies(
    session: AsyncSession,
    *,
    level: AgencyLevel | None = None,
    kind: AgencyKind | None = None,
    unit_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Agency]:
    statement = (
        select(Agency)
        .where(Agency.practice_of_id.is_(None))
        .order_by(Agency.level, Agency.code)
        .limit(limit)
        .offset(offset)
    )
    if level is not None:
        statement = statement.where(Agency.level == level)
    if kind is not None:
        statement = statement.where(Agency.kind == kind)
    if unit_code is not None:
        statement = statement.where(Agency.unit_code == unit_code)
    return (await session.scalars(statement)).all()
