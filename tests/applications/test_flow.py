"""The whole flow through the API for five essential services and one with a fee: e-ID
session, consent, fetch from the sandbox registries over real HTTP, the form, uploads,
payment, submission, tracking, and the receipt e-mail delivered by the worker."""

import hashlib
import re
from email import message_from_bytes

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.applications import payments
from motcua.core import outbox
from motcua.notify import service as notify
from motcua.notify import tasks as notify_tasks
from tests.applications.conftest import AN, Inbox, answers, start_and_fetch
from tests.dossiers.conftest import Backend, pdf_bytes, png_bytes
from tests.forms import token_from, token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(AN)
HANDLERS = {notify.DELIVER: notify_tasks.deliver}
SERVICES = {
    "1.001193": {"nhan_than_cha_me", "noi_cu_tru_cha_me", "dang_ky_ket_hon_cha_me"},
    "0.000003": {"thong_tin_nhan_than", "thong_tin_cu_tru_hien_tai", "giay_chung_nhan_nha_dat"},
    "0.000011": {"nhan_than_nguoi_yeu_cau", "tinh_trang_hon_nhan", "thong_tin_ly_hon_truoc_day"},
    "0.000020": {"thong_tin_nhan_than", "giay_phep_lai_xe_da_cap", "giay_kham_suc_khoe"},
    "0.000021": {"thong_tin_nhan_than", "noi_cu_tru", "thong_tin_ly_lich_tu_phap"},
}


async def file_application(
    client: httpx.AsyncClient, code: str
) -> tuple[dict[str, object], dict[str, object]]:
    draft = await start_and_fetch(client, code)
    form = draft["form"]
    assert isinstance(form, list)
    values, uploads = {}, {}
    for n, item in enumerate(form):
        if item["kind"] == "declaration":
            values[item["key"]] = answers(item)
        elif item["kind"] == "upload" and (item["mandatory"] or item["reason"]):
            data = pdf_bytes(item["key"]) if n % 2 else png_bytes(n)
            up = await client.post(
                "/api/v1/uploads", files={"file": (f"{item['key']}.bin", data)}, headers=ME
            )
            assert up.status_code == 201, up.text
            uploads[item["key"]] = up.json()["id"]
    where: dict[str, object] = {}
    if draft["receiving_agency"] is None:  # nothing read says where An lives: he chooses
        centres = await client.get(
            "/api/v1/agencies", params={"level": "province", "kind": "service_centre", "unit": "01"}
        )
        where = {"receiving_agency": centres.json()[0]["code"]}
    saved = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={"uploads": uploads, "contact_email": "an.nguyen@example.test", **where},
        headers=ME,
    )
    assert saved.status_code == 200, saved.text
    response = await client.post(
        f"/api/v1/applications/{draft['id']}/submit", json={"values": values}, headers=ME
    )
    assert response.status_code == 201, response.text
    return draft, response.json()


@pytest.mark.parametrize("code", sorted(SERVICES))
async def test_full_process_for_an_essential_service(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    code: str,
) -> None:
    draft, filed = await file_application(client, code)
    asked = {i["key"] for i in draft["form"] if i["kind"] != "registry"}  # type: ignore[attr-defined]
    assert SERVICES[code] <= {i["key"] for i in draft["form"] if i["kind"] == "registry"}  # type: ignore[attr-defined]
    assert asked.isdisjoint(SERVICES[code])
    dossier_code, secret = filed["dossier_code"], filed["tracking_secret"]

    mine = await client.get(f"/api/v1/dossiers/{dossier_code}", headers=ME)
    assert mine.status_code == 200
    items = {i["requirement_key"]: i["source"] for i in mine.json()["items"]}
    assert all(items[key] == "registry" for key in SERVICES[code] if key in items)
    assert mine.json()["history"][0]["to_state"] == "received"

    tracked = await client.post("/tra-cuu", data={"code": dossier_code, "secret": secret})
    assert tracked.status_code == 200 and "Đã tiếp nhận" in tracked.text
    assert AN not in tracked.text
    slip = await client.get(str(filed["receipt_url"]), headers=ME)
    assert slip.headers["content-type"] == "application/pdf"

    assert await outbox.run_until_idle(sessions, HANDLERS) == 1
    assert await outbox.run_until_idle(sessions, HANDLERS) == 0
    assert len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0])
    assert mail["To"] == "an.nguyen@example.test"
    assert str(dossier_code) in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_full_process_with_a_fee(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    fee_procedure: str,
    backend: Backend,
) -> None:
    _, filed = await file_application(client, fee_procedure)
    assert filed["payment_state"] == "unpaid"
    # The generated declaration is an upload too: it lands in the configured store, by its hash.
    dossier = (await client.get(f"/api/v1/dossiers/{filed['dossier_code']}", headers=ME)).json()
    uploaded = [i for i in dossier["items"] if i["source"] == "upload"]
    assert uploaded and {f"uploads/{i['sha256'][:2]}/{i['sha256']}" for i in uploaded} <= set(
        backend.keys()
    )
    for item in uploaded:
        back = await client.get(f"/api/v1/uploads/{item['upload_id']}", headers=ME)
        assert hashlib.sha256(back.content).hexdigest() == item["sha256"]
    payment = (
        await client.post(
            "/api/v1/payments", json={"dossier_code": filed["dossier_code"]}, headers=ME
        )
    ).json()
    callback = payments.gateway("sandbox").simulate(
        reference=payment["reference"], amount_vnd=payment["amount_vnd"]
    )
    assert callback is not None
    confirmed = await client.post(
        "/api/v1/payments/callback/sandbox", content=callback.body, headers=callback.headers
    )
    assert confirmed.json()["outcome"] == "confirmed"
    tracked = await client.get(f"/api/v1/dossiers/{filed['dossier_code']}", headers=ME)
    assert tracked.json()["payment_state"] == "paid"
    assert await outbox.run_until_idle(sessions, HANDLERS) == 1
    assert len(inbox.messages) == 1


