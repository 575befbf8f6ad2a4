"""Several matching records (a persona with two land parcels): the preview asks the one
question as a radio group; the chosen record is read (and logged) and the form stops asking for
it; "none of these" makes the form ask for an upload; an answer that was not offered, or none,
is refused with a clear message and changes nothing."""

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange.models import AccessLogEntry
from motcua.sandbox import personas
from tests.forms import token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
HUNG = as_citizen(personas.SEVERAL_RECORDS)
CODE = "0.000003"  # population, residence, land, civil status
LAND = "land.certificate"


def csrf(page: str) -> dict[str, str]:
    """The page form's token, as the browser would send it back."""
    return {"csrf_token": token_in(page)}


async def preview(client: httpx.AsyncClient) -> tuple[str, str]:
    """Consent given and evidence read over real HTTP; (consent reference, preview URL)."""
    start = await client.get(f"/du-lieu/thu-tuc/{CODE}", headers=HUNG)
    started = await client.post(f"/du-lieu/thu-tuc/{CODE}", data=csrf(start.text), headers=HUNG)
    assert started.status_code == 303, started.text
    consent_url = started.headers["location"]
    consent = await client.get(consent_url, headers=HUNG)
    confirmed = await client.post(consent_url, data=csrf(consent.text), headers=HUNG)
    assert confirmed.status_code == 303, confirmed.text
    return consent_url.rsplit("/", 1)[1], confirmed.headers["location"]


async def items(client: httpx.AsyncClient, reference: str) -> dict[str, dict[str, object]]:
    response = await client.get(f"/api/v1/exchange/consents/{reference}/items", headers=HUNG)
    return {i["evidence_type"]: i for i in response.json()}


async def land_reads(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(AccessLogEntry.outcome)
        .where(AccessLogEntry.subject_personal_id == personas.SEVERAL_RECORDS)
        .where(AccessLogEntry.evidence_type_code == LAND)
        .order_by(AccessLogEntry.seq)
    )
    return list(rows)


def question(page: str, key: str) -> tuple[str, str, list[str]]:
    """(action, legend, radio values) of the question form of one requirement."""
    form = re.search(
        rf'<form method="post" action="([^"]+)" id="chon-{key}"[^>]*>(.*?)</form>', page, re.S
    )
    assert form, f"no question for {key}"
    legend = re.search(r"<legend>(.*?)</legend>", form.group(2), re.S)
    assert legend
    values = re.findall(r'<input type="radio" name="record" value="([^"]*)"', form.group(2))
    return form.group(1), legend.group(1).strip(), values


async def form_page(client: httpx.AsyncClient, reference: str, page: str) -> str:
    go = await client.post(f"/ho-so/tu-du-lieu/{reference}", data=csrf(page), headers=HUNG)
    assert go.status_code == 303, go.text
    form = await client.get(go.headers["location"], headers=HUNG)
    assert form.status_code == 200
    return form.text


async def test_choosing_a_record_delivers_it_and_the_form_stops_asking(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    reference, preview_url = await preview(client)
    land = (await items(client, reference))[LAND]
    key = str(land["key"])
    assert land["status"] == "needs_choice" and len(land["options"]) == 2  # type: ignore[arg-type]
    offered = [o["id"] for o in land["options"]]  # type: ignore[attr-defined]

    page = (await client.get(preview_url, headers=HUNG)).text
    action, legend, values = question(page, key)
    assert legend == "Bạn làm thủ tục cho thửa đất nào?"
    assert values == [*offered, "none-of-these"]
    assert "Không có bản ghi nào đúng, tôi sẽ tải giấy tờ lên" in page
    for option in land["options"]:  # type: ignore[attr-defined]
        assert f"> {option['label']}</label>" in page

    # Before the choice, the form asks for the land paper, saying why.
    form = await form_page(client, reference, page)
    assert f'id="file-{key}"' in form and "Có nhiều bản ghi" in form
    reads = await land_reads(session)
    assert reads == ["needs_choice"]

    chosen = await client.post(action, data={"record": offered[1], **csrf(page)}, headers=HUNG)
    assert chosen.status_code == 303, chosen.text
    assert chosen.headers["location"].startswith(f"{preview_url}?da-chon=ban-ghi")
    land = (await items(client, reference))[LAND]
    assert land["status"] == "delivered" and land["fields"]
    assert await land_reads(session) == ["needs_choice", "delivered"]  # the read is logged
    after = await client.get(chosen.headers["location"], headers=HUNG)
    assert "Đã lấy bản ghi bạn chọn" in after.text and f'id="chon-{key}"' not in after.text
    assert f'name="item-{key}" value="accept"' in after.text

    form = await form_page(client, reference, after.text)
    assert f'id="file-{key}"' not in form
    fieldset = re.search(rf'<fieldset id="item-{key}">(.*?)</fieldset>', form, re.S)
    assert fieldset and "Đã lấy từ cơ sở dữ liệu" in fieldset.group(1)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("", "Bạn chưa chọn"),
        ("GCN-KHONG-CO-0001", "không nằm trong các bản ghi cơ sở dữ liệu đã trả về"),
    ],
)
async def test_no_answer_or_one_not_offered_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, record: str, message: str
) -> None:
    reference, preview_url = await preview(client)
    before = await items(client, reference)
    key = str(before[LAND]["key"])
    page = (await client.get(preview_url, headers=HUNG)).text
    action, _, _ = question(page, key)
    reads = await land_reads(session)

    refused = await client.post(action, data={"record": record, **csrf(page)}, headers=HUNG)
    assert refused.status_code == 422
    alert = re.search(rf'<p id="chon-{key}-loi" role="alert"><strong>(.*?)</strong>', refused.text)
    assert alert and message in alert.group(1)
    assert f'aria-describedby="chon-{key}-loi"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert await items(client, reference) == before
    assert await land_reads(session) == reads


