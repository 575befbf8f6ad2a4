"""The public catalog in a real Chromium (Debian's), driven by keyboard only; every page it
passes gets a look (tests/browser.py: axe-core, 320 px, screenshots in test-artifacts/catalog)."""

from collections.abc import Iterator

import pytest
from playwright.async_api import async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser import launch, look
from tests.served import served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str) -> Iterator[str]:
    """The app in its own process, on the seeded test database, as a person would reach it."""
    with served({"MOTCUA_DATABASE_URL": database_url}) as base:
        yield base


async def test_search_and_open_a_procedure_with_the_keyboard(server: str) -> None:
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        page = await browser.new_page()
        await page.goto(server + "/")
        problems += await look(page, "01-home", "catalog")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.get_by_label("Tên hoặc mã thủ tục").focus()
        await page.keyboard.type("dang ky khai sinh")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/?q=dang+ky+khai+sinh*")
        problems += await look(page, "02-search", "catalog")
        first = page.locator("ol.results li a").first
        assert "Đăng ký khai sinh" in await first.inner_text()
        await first.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/procedures/1.001193")
        assert await page.get_by_role("heading", name="Bạn không cần mang").is_visible()
        problems += await look(page, "03-procedure", "catalog")
        await browser.close()
    assert problems == [], "\n".join(problems)
