"""The access log is one hash chain: tampering is found, concurrent writers never fork it."""

import asyncio

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.exchange import access as exchange_access
from motcua.exchange import audit
from motcua.exchange.audit import Access
from motcua.exchange.models import AccessLogEntry
from motcua.exchange.tasks import seal_access_log


def _access(n: int, subject: str = "001099000001") -> Access:
    """A subject outside the persona pack, so committed records do not show in other tests."""
    return Access(
        actor_personal_id=subject,
        subject_personal_id=subject,
        evidence_type_code="population.person",
        purpose=f"application:test-{n}",
        outcome="delivered",
        registry_code="population",
        legal_basis=("Luật Căn cước 2023",),
    )


async def sealed(session: AsyncSession, count: int) -> list[AccessLogEntry]:
    """Records written as a read writes them (no lock, no hash yet), then sealed."""
    written = await audit.append(session, [_access(n) for n in range(count)])
    assert all(w.hash is None and w.chain_seq is None for w in written)
    await audit.seal(session)
    assert all(w.hash is not None and w.chain_seq is not None for w in written)
    return written


async def test_chain_links_and_verifies(session: AsyncSession) -> None:
    written = await sealed(session, 3)
    assert written[1].prev_hash == written[0].hash
    assert written[2].prev_hash == written[1].hash
    assert (await exchange_access.verify_access_log(session)).ok


async def test_changed_record_is_named(session: AsyncSession) -> None:
    written = await sealed(session, 4)
    target = written[1].chain_seq
    await session.execute(
        update(AccessLogEntry)
        .where(AccessLogEntry.seq == written[1].seq)
        .values(outcome="not_found")
    )
    session.expire_all()
    report = await exchange_access.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == target
    assert report.problem and "thay đổi" in report.problem


async def test_removed_record_is_named(session: AsyncSession) -> None:
    written = await sealed(session, 4)
    await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq == written[2].seq))
    session.expire_all()
    report = await exchange_access.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == written[2].chain_seq


async def test_truncated_tail_is_found(session: AsyncSession) -> None:
    written = await sealed(session, 3)
    await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq == written[-1].seq))
    session.expire_all()
    report = await exchange_access.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == written[-1].chain_seq


async def test_concurrent_writers_and_sealers_do_not_fork(engine: AsyncEngine) -> None:
    """Readers write without a lock while two sealers run: one chain, every record in it."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def writer(n: int) -> None:
        for i in range(5):
            async with sessions() as session, session.begin():
                await audit.append(session, [_access(100 * n + i)])

    await asyncio.gather(
        *(writer(n) for n in range(4)), seal_access_log(sessions), seal_access_log(sessions)
    )
    await seal_access_log(sessions)
    async with sessions() as session:
        report = await exchange_access.verify_access_log(session)
    assert report.ok and report.records >= 20 and report.unsealed == 0


async def test_a_record_is_sealed_after_its_transaction_commits(engine: AsyncEngine) -> None:
    """A sealer never sees an open transaction's record; a later round seals it."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as reading:
        async with reading.begin():
            [record] = await audit.append(reading, [_access(900)])
            if engine.dialect.name == "postgresql":  # SQLite: no second writer while it is open
                await seal_access_log(sessions)  # another transaction does not see the record
            assert record.chain_seq is None
        await seal_access_log(sessions)
        await reading.refresh(record)
        assert record.chain_seq is not None and record.hash is not None
    async with sessions() as session:
        assert (await exchange_access.verify_access_log(session)).ok
