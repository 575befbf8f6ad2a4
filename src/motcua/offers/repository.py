"""Queries of the offers module."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.repository import take_write_lock
from motcua.offers.models import Offer, OfferState


async def offer(session: AsyncSession, offer_id: str, *, for_update: bool = False) -> Offer | None:
    """One offer; locked for a confirmation, so two confirmations queue (SQLite: as a writer)."""
    statement = select(Offer).where(Offer.id == offer_id)
    if for_update:
        await take_write_lock(session)
        statement = statement.with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))


async def of_event(session: AsyncSession, event_row_id: int, person: str) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.event_row_id == event_row_id, Offer.person_personal_id == person)
    )


async def open_of(session: AsyncSession, person: str, limit: int = 20) -> Sequence[Offer]:
    """What the person still has to answer, or is being filed for them, newest first."""
    return (
        await session.scalars(
            select(Offer)
            .where(
                Offer.person_personal_id == person,
                Offer.state.in_([OfferState.pending, OfferState.paused, OfferState.waiting]),
            )
            .order_by(Offer.created_at.desc())
            .limit(limit)
        )
    ).all()
