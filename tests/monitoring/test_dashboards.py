"""Monitoring read at a glance: the tile-grid map (34 tiles in the API's colours, laid out by
geography), the day-by-day colour charts and the milestone chart (their points are the API's
figures), the provinces table filtered and sorted by links, the plans' period and why a day has
nothing due, English statuses, and the pages at 320 px in Chromium without script."""

import re
from datetime import date, timedelta
from itertools import combinations, pairwise
from typing import Any

import httpx
import pytest
from playwright.async_api import Route, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Province
from vietnamadminunits.database import get_data

from motcua.core.text import fold
from motcua.monitoring import charts
from motcua.monitoring.schemas import PlanDocument
from motcua.monitoring.trends import StatusPoint
from tests.monitoring.conftest import DAY, PROVINCE
from tests.monitoring.test_progress import commune_values, grouped, send

__all__ = ["grouped"]  # the fixture, used by name
HANOI, HCMC = "01", "79"
START = date(2025, 7, 1)  # the test plan's first day
TILE = re.compile(
    r'<a href="/monitoring/provinces/(\d\d)\?date=[^"]+" aria-label="([^"]+)" data-code="\d\d" '
    r'data-status="(\w+)"><title>[^<]+</title>\s*<rect [^>]*class="(\w+)"/>'
)
CHART = re.compile(
    r'<figure class="chart">\s*<figcaption><strong>([^<]+)</strong>(.*?)</figure>', re.S
)
AREA = re.compile(r'<polygon class="(\w+)" points="([^"]+)"/>')
ROW = re.compile(r'<tr><td><a href="/monitoring/provinces/(\d\d)\?[^"]*">([^<]+)</a></td>\s*'
                 r'<td><span class="status (\w+)">')  # fmt: skip


def coords(points: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in points.split())]


def top_at(points: str, x: float) -> float:
    """The height of a step shape over ``x``: the horizontal edge above that point."""
    line = coords(points)
    for (x1, y1), (x2, y2) in pairwise(line[1:]):
        if y1 == y2 and x1 <= x <= x2:
            return y1
    raise AssertionError(f"no step over {x}")


def test_the_tile_grid_places_the_34_provinces_by_their_geography() -> None:
    layout = charts.layout()
    official = {f"{int(p.code):02d}" for p in Province.iter_all()}
    assert set(layout.provinces) == official and len(official) == 34
    places = [(p.row, p.col) for p in [*layout.provinces.values(), *layout.islands]]
    assert len(set(places)) == len(places)  # one tile per place
    centre = {r["provinceCode"]: (r["provinceLat"], r["provinceLon"])
              for r in get_data(["provinceCode", "provinceLat", "provinceLon"])}  # fmt: skip
    for (a, pa), (b, pb) in combinations(layout.provinces.items(), 2):
        if pa.row - pb.row >= 2:
            assert centre[a][0] < centre[b][0], (a, b)  # two rows lower: further south
        elif pa.row == pb.row and pa.col < pb.col:
            assert centre[a][1] < centre[b][1], (a, b)  # one row: west to east


def test_chart_geometry_is_the_shares_and_counts_given() -> None:
    day = date(2025, 9, 1)
    points = [
        StatusPoint(day=day, expected=0, green=0, yellow=0, red=0, grey=0),
        StatusPoint(day=day + timedelta(1), expected=4, green=1, yellow=1, red=1, grey=1),
        StatusPoint(day=day + timedelta(2), expected=4, green=4, yellow=0, red=0, grey=0),
    ]
    chart = charts.share_chart(points, width=300, height=100)
    areas = {a.status: a.points for a in chart.areas}
    assert [a.status for a in chart.areas] == ["grey", "red", "yellow", "green"]  # back to front
    assert [top_at(areas[s], 150) for s in ("green", "yellow", "red", "grey")] == [75, 50, 25, 0]
    assert top_at(areas["grey"], 50) == 100  # nothing expected: nothing drawn
    assert top_at(areas["green"], 250) == 0 and chart.last == points[-1]
    # reports on the 2nd, 3rd and 4th day of five: a count holds until the next one
    met = [(day + timedelta(n), m, 34) for n, m in ((1, 0), (2, 24), (3, 34))]
    counts = charts.count_chart(met, day, day + timedelta(4), width=500, height=68)
    assert coords(counts.line) == [(0, 68), (200, 68), (200, 20), (300, 20), (300, 0), (500, 0)]


@pytest.fixture
async def reported(session: AsyncSession, grouped: PlanDocument, communes: list[str]) -> None:
    """Lai Châu done (green) for three days; Hà Nội not yet (yellow); Hồ Chí Minh City done
    on the day; a commune meeting the checklist (green), one not (yellow)."""
    for back in (2, 1, 0):
        await send(session, PROVINCE, DAY - timedelta(back), {"G.TINH.YN": True})
    await send(session, HANOI, DAY, {"G.TINH.YN": False})
    await send(session, HCMC, DAY, {"G.TINH.YN": True})
    await send(session, communes[0], DAY, commune_values(True))
    await send(session, communes[1], DAY, commune_values(False))


