"""The JSON routes for a signed-in citizen, end to end over the live sandbox."""

import httpx
import pytest

from motcua.sandbox import personas
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(personas.COMPLETE)


async def test_consent_preview_fetch_decide_and_who_used_my_data(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/exchange/consents", json={"procedure_code": "0.000021"}, headers=ME
    )
    assert response.status_code == 201, response.text
    preview = response.json()
    assert {p["registry_code"] for p in preview["plan"]} == {
        "population",
        "residence",
        "judicial_records",
    }
    reference = preview["reference"]

    refused = await client.post(f"/api/v1/exchange/consents/{reference}/fetch", headers=ME)
    assert refused.status_code == 403 and refused.json()["code"] == "no-consent"

    confirmed = await client.post(f"/api/v1/exchange/consents/{reference}/confirm", headers=ME)
    assert confirmed.json()["state"] == "confirmed"
    fetched = await client.post(f"/api/v1/exchange/consents/{reference}/fetch", headers=ME)
    assert fetched.status_code == 200, fetched.text
    assert {i["status"] for i in fetched.json()["items"]} == {"delivered"}

    items = (await client.get(f"/api/v1/exchange/consents/{reference}/items", headers=ME)).json()
    key = items[0]["key"]
    decided = await client.post(
        f"/api/v1/exchange/consents/{reference}/items/{key}/decision",
        json={"accept": False, "reason": "Không đúng"},
        headers=ME,
    )
    assert decided.json()["decision"] == "rejected"

    access = await client.get("/api/v1/me/data-access", headers=ME)
    entries = [e for e in access.json()["items"] if e["consent_reference"] == reference]
    assert [e["seq"] for e in entries] == sorted((e["seq"] for e in entries), reverse=True)
    assert entries[0]["outcome"] == "delivered" and entries[-1]["outcome"] == "refused"
    assert entries[0]["purpose"].startswith("application:")
    assert entries[0]["agency_code"]

    other = await client.get(
        f"/api/v1/exchange/consents/{reference}", headers=as_citizen(personas.SPOUSE)
    )
    assert other.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Cookie": "motcua_citizen=forged"}, {"X-Motcua-Person": personas.COMPLETE}],
)
async def test_a_citizen_session_is_required(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/me/data-access", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "citizen-login-required"


async def test_unknown_procedure_and_registry_list(client: httpx.AsyncClient) -> None:
    registries = (await client.get("/api/v1/exchange/registries")).json()
    assert {r["code"] for r in registries} >= {"population", "land", "driving_licence"}
    response = await client.post(
        "/api/v1/exchange/consents", json={"procedure_code": "9.999999"}, headers=ME
    )
    assert response.status_code == 404
