"""Directive 24 on all 25 essential services: for a persona whose data exists, once consent is
given, whose data each role reads is settled (a partner confirming with their own e-ID) and the
registries are read over real HTTP, no requirement a connected, enabled registry serves is asked
as an upload. The platform's own e-result store answers from the app served on loopback."""

from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange.models import AccessLogEntry, EvidenceItem, ItemStatus
from motcua.sandbox import personas
from tests.exchange.conftest import LiveSandbox
from tests.identity.helpers import as_citizen
from tests.workflow.test_result_store import store  # noqa: F401  (fixture)

AN, HUNG = personas.COMPLETE, personas.SEVERAL_RECORDS
HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
LUA, CUONG = personas.WIDOW, personas.DECEASED
EM, GIANG = personas.NO_RESIDENCE, personas.DISAGREEING


@dataclass(frozen=True)
class Case:
    """Who files, why that persona, and who each other role is (``confirm`` roles are another
    adult who confirms; ``family`` roles are chosen from the applicant's family)."""

    applicant: str
    why: str
    family: dict[str, str] = field(default_factory=dict)
    confirm: dict[str, str] = field(default_factory=dict)
    # Optional requirements the persona has no record for, and why: the registry must have
    # answered (not_found), or the role has no one to read (no late spouse to choose).
    absent: dict[str, str] = field(default_factory=dict)


EVERY = "An is in every registry: card, residence, land, enterprise, insurance, licence, vehicle"
CASES: dict[str, Case] = {
    "0.000001": Case(AN, EVERY),
    "0.000002": Case(AN, EVERY),
    "0.000003": Case(
        AN,
        EVERY,
        absent={
            "quan_he_nhan_than": "An's own birth was never digitised (not_found)",
            "giay_khai_sinh_cua_tre": "no e-birth certificate of An's was issued on the platform",
        },
    ),
    "0.000004": Case(AN, EVERY),
    "0.000005": Case(AN, EVERY),
    "0.000006": Case(
        AN,
        "An hosts (his enterprise is the lodging); Bình stays and confirms",
        confirm={"other_party": personas.SPOUSE},
    ),
    "0.000007": Case(AN, "An's motorbike, its registration fee paid, in the vehicle registry"),
    "0.000008": Case(AN, "An has one camera-detected fine on his motorbike's plate"),
    "1.001193": Case(
        HOA,
        "Hoa's newborn has an e-birth notice keyed by her number; Khánh confirms",
        confirm={"spouse": KHANH},
    ),
    "0.000010": Case(
        LUA,
        "Lụa registers the death of Cường, who has an e-death notice",
        family={"deceased": CUONG},
    ),
    "0.000011": Case(
        EM,
        "Em and Giang are both unmarried; Giang confirms",
        confirm={"spouse": GIANG},
        absent={
            "thong_tin_ly_hon_truoc_day": "Em was never married (not_found)",
            "thong_tin_khai_tu_vo_chong_truoc": "Em has no late spouse to choose",
        },
    ),
    "0.000012": Case(
        AN,
        "a passport for An's daughter Châu, whose birth is registered",
        family={"child": personas.CHILD},
    ),
    "0.000013": Case(AN, "An is the legal representative of an enterprise"),
    "0.000014": Case(AN, "An is the legal representative of an enterprise"),
    "0.000015": Case(
        HOA, "the birth group for Hoa's newborn; Khánh confirms", confirm={"spouse": KHANH}
    ),
    "1.011537": Case(
        LUA,
        "Cường had social-insurance contributions and a merit allowance",
        family={"deceased": CUONG},
    ),
    "0.000017": Case(AN, EVERY),
    "0.000018": Case(AN, "An has a tax registration to change"),
    "0.000019": Case(
        HUNG, "Hùng paid the registration fee of a land change; two parcels: one is chosen"
    ),
    "0.000020": Case(AN, "An's licence expires 20/11/2025; his driver's health certificate"),
    "0.000021": Case(AN, EVERY),
    "0.000022": Case(AN, EVERY),
    "0.000023": Case(AN, "An has social-insurance contributions with unemployment insurance"),
    "0.000024": Case(AN, EVERY),
    "0.000025": Case(AN, EVERY),
}


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json() if response.content else {}
    return body


