"""Reporting units beyond the People's Committees, on a hand-built fixture in Lai Châu: Party
committees, the Fatherland Front and mass organisations at each level and the central bodies;
their codes (provisional), hierarchy, tasks by kind, roll-ups, the kind filter in the API and the
pages, and the reporting scope of their officers."""

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Route, async_playwright
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity.models import Role
from motcua.monitoring import organisations, service
from motcua.monitoring.models import Assignment, Report, Task
from motcua.monitoring.schemas import LevelFigures, PlanDocument
from motcua.units.models import Agency, CodeStatus
from tests.monitoring.conftest import (
    DAY,
    GREEN_COMMUNE,
    PROVINCE,
    Officers,
    at,
    login,
    make_officer,
)

ORG_TASKS = {
    "code": "TEST-ORGS",
    "title": "Kế hoạch thử nghiệm của các tổ chức",
    "starts_on": "2025-07-01",
    "ends_on": "2025-12-31",
    "synthetic": True,
    "tasks": [
        {"code": "O.TW", "title": "Kế hoạch của cơ quan Trung ương", "level": "ministry",
         "units": ["party_committee", "fatherland_front", "mass_organisation",
                   "national_assembly"],
         "starts_on": "2025-07-01", "deadline": "2025-12-31", "done_criterion": "Đã ban hành",
         "indicator": {"kind": "yes_no"}},
        {"code": "O.TINH.DANG", "title": "Chỉ thị của Tỉnh ủy", "level": "province",
         "units": ["party_committee"], "starts_on": "2025-07-01", "deadline": "2025-12-31",
         "done_criterion": "Đã ban hành", "indicator": {"kind": "yes_no"}},
        {"code": "O.XA.DANG", "title": "Quán triệt đến chi bộ", "level": "commune",
         "units": ["party_committee"], "starts_on": "2025-07-01", "deadline": "2025-12-31",
         "done_criterion": "Đã quán triệt", "indicator": {"kind": "yes_no"}},
        {"code": "O.XA.MT", "title": "Tuyên truyền dịch vụ công", "level": "commune",
         "units": ["fatherland_front", "mass_organisation"], "starts_on": "2025-07-01",
         "deadline": "2025-12-31", "done_criterion": "100% khu dân cư",
         "indicator": {"kind": "percentage", "target": 100}},
    ],
}  # fmt: skip


@pytest.fixture
async def orgs(session: AsyncSession, plan: PlanDocument) -> PlanDocument:
    """The organisations of Lai Châu and its 38 communes, and the central bodies, with the
    test plan (People's Committees) and the organisations' own tasks."""
    await organisations.load_organisations(session, [PROVINCE])
    document = PlanDocument.model_validate(ORG_TASKS)
    await service.import_plan_file(session, document)
    return document


@pytest.fixture
async def reported(session: AsyncSession, orgs: PlanDocument, communes: list[str]) -> None:
    """PC of the province green, PC of c0 green; Tỉnh ủy green; Đảng ủy c0 green, c1 yellow;
    MTTQ c0 green, Đoàn TN c0 yellow, Hội CCB c0 only after 16:00 (reported, not on time)."""
    c0, c1 = communes[0], communes[1]

    async def send(unit: str, values: dict[str, object], hour: int = 10) -> None:
        await service.submit_report(
            session, subject=None, unit=unit, day=DAY, values=values, submitted_at=at(DAY, hour)
        )

    await send(PROVINCE, {"T.TINH.YN": True})
    await send(c0, GREEN_COMMUNE)
    await send(f"DU.{PROVINCE}", {"O.TINH.DANG": True})
    await send(f"DU.{PROVINCE}.{c0}", {"O.XA.DANG": True})
    await send(f"DU.{PROVINCE}.{c1}", {"O.XA.DANG": False})
    await send(f"MT.{PROVINCE}.{c0}", {"O.XA.MT": 100})
    await send(f"DTN.{PROVINCE}.{c0}", {"O.XA.MT": 40})
    await send(f"CCB.{PROVINCE}.{c0}", {"O.XA.MT": 100}, hour=17)


def level(figures: list[LevelFigures], name: str) -> LevelFigures:
    return next(f for f in figures if f.level == name)


