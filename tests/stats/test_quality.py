"""Papers not cut (items a connected registry could have given) and registry data quality,
from what the dossiers and the exchange's access log recorded."""

import httpx
from sqlalchemy import insert

from motcua.exchange import registries as exchange_registries
from motcua.exchange.models import AccessLogEntry, Consent, EvidenceItem
from tests.stats.conftest import World, hours, local

# Requirements of 0.000001: a form (no registry), the ID card (identity registry) and the old
# ID number (population registry).
FORM, CARD, OLD_ID = "to_khai_de_nghi", "thong_tin_the_can_cuoc", "so_cmnd_cu"


async def test_papers_not_cut_per_procedure_agency_and_channel(
    client: httpx.AsyncClient, world: World
) -> None:
    await exchange_registries.seed_registries(world.session)
    place = world.places[0]
    r = local(2025, 12, 3)
    keys = (FORM, CARD, OLD_ID)
    for channel, items in (
        ("counter", ("counter", "counter", "registry")),
        ("counter", ("counter", "counter", "counter")),
        ("online", ("upload", "registry", "registry")),
    ):
        await world.file(
            place, received=r, due=r + hours(48), channel=channel, items=items, keys=keys
        )
    response = await client.get(
        "/api/v1/stats/papers-not-cut", params={"start": "2025-12-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    # The form has no registry; counter: 3 of 4 fetchable items handed in; online: none.
    assert [(r["channel"], r["not_cut"], r["fetchable"]) for r in rows] == [("counter", 3, 4)]
    assert rows[0]["agency_code"] == place.agency_code and rows[0]["not_cut_share"] == 0.75
    assert rows[0]["channel_name"] == "Trực tiếp tại bộ phận một cửa"
    page = await client.get("/thong-ke/du-lieu", params={"tu": "01/12/2025", "den": "31/12/2025"})
    assert page.status_code == 200 and "Trực tiếp tại bộ phận một cửa" in page.text
    assert "75%" in page.text


async def test_registry_quality_from_the_access_log(
    client: httpx.AsyncClient, world: World
) -> None:
    await exchange_registries.seed_registries(world.session)
    at = local(2025, 12, 5)
    outcomes = ["delivered"] * 6 + ["unavailable"] * 2 + ["not_found", "refused"]
    for n, outcome in enumerate(outcomes):
        await world.session.execute(
            insert(AccessLogEntry).values(
                at=at, actor_personal_id="001084000123", subject_personal_id="001084000123",
                registry_code="population", evidence_type_code="population.person",
                purpose="application:x", legal_basis=[], outcome=outcome, seq=900_000 + n,
            )
        )  # fmt: skip
    await world.session.execute(
        insert(Consent).values(
            reference="c-1", application_id="a-1", procedure_code="0.000001",
            procedure_version_id=world.version_id, actor_personal_id="001084000123",
            subject_personal_id="001084000123", legal_basis=[], plan=[], state="confirmed",
            created_at=at,
        )
    )  # fmt: skip
    for n, decision in enumerate(["accepted", "accepted", "accepted", "rejected", "pending"]):
        await world.session.execute(
            insert(EvidenceItem).values(
                consent_reference="c-1", key=f"k{n}", evidence_type_code="population.person",
                registry_code="population", status="delivered", fields={}, options=[],
                fetched_at=at, decision=decision,
            )
        )  # fmt: skip
    response = await client.get(
        "/api/v1/stats/registries", params={"start": "2025-12-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200, response.text
    rows = {r["code"]: r for r in response.json()["registries"]}
    population = rows["population"]
    assert population["reads"] == 9  # the refusal before any read is not a read
    assert population["availability"] == round(1 - 2 / 9, 4)
    assert population["not_found_rate"] == round(1 / 9, 4)
    assert (population["decided"], population["rejected_rate"]) == (4, 0.25)
    assert population["latency_ms"] is None
    assert response.json()["registries"][0]["code"] == "population"  # least available first
    bad = await client.get(
        "/api/v1/stats/registries", params={"start": "2025-12-31", "end": "2025-01-01"}
    )
    assert bad.status_code == 422 and bad.json()["parameter"] == "end"