async def test_the_map_and_the_charts_draw_the_apis_figures(
    client: httpx.AsyncClient, reported: None
) -> None:
    params = {"date": str(DAY)}
    page = await client.get("/monitoring", params=params)
    assert page.status_code == 200
    api = {
        p["code"]: p
        for p in (await client.get("/api/v1/monitoring/provinces", params=params)).json()
    }
    tiles = TILE.findall(page.text)
    assert len(tiles) == 34 and {code for code, *_ in tiles} == set(api)
    for code, label, status, fill in tiles:
        assert status == fill == api[code]["status"]
        assert label == f"{api[code]['name']}: " + {"green": "Xanh", "yellow": "Vàng",
                                                   "grey": "Chưa báo cáo"}[status]  # fmt: skip
    assert {c: s for c, _, s, _ in tiles if s != "grey"} == {PROVINCE: "green", HCMC: "green",
                                                            HANOI: "yellow"}  # fmt: skip
    assert "Hoàng Sa" in page.text and "Trường Sa" in page.text

    found = {title: body for title, body in CHART.findall(page.text)}
    assert set(found) == {"Bộ, cơ quan", "Cấp tỉnh", "Cấp xã"}
    days = (DAY - START).days + 1
    column = 600 / days
    for when in (DAY - timedelta(2), DAY):
        summary = (
            await client.get("/api/v1/monitoring/summary", params={"date": str(when)})
        ).json()
        x = ((when - START).days + 0.5) * column
        for level in summary["levels"]:
            title = {"ministry": "Bộ, cơ quan", "province": "Cấp tỉnh", "commune": "Cấp xã"}
            areas = dict(AREA.findall(found[title[level["level"]]]))
            below = 0
            for status in ("green", "yellow", "red", "grey"):
                below += level[status]
                wanted = round(120 * (1 - below / level["expected"]), 2)
                assert top_at(areas[status], x) == pytest.approx(wanted), (when, level, status)
    province = found["Cấp tỉnh"]
    assert "xanh 2, vàng 1, đỏ 0, chưa báo cáo 31 / 34" in province

    milestones = await client.get(
        "/api/v1/monitoring/milestones", params={"start": str(START), "end": str(DAY)}
    )
    [milestone] = milestones.json()
    points = [(p["met"], p["expected"]) for p in milestone["points"]]
    assert points == [(1, 34), (1, 34), (2, 34)]
    line = re.search(r'class="counts"[^>]*>\s*<polygon class="area" points="[^"]+"/>'
                     r'<polyline class="line" points="([^"]+)"/>', page.text)  # fmt: skip
    assert line is not None
    # on a time axis over the plan's days: nothing until the first day with reports
    steps = coords(line.group(1))
    heights = [round(60 * (1 - met / 34), 2) for met in (1, 1, 2, 2)]
    assert [y for _, y in steps] == [60, 60, *heights]
    first = (DAY - timedelta(2) - START).days * 300 / ((DAY - START).days + 1)
    assert steps[1][0] == pytest.approx(first, abs=0.01)
    assert f"{milestone['title']}: 08/09/2025 1/34, 10/09/2025 2/34" in page.text


async def test_the_provinces_table_filters_and_sorts_by_links(
    client: httpx.AsyncClient, reported: None
) -> None:
    url, day = "/monitoring", {"date": str(DAY)}
    worst_first = ROW.findall((await client.get(url, params=day)).text)
    assert len(worst_first) == 34 and worst_first[0][0] == HANOI
    assert {code for code, _, _ in worst_first[-2:]} == {PROVINCE, HCMC}
    green = await client.get(url, params={**day, "trang-thai": "green"})
    assert sorted(code for code, _, _ in ROW.findall(green.text)) == [PROVINCE, HCMC]
    assert "Xanh: 2" in green.text and "Vàng: 1" in green.text and "Chưa báo cáo: 31" in green.text
    search = await client.get(url, params={**day, "tim": "HA NOI"})
    assert [name for _, name, _ in ROW.findall(search.text)] == ["Thành phố Hà Nội"]
    by_name = [
        n for _, n, _ in ROW.findall((await client.get(url, params={**day, "sap-xep": "ten"})).text)
    ]
    assert by_name[0] == "An Giang" and len(by_name) == 34
    by_share = ROW.findall((await client.get(url, params={**day, "sap-xep": "xa-xanh"})).text)
    assert by_share[-1][0] == PROVINCE  # the only province with a green commune
    assert 'href="/monitoring?date=2025-09-10&amp;trang-thai=green&amp;sap-xep=ten' in green.text
    nothing = await client.get(url, params={**day, "tim": "<không có>"})
    assert (
        nothing.status_code == 200 and "Không có tỉnh, thành phố nào khớp bộ lọc." in nothing.text
    )
    assert "<không có>" not in nothing.text

    for bad in ({"sap-xep": "ma"}, {"trang-thai": "blue"}, {"tim": "x" * 101},
                {"date": "2025-02-30"}):  # fmt: skip
        refused = await client.get(url, params={**day, **bad})
        assert refused.status_code == 422, bad
        assert "chưa đúng" in refused.text and "Traceback" not in refused.text


