"""The access log is one hash chain: tampering is found, concurrent writers never fork it."""

import asyncio

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.exchange import audit, service
from motcua.exchange.audit import Access
from motcua.exchange.models import AccessLogEntry


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


async def test_chain_links_and_verifies(session: AsyncSession) -> None:
    written = await audit.append(session, [_access(n) for n in range(3)])
    assert written[1].prev_hash == written[0].hash
    assert written[2].prev_hash == written[1].hash
    assert (await service.verify_access_log(session)).ok


async def test_changed_record_is_named(session: AsyncSession) -> None:
    written = await audit.append(session, [_access(n) for n in range(4)])
    target = written[1].seq
    await session.execute(
        update(AccessLogEntry).where(AccessLogEntry.seq == target).values(outcome="not_found")
    )
    session.expire_all()
    report = await service.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == target
    assert report.problem and "thay đổi" in report.problem


async def test_removed_record_is_named(session: AsyncSession) -> None:
    written = await audit.append(session, [_access(n) for n in range(4)])
    await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq == written[2].seq))
    session.expire_all()
    report = await service.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == written[2].seq


async def test_truncated_tail_is_found(session: AsyncSession) -> None:
    written = await audit.append(session, [_access(n) for n in range(3)])
    await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq == written[-1].seq))
    session.expire_all()
    report = await service.verify_access_log(session)
    assert not report.ok and report.first_broken_seq == written[-1].seq


async def test_concurrent_writers_do_not_fork(engine: AsyncEngine) -> None:
    async def writer(n: int) -> None:
        for i in range(5):
            async with AsyncSession(engine) as session, session.begin():
                await audit.append(session, [_access(100 * n + i)])

    await asyncio.gather(*(writer(n) for n in range(4)))
    async with AsyncSession(engine) as session:
        report = await service.verify_access_log(session)
    assert report.ok and report.records >= 20
