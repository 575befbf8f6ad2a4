"""The birth and death groups as linked dossiers: each member at its own agency, in its own
queue, with its own deadline beside the group's; the signed e-result handed to the next member
as registry evidence by itself; a refusal stopping the dependants; the store down pausing them."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock, outbox
from motcua.core.calendar import get_calendar
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierState, ItemSource
from motcua.exchange.models import AccessLogEntry, Registry
from motcua.groups import handover, view
from motcua.groups.models import GroupEvent, GroupFiling, GroupMember, MemberState
from motcua.notify.models import Notification
from motcua.workflow import service as workflow
from motcua.workflow.models import ResultDocument
from tests.groups.conftest import MOTHER, Place, at, file_birth, file_death, settle


def local(moment: datetime) -> datetime:
    return get_calendar().localise(moment)


async def _members(session: AsyncSession, filing: GroupFiling) -> dict[str, GroupMember]:
    rows = await session.scalars(
        select(GroupMember)
        .where(GroupMember.filing_id == filing.id)
        .execution_options(populate_existing=True)
    )
    return {r.key: r for r in rows}


async def _dossier(session: AsyncSession, member: GroupMember) -> Dossier:
    assert member.dossier_id is not None
    found = await session.get(Dossier, member.dossier_id, populate_existing=True)
    assert found is not None
    return found


async def _in_queue(session: AsyncSession, place: Place, prefix: str) -> set[str]:
    page = await workflow.queue(session, place[f"{prefix}_receiving_officer"])
    return {item.code for item in page.items}


async def test_birth_three_in_one_each_member_at_its_own_agency_with_automatic_handover(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = at("2026-12-07T09:00:00")  # a Monday morning
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment)
    filed = await file_birth(session, place)
    filing = filed.filing
    assert filed.created and filing.code.startswith(f"LT-{place.committee.code}-261207-")
    members = await _members(session, filing)
    assert {k: m.state for k, m in members.items()} == {
        "khai_sinh": MemberState.started,
        "thuong_tru": MemberState.waiting,
        "the_bhyt": MemberState.waiting,
    }
    assert (members["thuong_tru"].agency_id, members["the_bhyt"].agency_id) == (
        place.police.id,
        place.insurance.id,
    )
    birth = await _dossier(session, members["khai_sinh"])
    assert birth.receiving_agency_id == place.committee.id and birth.procedure_code == "1.001193"
    # the group's deadline (3 working days) beside the member's (same working day)
    assert local(filing.due_at).date().isoformat() == "2026-12-10"
    assert local(birth.due_at).date().isoformat() == "2026-12-07"
    # the combined declaration filled the member's own declaration; the reads were copied
    items = {i.requirement_key: i for i in await dossiers_repository.items_of(session, birth.id)}
    assert items["to_khai_dang_ky_khai_sinh"].value is not None
    assert items["to_khai_dang_ky_khai_sinh"].value["ho_ten_tre"].startswith("Nguyễn Minh An")
    assert "noi_thuong_tru_cua_tre" not in items["to_khai_dang_ky_khai_sinh"].value
    assert items["giay_chung_sinh"].source == ItemSource.registry
    assert items["giay_chung_sinh"].evidence is not None
    # each in its own queue: the commune has the birth, the police and insurance nothing yet
    assert birth.code in await _in_queue(session, place, "c")
    assert await _in_queue(session, place, "ca") == set()

    moment = at("2026-12-07T10:30:00")
    verify_code = await settle(session, place, "c", birth.code)
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1
    members = await _members(session, filing)
    assert members["thuong_tru"].state == members["the_bhyt"].state == MemberState.started
    residence = await _dossier(session, members["thuong_tru"])
    card = await _dossier(session, members["the_bhyt"])
    assert residence.receiving_agency_id == place.police.id
    assert card.receiving_agency_id == place.insurance.id
    assert residence.code in await _in_queue(session, place, "ca")
    assert card.code in await _in_queue(session, place, "bh")
    assert residence.code not in await _in_queue(session, place, "c")
    # the e-birth certificate is the next members' registry evidence, read and logged
    for dossier in (residence, card):
        handed = {
            i.requirement_key: i for i in await dossiers_repository.items_of(session, dossier.id)
        }["giay_khai_sinh_cua_tre"]
        assert handed.source == ItemSource.registry and handed.upload_id is None
        assert handed.value is not None and handed.value["verify_code"] == verify_code
        assert handed.evidence is not None and handed.evidence["registry_code"] == "ket_qua"
        assert local(dossier.due_at).date().isoformat() == "2026-12-09"  # 2 days
    logged = await session.scalar(
        select(func.count())
        .select_from(AccessLogEntry)
        .where(AccessLogEntry.purpose == f"group:{filing.code}")
    )
    assert logged == 2

    moment = at("2026-12-08T14:00:00")
    await settle(session, place, "ca", residence.code)
    await settle(session, place, "bh", card.code)
    out = await view.view(session, filing.code, MOTHER)
    assert out.status == "done" and out.status_name == "Đã có đủ kết quả"
    assert [m.state for m in out.members] == ["returned"] * 3
    # nothing uploaded; every result inside its member's and the group's deadline
    for member in out.members:
        assert member.due_at is not None and member.dossier_code is not None
        dossier = await dossiers_repository.plain_by_code(session, member.dossier_code)
        assert dossier is not None
        signed = await session.scalar(
            select(ResultDocument.issued_at).where(ResultDocument.dossier_id == dossier.id)
        )
        assert signed is not None and signed <= member.due_at <= filing.due_at
        stored = await dossiers_repository.items_of(session, dossier.id)
        assert all(i.upload_id is None for i in stored)
    texts = [t.text for t in out.timeline]
    assert texts[0] == "Nộp hồ sơ liên thông" and any("Nhận kết quả" in t for t in texts)
    assert [t.at for t in out.timeline] == sorted(t.at for t in out.timeline)


async def test_every_combination_files_its_members_at_their_agencies(
    session: AsyncSession, place: Place
) -> None:
    agency = {
        "khai_sinh": place.committee.id,
        "thuong_tru": place.police.id,
        "the_bhyt": place.insurance.id,
        "khai_tu": place.committee.id,
        "xoa_thuong_tru": place.police.id,
        "tro_cap_mai_tang": place.insurance.id,
        "ho_tro_mai_tang": place.committee.id,
        "tro_cap_tuat": place.insurance.id,
    }
    births = {
        "ba-trong-mot": {"khai_sinh", "thuong_tru", "the_bhyt"},
        "khai-sinh-the-bhyt": {"khai_sinh", "the_bhyt"},
        "khai-sinh-thuong-tru": {"khai_sinh", "thuong_tru"},
    }
    from tests.groups.conftest import CHILD

    for i, (combination, chosen) in enumerate(births.items()):
        child = CHILD | {"ho_ten_tre": f"Trẻ thứ {i} (dữ liệu tổng hợp)"}
        filing = (await file_birth(session, place, combination, child=child)).filing
        members = await _members(session, filing)
        assert set(members) == chosen
        assert all(m.agency_id == agency[k] for k, m in members.items())
        assert members["khai_sinh"].state == MemberState.started
    deaths = {
        "hai-thu-tuc": {"khai_tu", "xoa_thuong_tru"},
        "ba-thu-tuc-bhxh": {"khai_tu", "xoa_thuong_tru", "tro_cap_mai_tang"},
        "ba-thu-tuc-bao-tro": {"khai_tu", "xoa_thuong_tru", "ho_tro_mai_tang"},
        "bon-thu-tuc": {"khai_tu", "xoa_thuong_tru", "tro_cap_mai_tang", "tro_cap_tuat"},
    }
    for i, (combination, chosen) in enumerate(deaths.items()):
        filing = (await file_death(session, place, combination, deceased=f"00104000098{i}")).filing
        members = await _members(session, filing)
        assert set(members) == chosen
        assert all(m.agency_id == agency[k] for k, m in members.items())
        started = {k for k, m in members.items() if m.state == MemberState.started}
        assert started == {"khai_tu"}


async def test_death_group_of_four_hands_the_death_record_to_police_and_social_insurance(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], place: Place
) -> None:
    filing = (await file_death(session, place)).filing
    members = await _members(session, filing)
    death = await _dossier(session, members["khai_tu"])
    assert death.procedure_code == "0.000010"
    verify_code = await settle(session, place, "c", death.code)
    await session.flush()
    await outbox.run_until_idle(sessions)
    members = await _members(session, filing)
    for key, prefix in (
        ("xoa_thuong_tru", "ca"),
        ("tro_cap_mai_tang", "bh"),
        ("tro_cap_tuat", "bh"),
    ):
        dossier = await _dossier(session, members[key])
        handed = {
            i.requirement_key: i for i in await dossiers_repository.items_of(session, dossier.id)
        }
        assert handed["trich_luc_khai_tu"].value is not None
        assert handed["trich_luc_khai_tu"].value["verify_code"] == verify_code
        assert dossier.code in await _in_queue(session, place, prefix)
        await settle(session, place, prefix, dossier.code)
    out = await view.view(session, filing.code, filing.actor_number)
    assert out.status == "done" and len(out.members) == 4


async def test_a_refused_member_stops_its_dependants_with_the_reason(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], place: Place
) -> None:
    filing = (await file_birth(session, place)).filing
    birth = await _dossier(session, (await _members(session, filing))["khai_sinh"])
    reason = "Giấy chứng sinh không khớp với hồ sơ tại cơ sở y tế (dữ liệu tổng hợp)"
    await workflow.refuse(session, place["c_receiving_officer"], birth.code, reason)
    await session.flush()
    assert await outbox.run_until_idle(sessions) == 0 or True
    members = await _members(session, filing)
    for key in ("thuong_tru", "the_bhyt"):
        assert members[key].state == MemberState.stopped and members[key].dossier_id is None
        assert members[key].reason is not None and reason in members[key].reason
    out = await view.view(session, filing.code, MOTHER)
    assert out.status == "stopped" and out.reason is not None and reason in out.reason
    assert [m.state_name for m in out.members][1:] == ["Không thực hiện"] * 2
    told = (
        await session.scalars(select(Notification).where(Notification.kind == "group_stopped"))
    ).all()
    assert len(told) == 1 and reason in told[0].body and filing.code in told[0].subject
    assert await session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.applicant_number == MOTHER, Dossier.procedure_code.in_(["0.000003", "0.000101"])
    )) == 0  # fmt: skip


async def test_result_store_down_pauses_the_next_members_and_retries_by_itself(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filing = (await file_birth(session, place, "khai-sinh-the-bhyt")).filing
    birth = await _dossier(session, (await _members(session, filing))["khai_sinh"])
    store = await session.get(Registry, "ket_qua")
    assert store is not None
    store.enabled = False
    await settle(session, place, "c", birth.code)
    await session.flush()
    await outbox.run_until_idle(sessions)
    card = (await _members(session, filing))["the_bhyt"]
    assert card.state == MemberState.paused and card.dossier_id is None
    assert card.reason is not None and "tự thử lại" in card.reason
    out = await view.view(session, filing.code, MOTHER)
    assert out.status == "paused" and "tự thử lại" in out.members[1].state_name
    paused = await session.scalar(
        select(func.count()).select_from(GroupEvent).where(GroupEvent.kind == "paused")
    )
    assert paused == 1
    told = await session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "group_paused")
    )
    assert told == 1

    store.enabled = True
    await session.flush()
    later = clock.now() + handover.RETRY_AFTER + timedelta(seconds=1)
    monkeypatch.setattr("motcua.core.clock.now", lambda: later)
    await outbox.run_until_idle(sessions)
    card = (await _members(session, filing))["the_bhyt"]
    assert card.state == MemberState.started and card.reason is None
    dossier = await _dossier(session, card)
    assert dossier.receiving_agency_id == place.insurance.id
    assert dossier.state == DossierState.received


async def test_the_group_deadline_skips_tet(
    session: AsyncSession, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filed on Wednesday 03/02/2027 before Tết (04–10/02 off): at 10:00 the group is due on
    the 3rd working day after that day, 15/02; at 15:30 (after the cut-off) it counts from
    11/02 and is due 16/02, and the birth registration itself on 11/02."""
    from tests.groups.conftest import CHILD

    monkeypatch.setattr("motcua.core.clock.now", lambda: at("2027-02-03T10:00:00"))
    monkeypatch.setattr("motcua.core.clock.today", lambda: at("2027-02-03T10:00:00").date())
    morning = (await file_birth(session, place)).filing
    assert local(morning.due_at).date().isoformat() == "2027-02-15"
    assert morning.verification_due_at is not None
    assert local(morning.verification_due_at).date().isoformat() == "2027-02-17"
    monkeypatch.setattr("motcua.core.clock.now", lambda: at("2027-02-03T15:30:00"))
    child = CHILD | {"ho_ten_tre": "Trẻ sinh trước Tết (dữ liệu tổng hợp)"}
    late = (await file_birth(session, place, child=child)).filing
    assert local(late.due_at).date().isoformat() == "2027-02-16"
    birth = await _dossier(session, (await _members(session, late))["khai_sinh"])
    assert local(birth.due_at).date().isoformat() == "2027-02-11"
