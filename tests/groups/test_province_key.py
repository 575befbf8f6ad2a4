"""A group's member dossiers carry the province of the agency that receives each of them, and
so do their items, history, case and visits (docs/scaling.md section 5)."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from motcua.dossiers.models import Dossier
from motcua.groups.models import GroupMember
from tests.groups.conftest import Place, at, file_birth, settle
from tests.workflow.test_province_key import carried, province_of


async def _member_dossiers(session: AsyncSession, filing_id: int) -> dict[str, Dossier]:
    rows = await session.execute(
        select(GroupMember.key, Dossier)
        .join(Dossier, Dossier.id == GroupMember.dossier_id)
        .where(GroupMember.filing_id == filing_id)
        .execution_options(populate_existing=True)
    )
    return {key: dossier for key, dossier in rows}


async def test_each_member_dossier_carries_its_receiving_agencys_province(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = at("2026-12-07T09:00:00")  # a Monday morning
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment)
    filed = await file_birth(session, place)
    birth = (await _member_dossiers(session, filed.filing.id))["khai_sinh"]
    province = await province_of(session, place.committee)
    assert len(province) == 2
    assert set().union(*(await carried(session, birth.code)).values()) == {province}

    moment = at("2026-12-07T10:30:00")
    await settle(session, place, "c", birth.code)
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1
    members = await _member_dossiers(session, filed.filing.id)
    assert set(members) == {"khai_sinh", "thuong_tru", "the_bhyt"}
    for key, agency in (("thuong_tru", place.police), ("the_bhyt", place.insurance)):
        expected = await province_of(session, agency)
        assert members[key].receiving_agency_id == agency.id
        rows = await carried(session, members[key].code)
        assert set().union(*rows.values()) == {expected}, key
