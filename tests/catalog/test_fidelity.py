"""What the public pages claim: provisional codes badged, no internal reference labels, same-day
procedures read "Trong ngày", names as published and found by their abbreviations, legal
effective dates, and the cut-off only where a version's rules set it.

Runs on SQLite and on PostgreSQL (the suite's two databases), so the abbreviation search is
checked on both."""

import json
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import formats, service
from motcua.catalog.formats import UnreadableCatalog, essential_services
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.synthetic import SYNTHETIC_EFFECTIVE_FROM
from motcua.catalog.wording import (
    code_label,
    internal_labels,
    is_provisional,
    named_with_code,
    processing_time,
)
from motcua.core import clock
from motcua.web.templating import WEB

ESSENTIAL = essential_services().procedures
CODES = [p.code for p in ESSENTIAL]
PROVISIONAL = re.compile(r"\b0\.\d{6}\b")
# What a person must never read on a public page.
FORBIDDEN = ("DOMAIN", "UNVERIFIED", "§", "[P]", "[V", "[3P]", "motcua")
ZERO_DAYS = re.compile(r"(?<!\d)0 (?:ngày làm việc|working days)")
BADGE = '<span class="badge provisional"'


def main_of(html: str) -> str:
    """The page's own content (the layout's brand name is the product's, not a label)."""
    start = html.index('<main id="main"')
    return html[start : html.index("</main>", start)]


def unbadged_codes(html: str) -> list[str]:
    """Provisional codes printed as text without their badge or a sentence calling them so."""
    tokens = re.split(r"(<[^>]+>)", html)
    bare = []
    for i, token in enumerate(tokens):
        if token.startswith("<"):
            continue
        for found in PROVISIONAL.finditer(token):
            after = token[found.end() : found.end() + 30]
            badged = (
                tokens[i - 1] == '<span class="code">'
                and token == found.group(0)
                and tokens[i + 1] == "</span>"
                and tokens[i + 2] == " "
                and tokens[i + 3].startswith(BADGE)
            )
            if not badged and "mã tạm" not in after and "provisional" not in after:
                bare.append(found.group(0))
    return bare


def assert_plain(html: str, where: str) -> None:
    content = main_of(html)
    leaked = [label for label in FORBIDDEN if label in content] + ZERO_DAYS.findall(content)
    assert leaked == [], f"{where}: internal labels {leaked}"
    assert unbadged_codes(content) == [], f"{where}: provisional codes without a badge"


# --- the public pages of the 25 ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_every_page_of_the_25_is_plain_and_badges_provisional_codes(
    client: httpx.AsyncClient, lang: str
) -> None:
    for code in CODES:
        response = await client.get(f"/procedures/{code}", params={"lang": lang})
        assert response.status_code == 200, code
        html = response.text
        assert_plain(html, f"/procedures/{code}?lang={lang}")
        content = main_of(html)
        if is_provisional(code):
            assert content.count(BADGE) >= 2, code  # breadcrumb and the code line
            assert ("mã tạm" if lang == "vi" else "provisional code") in content
        else:
            assert BADGE not in content, code
        # The "Căn cứ" block is there, and the engineering provenance is not.
        assert 'id="basis-title"' in content
        stored = await client.get(f"/api/v1/procedures/{code}")
        assert stored.json()["provenance"] and stored.json()["provenance"][:40] not in content
    # Both result pages of the empty search hold the 25 (real procedures rank first).
    listed: set[str] = set()
    for page in (1, 2):
        response = await client.get("/", params={"page": page, "lang": lang})
        assert response.status_code == 200
        assert_plain(response.text, f"/?page={page}")
        listed |= set(re.findall(r'href="/procedures/(\d\.\d{6})"', response.text))
    assert set(CODES) <= listed


async def test_same_day_procedures_read_trong_ngay(client: httpx.AsyncClient) -> None:
    same_day = [p for p in ESSENTIAL if p.processing_days == 0]
    assert len(same_day) >= 5
    page = (await client.get("/procedures/0.000006")).text
    assert "Trong ngày" in main_of(page) and "0 ngày" not in main_of(page)
    english = (await client.get("/procedures/0.000006", params={"lang": "en"})).text
    assert "Same day" in main_of(english)
    results = (await client.get("/", params={"q": "thong bao luu tru", "lang": "vi"})).text
    assert "Thời hạn: Trong ngày" in results


