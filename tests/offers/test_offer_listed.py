"""A pending offer is shown where the person looks: on their personal page (``/ca-nhan``) and in
"Hồ sơ của tôi", each with the way to confirm it (the offer's page) and to decline it there; a
decline from the personal page returns to it, and the offer is then no longer listed."""

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.offers import events
from motcua.offers.models import Offer, OfferState
from motcua.sandbox import personas
from tests.forms import token_in
from tests.identity.helpers import as_citizen

HOA = personas.NEW_MOTHER
ME = as_citizen(HOA)
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")


async def _birth_offer(session: AsyncSession, control: httpx.AsyncClient) -> Offer:
    answer = await control.post("/_events", json={"kind": "birth", "personal_id": HOA})
    assert answer.status_code == 200, answer.text
    await events.poll_all(session)
    [offer] = await session.scalars(select(Offer).where(Offer.person_personal_id == HOA))
    await session.commit()
    return offer


def _listed(html: str, offer: Offer) -> str:
    found = re.search(rf'<li id="offer-{offer.id}">.*?</li>', html, re.S)
    assert found, "the offer is listed"
    return found.group(0)


@pytest.mark.parametrize("page", ["/ca-nhan", "/ho-so-cua-toi"])
async def test_a_pending_offer_is_listed_with_confirm_and_decline(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient, page: str
) -> None:
    offer = await _birth_offer(session, control)
    shown = await client.get(page, headers=ME)
    assert shown.status_code == 200
    assert "Cơ quan nhà nước đề nghị làm cho bạn" in shown.text
    card = _listed(shown.text, offer)
    assert f'href="/de-nghi/{offer.id}#confirm"' in card and "Xem và xác nhận" in card
    assert f'action="/de-nghi/{offer.id}/tu-choi"' in card and "Từ chối đề nghị" in card
    assert 'class="danger" data-confirm=' in card


async def test_declining_from_the_personal_page_returns_there_and_unlists_it(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _birth_offer(session, control)
    shown = await client.get("/ca-nhan", headers=ME)
    declined = await client.post(
        f"/de-nghi/{offer.id}/tu-choi",
        data={"csrf_token": token_in(shown.text), "ve": "/ca-nhan"},
        headers=ME,
    )
    assert declined.status_code == 303 and declined.headers["location"] == "/ca-nhan"
    await session.refresh(offer)
    assert offer.state == OfferState.declined
    again = await client.get("/ca-nhan", headers=ME)
    assert f"offer-{offer.id}" not in again.text
    # anywhere else to return to is not followed
    elsewhere = await client.post(
        f"/de-nghi/{offer.id}/tu-choi",
        data={"csrf_token": token_in(again.text), "ve": "https://example.test/"},
        headers=ME,
    )
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/ho-so-cua-toi"


async def test_the_personal_page_says_the_level_in_words(client: httpx.AsyncClient) -> None:
    page = await client.get("/ca-nhan", headers=ME)
    assert page.status_code == 200
    who = re.search(r'<dl class="facts" id="who">(.*?)</dl>', page.text, re.S)
    assert who is not None
    assert re.search(r"<dt>Mức định danh điện tử</dt><dd>Mức 2</dd>", who.group(1))
    assert HOA not in page.text  # the personal number masked
