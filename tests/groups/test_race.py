"""The duplicate guard under real concurrency: eight filings of the same child's birth, each on
its own connection and transaction that really commits, started at once with different
Idempotency-Keys (so the key does not make them one): exactly one dossier is received, the
seven others get the Vietnamese refusal naming it (409), and one claim row holds the event.
PostgreSQL: the claim's primary key makes the late inserts wait and fail; SQLite (the demo
database): writers are serialised and the later ones see the claim."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.dossiers import duplicates
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import (
    Dossier,
    DossierCounter,
    DossierEvent,
    DossierItem,
    RegistrationClaim,
)
from motcua.dossiers.schemas import SubmissionIn

OFFICER = "001090000871"  # synthetic: the receiving officer, used by this test only
MOTHER = "001190000872"  # synthetic
AGENCY = "000.99.00004.P01"  # a commune service centre (seeded units)
CONCURRENT = 8
CHILD = {
    "ho_ten_tre": "Trần Bảo Ngọc (dữ liệu tổng hợp)",
    "ngay_sinh": "2026-11-02",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Phụ sản (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "quan_he": "Mẹ",
}
KEY = duplicates.child_key(MOTHER, CHILD["ngay_sinh"], CHILD["ho_ten_tre"])


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield sessions
    async with sessions() as session, session.begin():
        ids = select(Dossier.id).where(Dossier.actor_number == OFFICER)
        await session.execute(delete(DossierEvent).where(DossierEvent.dossier_id.in_(ids)))
        await session.execute(delete(DossierItem).where(DossierItem.dossier_id.in_(ids)))
        await session.execute(delete(Dossier).where(Dossier.actor_number == OFFICER))
        await session.execute(delete(RegistrationClaim).where(RegistrationClaim.key == KEY))
        await session.execute(delete(DossierCounter).where(DossierCounter.agency_code == AGENCY))


def _birth() -> SubmissionIn:
    """Birth registration 1.001193 typed at the counter (no registry connected in this
    database, so typed values stand for the reads)."""
    typed = {"nguon": "dữ liệu tổng hợp"}
    return SubmissionIn.model_validate(
        {
            "procedure_code": "1.001193",
            "receiving_agency": AGENCY,
            "channel": "counter",
            "applicant": MOTHER,
            "items": [
                {"requirement_key": "to_khai_dang_ky_khai_sinh", "source": "counter",
                 "value": CHILD},
                {"requirement_key": "giay_chung_sinh", "source": "counter", "value": typed},
                {"requirement_key": "nhan_than_cha_me", "source": "counter", "value": typed},
                {"requirement_key": "noi_cu_tru_cha_me", "source": "counter", "value": typed},
            ],
        }
    )  # fmt: skip


async def test_eight_concurrent_filings_of_one_birth_receive_exactly_one(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    body = _birth()
    start = asyncio.Event()

    async def file(n: int) -> str | duplicates.DuplicateRegistration:
        async with committed() as session:
            await start.wait()
            try:
                async with session.begin():
                    filed = await dossiers.submit(
                        session, body, actor=OFFICER, idempotency_key=f"race-{n:04d}"
                    )
                    return filed.dossier.code
            except duplicates.DuplicateRegistration as refused:
                return refused

    tasks = [asyncio.create_task(file(n)) for n in range(CONCURRENT)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)  # anything else (a 5xx's cause) fails the test

    received = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, duplicates.DuplicateRegistration)]
    assert len(received) == 1 and len(refused) == CONCURRENT - 1
    for refusal in refused:
        assert refusal.status_code == 409 and refusal.code == "child-already-registered"
        assert refusal.existing == received[0]
        assert f"hồ sơ {received[0]}" in refusal.message
    async with committed() as session:
        count = await session.scalar(
            select(func.count()).select_from(Dossier).where(Dossier.actor_number == OFFICER)
        )
        claims = list(await session.scalars(select(RegistrationClaim)
                                            .where(RegistrationClaim.key == KEY)))  # fmt: skip
        items = await session.scalar(
            select(func.count())
            .select_from(DossierItem)
            .join(Dossier)
            .where(Dossier.actor_number == OFFICER)
        )
    assert count == 1 and items == 4  # the refused filings left nothing behind
    assert [(c.dossier_code, c.shown_code) for c in claims] == [(received[0], received[0])]
