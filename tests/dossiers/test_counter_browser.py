"""The counter journey in Chromium, at a phone's width: the one-stop officer finds birth
registration, identifies Hoa (sandbox persona) by her number with the chip-card check, records
her consent, sees the e-birth notice and her records fetched, types the child's declaration,
forgets the oath (refused, nothing lost), ticks it and receives the dossier. The app is served
by uvicorn on loopback in the test's event loop, reading the test's transaction."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.app import create_app
from motcua.core.database import get_session
from motcua.dossiers.models import CounterVisit, Dossier
from motcua.identity.models import Role
from tests.browser import ARTIFACTS, CHROMIUM
from tests.dossiers.test_counter import HOA, Desk, desk  # noqa: F401  (fixture)
from tests.exchange.conftest import fetcher, registries, sandbox  # noqa: F401  (fixtures)
from tests.served import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("registries")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KEY = "to_khai_dang_ky_khai_sinh"


@pytest.fixture
async def base(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    app = create_app()

    async def request_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as own:
            try:
                yield own
                await own.commit()
            except BaseException:
                await own.rollback()
                raise

    app.dependency_overrides[get_session] = request_session
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM


async def test_the_officer_receives_a_birth_at_the_counter_on_a_phone(
    base: str,
    desk: Desk,  # noqa: F811  (the fixture imported above)
    session: AsyncSession,
    chromium: str,
) -> None:
    token = desk.cookies[Role.receiving_officer]["Cookie"].split("=", 1)[1]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 800})
        await context.add_cookies([{"name": "motcua_token", "value": token, "url": base}])
        page = await context.new_page()
        await page.goto(f"{base}/can-bo/quay")
        await page.fill("#tim", "khai sinh")
        await page.click("form.search button")
        await page.click("a[href='/can-bo/quay?ma=1.001193']")
        assert await page.input_value("#ma_thu_tuc") == "1.001193"
        await page.fill("#so_dinh_danh", HOA)
        await page.check("input[name=kiem_tra][value=chip_card]")
        await page.check("#dong_y")
        await page.click("form[method=post] button[type=submit]")
        await page.wait_for_url("**/can-bo/quay/*")
        assert "Lê Thị Hoa" in await page.inner_text("main")
        assert await page.locator("input[type=file]#file-giay_chung_sinh").count() == 0
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        await page.fill(f"#field-{KEY}-ho_ten_tre", "Phạm Gia Hân (dữ liệu tổng hợp)")
        await page.select_option(f"#field-{KEY}-quan_he", "Mẹ")
        await page.click("form[enctype] button[type=submit]")
        alert = page.locator("[role=alert]")
        assert "cam đoan" in await alert.inner_text()
        assert await page.input_value(f"#field-{KEY}-ho_ten_tre") == (
            "Phạm Gia Hân (dữ liệu tổng hợp)"
        )
        await page.check(f"#field-{KEY}-cam_doan")
        await page.click("form[enctype] button[type=submit]")
        await page.wait_for_url("**/bien-nhan")
        await page.screenshot(path=str(ARTIFACTS / "counter-receipt-390.png"), full_page=True)
        shown = await page.inner_text("main")
        await browser.close()
    visit = await session.scalar(select(CounterVisit).where(CounterVisit.citizen_number == HOA))
    assert visit is not None and visit.dossier_code is not None
    assert visit.dossier_code in shown
    dossier = await session.scalar(select(Dossier).where(Dossier.code == visit.dossier_code))
    assert dossier is not None and dossier.channel == "counter"
