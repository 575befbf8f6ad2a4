"""Submission through the API: codes, due dates, idempotency, refusals, channels, reading."""

import re
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.calendar import get_calendar
from motcua.core.database import autocommit_pool
from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierItem
from motcua.notify.models import Notification
from tests.dossiers.conftest import (
    AGENCY,
    APPLICANT,
    OFFICER,
    OTHER,
    counter_item,
    pdf_bytes,
    registry_item,
)
from tests.fetched import fetched_evidence
from tests.identity.helpers import as_citizen, as_officer

CODE = re.compile(r"^000\.00\.00\.G15-\d{6}-\d{4}$")


def person(number: str, key: str | None = None, **session: Any) -> dict[str, str]:
    """A signed-in citizen (a minted e-ID session), with an Idempotency-Key when given."""
    headers = as_citizen(number, **session)
    if key:
        headers["Idempotency-Key"] = key
    return headers


async def upload(client: httpx.AsyncClient, who: str = APPLICANT, text: str = "tờ khai") -> str:
    response = await client.post(
        "/api/v1/uploads",
        headers=person(who),
        files={"file": ("to-khai.pdf", pdf_bytes(text), "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def body(code: str, upload_id: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "procedure_code": code,
        "items": [
            {"requirement_key": "to_khai", "source": "upload", "upload_id": upload_id},
            {"requirement_key": "giay_chung_sinh", "source": "upload", "upload_id": upload_id},
        ],
    }
    data.update(changes)
    return data


async def counts(session: AsyncSession) -> tuple[int, ...]:
    found = []
    for model in (Dossier, DossierItem, DossierEvent, DossierCounter, OutboxMessage):
        found.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(found)


async def test_online_submission_writes_everything_in_one_go(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    read = await fetched_evidence(
        session, actor=APPLICANT, procedure_code=procedures["online"], keys=["giay_chung_sinh"]
    )
    filed = body(procedures["online"], upload_id, contact_email="cong.dan@example.test")
    filed["items"][1] = registry_item(read["giay_chung_sinh"])
    response = await client.post(
        "/api/v1/dossiers", headers=person(APPLICANT, "key-online-0001"), json=filed
    )
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert CODE.match(dossier["code"])
    assert response.headers["location"] == f"/api/v1/dossiers/{dossier['code']}"
    assert dossier["state"] == "received" and dossier["created"] is True
    assert dossier["channel"] == "online" and dossier["receiving_agency"] == AGENCY
    assert dossier["applicant"] == dossier["actor"] == APPLICANT and not dossier["on_behalf"]
    assert dossier["fee_vnd"] == 50000 and dossier["payment_state"] == "unpaid"
    assert re.fullmatch(r"[A-Z2-9]{8}", dossier["tracking_secret"])
    received = get_calendar().localise(datetime.fromisoformat(dossier["received_at"]))
    assert dossier["code"].split("-")[1] == received.strftime("%y%m%d")
    expected_due = get_calendar().due_at(received, 5)
    assert datetime.fromisoformat(dossier["due_at"]) == expected_due
    [history] = dossier["history"]
    assert history["seq"] == 1 and history["kind"] == "submitted"
    assert history["from_state"] is None and history["to_state"] == "received"
    items = {i["requirement_key"]: i for i in dossier["items"]}
    assert (
        items["to_khai"]["source"] == "upload" and items["giay_chung_sinh"]["source"] == "registry"
    )
    uploaded = await client.get(f"/api/v1/dossiers/{dossier['code']}", headers=person(APPLICANT))
    assert uploaded.json()["items"] == dossier["items"]
    assert len(items["to_khai"]["sha256"]) == 64
    # The receipt notification and its delivery row were written in the same transaction.
    notification = await session.scalar(
        select(Notification).where(Notification.event_key == f"dossier:{dossier['code']}:received")
    )
    assert notification is not None and dossier["code"] in notification.subject
    outbox = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"notify:{notification.id}")
    )
    assert outbox is not None


async def test_codes_follow_a_daily_sequence_per_agency(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    codes = []
    for n in range(3):
        response = await client.post(
            "/api/v1/dossiers",
            headers=person(APPLICANT, f"key-sequence-{n:04d}"),
            json=body(procedures["online"], upload_id),
        )
        assert response.status_code == 201, response.text
        codes.append(response.json()["code"])
    sequences = [int(c.rsplit("-", 1)[1]) for c in codes]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]


async def set_counter(session: AsyncSession, agency: str, last: int) -> None:
    """Where submissions bump it: on PostgreSQL outside their transaction, on SQLite inside."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        pool = await autocommit_pool(bind.engine.url)
        await pool.execute(
            "UPDATE dossier_counters SET last = $1 WHERE agency_code = $2", last, agency
        )
    else:
        await session.execute(
            update(DossierCounter).where(DossierCounter.agency_code == agency).values(last=last)
        )


async def test_a_sequence_past_9999_widens_the_code(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    first = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, "key-wide-0001"),
        json=body(procedures["online"], upload_id),
    )
    assert first.status_code == 201, first.text
    await set_counter(session, AGENCY, 9998)
    codes = []
    for n in range(2, 4):
        response = await client.post(
            "/api/v1/dossiers",
            headers=person(APPLICANT, f"key-wide-{n:04d}"),
            json=body(procedures["online"], upload_id),
        )
        assert response.status_code == 201, response.text
        codes.append(response.json()["code"])
    assert [c.rsplit("-", 1)[1] for c in codes] == ["9999", "10000"]
    stored = await session.scalars(select(Dossier.code).where(Dossier.code.in_(codes)))
    assert sorted(stored) == sorted(codes)


async def test_a_retry_returns_the_same_dossier_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    payload = body(procedures["online"], upload_id)
    first = await client.post(
        "/api/v1/dossiers", headers=person(APPLICANT, "key-retry-1"), json=payload
    )
    assert first.status_code == 201
    before = await counts(session)
    again = await client.post(
        "/api/v1/dossiers", headers=person(APPLICANT, "key-retry-1"), json=payload
    )
    assert again.status_code == 200, again.text
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["tracking_secret"] == first.json()["tracking_secret"]
    assert again.json()["created"] is False
    assert await counts(session) == before


async def test_the_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    headers = person(APPLICANT, "key-reused-1")
    first = await client.post(
        "/api/v1/dossiers", headers=headers, json=body(procedures["online"], upload_id)
    )
    assert first.status_code == 201
    before = await counts(session)
    changed = body(procedures["online"], upload_id, contact_email="khac@example.test")
    response = await client.post("/api/v1/dossiers", headers=headers, json=changed)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency-key-reused"
    assert response.json()["dossier_code"] == first.json()["code"]
    assert await counts(session) == before


async def test_keys_belong_to_the_person_using_them(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    mine, theirs = await upload(client), await upload(client, OTHER)
    a = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, "key-shared-1"),
        json=body(procedures["online"], mine),
    )
    b = await client.post(
        "/api/v1/dossiers",
        headers=person(OTHER, "key-shared-1"),
        json=body(procedures["online"], theirs),
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["code"] != b.json()["code"]


async def test_every_problem_is_reported_at_once_and_nothing_is_saved(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    before = await counts(session)
    response = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, "key-bad-0001"),
        json={
            "procedure_code": procedures["online"],
            "applicant": "12345",
            "contact_email": "không-phải-email",
            "items": [
                {"requirement_key": "giay_phep_xay_dung", "source": "upload", "upload_id": "nope"},
                {"requirement_key": "to_khai", "source": "counter", "value": {"a": 1}},
            ],
        },
    )
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid-dossier"
    found = {(p["field"], p["code"]) for p in error["problems"]}
    assert found == {
        ("applicant", "malformed-personal-number"),
        ("contact_email", "malformed-email"),
        ("items[0].requirement_key", "requirement-not-in-procedure"),
        ("items[0].upload_id", "unknown-upload"),
        ("items[1].source", "counter-source-online"),
        ("items.giay_chung_sinh", "missing-requirement"),
    }
    assert all(p["message"] for p in error["problems"])
    assert "Giấy chứng sinh" in str(error["problems"])
    assert await counts(session) == before


async def test_refusals_with_stable_codes(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    before = await counts(session)
    cases = {
        "not-published": body(procedures["draft"], upload_id),
        "unknown-procedure": body("9.999999", upload_id),
        "not-online": body(procedures["counter_only"], upload_id),
        "missing-requirement": {"procedure_code": procedures["online"], "items": []},
        "unknown-agency": body(procedures["online"], upload_id, receiving_agency="000.00.00.X99"),
    }
    for n, (code, payload) in enumerate(cases.items()):
        response = await client.post(
            "/api/v1/dossiers", headers=person(APPLICANT, f"key-refused-{n:03d}"), json=payload
        )
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code, response.text
        assert response.json()["message"]
    # Missing both mandatory requirements: two problems with one code.
    assert await counts(session) == before


async def test_bad_headers_are_refused(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    payload = {"procedure_code": procedures["online"], "items": []}
    no_key = await client.post("/api/v1/dossiers", headers=person(APPLICANT), json=payload)
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.text
    anonymous = await client.post(
        "/api/v1/dossiers", headers={"Idempotency-Key": "key-header-01"}, json=payload
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "citizen-login-required"
    forged = person(APPLICANT, "key-header-02")
    forged["Cookie"] = forged["Cookie"][:-3] + "AAA"
    refused = await client.post("/api/v1/dossiers", headers=forged, json=payload)
    assert refused.status_code == 401
    level_one = await client.post(
        "/api/v1/dossiers", headers=person(APPLICANT, "key-header-03", level=1), json=payload
    )
    assert level_one.status_code == 403 and level_one.json()["code"] == "insufficient-assurance"


async def test_someone_else_s_upload_cannot_be_filed(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    theirs = await upload(client, OTHER)
    response = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, "key-theirs-01"),
        json=body(procedures["online"], theirs),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown-upload"


async def test_counter_channel_is_filed_by_the_officer_for_the_applicant(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    officer = await as_officer(session, OFFICER)
    scanned = await client.post(
        "/api/v1/uploads",
        headers=officer,
        files={"file": ("scan.pdf", pdf_bytes("bản quét"), "application/pdf")},
    )
    assert scanned.status_code == 201, scanned.text
    scan = scanned.json()["id"]
    as_citizen_at_counter = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, "counter-0000"),
        json={"procedure_code": procedures["counter_only"], "channel": "counter", "items": []},
    )
    assert as_citizen_at_counter.status_code == 401
    response = await client.post(
        "/api/v1/dossiers",
        headers={**officer, "Idempotency-Key": "counter-0001"},
        json={
            "procedure_code": procedures["counter_only"],
            "channel": "counter",
            "applicant": APPLICANT,
            "items": [
                {"requirement_key": "to_khai", "source": "counter", "upload_id": scan},
                counter_item(),
            ],
        },
    )
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert dossier["channel"] == "counter" and dossier["actor"] == OFFICER
    assert dossier["applicant"] == APPLICANT and dossier["on_behalf"] is False
    assert dossier["payment_state"] == "not_required"
    assert dossier["history"][0]["actor"] == OFFICER
    for who in (person(APPLICANT), officer):
        seen = await client.get(f"/api/v1/dossiers/{dossier['code']}", headers=who)
        assert seen.status_code == 200
    stranger = await client.get(f"/api/v1/dossiers/{dossier['code']}", headers=person(OTHER))
    assert stranger.status_code == 404 and stranger.json()["code"] == "unknown-dossier"


async def test_acting_on_behalf_online_is_recorded(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client, OTHER)
    unverified = await client.post(
        "/api/v1/dossiers",
        headers=person(OTHER, "behalf-0000"),
        json=body(procedures["online"], upload_id, applicant=APPLICANT),
    )
    assert unverified.status_code == 403
    assert unverified.json()["code"] == "representation-not-verified"
    response = await client.post(
        "/api/v1/dossiers",
        headers=person(OTHER, "behalf-0001", acting_for=APPLICANT, relation="mẹ"),
        json=body(procedures["online"], upload_id, applicant=APPLICANT),
    )
    assert response.status_code == 201, response.text
    assert response.json()["on_behalf"] is True
    assert response.json()["history"][0]["data"]["on_behalf"] is True
    listed = await client.get("/api/v1/me/dossiers", headers=person(APPLICANT))
    assert response.json()["code"] in [d["code"] for d in listed.json()["items"]]


async def test_my_dossiers_newest_first_with_paging(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    upload_id = await upload(client)
    codes = []
    for n in range(3):
        response = await client.post(
            "/api/v1/dossiers",
            headers=person(APPLICANT, f"mine-{n:04d}"),
            json=body(procedures["online"], upload_id),
        )
        codes.append(response.json()["code"])
    first = await client.get("/api/v1/me/dossiers", params={"limit": 2}, headers=person(APPLICANT))
    assert first.status_code == 200
    page = first.json()
    assert [d["code"] for d in page["items"]] == codes[::-1][:2]
    assert page["next_before"] is not None
    rest = await client.get(
        "/api/v1/me/dossiers",
        params={"limit": 2, "before": page["next_before"]},
        headers=person(APPLICANT),
    )
    assert [d["code"] for d in rest.json()["items"]] == [codes[0]]
    assert rest.json()["next_before"] is None
    nobody = await client.get("/api/v1/me/dossiers", headers=person(OTHER))
    assert nobody.json()["items"] == []
