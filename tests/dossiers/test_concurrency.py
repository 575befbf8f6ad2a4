"""Concurrent duplicate submissions with one Idempotency-Key, on separate connections that
really commit (PostgreSQL: the unique index makes the second insert wait for the first)."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.dossiers import service
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierItem, Upload
from motcua.dossiers.schemas import SubmissionIn
from tests.dossiers.conftest import pdf_bytes

ACTOR = "001099000042"  # used by this test only, so cleaning up touches nothing else
PROCEDURE = "1.001193"  # Đăng ký khai sinh, from the seeded catalog
AGENCY = "000.00.00.G15"  # the procedure's managing agency receives it
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
    registry = {"source": "registry", "value": {"ghi_chu": "dữ liệu tổng hợp"}}
    return SubmissionIn.model_validate(
        {
            "procedure_code": PROCEDURE,
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
        upload = await service.upload(
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
        upload = await service.upload(
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
