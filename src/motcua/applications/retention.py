"""Retention: personal data kept no longer than its purpose (the storage-limitation principle
of Decree 13/2023/NĐ-CP, Art. 3, and of the Law on Personal Data Protection, Law 91/2025/QH15).

Three kinds of rows and files outlive their purpose and are deleted once past their setting:

- drafts never submitted (``applications`` in state ``draft``), counted from their last change
  (``MOTCUA_RETENTION_DRAFT_DAYS``);
- consents, with the registry data read under them and the people they named, when no
  submitted application used them (``MOTCUA_RETENTION_CONSENT_DAYS``): a submitted dossier keeps
  its own copy of what it cites, so nothing filed loses its evidence;
- access-log exports written by ``motcua audit export`` (``MOTCUA_RETENTION_EXPORT_DAYS``).

Never deleted: dossiers and their history (invariant 4) and the access log itself (invariant 3:
the person keeps the right to see who read their data). ``purge`` is one transaction, run by
the worker once a day and by ``motcua retention purge``.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.applications.models import Application, ApplicationState
from motcua.core import clock
from motcua.core.masking import mask_numbers
from motcua.core.settings import get_settings
from motcua.exchange import statement
from motcua.exchange.models import Consent, ConsentSubject, EvidenceItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    drafts: int
    consents: int
    exports: int


def exports_dir() -> Path:
    return get_settings().storage_dir / "exports" / "access-log"


async def purge(session: AsyncSession, now: datetime | None = None) -> Purged:
    """Delete what is past its retention; flushes, the caller commits."""
    settings = get_settings()
    now = now or clock.now()
    draft_cutoff = now - timedelta(days=settings.retention_draft_days)
    consent_cutoff = now - timedelta(days=settings.retention_consent_days)
    drafts = (
        await session.scalars(
            select(Application.id).where(
                Application.state == ApplicationState.draft,
                Application.updated_at < draft_cutoff,
            )
        )
    ).all()
    if drafts:
        await session.execute(delete(Application).where(Application.id.in_(drafts)))
    used = exists().where(Application.consent_reference == Consent.reference)
    consents = (
        await session.scalars(
            select(Consent.reference).where(Consent.created_at < consent_cutoff, ~used)
        )
    ).all()
    for chunk in range(0, len(consents), 500):  # bounded IN-lists
        some = consents[chunk : chunk + 500]
        await session.execute(delete(EvidenceItem).where(EvidenceItem.consent_reference.in_(some)))
        await session.execute(
            delete(ConsentSubject).where(ConsentSubject.consent_reference.in_(some))
        )
        await session.execute(delete(Consent).where(Consent.reference.in_(some)))
    await session.flush()
    return Purged(len(drafts), len(consents), _purge_exports(now, settings.retention_export_days))


def _purge_exports(now: datetime, days: int) -> int:
    folder = exports_dir()
    if not folder.is_dir():
        return 0
    cutoff = (now - timedelta(days=days)).timestamp()
    removed = 0
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def export_access_log(session: AsyncSession, person: str) -> Path:
    """The person's signed data-access record as a file (to answer a request made on paper);
    named by time and the masked number, and deleted after its retention."""
    record = await statement.signed_record(session, person)
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{clock.now():%Y%m%dT%H%M%S}-{mask_numbers(person)}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


class DailyPurge:
    """Runs ``purge`` at most once a day per worker process (the first tick runs it); a failed
    round is logged and waits for the next day, so notifications keep flowing."""

    EVERY = timedelta(days=1)

    def __init__(self) -> None:
        self.last_run: datetime | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> Purged:
        if self.last_run is not None and now - self.last_run < self.EVERY:
            return Purged(0, 0, 0)
        self.last_run = now
        try:
            async with sessions() as session, session.begin():
                return await purge(session, now)
        except Exception:
            log.exception("purging personal data past its retention failed")
            return Purged(0, 0, 0)
