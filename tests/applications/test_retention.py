"""Retention (applications.retention): drafts, unused consents with the registry data read under
them, and access-log exports are deleted past their settings; submitted applications, their
consents, dossiers and the access log are never touched."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from motcua.applications import retention
from motcua.applications import service as applications
from motcua.applications.models import Application, ApplicationState
from motcua.cli import app
from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.dossiers.models import Dossier
from motcua.exchange.models import AccessLogEntry, Consent, ConsentSubject, EvidenceItem
from motcua.exchange.synthetic import recorded_reads

AN = "001084000101"  # synthetic
OLD = timedelta(days=120)


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _draft(session: AsyncSession, age: timedelta) -> Application:
    view = await applications.start(session, actor=AN, subject=AN, procedure_code="1.001193")
    draft = await session.get(Application, view.id)
    consent = await session.get(Consent, view.consent_reference)
    assert draft is not None and consent is not None
    draft.updated_at = clock.now() - age
    consent.created_at = clock.now() - age
    await session.flush()
    return draft


async def _orphan_read(session: AsyncSession, age: timedelta) -> str:
    """A consent whose registry data was read but never used by an application."""
    ids = await recorded_reads(session, actor=AN, procedure_code="1.001193", keys=["a", "b"])
    item = await session.get(EvidenceItem, ids["a"])
    assert item is not None
    consent = await session.get(Consent, item.consent_reference)
    assert consent is not None
    consent.created_at = clock.now() - age
    session.add(
        ConsentSubject(consent_reference=consent.reference, role="cha", personal_id=AN,
                       state="pending", ground="", requested_at=consent.created_at)
    )  # fmt: skip
    await session.flush()
    return consent.reference


async def test_purge_deletes_only_what_is_past_retention(session: AsyncSession) -> None:
    old_draft = await _draft(session, OLD)
    new_draft = await _draft(session, timedelta(days=3))
    submitted = await _draft(session, OLD)
    submitted.state = ApplicationState.submitted
    old_read = await _orphan_read(session, OLD)
    new_read = await _orphan_read(session, timedelta(days=10))
    dossiers, log = await _count(session, Dossier), await _count(session, AccessLogEntry)
    items_before = await _count(session, EvidenceItem)

    done = await retention.purge(session)

    assert (done.drafts, done.consents) == (1, 2)  # the old draft's consent and the old read
    assert await session.get(Application, old_draft.id) is None
    for kept in (new_draft, submitted):
        assert await session.get(Application, kept.id) is not None
        assert await session.get(Consent, kept.consent_reference) is not None
    assert await session.get(Consent, old_draft.consent_reference) is None
    assert await session.get(Consent, old_read) is None
    assert await session.get(Consent, new_read) is not None
    gone = select(func.count()).where(EvidenceItem.consent_reference == old_read)
    assert await session.scalar(gone) == 0
    assert await _count(session, EvidenceItem) == items_before - 2
    orphans = select(func.count()).where(ConsentSubject.consent_reference == old_read)
    assert await session.scalar(orphans) == 0
    assert (await _count(session, Dossier), await _count(session, AccessLogEntry)) == (
        dossiers,
        log,
    )
    again = await retention.purge(session)
    assert (again.drafts, again.consents, again.exports) == (0, 0, 0)


async def test_settings_decide_how_long(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = await _draft(session, timedelta(days=10))
    monkeypatch.setenv("MOTCUA_RETENTION_DRAFT_DAYS", "30")
    get_settings.cache_clear()
    assert (await retention.purge(session)).drafts == 0
    monkeypatch.setenv("MOTCUA_RETENTION_DRAFT_DAYS", "7")
    get_settings.cache_clear()
    assert (await retention.purge(session)).drafts == 1
    assert await session.get(Application, draft.id) is None
    get_settings.cache_clear()


async def test_exports_are_written_masked_and_deleted_past_retention(
    sessions: async_sessionmaker[AsyncSession], storage: Path
) -> None:
    async with sessions() as session:
        fresh = await retention.export_access_log(session, AN)
        stale = await retention.export_access_log(session, "079195000201")
    assert fresh.parent == storage / "exports" / "access-log"
    assert AN not in fresh.name and "001******101" in fresh.name
    assert '"kind": "motcua.data-access-record"' in fresh.read_text("utf-8")
    past = (clock.now() - timedelta(days=31)).timestamp()
    os.utime(stale, (past, past))
    daily = retention.DailyPurge()
    first = await daily.tick(sessions, clock.now())
    assert first.exports == 1 and fresh.exists() and not stale.exists()
    assert (await daily.tick(sessions, clock.now() + timedelta(hours=1))).exports == 0  # once a day


def test_the_command_purges_a_database(own_database: None) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "0 drafts, 0 consents and 0 access-log exports deleted." in result.output
    refused = runner.invoke(app, ["audit", "export", "12345"])
    assert refused.exit_code != 0 and "12 chữ số" in str(refused.exception or refused.output)