async def test_the_cut_off_is_said_only_where_it_applies(client: httpx.AsyncClient) -> None:
    birth = main_of((await client.get("/procedures/1.001193")).text)
    assert "Hồ sơ nhận sau 15:00 được tính từ ngày làm việc tiếp theo." in birth
    residence = main_of((await client.get("/procedures/0.000003")).text)
    assert "Hồ sơ nhận sau 15:00" not in residence


def test_every_template_prints_a_procedure_code_with_the_badge() -> None:
    """A code printed as text (not inside a link's address) goes through catalog/code.html."""
    include = re.compile(r'\{% with code=[\w.]+ %\}\{% include "catalog/code.html" %\}')
    printed = re.compile(r"\{\{\s*(?:[\w]+\.)?(?:procedure_code|code)\s*\}\}")
    offenders = []
    for path in sorted(WEB.parent.glob("*/templates/**/*.html")):
        source = include.sub("", path.read_text("utf-8"))
        if path.name == "code.html":
            continue
        for found in printed.finditer(source):
            before = source[: found.start()]
            inside_tag = before.rfind("<") > before.rfind(">")
            expression = found.group(0)
            # In the catalog's own templates ``p`` and ``item`` are procedures.
            names_a_procedure = "procedure_code" in expression or (
                path.parent.name == "catalog" and re.search(r"\b(p|item)\.code\b", expression)
            )
            if names_a_procedure and not inside_tag:
                offenders.append(f"{path.relative_to(WEB.parent)}: {expression}")
    assert offenders == []


def test_slips_and_messages_word_codes_and_times_the_same_way() -> None:
    assert code_label("0.000003") == "0.000003 (mã tạm)"
    assert code_label("1.001193") == "1.001193"
    assert named_with_code("Đăng ký thường trú", "0.000003") == (
        "Đăng ký thường trú (mã 0.000003, mã tạm)"  # one pair of parentheses, not nested
    )
    assert named_with_code("Đăng ký khai sinh", "1.001193") == "Đăng ký khai sinh (mã 1.001193)"
    assert processing_time(0) == "Trong ngày" and processing_time(7) == "7 ngày làm việc"
    assert internal_labels("DOMAIN.md §1.1 [P] [V-local gov] [UNVERIFIED] của motcua") == [
        "DOMAIN.md",
        "§",
        "[P]",
        "[V-local gov]",
        "UNVERIFIED",
        "motcua",
    ]
    assert internal_labels("Chỉ thị 24/CT-TTg ngày 13/09/2025 (Điều 7)") == []


# --- names and search ----------------------------------------------------------------------------


def test_official_names_spell_out_press_abbreviations() -> None:
    abbreviations = re.compile(
        r"\b(ĐK|BHYT|BHXH|CCCD|CMND|GPLX|GCN|QSDĐ|HKD|UBND|LLTP|VPHC|THPT)\b"
    )
    assert [p.name for p in ESSENTIAL if abbreviations.search(p.name)] == []
    for p in ESSENTIAL:
        assert internal_labels(p.basis_note) == [], p.code
        assert p.basis_note, p.code


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dang ky khai sinh", {"1.001193", "0.000015"}),
        ("ĐK khai sinh", {"1.001193", "0.000015"}),
        ("dk khai tu", {"0.000010", "1.011537"}),
        ("BHYT", {"0.000015", "0.000017"}),
        ("bhyt tre", {"0.000015"}),
        ("bảo hiểm y tế", {"0.000015", "0.000017"}),
        ("CCCD", {"0.000001", "0.000002"}),
        ("cmnd", {"0.000001"}),
        ("GCN mau dau", {"0.000013"}),
        ("VPHC", {"0.000008"}),
        ("THPT", {"0.000022"}),
        ("QSDĐ", {"0.000019"}),
        ("qsdd", {"0.000019"}),
        ("LLTP", {"0.000021"}),
        ("GPLX", {"0.000020"}),
    ],
)
async def test_abbreviations_are_synonyms(
    session: AsyncSession, query: str, expected: set[str]
) -> None:
    page = await service.search(session, query, page_size=100)
    real = {i.code for i in page.items if not i.synthetic}
    assert expected <= real, (query, real)
    # The real procedures that match come first, so the birth group is on the first screen.
    assert {i.code for i in page.items[: len(expected)]} == expected


async def test_abbreviations_reach_the_agencies_and_synthetic_names(
    session: AsyncSession,
) -> None:
    ubnd = await service.search(session, "UBND", page_size=100)
    assert {"1.001193", "0.000010", "0.000011"} <= {i.code for i in ubnd.items}
    hkd = await service.search(session, "HKD", page_size=100)
    assert hkd.total > 0 and all("hộ kinh doanh" in i.name for i in hkd.items)
    spelled = await service.search(session, "ho kinh doanh", page_size=100)
    assert spelled.total == hkd.total