async def _file(client: httpx.AsyncClient, code: str, case: Case) -> tuple[str, str]:
    """Draft, consent, roles settled, fetched (choices answered); the draft id and reference."""
    me = as_citizen(case.applicant)
    draft = await _ok(
        await client.post("/api/v1/applications", json={"procedure_code": code}, headers=me), 201
    )
    ref = str(draft["consent_reference"])
    await _ok(await client.post(f"/api/v1/exchange/consents/{ref}/confirm", headers=me))
    consent = await _ok(await client.get(f"/api/v1/exchange/consents/{ref}", headers=me))
    roles = {p["subject"] for p in consent["plan"]}  # type: ignore[attr-defined]
    if roles & {"mother", "father", "child", "deceased", "spouse"}:
        await client.get(f"/api/v1/exchange/consents/{ref}/family", headers=me)
    for role, person in {**case.family, **case.confirm}.items():
        chosen = await client.get(f"/api/v1/exchange/consents/{ref}/subjects", headers=me)
        if any(s["role"] == role and s["personal_id"] == person for s in chosen.json()):
            continue  # asked already: the applicant's spouse in the population registry
        body = {"role": role, "personal_id": person}
        await _ok(
            await client.post(f"/api/v1/exchange/consents/{ref}/subjects", json=body, headers=me)
        )
    for role, person in case.confirm.items():
        await _ok(
            await client.post(
                f"/api/v1/me/confirmations/{ref}/{role}",
                json={"accept": True},
                headers=as_citizen(person),
            )
        )
    fetched = await _ok(await client.post(f"/api/v1/exchange/consents/{ref}/fetch", headers=me))
    for item in fetched["items"]:  # type: ignore[attr-defined]
        if item["status"] == "needs_choice":
            answer = {"answer": item["options"][0]["id"]}
            url = f"/api/v1/exchange/consents/{ref}/items/{item['key']}/choice"
            await _ok(await client.post(url, json=answer, headers=me))
    return str(draft["id"]), ref


@pytest.mark.usefixtures("registries", "store")
async def test_none_of_the_25_asks_an_upload_a_connected_registry_holds(
    client: httpx.AsyncClient, session: AsyncSession, sandbox: LiveSandbox
) -> None:
    connected = {
        evidence
        for r in (await client.get("/api/v1/exchange/registries")).json()
        if r["enabled"]
        for evidence in r["services"]
    }
    assert len(CASES) == 25
    served_total = 0
    for code, case in sorted(CASES.items()):
        procedure = (await client.get(f"/api/v1/procedures/{code}")).json()
        assert procedure["synthetic"] is False, code
        served = {
            r["key"]
            for r in procedure["requirements"]
            if r["evidence_type"] and r["evidence_type"]["code"] in connected
        }
        # every evidence type the 25 read is served by a connected, enabled registry
        assert served == {r["key"] for r in procedure["requirements"] if r["evidence_type"]}, code
        draft_id, ref = await _file(client, code, case)
        me = as_citizen(case.applicant)
        form = (await client.get(f"/api/v1/applications/{draft_id}", headers=me)).json()["form"]
        kinds = {f["key"]: f["kind"] for f in form}
        stored = {
            i.key: i
            for i in await session.scalars(
                select(EvidenceItem).where(EvidenceItem.consent_reference == ref)
            )
        }
        for key in served - set(case.absent):
            assert kinds[key] == "registry", (code, key, stored[key].status, stored[key].reason)
            assert stored[key].status == ItemStatus.delivered, (code, key)
        for key in case.absent:
            assert stored[key].status in (ItemStatus.not_found, ItemStatus.unavailable), key
            if stored[key].status == ItemStatus.unavailable:
                assert stored[key].reason == "subject-not-chosen", (code, key)
        served_total += len(served - set(case.absent))
        reads = await session.scalars(
            select(AccessLogEntry).where(
                AccessLogEntry.consent_reference == ref, AccessLogEntry.outcome == "delivered"
            )
        )
        assert {r.evidence_type_code for r in reads} >= {
            stored[k].evidence_type_code for k in served - set(case.absent)
        }, code
    assert served_total >= 80  # 82 requirements of the 25 read from registries today
