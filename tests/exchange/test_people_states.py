"""Each state of a role on "Dữ liệu của ai được đọc" says one thing and what to do next: the
mother is the mother herself; the father waiting (no fresh request form beside it), confirmed,
declined (a new request possible, the optional part said so); the deceased not yet chosen, then
chosen. Pages over the sandbox registries (real HTTP)."""

import html
import re
from dataclasses import dataclass

import httpx
import pytest

from motcua.sandbox import personas
from tests.exchange.test_subject_pages import WIDOW, _confirmed
from tests.forms import token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
ME = as_citizen(HOA)
DAY = re.compile(r"\d{2}/\d{2}/\d{4}")


SECTION = re.compile(
    r'<section class="person-role" id="role-(\w+)" data-state="(\w+)">(.*?)</section>', re.S
)


@dataclass
class Role:
    state: str
    markup: str

    @property
    def text(self) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.markup)).split())

    @property
    def has_form(self) -> bool:
        return "<form" in self.markup


def _roles(page: str) -> dict[str, Role]:
    return {role: Role(state, markup) for role, state, markup in SECTION.findall(page)}


async def _page(client: httpx.AsyncClient, reference: str) -> str:
    shown = await client.get(f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", headers=ME)
    assert shown.status_code == 200
    return shown.text


async def test_the_father_waiting_confirmed_and_declined_each_say_one_thing(
    client: httpx.AsyncClient,
) -> None:
    reference = await _confirmed(client, "1.001193", ME)
    roles = _roles(await _page(client, reference))
    mother, father = roles["mother"], roles["spouse"]
    assert mother.state == "self" and "chính bạn" in mother.text
    assert HOA not in mother.markup
    assert father.state == "pending"
    text = father.text
    assert "Đang chờ" in text and DAY.search(text) and "không bắt buộc" in text
    assert not father.has_form  # waiting: not a fresh request form at once
    assert "tải" not in text  # nothing uploaded for an optional part

    answer = await client.post(
        f"/api/v1/me/confirmations/{reference}/spouse",
        json={"accept": True},
        headers=as_citizen(KHANH),
    )
    assert answer.status_code == 200, answer.text
    father = _roles(await _page(client, reference))["spouse"]
    assert father.state == "confirmed" and not father.has_form
    assert "đã đồng ý" in father.text and "Tiếp tục, lấy dữ liệu" in father.text


async def test_a_declining_father_can_be_asked_again_and_the_part_is_optional(
    client: httpx.AsyncClient,
) -> None:
    reference = await _confirmed(client, "1.001193", ME)
    await _page(client, reference)
    answer = await client.post(
        f"/api/v1/me/confirmations/{reference}/spouse",
        json={"accept": False},
        headers=as_citizen(KHANH),
    )
    assert answer.status_code == 200, answer.text
    father = _roles(await _page(client, reference))["spouse"]
    text = father.text
    assert father.state == "declined" and "không được đọc" in text
    assert "không bắt buộc" in text and "Đang chờ" not in text
    assert 'name="personal_id"' in father.markup  # a new request


async def test_the_deceased_not_chosen_then_chosen(client: httpx.AsyncClient) -> None:
    reference = await _confirmed(client, "0.000010", WIDOW)
    url = f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu"
    before = await client.get(url, headers=WIDOW)
    deceased = _roles(before.text)["deceased"]
    assert deceased.state == "none" and "Chọn một người" in deceased.text
    chosen = await client.post(
        url,
        data={
            "role": "deceased",
            "personal_id": personas.DECEASED,
            "csrf_token": token_in(before.text),
        },
        headers=WIDOW,
    )
    assert chosen.status_code == 303
    after = await client.get(url, headers=WIDOW)
    deceased = _roles(after.text)["deceased"]
    text = deceased.text
    assert deceased.state == "chosen" and "Đã chọn: Lê Văn Cường" in text
    assert re.search(rf'value="{personas.DECEASED}"\s+checked', deceased.markup)
    assert "Luật Hộ tịch" in text  # the ground the read stands on