async def test_pages_from_preview_to_receipt_and_payment(
    client: httpx.AsyncClient, fee_procedure: str
) -> None:
    token = await token_from(client, f"/du-lieu/thu-tuc/{fee_procedure}", ME)
    started = await client.post(
        f"/du-lieu/thu-tuc/{fee_procedure}", data={"csrf_token": token}, headers=ME
    )
    assert started.status_code == 303
    consent_url = started.headers["location"]
    token = await token_from(client, consent_url, ME)
    fetched = await client.post(consent_url, data={"csrf_token": token}, headers=ME)
    assert fetched.status_code == 303
    preview = await client.get(fetched.headers["location"], headers=ME)
    assert "Tiếp tục: điền tờ khai" in preview.text
    reference = consent_url.rsplit("/", 1)[1]
    go = await client.post(
        f"/ho-so/tu-du-lieu/{reference}", data={"csrf_token": token_in(preview.text)}, headers=ME
    )
    form_url = go.headers["location"]
    page = await client.get(form_url, headers=ME)
    assert page.status_code == 200
    assert "Đã lấy từ cơ sở dữ liệu" in page.text and 'type="file"' not in page.text
    assert 'name="field-to_khai-noi_dung"' in page.text

    missing = await client.post(
        form_url, data={"action": "submit", "csrf_token": token_in(page.text)}, headers=ME
    )
    assert missing.status_code == 422
    assert 'role="alert"' in missing.text and 'aria-invalid="true"' in missing.text
    assert 'href="#field-to_khai-noi_dung"' in missing.text

    saved = await client.post(
        form_url,
        data={
            "action": "save",
            "field-to_khai-noi_dung": "Xin phiếu",
            "csrf_token": token_in(missing.text),
        },
        headers=ME,
    )
    assert saved.status_code == 303
    resumed = await client.get(saved.headers["location"], headers=ME)
    assert "Xin phiếu" in resumed.text and "Đã lưu bản nháp" in resumed.text

    done = await client.post(
        form_url,
        data={
            "action": "submit",
            "field-to_khai-noi_dung": "Xin phiếu",
            "field-to_khai-cam_doan": "1",
            "csrf_token": token_in(resumed.text),
        },
        headers=ME,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("/bien-nhan")
    receipt = await client.get(done.headers["location"], headers=ME)
    assert "Mã tra cứu" in receipt.text and "Chưa nộp phí, lệ phí" in receipt.text
    shown = re.search(r'<strong class="code">([A-Z2-9]{8})</strong>', receipt.text)
    code = re.search(r"\d{3}\.\d{2}\.\d{2}\.\w+-\d{6}-\d{4,}", receipt.text)
    assert shown is not None and code is not None  # the slip's secret tracks its dossier
    tracked = await client.post("/tra-cuu", data={"code": code.group(0), "secret": shown.group(1)})
    assert tracked.status_code == 200, tracked.text
    pay_page = await client.get(form_url + "/thanh-toan", headers=ME)
    assert "<svg" in pay_page.text and "Cách thanh toán" in pay_page.text
    assert "000201" not in pay_page.text  # the VietQR payload is for the bank app, not shown
    paid = await client.post(
        form_url + "/thanh-toan", data={"csrf_token": token_in(pay_page.text)}, headers=ME
    )
    assert paid.status_code == 303
    after = await client.get(paid.headers["location"], headers=ME)
    assert "Đã nộp phí, lệ phí" in after.text
