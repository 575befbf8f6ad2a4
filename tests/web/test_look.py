"""The shared look at a page (tests/browser.py) finds what it claims to: a page with an image
without a text alternative and a block wider than a phone fails it, with its screenshots
saved; the same page made right passes."""

import pytest
from playwright.async_api import async_playwright

from tests.browser import ARTIFACTS, launch, look

pytestmark = pytest.mark.browser

WRONG = """<!doctype html><html lang="vi"><head><title>Thử</title></head><body><main>
<h1>Trang thử</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="width: 700px">Rộng hơn màn hình điện thoại.</p></main></body></html>"""
RIGHT = """<!doctype html><html lang="vi"><head><title>Thử</title></head><body><main>
<h1>Trang thử</h1><img alt="Hình thử" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="max-width: 700px">Vừa màn hình điện thoại.</p></main></body></html>"""


async def test_a_look_fails_a_wrong_page_and_passes_a_right_one() -> None:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.set_content(WRONG)
        problems = await look(page, "wrong", "look")
        assert any(p.startswith("wrong: image-alt (critical)") for p in problems), problems
        assert any(p.endswith(" px wide in a 320 px window") for p in problems), problems
        assert page.viewport_size == {"width": 1280, "height": 800}  # put back as it was
        assert (ARTIFACTS / "look" / "wrong-390.png").stat().st_size > 0
        await page.set_content(RIGHT)
        assert await look(page, "right", "look") == []
        await browser.close()
