"""The same baby is registered once, whatever the channel: a single birth registration filed
online blocks the offer (and the offer's group blocks a single filing), with the Vietnamese
reason naming the dossier that registers the child; a refused earlier dossier blocks nothing.
Registries over real HTTP."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.models import Dossier, DossierState, RegistrationClaim
from motcua.groups.models import GroupFiling
from motcua.offers import events
from motcua.offers.models import Offer
from motcua.sandbox import personas
from motcua.units.models import Agency
from motcua.workflow import service as workflow
from tests.identity.helpers import as_citizen
from tests.offers.test_offer_group_journey import _officers

HOA = personas.NEW_MOTHER
ME = as_citizen(HOA)
BABY = "Phạm Lê Minh Anh"
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")


async def _single_birth(client: httpx.AsyncClient, name: str) -> httpx.Response:
    """Hoa files birth registration 1.001193 alone, online, reads from the sandbox."""
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": "1.001193"}, headers=ME
    )
    assert started.status_code == 201, started.text
    draft = started.json()
    base = f"/api/v1/exchange/consents/{draft['consent_reference']}"
    assert (await client.post(f"{base}/confirm", headers=ME)).status_code == 200
    await client.get(f"{base}/family", headers=ME)
    chosen = (await client.get(f"{base}/subjects", headers=ME)).json()
    if not any(s["role"] == "mother" for s in chosen):
        mother = {"role": "mother", "personal_id": HOA}
        assert (await client.post(f"{base}/subjects", json=mother, headers=ME)).status_code == 200
    assert (await client.post(f"{base}/fetch", headers=ME)).status_code == 200
    declared: dict[str, Any] = {
        "ho_ten_tre": name,
        "ngay_sinh": "2025-09-20",  # the e-birth notice's date
        "gioi_tinh": "Nữ",
        "noi_sinh": "Bệnh viện (dữ liệu tổng hợp)",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "quan_he": "Mẹ",
        "cam_doan": True,
    }
    return await client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        json={"values": {"to_khai_dang_ky_khai_sinh": declared}},
        headers=ME,
    )


async def _offer(session: AsyncSession, control: httpx.AsyncClient) -> Offer:
    published = await control.post("/_events", json={"kind": "birth", "personal_id": HOA})
    assert published.status_code == 200
    await events.poll_all(session)
    offer = await session.scalar(select(Offer).where(Offer.person_personal_id == HOA))
    assert offer is not None
    return offer


async def _confirm(client: httpx.AsyncClient, offer: Offer, name: str) -> dict[str, Any]:
    answer = await client.post(
        f"/api/v1/me/offers/{offer.id}/confirm",
        json={"answers": {"ho_ten_tre": name, "cam_doan": True}, "without_other_parent": True},
        headers=ME,
    )
    assert answer.status_code == 200, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def test_a_single_registration_blocks_the_offer_until_it_is_refused(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    single = await _single_birth(client, BABY)
    assert single.status_code == 201, single.text
    code = single.json()["dossier_code"]
    offer = await _offer(session, control)
    # the same child, the name typed with other capitals and spaces: not filed again
    pending = await _confirm(client, offer, "  phạm lê  MINH anh ")
    assert pending["state"] == "pending" and code in pending["message"]
    assert "đã được đăng ký khai sinh" in pending["message"]
    assert await session.scalar(select(func.count()).select_from(GroupFiling)) == 0
    # the single dossier is refused: the offer files the group
    dossier = await session.scalar(select(Dossier).where(Dossier.code == code))
    assert dossier is not None
    agency = await session.get(Agency, dossier.receiving_agency_id)
    assert agency is not None
    staff = await _officers(session, agency, "dup")
    await workflow.refuse(
        session, staff["receiving_officer"], code, "Sai thông tin (dữ liệu tổng hợp)"
    )
    await session.flush()
    filed = await _confirm(client, offer, BABY)
    assert filed["state"] == "filed" and filed["dossier_code"].startswith("LT-"), filed
    [claim] = await session.scalars(select(RegistrationClaim))
    assert claim.shown_code == filed["dossier_code"]


async def test_the_offered_group_blocks_a_single_registration_of_the_same_child(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _offer(session, control)
    filed = await _confirm(client, offer, BABY)
    assert filed["state"] == "filed", filed
    group = filed["dossier_code"]
    before = await session.scalar(select(func.count()).select_from(Dossier))
    again = await _single_birth(client, BABY)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "child-already-registered" and group in again.json()["message"]
    assert await session.scalar(select(func.count()).select_from(Dossier)) == before
    other = await _single_birth(client, "Phạm Lê Minh Châu")  # a twin: another child
    assert other.status_code == 201, other.text
    dossier = await session.scalar(
        select(Dossier).where(Dossier.code == other.json()["dossier_code"])
    )
    assert dossier is not None and dossier.state == DossierState.received
