"""Queries on notifications."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.notify.models import Channel, Notification


async def by_event(
    session: AsyncSession, event_key: str, channel: Channel, recipient: str
) -> Notification | None:
    return await session.scalar(
        select(Notification).where(
            Notification.event_key == event_key,
            Notification.channel == channel,
            Notification.recipient == recipient,
        )
    )


async def for_event(session: AsyncSession, event_key: str) -> Sequence[Notification]:
    result = await session.scalars(
        select(Notification).where(Notification.event_key == event_key).order_by(Notification.id)
    )
    return result.all()
