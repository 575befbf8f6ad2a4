"""Evidence items are one row per application and requirement, even when fetches overlap."""

import asyncio

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from motcua.core import clock
from motcua.exchange import repository, service
from motcua.exchange.models import Consent, Decision, EvidenceItem, ItemStatus
from motcua.sandbox import personas

RESIDENCE = "0.000003"


async def test_two_fetches_at_once_leave_one_item_per_requirement(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        reference = (await service.prepare_consent(session, RESIDENCE, personas.COMPLETE)).reference

    def items(fetch: int) -> list[EvidenceItem]:
        return [
            EvidenceItem(
                consent_reference=reference,
                key=key,
                evidence_type_code="population.person",
                registry_code="population",
                status=ItemStatus.delivered,
                fields={"full_name": {"value": f"fetch {fetch}"}},
                options=[],
                request_hash=f"{fetch:064d}",
                fetched_at=clock.now(),
                decision=Decision.pending,
            )
            for key in ("a", "b", "c")
        ]

    async def fetch(n: int) -> None:
        async with sessions() as session, session.begin():
            await repository.put_items(session, items(n))
            await asyncio.sleep(0.05)  # both transactions are open at once

    try:
        await asyncio.gather(fetch(1), fetch(2))
        async with sessions() as session:
            stored = (
                await session.scalars(
                    select(EvidenceItem).where(EvidenceItem.consent_reference == reference)
                )
            ).all()
        assert sorted(i.key for i in stored) == ["a", "b", "c"]
        assert len({i.request_hash for i in stored}) == 1  # all three from the same fetch
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(Consent).where(Consent.reference == reference))
