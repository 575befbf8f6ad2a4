"""Drafts: the form asks only what no registry delivered, is saved server-side and resumed,
refuses uploads and changed values for verified requirements, and submits once."""

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange.models import Registry
from tests.applications.conftest import AN, JUDICIAL_DECLARATION, start_and_fetch
from tests.dossiers.conftest import pdf_bytes
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
CRIMINAL_RECORD = "0.000021"
ME = as_citizen(AN)


def kinds(draft: dict[str, object]) -> dict[str, str]:
    return {i["key"]: i["kind"] for i in draft["form"]}  # type: ignore[attr-defined]


async def upload(client: httpx.AsyncClient, name: str = "giay.pdf") -> str:
    response = await client.post(
        "/api/v1/uploads", files={"file": (name, pdf_bytes(name), "application/pdf")}, headers=ME
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_form_asks_only_what_registries_did_not_deliver(client: httpx.AsyncClient) -> None:
    draft = await start_and_fetch(client, CRIMINAL_RECORD)
    assert kinds(draft) == {
        "to_khai_yeu_cau": "declaration",
        "thong_tin_nhan_than": "registry",
        "noi_cu_tru": "registry",
        "thong_tin_ly_lich_tu_phap": "registry",
    }
    person = next(i for i in draft["form"] if i["key"] == "thong_tin_nhan_than")  # type: ignore[attr-defined]
    assert person["verified"]["full_name"]["value"] == "Nguyễn Văn An"
    assert person["verified"]["full_name"]["source"] == "population"


async def test_before_consent_every_registry_item_asks_an_upload_saying_why(
    client: httpx.AsyncClient,
) -> None:
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": CRIMINAL_RECORD}, headers=ME
    )
    form = {i["key"]: i for i in started.json()["form"]}
    assert form["thong_tin_nhan_than"]["kind"] == "upload"
    assert form["thong_tin_nhan_than"]["reason"] == "not-fetched"


async def test_unavailable_registry_asks_an_upload_with_the_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # An operator disconnects the health registry: the driver's health certificate is asked.
    await session.execute(update(Registry).where(Registry.code == "health").values(enabled=False))
    draft = await start_and_fetch(client, "0.000020")
    form = {i["key"]: i for i in draft["form"]}  # type: ignore[attr-defined]
    assert form["giay_kham_suc_khoe"]["kind"] == "upload"
    assert form["giay_kham_suc_khoe"]["reason"] == "unavailable:registry-disabled"
    assert "tải giấy tờ lên" in form["giay_kham_suc_khoe"]["reason_message"]
    assert form["giay_phep_lai_xe_da_cap"]["kind"] == "registry"


async def test_draft_is_saved_and_resumed(client: httpx.AsyncClient) -> None:
    draft = await start_and_fetch(client, CRIMINAL_RECORD)
    saved = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={"values": {"to_khai_yeu_cau": {"muc_dich": "Xin phiếu số 1"}}},
        headers=ME,
    )
    assert saved.status_code == 200, saved.text
    resumed = await client.get(f"/api/v1/applications/{draft['id']}", headers=ME)
    form = {i["key"]: i for i in resumed.json()["form"]}
    assert form["to_khai_yeu_cau"]["values"] == {"muc_dich": "Xin phiếu số 1"}
    listed = await client.get("/api/v1/applications", headers=ME)
    assert draft["id"] in {a["id"] for a in listed.json()}
    other = await client.get(
        f"/api/v1/applications/{draft['id']}", headers=as_citizen("079190000456")
    )
    assert other.status_code == 404 and other.json()["code"] == "application-not-found"


async def test_upload_or_changed_value_for_a_verified_requirement_is_refused(
    client: httpx.AsyncClient,
) -> None:
    draft = await start_and_fetch(client, CRIMINAL_RECORD)
    file_id = await upload(client)
    refused = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={
            "uploads": {"thong_tin_nhan_than": file_id},
            "values": {
                "noi_cu_tru": {"permanent_address": "Một địa chỉ khác"},
                "to_khai_yeu_cau": {"khong_co": "x"},
            },
            "contact_email": "khong-hop-le",
        },
        headers=ME,
    )
    assert refused.status_code == 422
    codes = {(p["field"], p["code"]) for p in refused.json()["problems"]}
    assert ("uploads.thong_tin_nhan_than", "requirement-from-registry") in codes
    assert ("values.noi_cu_tru.permanent_address", "verified-field-changed") in codes
    assert ("values.to_khai_yeu_cau.khong_co", "unknown-field") in codes
    assert ("contact_email", "malformed-email") in codes
    # the same values as the registry's pass the re-check; nothing else was saved
    form = {i["key"]: i for i in draft["form"]}  # type: ignore[attr-defined]
    same = form["noi_cu_tru"]["verified"]["permanent_address"]["value"]
    ok = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={"values": {"noi_cu_tru": {"permanent_address": f"  {same.upper()} "}}},
        headers=ME,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["contact_email"] is None
    submitted = await client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        json={
            "uploads": {"thong_tin_nhan_than": file_id},
            "values": {"to_khai_yeu_cau": JUDICIAL_DECLARATION},
        },
        headers=ME,
    )
    assert submitted.status_code == 422
    assert submitted.json()["code"] == "requirement-from-registry"


