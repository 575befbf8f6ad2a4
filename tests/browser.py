"""What every page test in Debian's Chromium shares: how the browser starts, where screenshots
go, and one look at a page as people reach it. A look runs axe-core (the copy bundled by the
``axe-playwright-python`` package, so nothing downloads at test time) and counts serious and
critical violations at a phone's and a desktop's width, measures horizontal scroll at 320 px,
and saves full-page screenshots at 1280 and 390 px under ``test-artifacts/`` (git-ignored) for
a person to look at."""

import os
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
BLOCKING = {"serious", "critical"}
PHONE, NARROWEST, DESKTOP = 390, 320, 1280
# The rules whose outcome a phone's layout changes (every rule runs at the desktop width): a
# table that scrolls in its box, a tap target squeezed, focus inside the folded menu.
LAYOUT = ["scrollable-region-focusable", "target-size", "aria-hidden-focus"]

_axe = Axe()
_installed = Path(CHROMIUM).exists()


async def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium (``make browser``); Playwright downloads no browser of its own. Its
    own words (file picker, date fields as dd/mm/yyyy) are Vietnamese, as a person's here."""
    assert _installed, "install Debian's chromium (make browser)"
    vietnamese = os.environ | {"LANGUAGE": "vi", "LANG": "vi_VN.UTF-8"}
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=vietnamese)


async def accessibility(page: Page, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each
    (every rule, or only ``rules``)."""
    options: dict[str, object] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = await _axe.run(page, options=options)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(
                f"{' '.join(map(str, node['target']))} {node['html'][:100]}"
                for node in violation["nodes"][:5]
            )
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


async def look(page: Page, name: str, folder: str = "journeys") -> list[str]:
    """The page as it is now: scroll at 320 px; axe-core and a screenshot at 390 px (the rules a
    phone's layout changes) and at 1280 px (every rule).

    Returns what is wrong, each line prefixed with ``name``; the window is put back as it was,
    so the journey goes on as the person left it."""
    problems: list[str] = []
    before = page.viewport_size or {"width": DESKTOP, "height": 800}
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    for width in (NARROWEST, PHONE, DESKTOP):
        await page.set_viewport_size({"width": width, "height": 800})
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name}: {scroll} px wide in a {width} px window")
        if width != NARROWEST:
            for line in await accessibility(page, LAYOUT if width == PHONE else None):
                if f"{name}: {line}" not in problems:
                    problems.append(f"{name}: {line}")
            path = target / f"{name}-{width}.png"
            await page.screenshot(path=str(path), full_page=True)
    await page.set_viewport_size(before)
    return problems
