"""An assisted filing through the pages (HTTP; the browser test drives the real e-ID sign-in):
the helper names the citizen, the citizen's own session confirms, the citizen's application
runs and is filed; the dossier is the citizen's, the helper sees its status only, and the
indicator counts it. A second filing with the spent confirmation is refused."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted.models import AssistedFiling, AssistState
from motcua.dossiers.models import Dossier
from tests.applications.conftest import AN
from tests.assisted.conftest import Helper
from tests.forms import token_in
from tests.identity.helpers import citizen_cookie

pytestmark = pytest.mark.usefixtures("registries")
BINH = "001186000102"


async def _start(client: httpx.AsyncClient, helper: Helper, number: str) -> str:
    client.cookies.clear()
    client.cookies.update(helper.cookies)
    home = await client.get("/ho-tro")
    assert home.status_code == 200 and "Bắt đầu lượt hỗ trợ mới" in home.text
    started = await client.post(
        "/ho-tro", data={"so_dinh_danh": number, "csrf_token": token_in(home.text)}
    )
    assert started.status_code == 303, started.text
    return started.headers["location"]


async def _draft(client: httpx.AsyncClient, code: str) -> str:
    """The citizen's own draft, consent confirmed and data fetched (their session)."""
    started = await client.post("/api/v1/applications", json={"procedure_code": code})
    assert started.status_code == 201, started.text
    ref = started.json()["consent_reference"]
    assert (await client.post(f"/api/v1/exchange/consents/{ref}/confirm")).status_code == 200
    assert (await client.post(f"/api/v1/exchange/consents/{ref}/fetch")).status_code == 200
    return str(started.json()["id"])


async def _submit(client: httpx.AsyncClient, draft: str) -> httpx.Response:
    page = await client.get(f"/ho-so/{draft}")
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": token_in(page.text),
        "action": "submit",
        "field-to_khai-noi_dung": "Đề nghị cấp phiếu (dữ liệu thử)",
        "field-to_khai-cam_doan": "1",
    }
    return await client.post(f"/ho-so/{draft}", data=data)


