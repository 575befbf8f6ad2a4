"""Queries of the groups module."""

from collections.abc import Sequence

from sqlalchemy import ScalarSelect, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.groups.models import FilingState, GroupEvent, GroupFiling, GroupMember
from motcua.units.models import Agency, AgencyKind, AgencyLevel


async def filing_by_code(session: AsyncSession, code: str) -> GroupFiling | None:
    return await session.scalar(select(GroupFiling).where(GroupFiling.code == code))


async def filing_by_key(session: AsyncSession, actor: str, key: str) -> GroupFiling | None:
    return await session.scalar(
        select(GroupFiling).where(
            GroupFiling.actor_number == actor, GroupFiling.idempotency_key == key
        )
    )


async def members(session: AsyncSession, filing_id: int) -> list[GroupMember]:
    rows = await session.scalars(
        select(GroupMember).where(GroupMember.filing_id == filing_id).order_by(GroupMember.position)
    )
    return list(rows)


async def member_of_dossier(
    session: AsyncSession, dossier_id: int | ScalarSelect[int]
) -> GroupMember | None:
    """``dossier_id`` may be a subquery (the id of a dossier found by its code)."""
    return await session.scalar(select(GroupMember).where(GroupMember.dossier_id == dossier_id))


async def events(session: AsyncSession, filing_id: int) -> list[GroupEvent]:
    rows = await session.scalars(
        select(GroupEvent).where(GroupEvent.filing_id == filing_id).order_by(GroupEvent.id)
    )
    return list(rows)


async def dossiers(session: AsyncSession, ids: set[int]) -> dict[int, Dossier]:
    if not ids:
        return {}
    rows = await session.scalars(select(Dossier).where(Dossier.id.in_(ids)))
    return {d.id: d for d in rows}


async def dossier_events(session: AsyncSession, ids: set[int]) -> Sequence[DossierEvent]:
    if not ids:
        return []
    rows = await session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_id.in_(ids)).order_by(DossierEvent.at)
    )
    return rows.all()


async def agencies(session: AsyncSession, ids: set[int]) -> dict[int, Agency]:
    rows = await session.scalars(select(Agency).where(Agency.id.in_(ids)))
    return {a.id: a for a in rows}


async def agency_by_code(session: AsyncSession, code: str) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.code == code))


async def agency_of_unit(session: AsyncSession, unit: str, kind: AgencyKind) -> Agency | None:
    level = AgencyLevel.province if kind == AgencyKind.social_insurance else AgencyLevel.commune
    return await session.scalar(
        select(Agency).where(Agency.unit_code == unit, Agency.kind == kind, Agency.level == level)
    )


async def open_filings_for(
    session: AsyncSession, group_code: str, subject_key: str
) -> list[GroupFiling]:
    """Filings of a group for the same child or the same deceased that were not stopped."""
    rows = await session.scalars(
        select(GroupFiling).where(
            GroupFiling.group_code == group_code,
            GroupFiling.subject_key == subject_key,
            GroupFiling.state != FilingState.stopped,
        )
    )
    return list(rows)


async def filings_of(session: AsyncSession, person: str, limit: int = 50) -> list[GroupFiling]:
    rows = await session.scalars(
        select(GroupFiling)
        .where((GroupFiling.applicant_number == person) | (GroupFiling.actor_number == person))
        .order_by(GroupFiling.received_at.desc())
        .limit(limit)
    )
    return list(rows)
