"""Background work: poll the registries' event feeds, file paused offers again."""

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from motcua.offers import events, filing, service
from motcua.offers.config import get_offers_settings
from motcua.offers.models import OfferState

log = logging.getLogger(__name__)


class FeedPoll:
    """Polls every feed at most every ``poll_seconds`` per worker process; the cursor rows
    keep several workers from taking the same events."""

    def __init__(self) -> None:
        self.last_run: datetime | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        every = get_offers_settings().poll_seconds
        if not every:
            return 0
        if self.last_run is not None and now - self.last_run < timedelta(seconds=every):
            return 0
        self.last_run = now
        try:
            async with sessions() as session, session.begin():
                results = await events.poll_all(session)
        except Exception:
            log.exception("polling the registries' event feeds failed")
            return 0
        return sum(r.offered for r in results)


@outbox.handles(filing.RETRY)
async def file_again(session: AsyncSession, payload: dict[str, Any]) -> None:
    """File a paused offer again (queued with a delay by ``filing``), or one that waited for
    the other parent, who answered (queued by ``parents``)."""
    offer = await service.opened(session, str(payload["offer"]))
    if offer is None or offer.state not in (OfferState.paused, OfferState.waiting):
        return
    await filing.FILERS[offer.kind](session, offer, None, None)
    await session.flush()
