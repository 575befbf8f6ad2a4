"""Application and payment queries; rows read for a change are locked for the transaction."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.models import Application, Payment
from motcua.dossiers import repository as dossiers_repository


async def lock(session: AsyncSession) -> None:
    """SQLite: start as a writer so two requests on one draft queue (PostgreSQL: FOR UPDATE)."""
    await dossiers_repository.take_write_lock(session)


async def application(
    session: AsyncSession, id: str, *, for_update: bool = False
) -> Application | None:
    statement = select(Application).where(Application.id == id)
    if for_update:
        await lock(session)
        statement = statement.with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))


async def by_consent(session: AsyncSession, reference: str) -> Application | None:
    return await session.scalar(
        select(Application).where(Application.consent_reference == reference)
    )


async def of_actor(session: AsyncSession, actor: str, limit: int) -> Sequence[Application]:
    result = await session.scalars(
        select(Application)
        .where(Application.actor_number == actor)
        .order_by(Application.updated_at.desc(), Application.id)
        .limit(limit)
    )
    return result.all()


async def payment_of(session: AsyncSession, dossier_id: int) -> Payment | None:
    return await session.scalar(select(Payment).where(Payment.dossier_id == dossier_id))


async def payment(
    session: AsyncSession, reference: str, *, for_update: bool = False
) -> Payment | None:
    statement = select(Payment).where(Payment.reference == reference)
    if for_update:
        await lock(session)
        statement = statement.with_for_update()
    return await session.scalar(statement.execution_options(populate_existing=True))
