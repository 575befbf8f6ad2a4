"""Assisted-filing queries: a helper's own rows, a row locked for a change, the per-commune
count of dossiers filed with help."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted.models import AssistedFiling
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier
from motcua.groups.models import GroupFiling
from motcua.units.models import AdminUnit


async def filing(
    session: AsyncSession, id: str, *, for_update: bool = False
) -> AssistedFiling | None:
    statement = select(AssistedFiling).where(AssistedFiling.id == id)
    if for_update:
        await dossiers_repository.take_write_lock(session)  # SQLite: queue as a writer
        statement = statement.with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))


async def of_helper(
    session: AsyncSession, helper_id: int, limit: int
) -> Sequence[tuple[AssistedFiling, Dossier | None, str | None]]:
    """The helper's own assisted filings, newest first, with the dossier where one was filed
    and, for a group, the group's name (only these: the helper reaches nothing else)."""
    result = await session.execute(
        select(AssistedFiling, Dossier, GroupFiling.group_name)
        .outerjoin(Dossier, Dossier.id == AssistedFiling.dossier_id)
        .outerjoin(GroupFiling, GroupFiling.code == AssistedFiling.group_code)
        .where(AssistedFiling.helper_id == helper_id)
        .order_by(AssistedFiling.created_at.desc(), AssistedFiling.id)
        .limit(limit)
    )
    return [(row, dossier, group) for row, dossier, group in result.all()]


async def per_commune(
    session: AsyncSession, since: datetime | None, until: datetime | None, province: str | None
) -> Sequence[Row[str, str, str | None, int, int]]:
    """Dossiers filed with help, per commune of the helping team, counted from the dossiers
    themselves (received in the window), with the number of helpers who filed them."""
    statement = (
        select(
            AssistedFiling.commune_code,
            AdminUnit.name,
            AdminUnit.province_code,
            func.count(Dossier.id),
            func.count(func.distinct(AssistedFiling.helper_id)),
        )
        .join(Dossier, Dossier.id == AssistedFiling.dossier_id)
        .outerjoin(AdminUnit, AdminUnit.code == AssistedFiling.commune_code)
        .group_by(AssistedFiling.commune_code, AdminUnit.name, AdminUnit.province_code)
        .order_by(func.count(Dossier.id).desc(), AssistedFiling.commune_code)
    )
    if since is not None:
        statement = statement.where(Dossier.received_at >= since)
    if until is not None:
        statement = statement.where(Dossier.received_at < until)
    if province is not None:
        statement = statement.where(AdminUnit.province_code == province)
    return (await session.execute(statement)).all()
