"""The death offer files the death group: the widow Lụa (Cường's death notified) chooses among
the combinations the law allows, the registries' one pre-selected (a pensioner: funeral and
survivor allowances); each member at its own agency; the registration settled, the others
start by themselves in their own queues. Registries over real HTTP."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier
from motcua.groups.models import GroupFiling, MemberState
from motcua.offers import events
from motcua.offers.models import Offer
from motcua.sandbox import personas, pki
from motcua.units.models import Agency, AgencyKind
from tests.groups.conftest import storage  # noqa: F401  (fixture)
from tests.identity.helpers import as_citizen
from tests.offers.test_offer_group_journey import _members, _officers, _settle

CUONG, LUA = personas.DECEASED, personas.WIDOW
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")
KINDS = {
    "khai_tu": AgencyKind.people_committee,
    "xoa_thuong_tru": AgencyKind.police,
    "tro_cap_mai_tang": AgencyKind.social_insurance,
    "ho_tro_mai_tang": AgencyKind.people_committee,
    "tro_cap_tuat": AgencyKind.social_insurance,
}
COMBINATIONS = {
    "hai-thu-tuc": {"khai_tu", "xoa_thuong_tru"},
    "ba-thu-tuc-bhxh": {"khai_tu", "xoa_thuong_tru", "tro_cap_mai_tang"},
    "ba-thu-tuc-bao-tro": {"khai_tu", "xoa_thuong_tru", "ho_tro_mai_tang"},
    "bon-thu-tuc": {"khai_tu", "xoa_thuong_tru", "tro_cap_mai_tang", "tro_cap_tuat"},
}


async def _offer(session: AsyncSession, control: httpx.AsyncClient) -> Offer:
    published = await control.post("/_events", json={"kind": "death", "personal_id": CUONG})
    assert published.status_code == 200
    await events.poll_all(session)
    offer = await session.scalar(select(Offer).where(Offer.person_personal_id == LUA))
    assert offer is not None
    return offer


async def _file(
    session: AsyncSession, client: httpx.AsyncClient, offer: Offer, combination: str
) -> GroupFiling:
    answer = await client.post(
        f"/api/v1/me/offers/{offer.id}/confirm",
        json={
            "answers": {"nguyen_nhan": "Tuổi già", "so_tai_khoan": "0123456789", "cam_doan": True},
            "combination": combination,
        },
        headers=as_citizen(LUA),
    )
    assert answer.status_code == 200 and answer.json()["state"] == "filed", answer.text
    code = answer.json()["dossier_code"]
    assert answer.json()["url"] == f"/ho-so-lien-thong/{code}"
    filing = await session.scalar(select(GroupFiling).where(GroupFiling.code == code))
    assert filing is not None and filing.combination == combination
    return filing


async def test_the_death_offer_shows_the_combinations_the_registries_pre_select_one(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _offer(session, control)
    shown = (await client.get(f"/api/v1/me/offers/{offer.id}", headers=as_citizen(LUA))).json()
    assert [c["key"] for c in shown["combinations"]] == list(COMBINATIONS)
    assert shown["combination"] == "bon-thu-tuc"  # a pensioner with a surviving wife
    assert shown["facts"]["Quá trình đóng bảo hiểm xã hội"] == "360 tháng"
    assert shown["prefilled"]["Quan hệ của người đi khai tử với người chết"] == "Vợ"
    page = await client.get(f"/de-nghi/{offer.id}", headers=as_citizen(LUA))
    assert page.status_code == 200 and 'value="bon-thu-tuc" checked' in page.text


@pytest.mark.parametrize("combination", list(COMBINATIONS))
async def test_each_combination_files_each_member_at_its_own_agency(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient, combination: str
) -> None:
    offer = await _offer(session, control)
    filing = await _file(session, client, offer, combination)
    members = await _members(session, filing)
    assert set(members) == COMBINATIONS[combination]
    for key, member in members.items():
        agency = await session.get(Agency, member.agency_id)
        assert agency is not None and agency.kind == KINDS[key], key
        assert member.state == (MemberState.started if key == "khai_tu" else MemberState.waiting)
    birth = await session.get(Dossier, members["khai_tu"].dossier_id)
    assert birth is not None and birth.procedure_code == "0.000010"
    items = {i.requirement_key: i for i in await dossiers_repository.items_of(session, birth.id)}
    declared = items["to_khai_dang_ky_khai_tu"].value
    assert declared is not None and declared["quan_he"] == "Vợ"
    assert declared["nguyen_nhan"] == "Tuổi già" and declared["ngay_chet"] == "2025-08-15"


async def test_the_four_members_are_settled_each_in_its_own_queue(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
    storage: Path,  # noqa: F811
) -> None:
    offer = await _offer(session, control)
    filing = await _file(session, client, offer, "bon-thu-tuc")
    members = await _members(session, filing)
    agencies = {k: await session.get(Agency, m.agency_id) for k, m in members.items()}
    staff = {}
    for key, agency in agencies.items():
        assert agency is not None
        if agency.id not in {s["receiving_officer"].agency_id for s in staff.values()}:
            staff[key] = await _officers(session, agency, f"kt{key[:6]}")
    by_agency = {s["receiving_officer"].agency_id: s for s in staff.values()}
    pki.generate(storage / "pki", [(a.code, a.name) for a in agencies.values() if a is not None])
    death = await session.get(Dossier, members["khai_tu"].dossier_id)
    assert death is not None
    await _settle(session, by_agency[death.receiving_agency_id], death.code)
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1
    members = await _members(session, filing)
    for key in ("xoa_thuong_tru", "tro_cap_mai_tang", "tro_cap_tuat"):
        assert members[key].state == MemberState.started, key
        dossier = await session.get(Dossier, members[key].dossier_id)
        assert dossier is not None
        items = await dossiers_repository.items_of(session, dossier.id)
        handed = [i for i in items if i.requirement_key == "trich_luc_khai_tu"]
        assert handed and handed[0].value is not None, key
        await _settle(session, by_agency[dossier.receiving_agency_id], dossier.code)
    ids = [m.dossier_id for m in (await _members(session, filing)).values()]
    for dossier in await session.scalars(select(Dossier).where(Dossier.id.in_(ids))):
        assert dossier.due_at <= filing.due_at
