"""The father's part of a birth offer: Hoa's husband Khánh (the child's father, as the
population registry records the marriage) confirms the read of his data with his own e-ID;
until then the offer waits and says so; he declines or never answers; she files without him
(the certificate leaves the father blank); she names another man than the registry's husband
(a question, nothing filed); confirmed twice while waiting. Registries over real HTTP."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock, outbox
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier
from motcua.exchange.models import ConsentSubject, SubjectState
from motcua.groups.models import GroupFiling
from motcua.notify.models import Notification
from motcua.offers import (
    events,
    tasks,  # noqa: F401  (the outbox handler that files an offer again)
)
from motcua.offers.models import Offer, OfferState
from motcua.sandbox import personas
from motcua.workflow import subjects as result_subjects
from tests.identity.helpers import as_citizen

HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
STRANGER = personas.COMPLETE  # a married man of another family
BABY = "Phạm Lê Minh Anh"
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")


async def _offer(session: AsyncSession, control: httpx.AsyncClient) -> Offer:
    published = await control.post("/_events", json={"kind": "birth", "personal_id": HOA})
    assert published.status_code == 200
    await events.poll_all(session)
    offer = await session.scalar(select(Offer).where(Offer.person_personal_id == HOA))
    assert offer is not None
    return offer


async def _confirm(client: httpx.AsyncClient, offer: Offer, **extra: Any) -> dict[str, Any]:
    answers = {"ho_ten_tre": BABY, "cam_doan": True, **extra.pop("answers", {})}
    answer = await client.post(
        f"/api/v1/me/offers/{offer.id}/confirm",
        json={"answers": answers, **extra},
        headers=as_citizen(HOA),
    )
    assert answer.status_code == 200, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def _answer(client: httpx.AsyncClient, accept: bool) -> None:
    asked = (await client.get("/api/v1/me/confirmations", headers=as_citizen(KHANH))).json()
    [request] = [a for a in asked if a["requested_by"] == HOA]
    said = await client.post(
        f"/api/v1/me/confirmations/{request['reference']}/{request['role']}",
        json={"accept": accept},
        headers=as_citizen(KHANH),
    )
    assert said.status_code == 200, said.text


async def _filings(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(GroupFiling)) or 0)


async def test_waiting_for_the_father_confirmed_twice_files_nothing_until_he_answers(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
) -> None:
    offer = await _offer(session, control)
    first = await _confirm(client, offer)
    second = await _confirm(client, offer)
    for answer in (first, second):
        assert answer["state"] == "waiting" and "Phạm Văn Khánh" in answer["message"]
        assert "không chờ" in answer["message"]
    assert await _filings(session) == 0
    listed = (await client.get("/api/v1/me/offers", headers=as_citizen(HOA))).json()
    assert [o["state"] for o in listed] == ["waiting"]  # still shown in Hồ sơ của tôi
    # one request to him, however often she confirms
    asked = (await client.get("/api/v1/me/confirmations", headers=as_citizen(KHANH))).json()
    assert len([a for a in asked if a["requested_by"] == HOA]) == 1
    await _answer(client, accept=True)
    await session.flush()
    await outbox.run_until_idle(sessions)
    await session.refresh(offer)
    assert offer.state == OfferState.filed and await _filings(session) == 1
    again = await _confirm(client, offer)
    assert again["state"] == "filed" and again["dossier_code"] == offer.dossier_code
    assert await _filings(session) == 1


async def test_the_father_declines_she_files_without_him_and_the_father_is_blank(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
) -> None:
    offer = await _offer(session, control)
    assert (await _confirm(client, offer))["state"] == "waiting"
    await _answer(client, accept=False)
    await session.flush()
    await outbox.run_until_idle(sessions)
    await session.refresh(offer)
    assert offer.state == OfferState.pending and offer.message is not None
    assert "đã từ chối" in offer.message and await _filings(session) == 0
    page = await client.get(f"/de-nghi/{offer.id}", headers=as_citizen(HOA))
    assert page.status_code == 200 and "Nộp ngay, không chờ người cha xác nhận" in page.text
    filed = await _confirm(client, offer, without_other_parent=True)
    assert filed["state"] == "filed" and filed["without_other_parent"] is True
    [birth] = await session.scalars(select(Dossier).where(Dossier.actor_number == HOA))
    items = await dossiers_repository.items_of(session, birth.id)
    assert "nhan_than_cha_me_con_lai" not in {i.requirement_key for i in items}
    assert [p.role for p in result_subjects.parents(items)] == ["Mẹ"]  # father left blank


async def test_the_father_never_answers_then_she_may_file_without_him(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _offer(session, control)
    assert (await _confirm(client, offer))["state"] == "waiting"
    [row] = await session.scalars(select(ConsentSubject).where(ConsentSubject.personal_id == KHANH))
    assert row.state == SubjectState.pending
    row.expires_at = clock.now() - timedelta(minutes=1)  # seven days went by
    await session.flush()
    late = await _confirm(client, offer)
    assert late["state"] == "pending" and "chưa xác nhận trong thời hạn" in late["message"]
    assert await _filings(session) == 0
    filed = await _confirm(client, offer, without_other_parent=True)
    assert filed["state"] == "filed" and await _filings(session) == 1


async def test_she_names_another_father_than_her_husband_a_question_nothing_filed(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _offer(session, control)
    offer_id = offer.id  # the refused request below expires the test's copy
    asked = await _confirm(client, offer, answers={"so_dinh_danh_cha": STRANGER})
    assert asked["state"] == "pending", asked
    assert "khác với người có số định danh bạn khai" in asked["message"]
    assert "Phạm Văn Khánh" in asked["message"]
    assert await _filings(session) == 0
    # nobody else was asked to confirm: the stranger's data is never requested
    strangers = await session.scalars(
        select(ConsentSubject).where(ConsentSubject.personal_id == STRANGER)
    )
    assert list(strangers) == []
    malformed = await client.post(
        f"/api/v1/me/offers/{offer_id}/confirm",
        json={"answers": {"ho_ten_tre": BABY, "cam_doan": True, "so_dinh_danh_cha": "12ab"}},
        headers=as_citizen(HOA),
    )
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["so_dinh_danh_cha"]
    # naming her husband himself is the same as leaving it empty: he is asked, once
    same = await client.post(
        f"/api/v1/me/offers/{offer_id}/confirm",
        json={"answers": {"ho_ten_tre": BABY, "cam_doan": True, "so_dinh_danh_cha": KHANH}},
        headers=as_citizen(HOA),
    )
    assert same.status_code == 200 and same.json()["state"] == "waiting", same.text


async def test_the_fathers_request_names_the_mother_as_her_e_id_gave_it(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    """Her name is kept with the consent when she confirms the offer (her e-ID session), so
    the father's request and its e-mail say who asks by name, the number masked beside it."""
    offer = await _offer(session, control)
    answer = await client.post(
        f"/api/v1/me/offers/{offer.id}/confirm",
        json={"answers": {"ho_ten_tre": BABY, "cam_doan": True}},
        headers=as_citizen(HOA, name="Lê Thị Hoa"),
    )
    assert answer.status_code == 200 and answer.json()["state"] == "waiting", answer.text
    asked = (await client.get("/api/v1/me/confirmations", headers=as_citizen(KHANH))).json()
    [request] = [a for a in asked if a["requested_by"] == HOA]
    assert request["requested_by_name"] == "Lê Thị Hoa"
    page = await client.get("/du-lieu/xac-nhan", headers=as_citizen(KHANH))
    assert "Lê Thị Hoa (số định danh 079******201) đề nghị bạn cho phép đọc" in page.text
    assert HOA not in page.text
    [told] = await session.scalars(
        select(Notification).where(
            Notification.kind == "confirmation_asked",
            Notification.recipient == f"cong.dan.{KHANH}@example.test",
        )
    )
    assert "Lê Thị Hoa (số định danh 079******201) đang làm thủ tục" in told.body
    assert "đề nghị bạn cho phép đọc" in told.body
    # a second confirmation (still waiting) keeps the one request and its name
    again = await client.post(
        f"/api/v1/me/offers/{offer.id}/confirm",
        json={"answers": {"ho_ten_tre": BABY, "cam_doan": True}},
        headers=as_citizen(HOA, name="Lê Thị Hoa"),
    )
    assert again.status_code == 200
    asked = (await client.get("/api/v1/me/confirmations", headers=as_citizen(KHANH))).json()
    assert [a["requested_by_name"] for a in asked if a["requested_by"] == HOA] == ["Lê Thị Hoa"]
