"""The public catalog in a real Chromium (Debian's), driven by keyboard only."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str) -> Iterator[str]:
    """The app in its own process, on the seeded test database, as a person would reach it."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser)"
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    env = os.environ | {"MOTCUA_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "motcua.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/static/motcua.css", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


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
