"""The same death is recorded once, whatever the channel: after the death group, a single death
registration received at the counter is refused (409) naming the group, and nothing is
written; the same the other way round."""

import secrets

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers import service as dossiers
from motcua.dossiers.duplicates import DuplicateRegistration
from motcua.dossiers.models import Channel, Dossier, ItemSource
from motcua.dossiers.schemas import ItemIn, SubmissionIn
from motcua.groups.models import GroupFiling
from tests.groups.conftest import DEATH, DECEASED, DECLARANT, Place, death_values, file_death, reads

SINGLE = ("giay_bao_tu", "giay_to_nguoi_yeu_cau", "noi_cu_tru_cuoi_cung")


async def _counter_death(session: AsyncSession, place: Place) -> dossiers.Submission:
    """Death registration 0.000010 received at the commune's counter for the same deceased."""
    assert place.committee.unit_code is not None
    values = death_values(place.committee.unit_code)
    items = await reads(
        session, DECLARANT, "0.000010", {k: values[k] for k in SINGLE}, deceased=DECEASED
    )
    declared = {k: DEATH[k] for k in ("ngay_chet", "nguyen_nhan", "quan_he")}
    body = SubmissionIn(
        procedure_code="0.000010",
        receiving_agency=place.committee.code,
        channel=Channel.counter,
        applicant=DECLARANT,
        items=[
            *[ItemIn.model_validate(i) for i in items],
            ItemIn(
                requirement_key="to_khai_dang_ky_khai_tu",
                source=ItemSource.counter,
                value={**declared, "noi_chet": "Tại nhà (dữ liệu tổng hợp)"},
            ),
        ],
    )
    return await dossiers.submit(
        session, body, actor=DECLARANT, idempotency_key=secrets.token_hex(8)
    )


async def _counts(session: AsyncSession) -> tuple[int, int]:
    filings = await session.scalar(select(func.count()).select_from(GroupFiling))
    found = await session.scalar(select(func.count()).select_from(Dossier))
    return int(filings or 0), int(found or 0)


async def test_a_death_filed_as_a_group_is_not_registered_again_at_the_counter(
    session: AsyncSession, place: Place
) -> None:
    group = (await file_death(session, place, "hai-thu-tuc")).filing
    before = await _counts(session)
    with pytest.raises(DuplicateRegistration) as refused:
        await _counter_death(session, place)
    assert refused.value.status_code == 409 and refused.value.code == "death-already-recorded"
    assert group.code in refused.value.message
    assert await _counts(session) == before


async def test_a_death_registered_alone_blocks_the_death_group(
    session: AsyncSession, place: Place
) -> None:
    single = await _counter_death(session, place)
    before = await _counts(session)
    with pytest.raises(DuplicateRegistration) as refused:
        await file_death(session, place, "hai-thu-tuc")
    assert refused.value.code == "death-already-recorded"
    assert single.dossier.code in refused.value.message
    assert await _counts(session) == before