async def test_the_plans_period_and_days_with_nothing_due(
    client: httpx.AsyncClient, reported: None
) -> None:
    during = await client.get("/monitoring", params={"date": str(DAY)})
    assert "Kế hoạch thử nghiệm: từ 01/07/2025 đến 31/12/2025." in during.text
    assert "không có nhiệm vụ phải báo cáo" not in during.text
    after = await client.get("/monitoring", params={"date": "2026-01-10"})
    assert after.status_code == 200
    assert "Ngày 10/01/2026 không có nhiệm vụ phải báo cáo." in after.text
    assert (
        "Kế hoạch đã kết thúc ngày 31/12/2025." in after.text and "?date=2025-12-31" in after.text
    )
    # the plan's days, up to its end (a phone's folded copy repeats the same three)
    assert len(set(CHART.findall(after.text))) == 3
    before = await client.get(f"/monitoring/provinces/{PROVINCE}", params={"date": "2025-06-01"})
    assert before.status_code == 200
    assert "Kế hoạch bắt đầu ngày 01/07/2025." in before.text and not CHART.findall(before.text)


async def test_english_mode_translates_statuses_levels_and_legends(
    client: httpx.AsyncClient, reported: None
) -> None:
    english = await client.get("/monitoring", params={"date": str(DAY), "lang": "en"})
    text = english.text
    labels = {label.split(": ")[-1] for _, label, _, _ in TILE.findall(text)}
    assert labels == {"Green", "Yellow", "Not reported"}
    assert {title for title, _ in CHART.findall(text)} == {
        "Ministries and agencies",
        "Province level",
        "Commune level",
    }
    for vietnamese in (">Xanh<", "Vàng:", "Chưa báo cáo", "Cấp tỉnh", "Trạng thái theo ngày"):
        assert vietnamese not in text, vietnamese
    assert "green 2, yellow 1, red 0, not reported 31 / 34 units" in text
    ended = await client.get("/monitoring", params={"date": "2026-01-10", "lang": "en"})
    assert "The plan ended on 31/12/2025." in ended.text
    # the choice is remembered (a cookie) until Vietnamese is chosen again
    province = await client.get(f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY)})
    assert ">Green</span>" in province.text and "Commune level" in province.text
    back = await client.get(
        f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY), "lang": "vi"}
    )
    assert ">Xanh</span>" in back.text and ">Green</span>" not in back.text


@pytest.mark.browser
async def test_national_and_province_pages_fit_320_px_without_script(
    client: httpx.AsyncClient, reported: None
) -> None:
    """Chromium (Debian's) reads the pages the app serves (answered in-process, so the test's
    data is what it sees), script off, at 320 px: nothing wider than the window."""

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
            viewport={"width": 320, "height": 640}, java_script_enabled=False
        )
        await context.route("http://motcua.test/**", answer)
        page = await context.new_page()
        for path in (f"/monitoring?date={DAY}", f"/monitoring/provinces/{PROVINCE}?date={DAY}"):
            await page.goto(f"http://motcua.test{path}")
            widths: Any = await page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1] == 320, (path, widths)
        await page.goto(f"http://motcua.test/monitoring?date={DAY}")
        tile = page.locator(f'svg.tilemap a[data-code="{HANOI}"]')
        box = await tile.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        await tile.click()
        await page.wait_for_url(f"**/monitoring/provinces/{HANOI}?date={DAY}")
        assert "Thành phố Hà Nội" in await page.locator("h1").inner_text()
        await browser.close()


async def test_non_reporters_by_name_level_and_province_not_codes(
    client: httpx.AsyncClient, reported: None
) -> None:
    url, day = "/monitoring/non-reporters", {"date": str(DAY)}
    silent = await client.get(url, params={**day, "cap": "province"})
    assert silent.status_code == 200
    names = re.findall(r"<tr><td>([^<]+)</td><td>Cấp tỉnh</td>", silent.text)
    assert len(names) == 31 and "Ủy ban nhân dân Thành phố Hà Nội" not in names
    assert "Cấp xã: 3.319" in silent.text and "Cấp tỉnh: 31" in silent.text
    by_name = await client.get(url, params={**day, "cap": "province", "sap-xep": "ten"})
    ordered = re.findall(r"<tr><td>([^<]+)</td><td>Cấp tỉnh</td>", by_name.text)
    assert sorted(ordered, key=fold) == ordered and set(ordered) == set(names)
    communes = await client.get(url, params={**day, "unit": PROVINCE, "cap": "commune"})
    assert communes.text.count("<td>Lai Châu</td>") == 36  # the province by name
    assert "<th>Mã</th>" not in communes.text
    for bad in ({"cap": "xa"}, {"sap-xep": "ma"}):
        refused = await client.get(url, params={**day, **bad})
        assert refused.status_code == 422 and "chưa đúng" in refused.text
