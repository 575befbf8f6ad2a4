"""Fees and payment: a VietQR request per dossier, a signed callback applied once (replays and
tampered signatures change nothing), and no processing before the fee is paid."""

import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import payments
from motcua.core.settings import get_settings
from motcua.sandbox.payment import SIGNATURE_HEADER, crc16, sign
from tests.applications.conftest import AN, DECLARATION, JUDICIAL_DECLARATION, start_and_fetch
from tests.identity.helpers import as_citizen, as_officer

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(AN)
CALLBACK = "/api/v1/payments/callback/sandbox"


async def submitted(client: httpx.AsyncClient, code: str) -> dict[str, object]:
    draft = await start_and_fetch(client, code)
    response = await client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        json={"values": {"to_khai": DECLARATION}},
        headers=ME,
    )
    assert response.status_code == 201, response.text
    out: dict[str, object] = response.json()
    return out


async def dossier(client: httpx.AsyncClient, code: object) -> dict[str, object]:
    out: dict[str, object] = (await client.get(f"/api/v1/dossiers/{code}", headers=ME)).json()
    return out


async def test_fee_paid_once_through_a_signed_callback(
    client: httpx.AsyncClient, session: AsyncSession, fee_procedure: str
) -> None:
    filed = await submitted(client, fee_procedure)
    assert filed["fee_vnd"] == 200000 and filed["payment_state"] == "unpaid"
    code = filed["dossier_code"]

    requested = await client.post("/api/v1/payments", json={"dossier_code": code}, headers=ME)
    assert requested.status_code == 201, requested.text
    payment = requested.json()
    payload = payment["qr_payload"]
    assert payload.startswith("000201010212") and "5303704" in payload and "5802VN" in payload
    assert "5406200000" in payload and payment["reference"] in payload
    assert payload[-4:] == crc16(payload[:-4])
    again = await client.post("/api/v1/payments", json={"dossier_code": code}, headers=ME)
    assert again.json()["reference"] == payment["reference"]
    svg = await client.get(payment["qr_svg_url"])
    assert svg.status_code == 200 and "<svg" in svg.text

    simulated = payments.gateway("sandbox").simulate(
        reference=payment["reference"], amount_vnd=200000
    )
    assert simulated is not None
    history_before = len((await dossier(client, code))["history"])  # type: ignore[arg-type]

    # tampered: the amount changed after signing, or no signature at all
    data = json.loads(simulated.body)
    forged = json.dumps({**data, "amount_vnd": 1}).encode()
    for headers in (simulated.headers, {}):
        bad = await client.post(CALLBACK, content=forged, headers=headers)
        assert bad.status_code == 401 and bad.json()["code"] == "bad-signature"
    assert (await dossier(client, code))["payment_state"] == "unpaid"

    # the workflow does not process a dossier whose fee is unpaid
    receiving = str((await dossier(client, code))["receiving_agency"])  # where it was filed
    officer = await as_officer(session, "001090000789", agency_code=receiving)
    await session.commit()
    blocked = await client.post(
        f"/api/v1/workflow/dossiers/{code}/complete", json={}, headers=officer
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "fee-unpaid"

    paid = await client.post(CALLBACK, content=simulated.body, headers=simulated.headers)
    assert paid.status_code == 200 and paid.json()["outcome"] == "confirmed"
    after = await dossier(client, code)
    assert after["payment_state"] == "paid"
    history = after["history"]
    assert len(history) == history_before + 1  # type: ignore[arg-type]
    assert history[-1]["kind"] == "payment-confirmed"  # type: ignore[index]

    # the same callback again, and another payment for the paid request: nothing changes
    replay = await client.post(CALLBACK, content=simulated.body, headers=simulated.headers)
    assert replay.status_code == 200 and replay.json()["outcome"] == "replayed"
    second = payments.gateway("sandbox").simulate(reference=payment["reference"], amount_vnd=200000)
    assert second is not None
    twice = await client.post(CALLBACK, content=second.body, headers=second.headers)
    assert twice.json()["outcome"] == "already-paid"
    final = await dossier(client, code)
    assert final["history"] == after["history"] and final["payment_state"] == "paid"

    processed = await client.post(
        f"/api/v1/workflow/dossiers/{code}/complete", json={}, headers=officer
    )
    assert processed.status_code == 200, processed.text


async def _payment(client: httpx.AsyncClient, fee_procedure: str) -> tuple[object, str]:
    filed = await submitted(client, fee_procedure)
    payment = (
        await client.post(
            "/api/v1/payments", json={"dossier_code": filed["dossier_code"]}, headers=ME
        )
    ).json()
    return filed["dossier_code"], str(payment["reference"])


async def _callback(client: httpx.AsyncClient, data: dict[str, object]) -> httpx.Response:
    raw = json.dumps(data).encode()
    secret = get_settings().payment_sandbox_secret
    return await client.post(CALLBACK, content=raw, headers={SIGNATURE_HEADER: sign(secret, raw)})


async def test_a_short_payment_is_recorded_and_leaves_the_fee_unpaid(
    client: httpx.AsyncClient, fee_procedure: str
) -> None:
    code, reference = await _payment(client, fee_procedure)
    before = len((await dossier(client, code))["history"])  # type: ignore[arg-type]
    short = {"reference": reference, "transaction_id": "T1", "amount_vnd": 5, "status": "paid"}
    for _ in range(2):  # the same transaction twice: recorded once
        response = await _callback(client, short)
        assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "replayed"
    after = await dossier(client, code)
    assert after["payment_state"] == "unpaid"
    history = after["history"]
    assert len(history) == before + 1  # type: ignore[arg-type]
    assert history[-1]["kind"] == "payment-refused"  # type: ignore[index]
    unknown = await _callback(
        client,
        {"reference": "0" * 16, "transaction_id": "T2", "amount_vnd": 200000, "status": "paid"},
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown-payment"


async def test_a_failed_payment_leaves_the_dossier_unpaid_until_one_goes_through(
    client: httpx.AsyncClient, fee_procedure: str
) -> None:
    """A signed callback saying ``failed`` is honoured: nothing is paid, the event is kept;
    a later successful transaction of the same request pays it."""
    code, reference = await _payment(client, fee_procedure)
    failed = payments.gateway("sandbox").simulate(
        reference=reference, amount_vnd=200000, status="failed"
    )
    assert failed is not None
    for expected in ("failed", "replayed"):
        response = await client.post(CALLBACK, content=failed.body, headers=failed.headers)
        assert response.status_code == 200 and response.json()["outcome"] == expected
        assert response.json()["status"] == "pending"
    state = await dossier(client, code)
    assert state["payment_state"] == "unpaid"
    kinds = [e["kind"] for e in state["history"]]  # type: ignore[attr-defined]
    assert kinds.count("payment-failed") == 1 and "payment-confirmed" not in kinds

    # no status, or a status that is not a word: refused, nothing recorded
    for data in (
        {"reference": reference, "transaction_id": "T3", "amount_vnd": 200000},
        {"reference": reference, "transaction_id": "T4", "amount_vnd": 200000, "status": 1},
        {
            "reference": reference,
            "transaction_id": "T\x005",
            "amount_vnd": 200000,
            "status": "paid",
        },
    ):
        bad = await _callback(client, data)
        assert bad.status_code in (401, 422) and bad.json()["code"] in (
            "bad-callback",
            "invalid-parameter",
        )
    assert (await dossier(client, code))["history"] == state["history"]

    paid = payments.gateway("sandbox").simulate(reference=reference, amount_vnd=200000)
    assert paid is not None
    confirmed = await client.post(CALLBACK, content=paid.body, headers=paid.headers)
    assert confirmed.json()["outcome"] == "confirmed"
    assert (await dossier(client, code))["payment_state"] == "paid"


async def test_no_payment_without_a_confirmed_fee(client: httpx.AsyncClient) -> None:
    draft = await start_and_fetch(client, "0.000021")  # the catalog's fee has no amount yet
    filed = await client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        json={"values": {"to_khai_yeu_cau": JUDICIAL_DECLARATION}},
        headers=ME,
    )
    assert filed.json()["payment_state"] == "to_confirm"
    response = await client.post(
        "/api/v1/payments", json={"dossier_code": filed.json()["dossier_code"]}, headers=ME
    )
    assert response.status_code == 409 and response.json()["code"] == "fee-to-confirm"
