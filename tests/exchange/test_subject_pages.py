"""The pages of whose data: the widow chooses her late husband; a wrong choice is refused in
Vietnamese with what she typed kept; the partner answers a request with their own e-ID."""

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange.models import ConsentSubject, SubjectState
from motcua.sandbox import personas
from tests.forms import token_from, token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
WIDOW = as_citizen(personas.WIDOW)


async def _confirmed(client: httpx.AsyncClient, code: str, who: dict[str, str]) -> str:
    token = await token_from(client, f"/du-lieu/thu-tuc/{code}", who)
    started = await client.post(f"/du-lieu/thu-tuc/{code}", data={"csrf_token": token}, headers=who)
    reference = re.fullmatch(r"/du-lieu/dong-y/([0-9a-f-]{36})", started.headers["location"])
    assert reference
    consent = await client.get(started.headers["location"], headers=who)
    assert "Người đã mất trong gia đình bạn" in consent.text or "Dữ liệu của" in consent.text
    confirmed = await client.post(
        started.headers["location"], data={"csrf_token": token_in(consent.text)}, headers=who
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].endswith("/nguoi-co-du-lieu")
    return reference.group(1)


async def test_the_widow_chooses_her_late_husband_and_his_records_are_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    reference = await _confirmed(client, "1.011537", WIDOW)
    page = await client.get(f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", headers=WIDOW)
    assert page.status_code == 200 and "Lê Văn Cường" in page.text
    assert personas.DECEASED in page.text  # the radio's value, not shown as text
    wrong = await client.post(
        f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu",
        data={"csrf_token": token_in(page.text), "role": "deceased", "personal_id": "001084000101"},
        headers=WIDOW,
    )
    assert wrong.status_code == 422
    assert "không phải người trong gia đình bạn" in wrong.text
    chosen = await client.post(
        f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu",
        data={
            "csrf_token": token_in(page.text),
            "role": "deceased",
            "personal_id": personas.DECEASED,
        },
        headers=WIDOW,
    )
    assert chosen.status_code == 303
    row = await session.get(ConsentSubject, (reference, "deceased"))
    assert row is not None and row.personal_id == personas.DECEASED
    fetched = await client.post(
        f"/du-lieu/dong-y/{reference}/lay-du-lieu",
        data={"csrf_token": token_in(page.text)},
        headers=WIDOW,
    )
    assert fetched.status_code == 303
    preview = await client.get(fetched.headers["location"], headers=WIDOW)
    assert "Lê Văn Cường" in preview.text and "Phường Châu Sơn, Ninh Bình" in preview.text


async def test_the_partner_confirms_on_their_own_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    applicant = as_citizen(personas.NO_RESIDENCE)
    reference = await _confirmed(client, "0.000011", applicant)
    page = await client.get(f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", headers=applicant)
    bad = await client.post(
        f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu",
        data={"csrf_token": token_in(page.text), "role": "spouse", "personal_id": "12345"},
        headers=applicant,
    )
    assert bad.status_code == 422 and 'value="12345"' in bad.text
    assert "12 chữ số" in bad.text
    asked = await client.post(
        f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu",
        data={
            "csrf_token": token_in(page.text),
            "role": "spouse",
            "personal_id": personas.DISAGREEING,
        },
        headers=applicant,
    )
    assert asked.status_code == 303

    partner = as_citizen(personas.DISAGREEING)
    home = await client.get("/ca-nhan", headers=partner)  # what the partner sees on signing in
    assert "đang chờ bạn xác nhận (1)" in home.text and 'href="/du-lieu/xac-nhan"' in home.text
    waiting = await client.get("/du-lieu/xac-nhan", headers=partner)
    assert waiting.status_code == 200 and "Đăng ký kết hôn" in waiting.text
    assert "Họ và tên" in waiting.text and "full_name" not in waiting.text
    answered = await client.post(
        f"/du-lieu/xac-nhan/{reference}/spouse",
        data={"csrf_token": token_in(waiting.text), "answer": "dong-y"},
        headers=partner,
    )
    assert answered.status_code == 303
    row = await session.scalar(
        select(ConsentSubject).where(ConsentSubject.consent_reference == reference)
    )
    assert row is not None and row.state == SubjectState.confirmed
    other = await client.get("/du-lieu/xac-nhan", headers=as_citizen(personas.COMPLETE))
    assert "Không có yêu cầu nào đang chờ bạn" in other.text
