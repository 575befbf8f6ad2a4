"""Where a dossier may be filed: a procedure's levels decide which agencies receive it.

A commune-level procedure is received by a commune People's Committee or its Public
Administration Service Centre; under Decree 118/2025/NĐ-CP any centre in the province may
receive it, whatever the applicant's residence, so the platform does not restrict the commune.
A province-level procedure is received at province level (and, where it is also a commune
procedure, at any commune). A ministry-level procedure is received by its managing ministry.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import Level, ProcedureVersion
from motcua.catalog.schemas import PublishedTerms
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel


@dataclass(frozen=True)
class Rules:
    """What decides where a procedure is received: its levels and its managing agency."""

    levels: tuple[Level, ...]
    managing_agency_id: int | None

    @classmethod
    def of(cls, version: PublishedTerms | ProcedureVersion) -> "Rules":
        if isinstance(version, PublishedTerms):
            managing = version.managing_agency.id if version.managing_agency else None
            return cls(tuple(version.levels), managing)
        return cls(tuple(version.levels), version.managing_agency_id)


_SAY = {
    Level.commune: "Ủy ban nhân dân cấp xã hoặc Trung tâm Phục vụ hành chính công cấp xã",
    Level.province: "Ủy ban nhân dân cấp tỉnh hoặc Trung tâm Phục vụ hành chính công cấp tỉnh",
    Level.ministry: "bộ, cơ quan quản lý thủ tục",
}


def at_managing_agency(rules: Rules) -> bool:
    """Only a procedure settled at a ministry and nowhere else goes to its ministry by itself."""
    return set(rules.levels) <= {Level.ministry}


def may_receive(agency_id: int, level: str | None, rules: Rules) -> bool:
    if level is None:
        return False
    if level == AgencyLevel.ministry:  # a ministry receives only what it settles itself
        return Level.ministry in rules.levels and agency_id == rules.managing_agency_id
    return Level(level) in rules.levels


def where_to_file(rules: Rules) -> str:
    places = [_SAY[level] for level in rules.levels]
    return "Thủ tục này được tiếp nhận tại: " + "; ".join(places) + "."


async def default_for(
    session: AsyncSession, rules: Rules, commune_code: str | None
) -> Agency | None:
    """The service centre serving the applicant's residence, at the level the procedure is
    settled at; the managing ministry for a ministry-only procedure."""
    if at_managing_agency(rules) and rules.managing_agency_id is not None:
        return await session.get(Agency, rules.managing_agency_id)
    if not commune_code:
        return None
    unit: str | None = None
    if Level.commune in rules.levels:
        unit = commune_code
    elif Level.province in rules.levels:
        unit = await _province_of(session, commune_code)
    if unit is None:
        return None
    return await session.scalar(
        select(Agency).where(Agency.unit_code == unit, Agency.kind == AgencyKind.service_centre)
    )


async def _province_of(session: AsyncSession, commune_code: str) -> str | None:

    unit = await session.get(AdminUnit, commune_code)
    return unit.province_code if unit else None


async def centres(session: AsyncSession, rules: Rules, province_code: str) -> list[Agency]:
    """The service centres of a province that may receive this procedure, by name."""
    levels = [AgencyLevel(level) for level in rules.levels if level != Level.ministry]
    if not levels:
        return []

    units = select(AdminUnit.code).where(
        (AdminUnit.code == province_code) | (AdminUnit.province_code == province_code)
    )
    return list(
        await session.scalars(
            select(Agency)
            .where(
                Agency.kind == AgencyKind.service_centre,
                Agency.level.in_(levels),
                Agency.unit_code.in_(units),
            )
            .order_by(Agency.level.desc(), Agency.name)
        )
    )
