"""Whose data is read, walked in a real Chromium (Debian's) at phone width with axe: Hoa starts
birth registration, her husband is asked to confirm (the page says she waits for him, and shows
no second request form), he declines on his own page (the page says what it means and offers a
new request), he is asked again and agrees (the page says his data will be fetched). The data
is committed (the server is another process) and removed afterwards."""

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.applications.models import Application
from motcua.core.models import OutboxMessage
from motcua.exchange import registries as exchange_registries
from motcua.exchange.models import (
    AccessLogEntry,
    Consent,
    ConsentSubject,
    EvidenceItem,
    Registry,
    RegistryService,
)
from motcua.identity.citizens import SESSION_COOKIE, Citizen, encode_session
from motcua.notify.models import Notification
from motcua.sandbox import personas
from tests.browser import launch, look
from tests.exchange.conftest import LiveSandbox
from tests.served import served

pytestmark = pytest.mark.browser
HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str) -> Iterator[str]:
    with served({"MOTCUA_DATABASE_URL": database_url}) as base:
        yield base


async def _last(session: AsyncSession, column: object) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(column), 0))) or 0)  # type: ignore[call-overload]


@pytest.fixture
async def live(engine: AsyncEngine, sandbox: LiveSandbox) -> AsyncIterator[None]:
    """Registries pointing at the live sandbox, committed; everything written removed after."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        marks = {
            "outbox": await _last(session, OutboxMessage.id),
            "log": await _last(session, AccessLogEntry.seq),
            "notifications": await _last(session, Notification.id),
        }
        await exchange_registries.seed_registries(session, sandbox.url)
    yield
    async with AsyncSession(engine) as session, session.begin():
        mine = select(Consent.reference).where(Consent.actor_personal_id == HOA)
        for child in (EvidenceItem, ConsentSubject):
            await session.execute(delete(child).where(child.consent_reference.in_(mine)))
        await session.execute(delete(Consent).where(Consent.actor_personal_id == HOA))
        await session.execute(delete(Application).where(Application.actor_number == HOA))
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id > marks["outbox"]))
        await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq > marks["log"]))
        await session.execute(delete(Notification).where(Notification.id > marks["notifications"]))
        await session.execute(delete(RegistryService))
        await session.execute(delete(Registry))


async def _as(playwright_browser: object, server: str, person: str, name: str) -> Page:
    context = await playwright_browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    cookie = encode_session(Citizen(person, name, "2", 2))
    await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": server}])
    page: Page = await context.new_page()
    return page


async def _father(page: Page) -> tuple[str, str, int]:
    section = page.locator("#role-spouse")
    state = await section.get_attribute("data-state") or ""
    return state, await section.inner_text(), await section.locator("form").count()


async def test_the_mother_sees_one_state_of_the_father_at_a_time(server: str, live: None) -> None:
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        hoa = await _as(browser, server, HOA, "Lê Thị Hoa")
        await hoa.goto(server + "/du-lieu/thu-tuc/1.001193")
        await hoa.get_by_role("button", name="Tiếp tục").click()
        await hoa.get_by_role("button", name="Tôi đồng ý, lấy dữ liệu").click()
        await hoa.wait_for_url("**/nguoi-co-du-lieu")
        people = hoa.url
        state, text, forms = await _father(hoa)
        assert state == "pending" and "Đang chờ" in text and forms == 0, text
        assert "không bắt buộc" in text and "tải" not in text
        assert "chính bạn" in await hoa.locator("#role-mother").inner_text()
        problems += await look(hoa, "people-pending", "exchange")

        khanh = await _as(browser, server, KHANH, "Phạm Văn Khánh")
        await khanh.goto(server + "/du-lieu/xac-nhan")
        asking = await khanh.locator("section.confirmation .requester").inner_text()
        assert asking.startswith("Lê Thị Hoa (số định danh 079******201) đề nghị bạn")
        assert HOA not in await khanh.content()
        problems += await look(khanh, "confirmation-asked", "exchange")
        await khanh.get_by_role("button", name="Tôi không đồng ý").click()
        await hoa.goto(people)
        state, text, forms = await _father(hoa)
        assert state == "declined" and "không được đọc" in text and forms == 1, text
        assert "Đang chờ" not in text
        problems += await look(hoa, "people-declined", "exchange")

        await hoa.get_by_label("Số định danh cá nhân (12 chữ số) của người này").fill(KHANH)
        await hoa.get_by_role("button", name="Gửi yêu cầu xác nhận").click()
        await hoa.goto(people)
        state, text, forms = await _father(hoa)
        assert state == "pending" and forms == 0, text
        await khanh.goto(server + "/du-lieu/xac-nhan")
        await khanh.get_by_role("button", name="Tôi đồng ý cho đọc").click()
        await hoa.goto(people)
        state, text, forms = await _father(hoa)
        assert state == "confirmed" and "đã đồng ý" in text and forms == 0, text
        problems += await look(hoa, "people-confirmed", "exchange")
        await browser.close()
    assert problems == [], problems