async def test_assisted_filing_through_the_pages(
    client: httpx.AsyncClient, session: AsyncSession, helper: Helper, fee_procedure: str
) -> None:
    handover = await _start(client, helper, AN)
    page = await client.get(handover)
    assert "Mời công dân đăng nhập VNeID để xác nhận" in page.text
    confirm_url = handover + "/xac-nhan"
    # nobody signed in with e-ID yet: off to the sign-in, nothing recorded
    assert (await client.get(confirm_url)).headers["location"].startswith("/dang-nhap?next=")
    # someone else signs in: refused, signed out of the device, nothing recorded
    client.cookies.set("motcua_citizen", citizen_cookie(BINH, name="Trần Thị Bình"))
    wrong = await client.get(confirm_url)
    assert wrong.status_code == 403 and "không phải là công dân đã nêu" in wrong.text
    assert 'motcua_citizen=""' in wrong.headers.get("set-cookie", "")
    client.cookies.delete("motcua_citizen")
    # the person named signs in and confirms
    client.cookies.set("motcua_citizen", citizen_cookie(AN, name="Nguyễn Văn An"))
    asked = await client.get(confirm_url)
    assert asked.status_code == 200 and "Tôi xác nhận và đồng ý được hỗ trợ" in asked.text
    done = await client.post(confirm_url, data={"csrf_token": token_in(asked.text)})
    assert done.status_code == 303 and "motcua_assisted=" in done.headers["set-cookie"]
    status = await client.get(handover)
    assert "Chọn thủ tục cùng công dân" in status.text
    assert "Kết thúc hỗ trợ" in status.text  # the band on every page while it lasts

    draft = await _draft(client, fee_procedure)
    filed = await _submit(client, draft)
    assert filed.status_code == 303, filed.text
    receipt = await client.get(filed.headers["location"])
    row = await session.scalar(select(AssistedFiling))
    assert row is not None and row.state == AssistState.filed and row.dossier_id is not None
    dossier = await session.get(Dossier, row.dossier_id)
    assert dossier is not None and dossier.actor_number == AN == dossier.applicant_number
    assert dossier.channel == "online" and not dossier.on_behalf
    code = dossier.code
    assert code in receipt.text  # the citizen's receipt
    # the citizen's "Hồ sơ của tôi" has it
    mine = await client.get("/api/v1/me/dossiers")
    assert code in mine.text

    # the same confirmation again, for a second dossier: refused, nothing filed
    second = await _draft(client, fee_procedure)
    again = await _submit(client, second)
    assert again.status_code == 422 and "đã được dùng cho một hồ sơ" in again.text
    count = await session.scalar(select(func.count(Dossier.id)).where(Dossier.actor_number == AN))
    assert count == 1

    # the helper ends the visit: the citizen is signed out of the device
    ended = await client.post("/ho-tro/ket-thuc", data={"csrf_token": token_in(again.text)})
    assert ended.status_code == 303
    assert "motcua_citizen=" in ended.headers["set-cookie"]
    client.cookies.delete("motcua_citizen")
    client.cookies.delete("motcua_assisted")
    listed = await client.get("/ho-tro")
    assert code in listed.text and "Đã tiếp nhận" in listed.text
    assert "Nguyễn Văn An" in listed.text and AN not in listed.text  # the number masked
    # the helper reaches nothing else of the dossier
    for url in (f"/can-bo/ho-so/{code}", f"/api/v1/dossiers/{code}"):
        assert (await client.get(url)).status_code in (401, 403, 404), url
    queue = await client.get("/can-bo/ho-so")
    assert code not in queue.text

    figures = await client.get("/api/v1/stats/assisted-filings")
    assert figures.status_code == 200
    body = figures.json()
    assert body["total"] == 1
    assert body["communes"][0]["commune_code"] == helper.subject.unit_code
    assert body["communes"][0]["assisted_filings"] == 1 and body["communes"][0]["helpers"] == 1
    shown = await client.get("/thong-ke/ho-tro-nop-ho-so")
    assert shown.status_code == 200 and '<span id="assisted-total">1</span>' in shown.text


async def test_indicator_bad_input(client: httpx.AsyncClient) -> None:
    bad = await client.get("/api/v1/stats/assisted-filings", params={"province": "1x"})
    assert bad.status_code == 422
    reversed_ = await client.get(
        "/api/v1/stats/assisted-filings", params={"start": "2025-12-05", "end": "2025-12-01"}
    )
    assert reversed_.status_code == 422 and reversed_.json()["code"] == "invalid-range"
    page = await client.get("/thong-ke/ho-tro-nop-ho-so", params={"tu": "31/02/2025"})
    assert page.status_code == 422 and "ngày/tháng/năm" in page.text
    page = await client.get("/thong-ke/ho-tro-nop-ho-so", params={"tinh": "99"})
    assert page.status_code == 422 and "trong danh sách" in page.text


async def test_pages_refuse_what_is_not_theirs(client: httpx.AsyncClient, helper: Helper) -> None:
    client.cookies.clear()
    assert (await client.get("/ho-tro")).headers["location"].startswith("/login?next=")
    client.cookies.update(helper.cookies)
    home = await client.get("/ho-tro")
    bad = await client.post(
        "/ho-tro", data={"so_dinh_danh": "0010840001", "csrf_token": token_in(home.text)}
    )
    assert bad.status_code == 422 and "12 chữ số" in bad.text and 'value="0010840001"' in bad.text
    unknown = await client.get("/ho-tro/" + "0" * 32)
    assert unknown.status_code == 404
    client.cookies.clear()
    client.cookies.set("motcua_citizen", citizen_cookie(AN))
    as_citizen = await client.get("/ho-tro")
    assert as_citizen.status_code == 303  # a citizen is sent to the officers' sign-in
