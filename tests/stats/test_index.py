"""Decision 766's index: each computable sub-indicator's rate and points worked out by hand,
the scoring rule, and the page saying which formulas are a third-party reconstruction."""

import httpx
import pytest
from sqlalchemy import select

from motcua.dossiers.models import DossierRating
from motcua.stats.index766 import indicators, score
from motcua.stats.models import DossierFact
from tests.stats.conftest import World, local


def test_scoring_rule_and_definitions() -> None:
    assert score(0.9, 2, 0.8) == 2  # at or above the target: full points
    assert score(0.4, 2, 0.8) == 1.0  # half the target: half the points
    assert score(0.5, 12, None) == 6.0  # no target: rate x points
    defined = indicators()
    assert sum(i.points for i in defined) == 100
    assert {i.code for i in defined if i.figure} == {"2.1", "3.2", "3.6", "4.3", "5.4"}


async def test_index_per_province_by_hand(client: httpx.AsyncClient, filed: World) -> None:
    a = filed.places[0]
    response = await client.get("/api/v1/stats/index", params={"month": "2025-12"})
    assert response.status_code == 200, response.text
    body = response.json()
    row = {u["code"]: u for u in body["units"]}[a.province]
    scores = {s["code"]: s for s in row["scores"]}
    # Province A: 3 dossiers: one on time, one late, one pending and overdue by now (due
    # 3/1/2026, the month's end is the as-of time: still within time then).
    assert row["received"] == 3
    assert scores["2.1"]["rate"] == round(2 / 3, 4)  # on time + pending within time
    assert scores["2.1"]["points"] == round(2 / 3 * 20, 2)
    assert scores["3.2"]["rate"] == round(2 / 3, 4) and scores["3.2"]["points"] == 8.0
    assert scores["3.6"]["rate"] is None  # no dossier with a fee
    assert scores["4.3"]["rate"] == round(1 / 3, 4)  # one dossier reused registry data
    assert scores["4.3"]["points"] == round(1 / 3 / 0.8 * 2, 2)
    assert scores["1.1"]["points"] is None and row["groups"]["transparency"] is None
    # 5.4: 100% − (1 late of 2 results + no rating yet) = 50%, target 90%.
    assert scores["5.4"]["rate"] == 0.5 and scores["5.4"]["points"] == round(0.5 / 0.9 * 6, 2)
    assert row["attainable"] == 40  # 20 + 12 + 2 + 6: no fee, so 3.6 cannot be computed
    assert row["total"] == round(
        sum(s["points"] for s in row["scores"] if s["points"] is not None), 2
    )
    # The applicant of the on-time dossier rates it "not satisfied": 100% − 50% − 100% → 0.
    on_time = await filed.session.scalar(
        select(DossierFact.dossier_id).where(
            DossierFact.province_code == a.province, DossierFact.on_time == 1
        )
    )
    filed.session.add(
        DossierRating(
            dossier_id=on_time, level="dissatisfied", comment="", rated_at=local(2025, 12, 5)
        )
    )
    await filed.session.flush()
    again = (await client.get("/api/v1/stats/index", params={"month": "2025-12"})).json()
    row = {u["code"]: u for u in again["units"]}[a.province]
    assert {s["code"]: s for s in row["scores"]}["5.4"]["points"] == 0.0


@pytest.mark.parametrize("params", [{"month": "2025-13"}, {"province": "99"}])
async def test_bad_month_or_province(
    client: httpx.AsyncClient, world: World, params: dict[str, str]
) -> None:
    response = await client.get("/api/v1/stats/index", params=params)
    assert response.status_code == 422
    body = response.json()
    assert (body.get("parameter") or body["errors"][0]["parameter"]) in params


async def test_index_page_names_reconstructions(client: httpx.AsyncClient, filed: World) -> None:
    page = await client.get("/thong-ke/chi-so", params={"thang": "12/2025"})
    assert page.status_code == 200
    assert filed.places[0].province_name in page.text
    assert "tái dựng" in page.text and "chưa đủ dữ liệu" in page.text
    assert "bên thứ ba" in page.text and "12/2025" in page.text
    bad = await client.get("/thong-ke/chi-so", params={"thang": "2025-12"})
    assert bad.status_code == 422 and "Tháng: hãy ghi tháng theo dạng tháng/năm" in bad.text
    assert 'value="2025-12"' in bad.text