async def test_none_of_these_asks_for_the_upload_without_reading(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    reference, preview_url = await preview(client)
    key = str((await items(client, reference))[LAND]["key"])
    page = (await client.get(preview_url, headers=HUNG)).text
    action, _, _ = question(page, key)
    reads = await land_reads(session)

    answered = await client.post(
        action, data={"record": "none-of-these", **csrf(page)}, headers=HUNG
    )
    assert answered.status_code == 303
    assert "da-chon=tai-len" in answered.headers["location"]
    land = (await items(client, reference))[LAND]
    assert land["status"] == "needs_choice" and land["decision"] == "rejected"
    assert await land_reads(session) == reads  # nothing was read
    after = (await client.get(answered.headers["location"], headers=HUNG)).text
    assert "Đã ghi nhận: không bản ghi nào đúng" in after
    assert re.search(r'value="none-of-these" checked', after)  # the answer can still change

    form = await form_page(client, reference, after)
    assert f'id="file-{key}"' in form
    assert "Bạn đã báo dữ liệu lấy về không đúng" in form


async def test_only_a_pending_question_can_be_answered(client: httpx.AsyncClient) -> None:
    reference, preview_url = await preview(client)
    person = (await items(client, reference))["population.person"]
    assert person["status"] == "delivered"
    page = (await client.get(preview_url, headers=HUNG)).text
    response = await client.post(
        f"/du-lieu/dong-y/{reference}/xem-truoc/chon/{person['key']}",
        data={"record": "x", **csrf(page)},
        headers=HUNG,
    )
    assert response.status_code == 404
    assert "không có câu hỏi nào đang chờ bạn chọn" in response.text


async def test_the_api_answers_only_with_an_offered_record(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The same rule through the JSON API: an id that was not offered is refused before any
    registry is read, whether sent as an answer or as a fetch's ``choices``."""
    prepared = await client.post(
        "/api/v1/exchange/consents", json={"procedure_code": CODE}, headers=HUNG
    )
    reference = prepared.json()["reference"]
    base = f"/api/v1/exchange/consents/{reference}"
    await client.post(f"{base}/confirm", headers=HUNG)
    fetched = await client.post(f"{base}/fetch", headers=HUNG)
    land = next(i for i in fetched.json()["items"] if i["evidence_type"] == LAND)
    assert land["status"] == "needs_choice" and len(land["options"]) >= 2
    reads = await land_reads(session)

    bad_answer = await client.post(
        f"{base}/items/{land['key']}/choice", json={"answer": "not-offered"}, headers=HUNG
    )
    assert bad_answer.status_code == 422 and bad_answer.json()["code"] == "choice-not-offered"
    bad_fetch = await client.post(
        f"{base}/fetch", json={"choices": {land["key"]: "not-offered"}}, headers=HUNG
    )
    assert bad_fetch.status_code == 422 and bad_fetch.json()["code"] == "choice-not-offered"
    assert await land_reads(session) == reads  # nothing was read

    chosen = land["options"][1]["id"]
    answered = await client.post(
        f"{base}/items/{land['key']}/choice", json={"answer": chosen}, headers=HUNG
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "delivered"
    assert await land_reads(session) == [*reads, "delivered"]