async def test_codes_names_and_hierarchy(
    session: AsyncSession, orgs: PlanDocument, communes: list[str]
) -> None:
    by_code = {
        a.code: a
        for a in await session.scalars(
            select(Agency).where(Agency.code.like("%.TW") | Agency.code.like(f"%.{PROVINCE}%"))
        )
    }
    ids = {a.id: a.code for a in by_code.values()}
    c0 = communes[0]
    assert by_code[f"DU.{PROVINCE}"].name == "Tỉnh ủy Lai Châu"
    assert ids[by_code[f"DU.{PROVINCE}"].parent_id] == "DU.TW"
    assert ids[by_code[f"DU.{PROVINCE}.{c0}"].parent_id] == f"DU.{PROVINCE}"
    assert ids[by_code[f"PN.{PROVINCE}.{c0}"].parent_id] == f"PN.{PROVINCE}"
    assert by_code["QH.TW"].name == "Văn phòng Quốc hội"
    assert f"CD.{PROVINCE}" in by_code and f"CD.{PROVINCE}.{c0}" not in by_code
    assert {a.code_status for a in by_code.values()} == {CodeStatus.provisional}
    # per commune six organisations, per province seven, eight central bodies
    local = [c for c in by_code if c.count(".") == 2]
    assert len(local) == 38 * 6
    assert len([c for c in by_code if c.endswith(".TW")]) == 8
    assert organisations.code_problem(f"DU.{PROVINCE}.{c0}") is None
    assert "sai định dạng" in (organisations.code_problem("DU.1") or "")
    assert "cấp tỉnh" in (organisations.code_problem(f"CD.{PROVINCE}.{c0}") or "")
    assert "Trung ương" in (organisations.code_problem(f"QH.{PROVINCE}") or "")


async def test_an_organisation_gets_its_own_tasks_not_the_committees(
    session: AsyncSession, orgs: PlanDocument
) -> None:
    rows = await session.execute(
        select(Task.code, Agency.kind, Assignment.bloc, func.count())
        .join(Assignment, Assignment.task_id == Task.id)
        .join(Agency, Agency.id == Assignment.agency_id)
        .where((Assignment.province_code == PROVINCE) | Assignment.province_code.is_(None))
        .group_by(Task.code, Agency.kind, Assignment.bloc)
    )
    counts = {(code, kind.value, bloc): n for code, kind, bloc, n in rows}
    assert counts[("O.XA.DANG", "party_committee", "party")] == 38
    assert counts[("O.XA.MT", "fatherland_front", "front")] == 38
    assert counts[("O.XA.MT", "mass_organisation", "front")] == 38 * 4
    assert counts[("O.TINH.DANG", "party_committee", "party")] == 1
    assert counts[("T.XA.CHK", "people_committee", "government")] == 38
    assert counts[("O.TW", "national_assembly", "government")] == 1
    assert counts[("O.TW", "mass_organisation", "front")] == 5
    assert not [k for k in counts if k[0].startswith("T.") and k[1] != "people_committee"
                and k[1] != "ministry"]  # fmt: skip
    assert not [k for k in counts if k[0].startswith("O.") and k[1] == "people_committee"]


async def test_roll_ups_per_kind_and_all_together(
    session: AsyncSession, reported: None, communes: list[str]
) -> None:
    committees = await service.summary(session, DAY, None)
    assert committees.kind == "government"
    commune = level(committees.levels, "commune")
    assert (commune.expected, commune.reported, commune.green) == (3321, 1, 1)

    party = await service.summary(session, DAY, None, "party")
    commune = level(party.levels, "commune")
    assert (commune.expected, commune.reported, commune.green, commune.yellow) == (38, 2, 1, 1)
    assert (commune.assignments_expected, commune.assignments_green) == (38, 1)
    province = level(party.levels, "province")
    assert (province.expected, province.reported, province.green) == (1, 1, 1)
    assert level(party.levels, "ministry").expected == 1  # Văn phòng Trung ương Đảng

    front = await service.summary(session, DAY, None, "front")
    commune = level(front.levels, "commune")
    assert (commune.expected, commune.reported, commune.reported_on_time) == (190, 3, 2)
    assert (commune.green, commune.yellow, commune.grey) == (1, 1, 188)

    every = await service.summary(session, DAY, None, "all")
    commune = level(every.levels, "commune")
    assert (commune.expected, commune.reported, commune.green) == (3321 + 38 + 190, 6, 3)
    assert every.total.expected == sum(f.expected for f in every.levels)

    # a province-level organisation: itself and its bloc in the province
    tinh_uy = await service.summary(session, DAY, f"DU.{PROVINCE}")
    assert tinh_uy.own_status == "green"
    assert (level(tinh_uy.levels, "commune").expected, tinh_uy.scope.kind) == (
        38, "party_committee"
    )  # fmt: skip

    grid = {row.code: row for row in await service.province_grid(session, DAY, "party")}
    assert (grid[PROVINCE].status, grid[PROVINCE].communes_expected) == ("green", 38)
    assert (grid[PROVINCE].communes_reported, grid[PROVINCE].communes_green) == (2, 1)
    assert grid["01"].status == "grey"  # Hà Nội's organisations are not loaded here
    both = {row.code: row for row in await service.province_grid(session, DAY, "all")}
    assert both[PROVINCE].status == "green"  # the People's Committee and the Tỉnh ủy
    assert both[PROVINCE].communes_expected == 38 + 38 + 190

    rows = await service.communes(session, PROVINCE, DAY, "party")
    assert len(rows) == 38 and {r.kind for r in rows} == {"party_committee"}
    first = next(r for r in rows if r.code == f"DU.{PROVINCE}.{communes[0]}")
    assert (first.status, first.code_provisional) == ("green", True)
    assert first.name.startswith("Đảng ủy ")
    assert len(await service.communes(session, PROVINCE, DAY, "all")) == 38 * 7

    silent = await service.non_reporters(session, DAY, PROVINCE, 500, kind="party")
    assert len(silent) == 36 and all(s.code.startswith(f"DU.{PROVINCE}.") for s in silent)