async def test_missing_answers_are_reported_all_at_once(client: httpx.AsyncClient) -> None:
    draft = await start_and_fetch(client, "1.001193")
    response = await client.post(f"/api/v1/applications/{draft['id']}/submit", headers=ME)
    assert response.status_code == 422
    fields = {p["field"]: p["code"] for p in response.json()["problems"]}
    # The birth declaration asks the child's data; ethnicity and nationality are pre-filled
    # from the parent's population record, so they are not asked again.
    assert fields == {
        **{
            f"values.to_khai_dang_ky_khai_sinh.{name}": "missing-field"
            for name in ("ho_ten_tre", "ngay_sinh", "gioi_tinh", "noi_sinh", "quan_he", "cam_doan")
        },
        "uploads.giay_chung_sinh": "missing-upload",
    }
    again = await client.get(f"/api/v1/applications/{draft['id']}", headers=ME)
    assert again.json()["state"] == "draft"


async def test_double_submission_makes_one_dossier(client: httpx.AsyncClient) -> None:
    draft = await start_and_fetch(client, CRIMINAL_RECORD)
    url = f"/api/v1/applications/{draft['id']}/submit"
    body = {"values": {"to_khai_yeu_cau": JUDICIAL_DECLARATION}}
    first = await client.post(url, json=body, headers=ME)
    assert first.status_code == 201, first.text
    second = await client.post(url, json=body, headers=ME)
    assert second.status_code == 200
    assert second.json()["dossier_code"] == first.json()["dossier_code"]
    assert second.json()["tracking_secret"] == first.json()["tracking_secret"]
    mine = await client.get("/api/v1/me/dossiers", headers=ME)
    assert [d["code"] for d in mine.json()["items"]] == [first.json()["dossier_code"]]
    dossier = await client.get(f"/api/v1/dossiers/{first.json()['dossier_code']}", headers=ME)
    sources = {i["requirement_key"]: i["source"] for i in dossier.json()["items"]}
    assert sources == {
        "to_khai_yeu_cau": "upload",
        "thong_tin_nhan_than": "registry",
        "noi_cu_tru": "registry",
        "thong_tin_ly_lich_tu_phap": "registry",
    }
    late = await client.patch(f"/api/v1/applications/{draft['id']}", json={}, headers=ME)
    assert late.status_code == 409 and late.json()["code"] == "application-submitted"
    # what was fetched for the application is dropped once it is a dossier
    items = await client.get(
        f"/api/v1/exchange/consents/{draft['consent_reference']}/items", headers=ME
    )
    assert items.json() == []


@pytest.mark.parametrize(("code", "expected"), [("8.888888", "unknown-procedure")])
async def test_unknown_procedure_is_refused(
    client: httpx.AsyncClient, code: str, expected: str
) -> None:
    response = await client.post("/api/v1/applications", json={"procedure_code": code}, headers=ME)
    assert response.json()["code"] == expected


async def test_not_online_and_unpublished_procedures_are_refused(
    client: httpx.AsyncClient, session: object
) -> None:
    from motcua.catalog import service as catalog
    from motcua.catalog.schemas import CatalogDocument
    from tests.dossiers.conftest import procedure

    await catalog.import_document(
        session,  # type: ignore[arg-type]
        CatalogDocument(
            procedures=[
                procedure("9.990002", online_level="none", fees=[]),
                procedure("9.990003", status="draft"),
            ]
        ),
    )
    await session.commit()  # type: ignore[attr-defined]  (a refused request rolls back)
    offline = await client.post(
        "/api/v1/applications", json={"procedure_code": "9.990002"}, headers=ME
    )
    assert offline.status_code == 422 and offline.json()["code"] == "not-online"
    draft = await client.post(
        "/api/v1/applications", json={"procedure_code": "9.990003"}, headers=ME
    )
    assert draft.status_code == 422 and draft.json()["code"] == "not-published", draft.text
    anonymous = await client.post("/api/v1/applications", json={"procedure_code": "0.000021"})
    assert anonymous.status_code == 401
