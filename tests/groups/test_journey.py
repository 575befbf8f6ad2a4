"""A mother files the birth group through the pages: the consent and reads of the group
procedure from the sandbox registries over real HTTP, the combined declaration, the choice of
the combination, then one page with one status; her residence decides the commune police and
the province's social insurance. Nothing is uploaded."""

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.dossiers.models import Dossier
from motcua.groups.models import GroupFiling, GroupMember
from motcua.units.models import Agency, AgencyKind
from tests.applications.conftest import HOA
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)
from tests.forms import token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(HOA)
DECLARED = {
    "ho_ten_tre": "Trần Lê Bảo Ngọc (dữ liệu tổng hợp)",
    "ngay_sinh": "2025-09-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Từ Dũ (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "que_quan": "Thành phố Hồ Chí Minh",
    "quan_he": "Mẹ",
    "noi_thuong_tru_cua_tre": "Cùng nơi thường trú của mẹ (dữ liệu tổng hợp)",
}

KHANH = "079093000202"  # the father, who confirms the read of his data (sandbox persona)


async def _start_and_fetch(client: httpx.AsyncClient) -> dict[str, object]:
    """Draft of the group procedure, consent confirmed, roles settled (Hoa is the mother; the
    father confirms with his own e-ID), evidence fetched from the sandbox over real HTTP."""
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": "0.000015"}, headers=ME
    )
    assert started.status_code == 201, started.text
    draft = started.json()
    ref = draft["consent_reference"]
    base = f"/api/v1/exchange/consents/{ref}"
    assert (await client.post(f"{base}/confirm", headers=ME)).status_code == 200
    await client.get(f"{base}/family", headers=ME)
    chosen = (await client.get(f"{base}/subjects", headers=ME)).json()
    if not any(s["role"] == "mother" for s in chosen):
        mother = {"role": "mother", "personal_id": HOA}
        picked = await client.post(f"{base}/subjects", json=mother, headers=ME)
        assert picked.status_code == 200, picked.text
    if any(s["role"] == "spouse" for s in chosen):
        await client.post(
            f"/api/v1/me/confirmations/{ref}/spouse",
            json={"accept": True},
            headers=as_citizen(KHANH),
        )
    assert (await client.post(f"{base}/fetch", headers=ME)).status_code == 200
    again = await client.get(f"/api/v1/applications/{draft['id']}", headers=ME)
    assert again.status_code == 200
    result: dict[str, object] = again.json()
    return result


async def test_a_mother_files_the_birth_group_through_the_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await catalog.import_document(session, life_event_groups())
    draft = await _start_and_fetch(client)
    form_url = f"/ho-so/{draft['id']}"
    asked = [
        (i["key"], i["reason"]) for i in draft["form"] if i["kind"] == "upload" and i["mandatory"]
    ]  # type: ignore[attr-defined]
    assert asked == [], asked
    page = await client.get(form_url, headers=ME)
    assert page.status_code == 200
    fields = {f"field-to_khai_lien_thong-{k}": v for k, v in DECLARED.items()}
    sent = await client.post(
        form_url,
        data={
            "action": "submit",
            **fields,
            "field-to_khai_lien_thong-cam_doan": "1",
            "csrf_token": token_in(page.text),
        },
        headers=ME,
    )
    assert sent.status_code == 303, sent.text
    choose_url = sent.headers["location"]
    assert choose_url == f"/lien-thong/{draft['id']}"
    choose = await client.get(choose_url, headers=ME)
    assert choose.status_code == 200
    html = choose.text
    assert "Cả 3 thủ tục" in html and "2 thủ tục: khai sinh và thẻ bảo hiểm y tế" in html
    assert "Công an cấp xã" in html and "Bảo hiểm xã hội tỉnh" in html
    assert "Trần Lê Bảo Ngọc" in html and "20/09/2025" in html  # the one declaration

    wrong = await client.post(
        choose_url, data={"lua_chon": "tat-ca", "csrf_token": token_in(html)}, headers=ME
    )
    assert wrong.status_code == 422 and "lựa chọn pháp luật cho phép" in wrong.text
    assert await session.scalar(select(GroupFiling.id).limit(1)) is None

    done = await client.post(
        choose_url,
        data={"lua_chon": "ba-trong-mot", "csrf_token": token_in(wrong.text)},
        headers=ME,
    )
    assert done.status_code == 303, done.text
    group_url = done.headers["location"]
    code = re.search(r"LT-[0-9A-Z.]+-\d{6}-\d{4}", group_url)
    assert code is not None
    shown = await client.get(group_url, headers=ME)
    assert shown.status_code == 200
    assert "Đang giải quyết" in shown.text and "Chờ kết quả của thủ tục trước" in shown.text

    filing = await session.scalar(select(GroupFiling).where(GroupFiling.code == code.group(0)))
    assert filing is not None and filing.applicant_number == HOA
    residence = filing.reads["noi_cu_tru_cha_me"]["value"]["residence_unit_code"]
    members = {
        m.key: m
        for m in await session.scalars(
            select(GroupMember).where(GroupMember.filing_id == filing.id)
        )
    }
    police = await session.get(Agency, members["thuong_tru"].agency_id)
    insurance = await session.get(Agency, members["the_bhyt"].agency_id)
    assert police is not None and police.kind == AgencyKind.police
    assert police.unit_code == residence
    assert insurance is not None and insurance.kind == AgencyKind.social_insurance
    birth = await session.get(Dossier, members["khai_sinh"].dossier_id)
    assert birth is not None and birth.procedure_code == "1.001193"
    # the application is closed: its receipt page and its form lead to the group's page
    again = await client.get(f"{form_url}/bien-nhan", headers=ME)
    assert again.status_code == 303 and again.headers["location"] == group_url
    mine = await client.get("/ho-so-cua-toi", headers=ME)
    assert code.group(0) in mine.text
