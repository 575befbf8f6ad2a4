"""Every page of the citizen, officer and monitoring journeys in a real Chromium (Debian's), on
a phone (320 and 390 px) and a desktop: nothing wider than the window, and no internal word on
a Vietnamese page (field codes, ISO dates, English status words, parameter names).

The app runs in its own process on a SQLite file of its own, seeded as ``motcua seed`` seeds
the demo, with the sandbox registries and e-ID provider it serves itself (real HTTP)."""

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from motcua.core.database import make_engine
from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.browser import CHROMIUM, launch, look, record_only_procedure, run_cli
from tests.served import free_port, served

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "journeys"
pytestmark = pytest.mark.browser

PERSONA = "001084000101"  # Nguyễn Văn An, every registry has him (docs/sandbox-personas.md)
FEE_PROCEDURE = "9.990021"
MOTHER, FATHER = "079195000201", "079093000202"  # Lê Thị Hoa files her baby's birth; Khánh
PASSWORD = "mat-khau-hanh-trinh"

# Words a person must never read on a Vietnamese page.
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A plan's task code (``KH02.XA.01``), a digest or token in hex, a whole personal number.
TASK_CODE = re.compile(r"\b[A-Z]{2,}\d*\.[A-Z]+\.\d+\b")
HEX = re.compile(r"\b[0-9a-f]{16,}\b")
PERSONAL_NUMBER = re.compile(r"(?<![\d.\-])\d{12}(?![\d.\-])")
ENGLISH = re.compile(
    r"\b(delivered|not_found|unavailable|needs_choice|pending|accepted|rejected|received|"
    r"submitted|unpaid|paid|to_confirm|population|synthetic|request|parameter)\b",
    re.IGNORECASE,
)


@dataclass
class Demo:
    base: str
    officer: str  # username at the agency that receives the fee procedure
    reporter: str  # username at a commune, for the daily report


async def _extras(url: str) -> str:
    """A procedure with a fee (for the payment page) and two officers; returns a commune code."""
    engine = make_engine(url)
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        doc = record_only_procedure(
            FEE_PROCEDURE,
            "Cấp phiếu lý lịch tư pháp có lệ phí (dữ liệu mô phỏng)",
            fees=[{"description": "Lệ phí (dữ liệu mô phỏng)", "amount_vnd": 200000}],
        )
        document = CatalogDocument(procedures=[ProcedureDoc.model_validate(doc)])
        await catalog.import_document(session, document)
        commune = await session.scalar(
            select(Agency).where(Agency.level == AgencyLevel.commune).order_by(Agency.code).limit(1)
        )
        assert commune is not None and commune.unit_code
        centre = await session.scalar(  # where An (Hà Nội) files: the province's service centre
            select(Agency.code).where(
                Agency.kind == AgencyKind.service_centre, Agency.unit_code == "01"
            )
        )
        assert centre is not None
        for username, agency, role in (
            ("hanhtrinh.motcua", centre, Role.receiving_officer),
            ("hanhtrinh.xa", commune.code, Role.agency_admin),
        ):
            await identity.create_officer(
                session,
                username=username,
                full_name="Cán bộ thử (dữ liệu mô phỏng)",
                agency_code=agency,
                role=role,
                password=PASSWORD,
            )
        code = commune.unit_code
    await engine.dispose()
    return code


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('journeys') / 'demo.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "MOTCUA_DATABASE_URL": url,
        "MOTCUA_PUBLIC_BASE_URL": base,
        "MOTCUA_EID_ISSUER": f"{base}/sandbox/oidc",
        "MOTCUA_EXCHANGE_REGISTRIES_URL": f"{base}/sandbox/registries",
        "MOTCUA_SANDBOX": "true",
    }
    run_cli(env, "seed", "--synthetic", "0")
    run_cli(env, "monitoring", "simulate", "--days", "2")
    asyncio.run(_extras(url))
    with served(env, port) as served_base:
        yield Demo(served_base, "hanhtrinh.motcua", "hanhtrinh.xa")


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        yield page
        await browser.close()


async def check(page: Page, name: str, problems: list[str]) -> None:
    """The page as it is now: its words, then a look at each phone width and on a desktop."""
    assert await page.evaluate("document.documentElement.lang") == "vi"
    text = await page.evaluate("document.body.innerText")
    for pattern in (SNAKE, ISO_DATE, ENGLISH, TASK_CODE, HEX, PERSONAL_NUMBER):
        for found in set(pattern.findall(text)):
            problems.append(f"{name}: internal word “{found}”")
    problems.extend(await look(page, name))  # axe-core, 320 px, screenshots (tests/browser.py)


async def _answer_every_task(page: Page) -> None:
    """Done, every item ticked, a figure of 50: whatever kinds of task the day has."""
    form = page.locator("main form[method=post]")
    for fieldset in await form.locator("fieldset").all():
        ticks = fieldset.locator("input[type=radio][value=yes], input[type=checkbox]")
        for box in await ticks.all():
            await box.check()
        for figure in await fieldset.locator("input[inputmode=decimal]").all():
            await figure.fill("50")
    await form.locator("textarea[name=note]").fill("Báo cáo thử (dữ liệu mô phỏng)")


