"""The statistics API on hand-made dossiers: figures worked out by hand, and every bad
parameter a 422 that names it and changes nothing."""

import httpx
import pytest
from sqlalchemy import func, select

from motcua.stats.models import DailyRollup, DossierFact
from tests.stats.conftest import ESSENTIAL, World


async def test_figures_per_province_as_worked_out_by_hand(
    client: httpx.AsyncClient, filed: World
) -> None:
    a, b = filed.places[0], filed.places[2]
    response = await client.get(
        "/api/v1/stats/dossiers",
        params={"start": "2025-12-01", "end": "2025-12-31", "group": "province"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    total = body["total"]
    assert (total["received"], total["online"], total["on_time"], total["late"]) == (4, 2, 1, 1)
    assert (total["pending"], total["refused"], total["supplements"]) == (1, 1, 1)
    assert (total["violations"], total["items_registry"], total["items_upload"]) == (1, 2, 2)
    assert total["online_share"] == 0.5 and total["on_time_rate"] == 0.5
    assert total["average_processing_days"] == 2.0  # (1 + 3) / 2
    assert total["reuse_rate"] == 0.5
    assert body["pending_overdue"] == 1  # the counter dossier, due 3/1/2026
    rows = {r["key"]: r for r in body["rows"]}
    assert rows[a.province]["name"] == a.province_name
    assert rows[a.province]["figures"]["received"] == 3
    assert rows[a.province]["figures"]["online_share"] == round(2 / 3, 4)
    assert rows[b.province]["figures"]["refused"] == 1
    assert rows[b.province]["figures"]["violations"] == 1
    # The stored roll-up holds the same: four rows (three days x channels), 4 dossiers.
    received = await filed.session.scalar(select(func.sum(DailyRollup.received)))
    assert received == 4


async def test_one_commune_one_channel_by_week(client: httpx.AsyncClient, filed: World) -> None:
    a1 = filed.places[0]
    response = await client.get(
        "/api/v1/stats/dossiers",
        params={"start": "2025-11-01", "end": "2025-12-31", "unit": a1.commune,
                "period": "week", "channel": "online_full"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unit_name"] == a1.commune_name
    assert [(r["period"], r["figures"]["received"]) for r in body["rows"]] == [("2025-12-01", 1)]
    assert body["total"]["on_time"] == 1


async def test_by_procedure_and_agency(client: httpx.AsyncClient, filed: World) -> None:
    response = await client.get(
        "/api/v1/stats/dossiers",
        params={"start": "2025-12-01", "end": "2025-12-31", "group": "procedure",
                "agency": filed.places[0].agency_code, "procedure": ESSENTIAL},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert row["key"] == ESSENTIAL and row["name"]
    assert row["figures"]["received"] == 2


async def test_concentration_among_the_25(client: httpx.AsyncClient, filed: World) -> None:
    response = await client.get(
        "/api/v1/stats/concentration", params={"start": "2025-12-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["online_total"] == 2
    assert body["procedures_with_filings"] == 1 and body["procedures_for_80_percent"] == 1
    assert body["top3_share"] == 1.0
    assert body["rows"][0]["procedure_code"] == ESSENTIAL
    assert len(body["rows"]) == 25


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"start": "2025-12-31", "end": "2025-12-01"}, "end"),
        ({"start": "2024-01-01", "end": "2025-12-31"}, "start"),
        ({"unit": "99"}, "unit"),
        ({"unit": "7"}, "unit"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"agency": "KHONG.CO"}, "agency"),
        ({"period": "year"}, "period"),
        ({"group": "ward"}, "group"),
        ({"channel": "fax"}, "channel"),
        ({"start": "31/12/2025"}, "start"),
    ],
)
async def test_bad_parameters_are_named_and_change_nothing(
    client: httpx.AsyncClient, filed: World, params: dict[str, str], parameter: str
) -> None:
    before = await filed.session.scalar(select(func.count()).select_from(DossierFact))
    response = await client.get("/api/v1/stats/dossiers", params=params)
    assert response.status_code == 422
    body = response.json()
    named = body.get("parameter") or body["errors"][0]["parameter"]
    assert named == parameter and body["message"]
    assert await filed.session.scalar(select(func.count()).select_from(DossierFact)) == before
