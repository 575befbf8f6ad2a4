"""Equipped vs used: a report beside the dossiers, flags only beyond the thresholds, each with
its evidence; the page shows names and dates as people read them."""

from datetime import date
from typing import Any

import httpx
from sqlalchemy import insert, select

from motcua.monitoring.models import Report, UnitDay
from motcua.stats import service
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.stats.conftest import World, hours, local

DAY = date(2025, 12, 31)
FULL = {k: True for k in ("premises", "equipment", "connectivity", "staff_trained",
                          "procedures_posted")}  # fmt: skip


async def report(world: World, unit_code: str, level: str, status: str, values: Any) -> None:
    agency_id = await world.session.scalar(
        select(Agency.id).where(
            Agency.unit_code == unit_code,
            Agency.kind == AgencyKind.people_committee,
            Agency.level == AgencyLevel(level),
        )
    )
    assert agency_id is not None
    at = local(2025, 12, 31, 10)
    report_id = await world.session.scalar(
        insert(Report).values(
            agency_id=agency_id, day=DAY, version=1, values=values, submitted_at=at,
            source="form", late=False, synthetic=False,
        ).returning(Report.id)
    )  # fmt: skip
    await world.session.execute(
        insert(UnitDay).values(
            day=DAY, agency_id=agency_id, level=level, province_code=None,
            first_submitted_at=at, on_time=True, latest_report_id=report_id,
            latest_status=status, cutoff_report_id=report_id, cutoff_status=status,
        )
    )  # fmt: skip


async def test_a_commune_equipped_but_filing_on_paper_is_flagged_with_evidence(
    client: httpx.AsyncClient, world: World
) -> None:
    busy, quiet = world.places[0], world.places[1]  # two communes of one province
    for n in range(6):  # 6 counter filings, 1 online: online share 1/7 < 30%
        r = local(2025, 12, 10 + n)
        await world.file(busy, received=r, due=r + hours(96), channel="counter",
                         items=("counter", "registry"))  # fmt: skip
    r = local(2025, 12, 20)
    await world.file(busy, received=r, due=r + hours(96), items=("registry",))
    for n in range(6):  # all online, but this commune reports conditions not met
        await world.file(quiet, received=local(2025, 12, 10 + n), due=local(2026, 1, 30))
    for n in range(7):  # the province reaches the 20 dossiers its rule needs
        await world.file(quiet, received=local(2025, 12, 20 + n), due=local(2026, 1, 30),
                         channel="counter")  # fmt: skip
    await report(world, busy.commune, "commune", "green", {"KH02.XA.01": FULL})
    await report(world, quiet.commune, "commune", "yellow",
                 {"KH02.XA.01": {**FULL, "staff_trained": False}})  # fmt: skip
    # Province: typed 80% online full-process; dossiers say 7 of 20.
    await report(world, busy.province, "province", "green", {"KH02.TINH.02": 80.0})
    await service.refresh(world.session)

    response = await client.get(
        "/api/v1/stats/equipped", params={"date": "2025-12-31", "province": busy.province}
    )
    assert response.status_code == 200, response.text
    units = {u["code"]: u for u in response.json()["units"]}
    flagged = units[busy.commune]
    assert flagged["reported"]["conditions_met"] is True
    assert flagged["figures"]["received"] == 7
    assert [f["code"] for f in flagged["flags"]] == ["equipped-little-online"]
    evidence = flagged["flags"][0]["evidence"]
    assert evidence["computed"] == "14,3%" and evidence["dossiers"] == 7
    assert (evidence["start"], evidence["end"]) == ("2025-12-02", "2025-12-31")
    assert units[quiet.commune]["reported"]["conditions_met"] is False
    assert units[quiet.commune]["flags"] == []  # reports itself not ready: no gap

    provinces = await client.get("/api/v1/stats/equipped", params={"date": "2025-12-31"})
    row = {u["code"]: u for u in provinces.json()["units"]}[busy.province]
    assert row["reported"]["online_full_rate"] == 0.8
    assert row["figures"]["online_full_share"] == round(7 / 20, 4)  # computed, not typed
    assert [f["code"] for f in row["flags"]] == ["online-rate-overstated"]
    assert row["flags"][0]["evidence"]["reported"] == "80,0%"

    page = await client.get(
        "/thong-ke/trang-bi-va-su-dung", params={"ngay": "31/12/2025", "tinh": busy.province}
    )
    assert page.status_code == 200
    assert busy.commune_name in page.text and "31/12/2025" in page.text
    assert "Báo cáo đủ điều kiện cơ bản nhưng tỷ lệ nộp trực tuyến thấp" in page.text
    assert "equipped-little-online" not in page.text


async def test_unknown_province_is_named(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/api/v1/stats/equipped", params={"province": "99"})
    assert response.status_code == 422
    assert response.json()["parameter"] == "province"
    page = await client.get("/thong-ke/trang-bi-va-su-dung", params={"ngay": "32/12/2025"})
    assert page.status_code == 422
    assert "Ngày báo cáo: hãy ghi ngày theo dạng ngày/tháng/năm" in page.text
    assert 'value="32/12/2025"' in page.text
