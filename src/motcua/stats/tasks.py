"""The worker's part in the statistics: bring the roll-up up to the dossiers' history every
few seconds. A failed round is logged and tried again on the next tick; the roll-up is only
ever moved in the same transaction as the facts that explain the move."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.stats import service

log = logging.getLogger(__name__)
EVERY = timedelta(seconds=5)


class RollupTick:
    """Runs ``service.refresh`` at most every ``EVERY`` per worker process (first tick runs it);
    with several workers, one refreshes at a time (``service.refresh`` takes a lock)."""

    def __init__(self, every: timedelta = EVERY) -> None:
        self.every = every
        self.last_run: datetime | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        if self.last_run is not None and now - self.last_run < self.every:
            return 0
        self.last_run = now
        try:
            async with sessions() as session, session.begin():
                return (await service.refresh(session)).changed
        except Exception:
            log.exception("refreshing the dossier statistics failed")
            return 0
