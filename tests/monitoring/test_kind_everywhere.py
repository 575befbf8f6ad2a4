"""The kind filter (khối) on every dashboard, API figure and export; every link of a filtered
page keeps it; the counts say what they count; a day already reported reopens on the last
version sent."""

import csv
import io
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring.schemas import PlanDocument
from tests.forms import token_in
from tests.monitoring.conftest import DAY, PASSWORD, PROVINCE, Officers
from tests.monitoring.test_organisations import orgs, reported

__all__ = ["orgs", "reported"]  # the fixtures of the organisations' tests, used here too


class Links(HTMLParser):
    """Every link target and every GET form's hidden fields of a page's main content (the
    site's own header and footer links lead off the dashboards)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.kind_switch: list[str] = []
        self.forms: list[dict[str, str]] = []
        self._in_kinds = False
        self._in_main = False
        self._form: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        if tag == "nav" and "kinds" in a.get("class", ""):
            self._in_kinds = True
        elif tag == "a" and a.get("href"):
            (self.kind_switch if self._in_kinds else self.hrefs).append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("type") == "hidden":
            self._form[a.get("name", "")] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main = False
        elif tag == "nav":
            self._in_kinds = False
        elif tag == "form":
            self._form = None


def links_of(page: str) -> Links:
    parser = Links()
    parser.feed(page)
    return parser


def monitoring_links(page: str, here: str) -> list[str]:
    """The links of a page that stay on the dashboards (not the officers' forms)."""
    out = []
    for href in links_of(page).hrefs:
        if href.startswith("?"):
            href = here + href
        path = urlsplit(href).path
        if path.startswith("/monitoring") and not path.startswith(
            ("/monitoring/report", "/monitoring/upload")
        ):
            out.append(href)
    return out


async def test_every_link_of_a_filtered_page_keeps_the_kind(
    client: httpx.AsyncClient, reported: None
) -> None:
    """From the national page filtered to the Party committees, follow every dashboard link
    (map, province table, sorting, status filters, drill-downs, exports, non-reporters, the
    checklist page, unit histories): each one keeps ``khoi=dang``, and so does every page's
    day form."""
    start = f"/monitoring?date={DAY}&khoi=dang"
    seen: set[str] = set()
    shapes: Counter[str] = Counter()  # a few links of each kind of page, not every one
    queue = [start, f"/monitoring/readiness?date={DAY}&khoi=dang"]
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        shape = re.sub(r"/(provinces|units)/[^/]+$", r"/\1/x", path)
        if url in seen or shapes[shape] >= 4:
            continue
        if path.startswith("/monitoring/provinces/") and not path.endswith(f"/{PROVINCE}"):
            continue  # one province (the fixture's organisations are in Lai Châu)
        seen.add(url)
        shapes[shape] += 1
        response = await client.get(url)
        assert response.status_code == 200, url
        if "/export/" in path:
            continue
        found = links_of(response.text)
        for form in found.forms:
            if "date" in form or "khoi" in form:
                assert form.get("khoi") == "dang", (url, form)
        for href in monitoring_links(response.text, path):
            assert parse_qs(urlsplit(href).query).get("khoi") == ["dang"], (url, href)
            key = href.split("#")[0]
            if key not in seen:
                queue.append(key)
    visited = {urlsplit(u).path for u in seen}
    assert f"/monitoring/provinces/{PROVINCE}" in visited
    assert "/monitoring/non-reporters" in visited and "/monitoring/readiness" in visited
    assert any(p.startswith("/monitoring/units/DU.") for p in visited)
    assert any(p.startswith("/monitoring/export/") for p in visited)


async def test_the_default_kind_adds_nothing_to_links(
    client: httpx.AsyncClient, reported: None
) -> None:
    page = await client.get(f"/monitoring/provinces/{PROVINCE}", params={"date": str(DAY)})
    assert page.status_code == 200
    assert all("khoi=" not in href for href in monitoring_links(page.text, "/"))


async def test_groups_milestones_and_readiness_by_kind(
    client: httpx.AsyncClient, reported: None
) -> None:
    day = {"date": str(DAY)}
    api = "/api/v1/monitoring"
    government = (await client.get(f"{api}/groups", params=day)).json()
    party = (await client.get(f"{api}/groups", params={**day, "kind": "party"})).json()
    commune = next(g for g in party if g["level"] == "commune")
    # the 38 Đảng ủy xã of Lai Châu, one green (the fixture's c0)
    assert (commune["assignments"], commune["green"]) == (38, 1)
    assert government != party
    front = (await client.get(f"{api}/groups", params={**day, "kind": "front"})).json()
    assert sum(g["assignments"] for g in front if g["level"] == "commune") == 38 * 5
    ready = (await client.get(f"{api}/readiness", params=day)).json()
    assert ready and ready[0]["national"]["met"] == 1
    assert (await client.get(f"{api}/readiness", params={**day, "kind": "party"})).json() == []
    every = (await client.get(f"{api}/readiness", params={**day, "kind": "all"})).json()
    assert every[0]["national"] == ready[0]["national"]  # only the committees have it
    span = {"start": str(DAY), "end": str(DAY)}
    for kind in ("government", "party", "front", "all"):
        answer = await client.get(f"{api}/milestones", params={**span, "kind": kind})
        assert answer.status_code == 200
    for route in ("groups", "readiness"):
        wrong = await client.get(f"{api}/{route}", params={**day, "kind": "dang"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["parameter"] == "kind"
    page = await client.get("/monitoring/readiness", params={**day, "khoi": "dang"})
    assert page.status_code == 200 and 'aria-current="true">Đảng<' in page.text
    assert "không có nhiệm vụ nào dạng danh mục điều kiện" in page.text


async def test_exports_follow_the_kind(client: httpx.AsyncClient, reported: None) -> None:
    day = {"date": str(DAY)}
    party = await client.get("/monitoring/export/provinces.csv", params={**day, "khoi": "dang"})
    assert party.status_code == 200 and "-dang-" in party.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(party.content.decode("utf-8-sig"))))
    assert rows[0][3] == "Số đảng ủy xã, phường phải báo cáo"
    lai_chau = next(r for r in rows if r[0] == PROVINCE)
    assert (lai_chau[3], lai_chau[4]) == ("38", "2")  # 38 Đảng ủy xã, two reported
    front = await client.get(
        "/monitoring/export/communes.xlsx", params={**day, "unit": PROVINCE, "khoi": "mat-tran"}
    )
    sheet = load_workbook(io.BytesIO(front.content)).active
    assert sheet is not None and sheet.max_row == 1 + 38 * 5
    assert [c.value for c in sheet[1]][:3] == ["Mã", "Đơn vị", "Loại đơn vị"]
    kinds = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert kinds == {"Mặt trận Tổ quốc", "Đoàn thể"}
    silent = await client.get(
        "/monitoring/export/non-reporters.csv",
        params={**day, "unit": PROVINCE, "khoi": "dang"},
    )
    lines = list(csv.reader(io.StringIO(silent.content.decode("utf-8-sig"))))
    assert len(lines) == 1 + 36 and {line[2] for line in lines[1:]} == {"Cấp xã"}
    wrong = await client.get("/monitoring/export/provinces.csv", params={**day, "khoi": "party"})
    assert wrong.status_code == 422
    assert "Không có khối đơn vị này" in wrong.text and "“Mặt trận, đoàn thể”" in wrong.text


async def test_the_counts_say_what_they_count(client: httpx.AsyncClient, reported: None) -> None:
    day = {"date": str(DAY)}
    words = {
        "chinh-quyen": "xã, phường xanh",
        "dang": "đảng ủy xã, phường xanh",
        "mat-tran": "tổ chức Mặt trận, đoàn thể cấp xã xanh",
        "tat-ca": "đơn vị báo cáo cấp xã xanh",
    }
    for khoi, label in words.items():
        national = await client.get("/monitoring", params={**day, "khoi": khoi})
        province = await client.get(
            f"/monitoring/provinces/{PROVINCE}", params={**day, "khoi": khoi}
        )
        for page in (national, province):
            assert page.status_code == 200
            assert f"</span>{label} (" in page.text, (khoi, label)
    party = await client.get(f"/monitoring/provinces/{PROVINCE}", params={**day, "khoi": "dang"})
    assert "Các đảng ủy xã, phường" in party.text and "</span>xã, phường xanh" not in party.text
    assert "Không có xã, phường" not in party.text


async def test_a_reported_day_reopens_on_the_last_version(
    client: httpx.AsyncClient,
    session: AsyncSession,
    plan: PlanDocument,
    communes: list[str],
    officers: Officers,
) -> None:
    await client.post(
        "/login", data={"username": "xa_a", "password": PASSWORD, "next": "/monitoring/report"}
    )
    blank = await client.get("/monitoring/report", params={"date": str(DAY)})
    assert blank.status_code == 200 and "Bạn đang sửa báo cáo" not in blank.text
    note = "Thiếu máy quét; đã đề nghị tỉnh cấp."
    for version, (items, share) in enumerate(
        [(["premises"], "40"), (["premises", "connectivity"], "62,5")], start=1
    ):
        form = await client.get("/monitoring/report", params={"date": str(DAY)})
        sent = await client.post(
            "/monitoring/report",
            data={"unit": communes[0], "day": str(DAY), "task:T.XA.CHK": items,
                  "task:T.XA.PCT": share, "note": note if version == 2 else "",
                  "csrf_token": token_in(form.text)},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
    edit = await client.get("/monitoring/report", params={"unit": communes[0], "date": str(DAY)})
    page = edit.text
    assert "Bạn đang sửa báo cáo đã gửi lúc" in page
    assert re.search(r"đã gửi lúc \d{2}:\d{2} \d{2}/\d{2}/\d{4}\.", page)
    assert 'value="premises" checked' in page and 'value="connectivity" checked' in page
    assert 'value="equipment" checked' not in page
    assert 'value="62,5"' in page and f">{note}</textarea>" in page
    other_day = await client.get(
        "/monitoring/report", params={"unit": communes[0], "date": "2025-09-11"}
    )
    assert "Bạn đang sửa báo cáo" not in other_day.text and "checked" not in other_day.text


async def test_non_reporters_come_a_page_at_a_time(
    client: httpx.AsyncClient, reported: None
) -> None:
    """Thousands of silent units: 200 a page, the next page's link keeps every choice."""
    url = "/monitoring/non-reporters"
    first = await client.get(url, params={"date": str(DAY), "khoi": "tat-ca", "sap-xep": "ten"})
    assert first.status_code == 200
    assert first.text.count("<tr><td>") == 200 and "Trang 1/" in first.text
    [after] = re.findall(r'href="([^"]+)" rel="next"', first.text)
    after = after.replace("&amp;", "&")
    query = parse_qs(urlsplit(after).query)
    assert (query["khoi"], query["sap-xep"], query["trang"]) == (["tat-ca"], ["ten"], ["2"])
    second = await client.get(after)
    assert second.status_code == 200 and "Đơn vị 201–400" in second.text
    assert 'rel="prev"' in second.text
    last = await client.get(url, params={"date": str(DAY), "trang": "1000"})
    assert last.status_code == 200 and 'rel="next"' not in last.text
    wrong = await client.get(url, params={"date": str(DAY), "trang": "hai"})
    assert wrong.status_code == 422 and "“Số trang”" in wrong.text