async def test_citizen_officer_and_monitoring_pages_fit_a_phone_and_speak_vietnamese(
    demo: Demo, page: Page
) -> None:
    problems: list[str] = []
    base = demo.base
    await page.goto(f"{base}/?q=ly+lich+tu+phap")
    await check(page, "01-catalog-search", problems)
    await page.goto(f"{base}/procedures/{FEE_PROCEDURE}")
    await check(page, "02-procedure", problems)

    # the citizen: e-ID sign-in (sandbox provider), consent, preview, form, receipt, payment
    await page.goto(f"{base}/du-lieu/thu-tuc/{FEE_PROCEDURE}")
    await page.check(f"input[value='{PERSONA}']")
    await page.click("button[value=allow]")
    await page.wait_for_url(f"**/du-lieu/thu-tuc/{FEE_PROCEDURE}")
    header = await page.locator("header.site").inner_text()
    assert "Nguyễn Văn An" in header and "Đăng xuất" in header and "Hồ sơ của tôi" in header
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/du-lieu/dong-y/*")
    await check(page, "03-consent", problems)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/xem-truoc*")
    await check(page, "04-preview", problems)
    await page.click("text=Tiếp tục: điền tờ khai")
    await page.wait_for_url(re.compile(r".*/ho-so/[0-9a-f]{32}$"))
    assert "Bước 3/5" in await page.locator("main").inner_text()
    await check(page, "05-form", problems)
    await page.fill("main textarea", "Đề nghị cấp phiếu lý lịch tư pháp (dữ liệu mô phỏng)")
    await page.check("main input[type=checkbox]")
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bien-nhan")
    await check(page, "06-receipt", problems)
    code = (await page.locator("main strong.code").first.inner_text()).strip()
    await page.click("text=Thanh toán phí, lệ phí")
    await page.wait_for_url("**/thanh-toan")
    assert "000201" not in await page.content()  # the QR's payload is for the bank app
    await check(page, "07-payment", problems)
    await page.goto(f"{base}/du-lieu/cua-toi")
    await check(page, "08-my-data", problems)
    await page.goto(f"{base}/tra-cuu")
    await check(page, "09-tracking", problems)
    await page.goto(f"{base}/khong-co-trang-nay")
    assert await page.locator("h1").inner_text() == "Không tìm thấy"
    await check(page, "10-not-found", problems)

    # the officer of the receiving agency: the queue and the dossier
    await page.context.clear_cookies()
    await page.goto(f"{base}/login?next=/can-bo/ho-so")
    await page.fill("#username", demo.officer)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/can-bo/ho-so*")
    header = await page.locator("header.site").inner_text()
    assert "Cán bộ một cửa" in header and "Hồ sơ của tôi" not in header
    await check(page, "11-officer-queue", problems)
    await page.goto(f"{base}/can-bo/ho-so/{code}")
    assert code in await page.locator("h1").inner_text()
    await check(page, "12-officer-dossier", problems)

    # monitoring: the national overview down to a province and one of its communes
    await page.goto(f"{base}/monitoring")
    await check(page, "13-monitoring", problems)
    # on a phone the long parts fold (task groups per level, milestones, the provinces' list,
    # the charts, the days): the page stays short
    await page.set_viewport_size({"width": 390, "height": 800})
    levels = page.get_by_role("list", name="Tỷ lệ hoàn thành theo nhóm nhiệm vụ")
    assert await levels.is_visible() and not await page.locator("#provinces-table").is_visible()
    first = levels.locator("details").first
    assert await first.locator("dl").is_hidden()
    await first.locator("summary").click()
    assert await first.locator("dl").is_visible()
    sizes = await page.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
    )
    assert sizes[0] < 4000 and sizes[1] <= 390, sizes
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.locator("main a[href^='/monitoring/provinces/01']").first.click()
    await page.wait_for_url("**/monitoring/provinces/01*")
    await check(page, "14-province", problems)
    await page.locator("main a[href^='/monitoring/units/']").first.click()
    await page.wait_for_url("**/monitoring/units/*")
    await check(page, "14-commune", problems)

    # the roadmap: on a phone each ministry is one line, its criteria folded under it
    await page.goto(f"{base}/thong-ke/lo-trinh")
    await check(page, "14-roadmap", problems)
    await page.set_viewport_size({"width": 390, "height": 800})
    ministries = page.get_by_role("list", name=re.compile("^Số thủ tục thông suốt"))
    assert await ministries.is_visible() and not await page.locator("#ministry-table").is_visible()
    first = ministries.locator("details").first
    assert await first.locator("dl").is_hidden()
    await first.locator("summary").click()
    assert await first.locator("dl").is_visible()
    sizes = await page.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
    )
    assert sizes[0] < 8000 and sizes[1] <= 390, sizes
    await page.set_viewport_size({"width": 1280, "height": 800})

    # a commune officer's daily report, on the last day the plan has tasks
    await page.context.clear_cookies()
    await page.goto(f"{base}/login?next=/monitoring/report")
    await page.fill("#username", demo.reporter)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/monitoring/report*")
    await check(page, "15-report-form", problems)
    last_day = page.locator("main a[href^='/monitoring/report?']")
    if await last_day.count():  # today is past the plan: the page offers its last day
        await last_day.first.click()
        await page.wait_for_load_state()
    await _answer_every_task(page)
    await page.click("main form[method=post] button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Đã nhận báo cáo"
    sent = await page.locator("#report-tasks").inner_text()
    assert "(nhóm " in sent and not TASK_CODE.search(sent)  # task and group names, no codes
    await check(page, "16-report-sent", problems)

    assert problems == [], "\n".join(problems)


async def _sign_in(page: Page, base: str, person: str, path: str) -> None:
    """The sandbox e-ID provider: pick a persona, come back to ``path``."""
    await page.context.clear_cookies()
    await page.goto(f"{base}/dang-nhap?next={path}")
    await page.check(f"input[value='{person}']")
    await page.click("button[value=allow]")
    await page.wait_for_url(f"**{path}")


async def test_a_mother_registers_her_babys_birth_and_the_father_confirms(
    demo: Demo, page: Page
) -> None:
    """Birth registration as the mother files it: consent, the father confirms the read of his
    data with his own e-ID, the preview, the pre-filled declaration, the receipt, her dossiers.
    (The officers' side and the supplement: tests/workflow/test_journey_browser.py.)"""
    problems: list[str] = []
    base = demo.base
    await page.goto(f"{base}/procedures/1.001193")
    await check(page, "b00-procedure", problems)
    await _sign_in(page, base, MOTHER, "/du-lieu/thu-tuc/1.001193")
    await check(page, "b01-start", problems)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/du-lieu/dong-y/*")
    await check(page, "b02-consent", problems)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/nguoi-co-du-lieu")
    waiting = await page.locator("main").inner_text()
    assert re.search(r"Đang chờ .+ xác nhận bằng tài khoản định danh điện tử", waiting), waiting
    await check(page, "b03-whose-data", problems)
    people = page.url.removeprefix(base)
    reference = people.split("/")[3]

    await _sign_in(page, base, FATHER, "/du-lieu/xac-nhan")
    await check(page, "b04-father-asked", problems)
    await page.locator(f"form[action*='{reference}'] button[value=dong-y]").click()
    await page.wait_for_url("**/du-lieu/xac-nhan?*")
    assert "Bạn đã đồng ý" in await page.locator("main").inner_text()
    await check(page, "b05-father-agreed", problems)

    await _sign_in(page, base, MOTHER, people)
    agreed = await page.locator("main").inner_text()
    assert "Phạm Văn Khánh đã đồng ý bằng tài khoản định danh điện tử" in agreed, agreed
    await page.get_by_role("button", name="Tiếp tục, lấy dữ liệu").click()
    await page.wait_for_url("**/xem-truoc")
    await check(page, "b06-preview", problems)
    await page.click("text=Tiếp tục: điền tờ khai")
    await page.wait_for_url(re.compile(r".*/ho-so/[0-9a-f]{32}$"))
    await check(page, "b07-form", problems)
    await page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Phạm Lê An Nhiên")
    await page.get_by_label("Quan hệ của người đi đăng ký với trẻ").select_option("Mẹ")
    await page.get_by_role("checkbox", name=re.compile("Tôi cam đoan")).check()
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bien-nhan")
    await check(page, "b08-receipt", problems)
    code = (await page.locator("main strong.code").first.inner_text()).strip()
    await page.goto(f"{base}/ho-so-cua-toi")
    assert code in await page.locator("main").inner_html()
    await check(page, "b09-my-dossiers", problems)
    await page.goto(f"{base}/ho-so-cua-toi/{code}")
    items = await page.locator("main").inner_text()
    assert "Tờ khai đăng ký khai sinh · Kê khai" in items  # typed, not "uploaded"
    assert "Giấy chứng sinh · Lấy từ cơ sở dữ liệu" in items
    await check(page, "b10-my-dossier", problems)
    assert problems == [], "\n".join(problems)


async def test_the_phone_menu_opens_without_javascript(demo: Demo) -> None:
    """At 320 px the menu is one "Menu" button; opened, every link is on its own line."""
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(
            viewport={"width": 320, "height": 640}, java_script_enabled=False
        )
        page = await context.new_page()
        await page.goto(f"{demo.base}/")
        assert not await page.locator("nav.main-nav").is_visible()
        # the header's full menu folds away, the page's own wide fields do not
        assert await page.locator("input#q").is_visible()
        english = page.get_by_role("link", name="English")
        box = await english.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 320  # not cut off
        await page.click("header details.compact summary")
        links = page.locator("details.compact[open] .compact-panel nav a")
        assert await links.count() >= 3
        heights = [(await links.nth(i).bounding_box() or {}).get("height", 0) for i in range(3)]
        assert all(0 < h < 60 for h in heights)  # one line each, not one word per line
        await page.screenshot(path=str(ARTIFACTS / "00-menu-320.png"), full_page=True)
        await page.goto(f"{demo.base}/tra-cuu")
        assert await page.locator("input#code").is_visible()
        await browser.close()
