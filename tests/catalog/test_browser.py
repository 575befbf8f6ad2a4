"""The public catalog in a real Chromium (Debian's), driven by keyboard only."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.served import served

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str) -> Iterator[str]:
    """The app in its own process, on the seeded test database, as a person would reach it."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser)"
    ARTIFACTS.mkdir(exist_ok=True)
    with served({"MOTCUA_DATABASE_URL": database_url}) as base:
        yield base


async def test_search_and_open_a_procedure_with_the_keyboard(server: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = await browser.new_page()
        await page.goto(server + "/")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.get_by_label("Tên hoặc mã thủ tục").focus()
        await page.keyboard.type("dang ky khai sinh")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/?q=dang+ky+khai+sinh*")
        first = page.locator("ol.results li a").first
        assert "Đăng ký khai sinh" in await first.inner_text()
        await first.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/procedures/1.001193")
        assert await page.get_by_role("heading", name="Bạn không cần mang").is_visible()
        await page.screenshot(path=str(ARTIFACTS / "procedure-1.001193.png"), full_page=True)
        await browser.close()