async def test_search_page_finds_the_birth_group_by_the_spelled_out_name(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/", params={"q": "dang ky khai sinh"})).text
    assert 'href="/procedures/0.000015"' in html and 'href="/procedures/1.001193"' in html
    english = (await client.get("/", params={"q": "BHYT", "lang": "en"})).text
    assert 'href="/procedures/0.000017"' in english and "provisional code" in english


# --- effective dates -----------------------------------------------------------------------------


async def test_effective_dates_are_legal_not_the_seeding_day(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    rows = (
        await session.execute(
            select(Procedure.code, ProcedureVersion.effective_from)
            .join(ProcedureVersion)
            .where(Procedure.code.in_(CODES))
        )
    ).all()
    assert {code for code, _ in rows} == set(CODES)
    assert {starts for _, starts in rows} == {date(2025, 10, 1)}
    page = main_of((await client.get("/procedures/0.000003")).text)
    assert "hiệu lực từ 01/10/2025" in page
    synthetic = main_of((await client.get("/procedures/9.000001")).text)
    assert f"hiệu lực từ {SYNTHETIC_EFFECTIVE_FROM:%d/%m/%Y} (ngày giả định của dữ liệu thử)" in (
        synthetic
    )
    assert "Đây là thủ tục tổng hợp dùng để thử hệ thống" in synthetic


NEW = {
    "code": "2.999301",
    "name": "Cấp giấy phép thử nghiệm ngày hiệu lực",
    "sector": "Thương mại",
    "levels": ["province"],
    "processing_days": 3,
    "online_level": "full",
    "synthetic": True,
}


async def test_a_past_effective_date_does_not_undo_a_later_version(session: AsyncSession) -> None:
    """A catalog seeded before legal dates existed has versions in force from the seeding day:
    importing the entry again with its legal (earlier) date changes nothing when the content is
    the same, and a changed entry takes effect today, after the version it replaces."""
    today = clock.today()
    first, _ = formats.read_text(json.dumps({"procedures": [NEW | {"effective_from": str(today)}]}))
    await service.import_document(session, first)
    legal = NEW | {"effective_from": "2025-10-01"}
    same, _ = formats.read_text(json.dumps({"procedures": [legal]}))
    assert (await service.import_document(session, same)).unchanged == ["2.999301"]
    changed, _ = formats.read_text(json.dumps({"procedures": [legal | {"processing_days": 2}]}))
    assert (await service.import_document(session, changed)).created == ["2.999301 v2"]
    current = await service.current(session, "2.999301")
    assert current.version == 2 and current.effective_from == today
    assert current.processing_days == 2


# --- the catalog document ------------------------------------------------------------------------


def test_import_refuses_internal_labels_in_the_public_basis() -> None:
    text = json.dumps(
        {"procedures": [NEW | {"basis_note": "Theo DOMAIN.md §1.1 [UNVERIFIED]."}]},
        ensure_ascii=False,
        indent=1,
    )
    with pytest.raises(UnreadableCatalog) as refused:
        formats.read_text(text)
    [problem] = refused.value.problems
    assert problem.location == "procedures[0].basis_note" and problem.line is not None
    assert "“DOMAIN.md”" in problem.message and "“§”" in problem.message


async def test_cut_off_and_basis_round_trip_through_json_and_xlsx(
    session: AsyncSession, tmp_path: Path
) -> None:
    entry = NEW | {"same_day_cutoff": True, "basis_note": "Căn cứ Chỉ thị 24/CT-TTg."}
    document, _ = formats.read_text(json.dumps({"procedures": [entry]}, ensure_ascii=False))
    await service.import_document(session, document)
    detail = await service.current(session, "2.999301")
    assert detail.same_day_cutoff is True and detail.basis_note == "Căn cứ Chỉ thị 24/CT-TTg."
    exported = await service.export_document(session)
    [mine] = [p for p in exported.procedures if p.code == "2.999301"]
    assert mine.same_day_cutoff is True and mine.basis_note == "Căn cứ Chỉ thị 24/CT-TTg."
    book = tmp_path / "catalog.xlsx"
    book.write_bytes(formats.write_xlsx(exported))
    again, _ = formats.read(book)
    [read_back] = [p for p in again.procedures if p.code == "2.999301"]
    assert read_back.same_day_cutoff is True and read_back.basis_note == mine.basis_note
    assert (await service.import_document(session, again)).created == []
