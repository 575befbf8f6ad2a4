"""The outbox: side effects written in the request's transaction, executed after it commits.

A worker claims one due message at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers never take the same message; SQLite serialises writers by itself), runs its
handler in a transaction, and marks it done in that same transaction. A failure rolls the
handler's writes back and schedules a retry with exponential backoff; after
``outbox_max_attempts`` the message is marked dead and kept for inspection.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock
from motcua.core.models import OutboxMessage
from motcua.core.repository import conflict_insert
from motcua.core.settings import get_settings

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def handles(topic: str) -> Callable[[Handler], Handler]:
    """Register the handler of a topic (one per topic)."""

    def add(handler: Handler) -> Handler:
        if topic in HANDLERS and HANDLERS[topic] is not handler:
            raise ValueError(f"topic {topic!r} already has a handler")
        HANDLERS[topic] = handler
        return handler

    return add


async def enqueue(
    session: AsyncSession, topic: str, payload: dict[str, Any], dedupe_key: str | None = None
) -> None:
    """Add a message in the caller's transaction; a repeated ``dedupe_key`` adds nothing."""
    now = clock.now()
    insert = conflict_insert(session.get_bind().dialect.name)
    await session.execute(
        insert(OutboxMessage)
        .values(
            topic=topic,
            payload=payload,
            dedupe_key=dedupe_key,
            created_at=now,
            available_at=now,
            attempts=0,
        )
        .on_conflict_do_nothing()
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))


async def run_once(
    sessions: async_sessionmaker[AsyncSession], handlers: dict[str, Handler] | None = None
) -> bool:
    """Process one due message; False when none is due."""
    handlers = HANDLERS if handlers is None else handlers
    now = clock.now()
    async with sessions() as session, session.begin():
        message = await session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.done_at.is_(None),
                OutboxMessage.dead_at.is_(None),
                OutboxMessage.available_at <= now,
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message is None:
            return False
        # Claim by a conditional update: a second worker that read the same row (SQLite has
        # no row locks) matches nothing here once the first has claimed or finished it.
        claimed = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.attempts == message.attempts,
                OutboxMessage.done_at.is_(None),
            )
            .values(attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 0:  # type: ignore[attr-defined]
            return True
        await session.refresh(message)
        topic, payload = message.topic, dict(message.payload)
        try:
            async with session.begin_nested():
                await handlers[topic](session, payload)
        except Exception as error:  # a handler's failure must not stop the worker
            await session.refresh(message)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= get_settings().outbox_max_attempts:
                message.dead_at = now
            else:
                message.available_at = now + _backoff(message.attempts)
            return True
        message.done_at = clock.now()
    return True


async def run_until_idle(
    sessions: async_sessionmaker[AsyncSession],
    handlers: dict[str, Handler] | None = None,
    limit: int = 10_000,
) -> int:
    """Drain every due message (tests, the demo, and ``motcua worker --once``)."""
    processed = 0
    while processed < limit and await run_once(sessions, handlers):
        processed += 1
    return processed
