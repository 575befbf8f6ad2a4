"""An officer in a real Chromium (Debian's): signs in, opens the queue, claims a dossier, all
by keyboard. The data is committed (the server is another process) and removed afterwards."""

import secrets
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, DossierEvent, DossierItem
from motcua.dossiers.schemas import SubmissionIn
from motcua.identity import service as identity
from motcua.identity.models import ApiToken, Officer, Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow.models import WorkflowCase, WorkflowVisit
from tests.browser import launch, look
from tests.catalog.test_browser import server as server
from tests.workflow.conftest import SIMPLE_ITEMS

pytestmark = pytest.mark.browser
ACTOR = "001099000088"  # this test's own applicant, so cleaning up touches nothing else
USERNAME = "wfb_mot_cua"
PASSWORD = "mat-khau-trinh-duyet"


@pytest.fixture
async def dossier_code(engine: AsyncEngine) -> AsyncIterator[str]:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        agency = await session.scalar(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code.desc())
            .limit(1)
        )
        assert agency is not None
        await identity.create_officer(
            session,
            username=USERNAME,
            full_name="Cán bộ một cửa (dữ liệu tổng hợp)",
            agency_code=agency.code,
            role=Role.receiving_officer,
            password=PASSWORD,
        )
        body = SubmissionIn.model_validate(
            {
                "procedure_code": "1.001193",
                "channel": "counter",
                "applicant": ACTOR,
                "receiving_agency": agency.code,
                "items": SIMPLE_ITEMS,
            }
        )
        result = await dossiers.submit(
            session, body, actor=ACTOR, idempotency_key=secrets.token_hex(8)
        )
        code = result.dossier.code
    yield code
    async with AsyncSession(engine) as session, session.begin():
        ids = select(Dossier.id).where(Dossier.actor_number == ACTOR)
        for table in (DossierEvent, DossierItem, WorkflowCase, WorkflowVisit):
            await session.execute(delete(table).where(table.dossier_id.in_(ids)))
        await session.execute(delete(Dossier).where(Dossier.actor_number == ACTOR))
        officer = select(Officer.id).where(Officer.username == USERNAME)
        await session.execute(delete(ApiToken).where(ApiToken.officer_id.in_(officer)))
        await session.execute(delete(Officer).where(Officer.username == USERNAME))


async def fits_a_phone(page: Page, name: str) -> list[str]:
    """At 390 and 320 px: nothing wider than the window, and no table scrolling in its own box
    (the queue is one card per dossier, every column kept and named)."""
    problems = []
    before = page.viewport_size or {"width": 1280, "height": 800}
    for width in (390, 320):
        await page.set_viewport_size({"width": width, "height": 800})
        wide = await page.evaluate(
            """() => [document.documentElement.scrollWidth, window.innerWidth,
                [...document.querySelectorAll('main table, main pre, main form, main dl')]
                  .filter(e => e.scrollWidth > e.clientWidth + 1)
                  .map(e => e.tagName + '.' + e.className)]"""
        )
        if wide[0] > wide[1]:
            problems.append(f"{name}: {wide[0]} px wide in a {wide[1]} px window")
        problems += [f"{name} at {width} px: {e} scrolls sideways" for e in wide[2]]
        labels = await page.evaluate(
            """() => [...document.querySelectorAll('table.queue td[data-label]')].map(
                td => getComputedStyle(td, '::before').content)"""
        )
        if any(label in ("none", "normal", "") for label in labels):
            problems.append(f"{name} at {width} px: a queue cell without its column's name")
    await page.set_viewport_size(before)
    return problems


async def test_officer_signs_in_and_claims_a_dossier_by_keyboard(
    server: str,
    dossier_code: str,
) -> None:
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        page = await browser.new_page()
        await page.goto(server + "/can-bo/ho-so")
        await page.wait_for_url("**/login?next=*")
        problems += await look(page, "01-login", "officer")
        await page.get_by_label("Tên đăng nhập").focus()
        await page.keyboard.type(USERNAME)
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/can-bo/ho-so")
        assert await page.get_by_role("heading", name="Hồ sơ cần xử lý").is_visible()
        problems += await look(page, "02-queue", "officer")
        problems += await fits_a_phone(page, "02-queue")
        link = page.get_by_role("link", name=dossier_code)
        await link.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"**/can-bo/ho-so/{dossier_code}")
        problems += await look(page, "03-dossier", "officer")
        problems += await fits_a_phone(page, "03-dossier")
        claim = page.get_by_role("button", name="Nhận xử lý")
        await claim.focus()
        assert await page.evaluate("document.activeElement.id") == "claim"
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"**/can-bo/ho-so/{dossier_code}?xong=claim")
        assert await page.get_by_role("status").inner_text() == "Bạn đã nhận xử lý hồ sơ."
        assert await page.get_by_role("button", name="Nhận xử lý").count() == 0
        problems += await look(page, "04-claimed", "officer")
        await browser.close()
    assert problems == [], "\n".join(problems)
