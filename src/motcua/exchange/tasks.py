"""Background work of the exchange: sealing the access log into its hash chain."""

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core.database import database_unavailable
from motcua.exchange import audit

log = logging.getLogger(__name__)


async def seal_access_log(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Seal everything committed so far, in batches; the number of records sealed."""
    total = 0
    while True:
        # A read first, in its own transaction: an idle platform takes no lock and writes
        # nothing (SQLite could not turn that read into the sealing write anyway).
        async with sessions() as session:
            if not await audit.anything_to_seal(session):
                return total
        async with sessions() as session, session.begin():
            sealed = await audit.seal(session)
        total += sealed
        if sealed == 0:
            return total


async def keep_sealing(sessions: async_sessionmaker[AsyncSession], every_s: float) -> None:
    """Run by each app process: new records are in the chain within about ``every_s``."""
    while True:
        try:
            await seal_access_log(sessions)
        except Exception as error:  # a failed round is retried at the next tick; nothing is lost
            if database_unavailable(error):  # a line a tick while it is down, not a traceback
                log.warning("access log not sealed: the database is out of reach; retrying")
            else:
                log.exception("sealing the access log failed")
        await asyncio.sleep(every_s)