async def test_the_kind_filter_in_the_api(client: httpx.AsyncClient, reported: None) -> None:
    day = {"date": str(DAY)}
    summary = await client.get("/api/v1/monitoring/summary", params={**day, "kind": "party"})
    assert summary.status_code == 200 and summary.json()["kind"] == "party"
    default = await client.get("/api/v1/monitoring/summary", params=day)
    assert default.json()["kind"] == "government"
    wrong = await client.get("/api/v1/monitoring/summary", params={**day, "kind": "dang"})
    assert wrong.status_code == 422
    communes = await client.get(
        f"/api/v1/monitoring/provinces/{PROVINCE}/communes", params={**day, "kind": "front"}
    )
    assert communes.status_code == 200 and len(communes.json()) == 38 * 5
    grid = await client.get("/api/v1/monitoring/provinces", params={**day, "kind": "all"})
    assert {r["code"]: r for r in grid.json()}[PROVINCE]["communes_expected"] == 266
    trend = await client.get(
        "/api/v1/monitoring/trend",
        params={"start": str(DAY), "end": str(DAY), "kind": "party"},
    )
    assert trend.json()["points"][0]["expected"] == 38 + 1 + 1


async def test_an_organisation_reports_only_for_itself(
    session: AsyncSession,
    client: httpx.AsyncClient,
    orgs: PlanDocument,
    officers: Officers,
    communes: list[str],
) -> None:
    c0 = communes[0]
    await make_officer(session, "dang_uy_xa", None, Role.receiving_officer, f"DU.{PROVINCE}.{c0}")
    own = await login(client, "dang_uy_xa")
    committee = await login(client, "xa_a")  # an officer of c0's People's Committee
    monitor = await login(client, "tinh_gs")
    url = "/api/v1/monitoring/reports"

    async def stored() -> int:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)

    def body(unit: str, values: dict[str, Any]) -> dict[str, Any]:
        return {"unit": unit, "day": str(DAY), "values": values}

    refusals = [
        (own, body(c0, GREEN_COMMUNE), 403, "not-your-unit"),
        (own, body(f"MT.{PROVINCE}.{c0}", {"O.XA.MT": 10}), 403, "not-your-unit"),
        (committee, body(f"DU.{PROVINCE}.{c0}", {"O.XA.DANG": True}), 403, "not-your-unit"),
        (monitor, body(f"DU.{PROVINCE}.{c0}", {"O.XA.DANG": True}), 403, "not-your-unit"),
        (own, body("DU.1", {"O.XA.DANG": True}), 422, "bad-unit-code"),
        (own, body(f"CD.{PROVINCE}.{c0}", {"O.XA.MT": 1}), 422, "bad-unit-code"),
        (own, body("DU.99.99999", {"O.XA.DANG": True}), 404, "unknown-unit"),
        (own, body(f"DU.{PROVINCE}.{c0}", {"T.XA.PCT": 5}), 422, "task-not-assigned"),
    ]
    before = await stored()
    for headers, payload, status, code in refusals:
        answer = await client.post(url, json=payload, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), payload
        assert answer.json()["message"]
    assert await stored() == before
    accepted = await client.post(
        url, json=body(f"DU.{PROVINCE}.{c0}", {"O.XA.DANG": True}), headers=own
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "green" and await stored() == before + 1
    form = await client.get("/monitoring/report", params={"date": str(DAY)}, headers=own)
    assert form.status_code == 200 and "Quán triệt đến chi bộ" in form.text
    # the Party committee's report leaves the People's Committees' figures as they were
    committees = await service.summary(session, DAY, PROVINCE)
    assert level(committees.levels, "commune").reported == 0


async def test_pages_show_the_kind_and_the_provisional_code(
    client: httpx.AsyncClient, reported: None, communes: list[str]
) -> None:
    page = await client.get(f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY)})
    assert page.status_code == 200
    assert 'aria-current="true">Chính quyền' in page.text and "mã tạm" not in page.text
    party = await client.get(
        f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY), "khoi": "dang"}
    )
    assert party.status_code == 200
    assert 'aria-current="true">Đảng<' in party.text
    assert "Cấp ủy đảng" in party.text and "mã tạm" in party.text
    assert "khoi=dang" in party.text  # sorting and filtering links keep the filter
    national = await client.get("/monitoring", params={"date": str(DAY), "khoi": "tat-ca"})
    assert national.status_code == 200 and 'aria-current="true">Tất cả' in national.text
    unit = await client.get(
        f"/monitoring/units/DU.{PROVINCE}.{communes[0]}", params={"date": str(DAY)}
    )
    assert unit.status_code == 200 and "Cấp ủy đảng" in unit.text and "mã tạm" in unit.text
    wrong = await client.get("/monitoring", params={"khoi": "party"})
    assert wrong.status_code == 422


