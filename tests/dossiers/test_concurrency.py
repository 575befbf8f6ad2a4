"""Concurrent submissions on separate connections that really commit: duplicates with one
Idempotency-Key (PostgreSQL: the unique index makes the second insert wait for the first), and
dossier numbers that never wait for another submission's commit."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.dossiers import service
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierItem, Upload
from motcua.dossiers.schemas import SubmissionIn
from tests.dossiers.conftest import pdf_bytes

ACTOR = "001099000042"  # used by this test only, so cleaning up touches nothing else
PROCEDURE = "1.001193"  # Đăng ký khai sinh, from the seeded catalog
AGENCY = "000.99.00004.P01"  # a commune service centre receives this commune-level procedure
CONCURRENT = 8


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield sessions
    async with sessions() as session, session.begin():
        ids = select(Dossier.id).where(Dossier.actor_number == ACTOR)
        await session.execute(delete(DossierEvent).where(DossierEvent.dossier_id.in_(ids)))
        await session.execute(delete(DossierItem).where(DossierItem.dossier_id.in_(ids)))
        await session.execute(delete(Dossier).where(Dossier.actor_number == ACTOR))
        await session.execute(delete(Upload).where(Upload.owner_number == ACTOR))
        await session.execute(delete(DossierCounter).where(DossierCounter.agency_code == AGENCY))


def submission(upload_id: str) -> SubmissionIn:
    # The requirements a registry serves are uploaded here: a registry item needs a read the
    # platform made (tests/dossiers/test_registry_items.py), which this test is not about.
    registry = {"source": "upload", "upload_id": upload_id}
    return SubmissionIn.model_validate(
        {
            "procedure_code": PROCEDURE,
            "receiving_agency": AGENCY,
            "items": [
                {
                    "requirement_key": "to_khai_dang_ky_khai_sinh",
                    "source": "upload",
                    "upload_id": upload_id,
                },
                {"requirement_key": "giay_chung_sinh", **registry},
                {"requirement_key": "nhan_than_cha_me", **registry},
                {"requirement_key": "noi_cu_tru_cha_me", **registry},
            ],
        }
    )


async def test_concurrent_duplicates_create_exactly_one_dossier(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        upload = await dossier_uploads.upload(
            session, owner=ACTOR, file_name="to-khai.pdf", data=pdf_bytes()
        )
    body = submission(upload.id)
    start = asyncio.Event()

    async def submit() -> service.Submission:
        async with committed() as session:
            await start.wait()
            async with session.begin():
                return await service.submit(
                    session, body, actor=ACTOR, idempotency_key="same-key-0001"
                )

    tasks = [asyncio.create_task(submit()) for _ in range(CONCURRENT)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)

    assert sum(r.created for r in results) == 1
    assert len({r.dossier.code for r in results}) == 1
    assert len({r.tracking_secret for r in results}) == 1
    async with committed() as session:
        count = await session.scalar(
            select(func.count()).select_from(Dossier).where(Dossier.actor_number == ACTOR)
        )
        events = await session.scalar(
            select(func.count())
            .select_from(DossierEvent)
            .join(Dossier)
            .where(Dossier.actor_number == ACTOR)
        )
    assert count == 1 and events == 1


async def test_concurrent_different_submissions_get_distinct_codes(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        upload = await dossier_uploads.upload(
            session, owner=ACTOR, file_name="to-khai.pdf", data=pdf_bytes()
        )
    body = submission(upload.id)

    async def submit(n: int) -> str:
        async with committed() as session, session.begin():
            result = await service.submit(
                session, body, actor=ACTOR, idempotency_key=f"key-{n:06d}"
            )
            return result.dossier.code

    codes = await asyncio.gather(*(submit(n) for n in range(CONCURRENT)))
    assert len(set(codes)) == CONCURRENT
    sequences = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert sequences == list(range(sequences[0], sequences[0] + CONCURRENT))


async def test_a_number_never_waits_for_another_submission_to_commit(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    """PostgreSQL: a submission to the same agency completes while an earlier one is still
    open, and the earlier one's number is not given back when it rolls back (a gap, as with a
    sequence). SQLite writes one transaction at a time: the number is given back."""
    async with committed() as session, session.begin():
        upload = await dossier_uploads.upload(
            session, owner=ACTOR, file_name="to-khai.pdf", data=pdf_bytes()
        )
    body = submission(upload.id)

    def number(result: service.Submission) -> int:
        return int(result.dossier.code.rsplit("-", 1)[1])

    async with committed() as first:
        open_one = await first.begin()
        held = await service.submit(first, body, actor=ACTOR, idempotency_key="open-0001")
        held_code, held_number = held.dossier.code, number(held)
        if first.get_bind().dialect.name == "postgresql":
            async with committed() as second, second.begin():
                done = await asyncio.wait_for(
                    service.submit(second, body, actor=ACTOR, idempotency_key="next-0001"), 10
                )
            assert number(done) == held_number + 1
            expected = held_number + 2  # the rolled-back number stays a gap
        else:
            expected = held_number  # given back
        await open_one.rollback()
    async with committed() as third, third.begin():
        last = await service.submit(third, body, actor=ACTOR, idempotency_key="last-0001")
        assert number(last) == expected
    async with committed() as session:
        codes = set(
            await session.scalars(select(Dossier.code).where(Dossier.actor_number == ACTOR))
        )
    assert (held_code in codes) == (expected == held_number)
