"""Background work of the dossiers: deleting stored bytes that no upload points at.

Bytes are stored before their upload row is committed, so a request that fails or rolls back
leaves them behind. They are only deleted once older than a grace period far longer than any
request, and a put of content already stored refreshes its age, so bytes a request has just
stored and is about to record are never old enough to go."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.dossiers import repository
from motcua.dossiers.storage import Storage, get_storage

log = logging.getLogger(__name__)
BATCH = 1000
SWEEP_EVERY = timedelta(hours=1)


def grace_period() -> timedelta:
    return timedelta(hours=get_settings().upload_sweep_after_hours)


async def sweep_unreferenced_files(
    session: AsyncSession,
    storage: Storage,
    older_than: timedelta,
    *,
    now: datetime | None = None,
) -> int:
    """Delete every stored object older than ``older_than`` that no upload references; the
    number deleted. Each is checked for a fresh put once more just before it goes."""
    cutoff = (now or clock.now()) - older_than
    deleted = 0
    batch: list[str] = []
    async for stored in storage.listing():
        if stored.last_modified < cutoff:
            batch.append(stored.sha256)
        if len(batch) == BATCH:
            deleted += await _delete_unreferenced(session, storage, batch, cutoff)
            batch = []
    return deleted + await _delete_unreferenced(session, storage, batch, cutoff)


async def _delete_unreferenced(
    session: AsyncSession, storage: Storage, batch: list[str], cutoff: datetime
) -> int:
    referenced = await repository.referenced_hashes(session, batch)
    deleted = 0
    for sha256 in batch:
        if sha256 not in referenced and await storage.delete(sha256, modified_before=cutoff):
            log.info("deleted unreferenced stored file %s", sha256)
            deleted += 1
    return deleted


class HourlySweep:
    """Runs the sweep at most once an hour per worker process (the first tick runs it).

    A failed round is logged and waits for the next hour: a store that does not answer must
    not stop the worker delivering notifications."""

    def __init__(self) -> None:
        self.last_run: datetime | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        if self.last_run is not None and now - self.last_run < SWEEP_EVERY:
            return 0
        self.last_run = now
        try:
            async with sessions() as session, session.begin():
                return await sweep_unreferenced_files(
                    session, get_storage(), grace_period(), now=now
                )
        except Exception:
            log.exception("sweeping unreferenced stored files failed")
            return 0