async def test_a_province_page_is_headed_by_the_province_and_the_chosen_kind(
    client: httpx.AsyncClient, session: AsyncSession, reported: None
) -> None:
    """The People's Committee heads its own page; with another kind chosen, the province and
    that kind's words do, coloured as the national map colours the province for that kind."""
    url = f"/monitoring/provinces/{PROVINCE}"

    def heading(text: str) -> str:
        found = re.search(r"<h1>(.*?)</h1>", text, re.S)
        assert found is not None
        return found.group(1)

    committee = heading((await client.get(url, params={"date": str(DAY)})).text)
    assert committee.startswith("Ủy ban nhân dân Lai Châu <span class=")
    words = {"dang": "khối Đảng", "mat-tran": "khối Mặt trận, đoàn thể",
             "tat-ca": "mọi khối đơn vị báo cáo"}  # fmt: skip
    for khoi, kind in (("dang", "party"), ("mat-tran", "front"), ("tat-ca", "all")):
        page = await client.get(url, params={"date": str(DAY), "khoi": khoi})
        assert page.status_code == 200
        grid = await service.province_grid(session, DAY, kind)
        status = next(row.status for row in grid if row.code == PROVINCE)
        assert heading(page.text).startswith(
            f'Lai Châu — {words[khoi]} <span class="status {status}">'
        ), khoi
        assert f"<title>Lai Châu — {words[khoi]}" in page.text
        assert "Ủy ban nhân dân Lai Châu" not in page.text
    english = await client.get(url, params={"date": str(DAY), "khoi": "dang", "lang": "en"})
    assert heading(english.text).startswith("Lai Châu — Party bloc <span")


@pytest.mark.browser
async def test_the_filtered_province_page_fits_390_px(
    client: httpx.AsyncClient, reported: None
) -> None:
    """Chromium at 390 px, script off: the province page filtered to every kind (the longest
    names) is no wider than the window, and the filter's links lead to the filtered page."""

    async def answer(route: Route) -> None:
        url = route.request.url.removeprefix("http://motcua.test")
        response = await client.get(url)
        await route.fulfill(status=response.status_code, body=response.content,
                            headers={"content-type": response.headers["content-type"]})  # fmt: skip

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        context = await browser.new_context(
            viewport={"width": 390, "height": 800}, java_script_enabled=False
        )
        await context.route("http://motcua.test/**", answer)
        page = await context.new_page()
        await page.goto(f"http://motcua.test/monitoring/provinces/{PROVINCE}?date={DAY}")
        await page.locator("nav.kinds a", has_text="Tất cả").click()
        await page.wait_for_url("**khoi=tat-ca**")
        widths: Any = await page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1] == 390, widths
        assert await page.locator("span.badge.provisional").count() > 0
        await browser.close()
