"""The groups through the API and the pages: the catalog's groups, filing one online (a retry
returns the same filing), the applicant's one page with its timeline and the list in "Hồ sơ
của tôi", and the officer who sees the group around the member dossier they hold."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.groups.models import GroupFiling
from tests.groups.conftest import CHILD, MOTHER, Place, birth_values, reads
from tests.identity.helpers import as_citizen, as_officer


async def test_filing_online_and_reading_it_back(
    client: httpx.AsyncClient, session: AsyncSession, place: Place
) -> None:
    listed = await client.get("/api/v1/groups")
    assert listed.status_code == 200
    assert {g["code"] for g in listed.json()} == {"khai-sinh", "khai-tu"}

    assert place.committee.unit_code is not None
    items = await reads(session, MOTHER, "0.000015", birth_values(place.committee.unit_code))
    body = {
        "group": "khai-sinh",
        "combination": "ba-trong-mot",
        "receiving_agency": place.centre.code,
        "declaration": CHILD,
        "items": items,
    }
    me = as_citizen(MOTHER)
    headers = {**me, "Idempotency-Key": "group-filing-0001"}
    filed = await client.post("/api/v1/groups/filings", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    out = filed.json()
    assert out["status"] == "in_progress" and out["created"] is True
    assert [m["key"] for m in out["members"]] == ["khai_sinh", "thuong_tru", "the_bhyt"]
    assert out["members"][1]["agency_name"] == place.police.name
    again = await client.post("/api/v1/groups/filings", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["code"] == out["code"]
    assert await session.scalar(select(func.count()).select_from(GroupFiling)) == 1
    unsigned = await client.post("/api/v1/groups/filings", json=body)
    assert unsigned.status_code in (401, 422)

    read = await client.get(f"/api/v1/groups/filings/{out['code']}", headers=me)
    assert read.status_code == 200 and read.json()["code"] == out["code"]
    stranger = await client.get(
        f"/api/v1/groups/filings/{out['code']}", headers=as_citizen("001099000555")
    )
    assert stranger.status_code == 404

    page = await client.get(f"/ho-so-lien-thong/{out['code']}", headers=me)
    assert page.status_code == 200
    html = page.text
    assert "Đang giải quyết" in html and "Chờ kết quả của thủ tục trước" in html
    assert place.police.name in html and place.insurance.name in html
    assert "mã tạm" in html  # the insurance card's provisional code is badged
    assert "Nộp hồ sơ liên thông" in html and "khai_sinh" not in html.split('id="timeline"')[1]
    mine = await client.get("/ho-so-cua-toi", headers=me)
    assert mine.status_code == 200 and out["code"] in mine.text and 'id="groups"' in mine.text

    birth_code = out["members"][0]["dossier_code"]
    officer = await as_officer(
        session,
        "001080000444",
        username="lg.tuphap",
        agency_code=place.committee.code,
    )
    panel = await client.get(f"/api/v1/workflow/dossiers/{birth_code}/group", headers=officer)
    assert panel.status_code == 200 and panel.json()["code"] == out["code"]
    case = await client.get(
        f"/can-bo/ho-so/{birth_code}",
        headers={"Cookie": f"motcua_token={officer['Authorization'].split()[1]}"},
    )
    assert case.status_code == 200
    assert "Hồ sơ thuộc nhóm thủ tục liên thông" in case.text and place.police.name in case.text
    police = await as_officer(
        session, "001080000445", username="lg.congan", agency_code=place.police.code
    )
    hidden = await client.get(f"/api/v1/workflow/dossiers/{birth_code}/group", headers=police)
    assert hidden.status_code == 404
