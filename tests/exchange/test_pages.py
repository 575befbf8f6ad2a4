"""Citizen pages: consent, preview with accept/reject, "who used my data" and its signed
record (downloaded, verified, and refused once tampered with)."""

import copy
import json
import re

import httpx
import pytest

from motcua.exchange import statement
from motcua.sandbox import personas
from tests.forms import token_from, token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(personas.COMPLETE)


async def _consent_reference(client: httpx.AsyncClient, code: str = "0.000021") -> str:
    token = await token_from(client, f"/du-lieu/thu-tuc/{code}", ME)
    started = await client.post(f"/du-lieu/thu-tuc/{code}", data={"csrf_token": token}, headers=ME)
    assert started.status_code == 303, started.text
    match = re.fullmatch(r"/du-lieu/dong-y/([0-9a-f-]{36})", started.headers["location"])
    assert match
    return match.group(1)


async def test_consent_then_preview_with_accept_and_reject(client: httpx.AsyncClient) -> None:
    start = await client.get("/du-lieu/thu-tuc/0.000021", headers=ME)
    assert start.status_code == 200 and "Chưa có dữ liệu nào được đọc" in start.text
    reference = await _consent_reference(client)
    consent = await client.get(f"/du-lieu/dong-y/{reference}", headers=ME)
    assert consent.status_code == 200
    page = consent.text
    assert "Cơ sở dữ liệu quốc gia về dân cư" in page and "Căn cứ pháp lý" in page
    assert "Tôi đồng ý, lấy dữ liệu" in page and '<th scope="col">' in page

    confirmed = await client.post(
        f"/du-lieu/dong-y/{reference}", data={"csrf_token": token_in(page)}, headers=ME
    )
    assert confirmed.status_code == 303
    preview = await client.get(confirmed.headers["location"], headers=ME)
    assert preview.status_code == 200
    assert "Nguyễn Văn An" in preview.text and "nguồn" in preview.text
    # a person reads field names in Vietnamese and registries by name, not internal codes
    assert "<dt>Họ và tên</dt>" in preview.text and "<dt>full_name</dt>" not in preview.text
    assert "Cơ sở dữ liệu" in preview.text
    keys = re.findall(r'name="item-([A-Za-z0-9_.-]+)" value="accept"', preview.text)
    assert len(keys) >= 2
    decisions = {f"item-{keys[0]}": "reject"} | {f"item-{k}": "accept" for k in keys[1:]}
    decisions["csrf_token"] = token_in(preview.text)
    saved = await client.post(f"/du-lieu/dong-y/{reference}/xem-truoc", data=decisions, headers=ME)
    assert saved.status_code == 303
    items = (await client.get(f"/api/v1/exchange/consents/{reference}/items", headers=ME)).json()
    by_key = {i["key"]: i for i in items}
    assert by_key[keys[0]]["decision"] == "rejected" and by_key[keys[0]]["fields"] == {}
    assert all(by_key[k]["decision"] == "accepted" for k in keys[1:])
    after = await client.get(f"/du-lieu/dong-y/{reference}/xem-truoc?da-luu=1", headers=ME)
    assert 'role="status"' in after.text and "tờ khai sẽ hỏi tải giấy tờ lên" in after.text


async def test_someone_else_cannot_open_my_consent(client: httpx.AsyncClient) -> None:
    reference = await _consent_reference(client)
    other = await client.get(f"/du-lieu/dong-y/{reference}", headers=as_citizen(personas.SPOUSE))
    assert other.status_code == 404
    nobody = await client.get(f"/du-lieu/dong-y/{reference}")
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/dang-nhap")


async def test_who_used_my_data_lists_newest_first_and_signs_the_record(
    client: httpx.AsyncClient,
) -> None:
    reference = await _consent_reference(client)
    token = await token_from(client, f"/du-lieu/dong-y/{reference}", ME)
    await client.post(f"/du-lieu/dong-y/{reference}", data={"csrf_token": token}, headers=ME)
    page = await client.get("/du-lieu/cua-toi", headers=ME)
    assert page.status_code == 200
    assert 'Hồ sơ thủ tục <span class="code">0.000021</span> <span class="badge provisional"' in (
        page.text
    )
    assert "Bộ Công an" in page.text

    api = (await client.get("/api/v1/me/data-access", headers=ME)).json()["items"]
    seqs = [e["seq"] for e in api]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 3

    download = await client.get("/du-lieu/cua-toi/ban-ghi.json", headers=ME)
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    record = download.json()
    document = record["document"]
    assert document["personal_id"] == personas.COMPLETE and document["count"] == len(seqs)
    assert [r["seq"] for r in document["records"]] == seqs
    assert record["signature"]["alg"] == "Ed25519"

    verified = await client.post("/api/v1/data-access/verify", json=record)
    assert verified.json()["valid"] is True and verified.json()["records"] == len(seqs)

    tampered = copy.deepcopy(record)
    tampered["document"]["records"][0]["agency_code"] = "000.00.00.G99"
    refused = await client.post("/api/v1/data-access/verify", json=tampered)
    assert refused.json() | {"message": ""} == {
        "valid": False,
        "reason": "bad-signature",
        "message": "",
        "key_id": statement.key_id(),
        "records": None,
    }
    forged_key = copy.deepcopy(record)
    forged_key["signature"]["key_id"] = "0" * 16
    assert (await client.post("/api/v1/data-access/verify", json=forged_key)).json()[
        "reason"
    ] == "unknown-key"
    garbage = await client.post("/api/v1/data-access/verify", json=[1, 2])
    assert garbage.json()["reason"] == "malformed"

    # Anyone can check it offline with the published public key.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = (await client.get("/api/v1/data-access/signing-key")).json()
    public = Ed25519PublicKey.from_public_bytes(statement._unb64(key["public_key"]))
    public.verify(statement._unb64(record["signature"]["value"]), statement.canonical(document))

    # And on the verify page, by uploading the file.
    ok = await client.post(
        "/du-lieu/kiem-tra",
        files={"record": ("ban-ghi.json", json.dumps(record).encode(), "application/json")},
    )
    assert ok.status_code == 200 and "Bản ghi hợp lệ" in ok.text
    bad = await client.post(
        "/du-lieu/kiem-tra",
        files={"record": ("ban-ghi.json", json.dumps(tampered).encode(), "application/json")},
    )
    assert bad.status_code == 422 and "đã bị sửa" in bad.text


async def test_the_record_api_needs_a_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me/data-access/record")
    assert response.status_code == 401
    own = await client.get("/api/v1/me/data-access/record", headers=ME)
    assert own.status_code == 200 and own.json()["document"]["personal_id"] == personas.COMPLETE
