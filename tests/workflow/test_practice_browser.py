"""Practice mode in a real Chromium (Debian's), at a phone's width: three officers of one agency
each switch into practice, and a practice dossier goes through their own pages, receive ->
assess -> approve -> sign, with the "THỰC HÀNH" band on every page; the result's public page
says it is a practice document, not valid. Every page gets a look (tests/browser.py: axe-core,
320 px, screenshots in test-artifacts/practice). The data is committed (the server is another
process) and removed afterwards."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.dossiers.models import Dossier, DossierEvent, DossierItem
from motcua.identity import service as identity
from motcua.identity.models import ApiToken, Officer, Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow.models import (
    ResultDocument,
    SupplementRequest,
    WorkflowCase,
    WorkflowVisit,
)
from tests.browser import PHONE, launch, look, storage_folder
from tests.served import served

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-thuc-hanh"
ROLES = {
    "th_mot_cua": Role.receiving_officer,
    "th_chuyen_vien": Role.handling_officer,
    "th_lanh_dao": Role.approver,
}
FOLDER = "practice"
BAND = "THỰC HÀNH"


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One storage folder (the practice certificate) for this test and the server it starts."""
    with storage_folder(tmp_path_factory.mktemp("practice-storage")) as folder:
        yield folder


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str, storage: Path) -> Iterator[str]:
    with served({"MOTCUA_DATABASE_URL": database_url, "MOTCUA_STORAGE_DIR": str(storage)}) as base:
        yield base


@pytest.fixture
async def agency_id(engine: AsyncEngine) -> AsyncIterator[int]:
    """A commune agency of its own (no other browser test uses it) with three officers."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        agency = await session.scalar(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code.desc())
            .offset(3)
            .limit(1)
        )
        assert agency is not None
        for username, role in ROLES.items():
            await identity.create_officer(
                session,
                username=username,
                full_name=f"Cán bộ {username} (dữ liệu tổng hợp)",
                agency_code=agency.code,
                role=role,
                password=PASSWORD,
            )
        found = agency.id
    yield found
    async with AsyncSession(engine) as session, session.begin():
        twin = select(Agency.id).where(Agency.practice_of_id == found)
        ids = select(Dossier.id).where(Dossier.receiving_agency_id.in_(twin))
        for table in (
            DossierEvent,
            DossierItem,
            WorkflowCase,
            WorkflowVisit,
            SupplementRequest,
            ResultDocument,
        ):
            await session.execute(delete(table).where(table.dossier_id.in_(ids)))  # type: ignore[attr-defined]
        await session.execute(delete(Dossier).where(Dossier.receiving_agency_id.in_(twin)))
        await session.execute(delete(Agency).where(Agency.practice_of_id == found))
        officers = select(Officer.id).where(Officer.username.in_(ROLES))
        await session.execute(delete(ApiToken).where(ApiToken.officer_id.in_(officers)))
        await session.execute(delete(Officer).where(Officer.username.in_(ROLES)))


async def _banded(page: Page, name: str, problems: list[str]) -> None:
    """The band is on the page, and the page passes its look."""
    band = page.get_by_role("complementary", name="Chế độ thực hành")
    assert await band.is_visible(), name
    assert BAND in await band.inner_text()
    problems += await look(page, name, FOLDER)


async def _into_practice(browser: Browser, server: str, username: str, problems: list[str]) -> Page:
    """An officer's own phone-sized window: sign in, switch into practice."""
    context = await browser.new_context(viewport={"width": PHONE, "height": 844})
    page = await context.new_page()
    await page.goto(server + "/login?next=/can-bo/thuc-hanh")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url("**/can-bo/thuc-hanh")
    assert await page.get_by_role("complementary", name="Chế độ thực hành").count() == 0
    await page.get_by_role("button", name="Bắt đầu thực hành").click()
    await page.wait_for_url("**/can-bo/ho-so")
    await _banded(page, f"{username}-01-queue", problems)
    return page


async def _new_practice_dossier(engine: AsyncEngine, agency_id: int) -> str:
    async with AsyncSession(engine) as session:
        code = await session.scalar(
            select(Dossier.code)
            .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
            .join(Agency, Agency.id == Dossier.receiving_agency_id)
            .where(
                Agency.practice_of_id == agency_id,
                Dossier.practice.is_(True),
                WorkflowCase.step_kind == "receive",
                WorkflowCase.open.is_(True),
            )
            .order_by(Dossier.id)
            .limit(1)
        )
        assert code is not None
        return code


async def _verify_code(engine: AsyncEngine, code: str) -> str:
    async with AsyncSession(engine) as session:
        found = await session.scalar(
            select(ResultDocument.verify_code)
            .join(Dossier, Dossier.id == ResultDocument.dossier_id)
            .where(Dossier.code == code)
        )
        assert found is not None
        return found


async def test_a_practice_dossier_through_the_officers_pages_with_the_band(
    server: str, agency_id: int, engine: AsyncEngine
) -> None:
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        pages = {}
        for n, username in enumerate(ROLES):
            pages[username] = await _into_practice(browser, server, username, problems)
            if n == 0:
                code = await _new_practice_dossier(engine, agency_id)
                queue = await pages[username].locator("table.queue").inner_text()
                assert code in queue
        for n, username in enumerate(ROLES, start=2):
            page = pages[username]
            await page.goto(f"{server}/can-bo/ho-so/{code}")
            await _banded(page, f"{username}-{n:02d}-dossier", problems)
            await page.get_by_role("button", name="Hoàn thành bước").click()
            await page.wait_for_url(f"**/can-bo/ho-so/{code}?xong=complete")
            await _banded(page, f"{username}-{n:02d}-done", problems)
        page = pages["th_lanh_dao"]
        await page.get_by_label("Nội dung kết quả giải quyết").fill(
            "Đồng ý (hồ sơ thực hành, dữ liệu tổng hợp)."
        )
        await page.get_by_role("button", name="Ký và phát hành kết quả").click()
        await page.wait_for_url(f"**/can-bo/ho-so/{code}?xong=sign")
        await _banded(page, "th_lanh_dao-05-signed", problems)
        await page.goto(f"{server}/verify/{await _verify_code(engine, code)}")
        verdict = await page.locator("#verdict").inner_text()
        assert "Văn bản thực hành, không có giá trị." in verdict
        await _banded(page, "th_lanh_dao-06-verify", problems)
        # Back to real work: the band is gone and the practice dossier with it.
        await page.goto(f"{server}/can-bo/thuc-hanh")
        await _banded(page, "th_lanh_dao-07-practice-page", problems)
        await page.get_by_role("button", name="Thoát chế độ thực hành").click()
        await page.wait_for_url("**/can-bo/thuc-hanh?xong=thoat")
        assert await page.get_by_role("complementary", name="Chế độ thực hành").count() == 0
        await page.goto(f"{server}/can-bo/ho-so/{code}")
        assert "hồ sơ thực hành" in await page.locator("main").inner_text()
        problems += await look(page, "th_lanh_dao-08-real-refuses-practice", FOLDER)
        await browser.close()
    assert problems == [], "\n".join(problems)
