"""An accepted offer in a real Chromium (Debian's), on a phone-sized window: the health registry
publishes the e-birth notice of Hoa's baby, the platform reads the feed, Hoa finds the offer in
"Hồ sơ của tôi", sees the combination pre-selected (all three procedures), types the baby's
name, forgets the oath (refused, nothing typed lost), swears; the offer waits for her husband
Khánh, the child's father, who agrees on his own phone; filed by the worker, she lands on the
birth group's one timeline. axe-core on each page. The data is committed (the server is
another process) and removed afterwards."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import async_playwright
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.applications.models import Application
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.catalog.models import Procedure, ProcedureGroup, ProcedureVersion, Requirement
from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierItem,
    RegistrationClaim,
    Upload,
)
from motcua.exchange import registries as exchange_registries
from motcua.exchange.models import (
    AccessLogEntry,
    Consent,
    ConsentSubject,
    EvidenceItem,
    Registry,
    RegistryService,
)
from motcua.groups.models import GroupEvent, GroupFiling, GroupMember
from motcua.identity.citizens import SESSION_COOKIE, Citizen, encode_session
from motcua.notify.models import Notification
from motcua.offers import (
    events,
    tasks,  # noqa: F401  (the outbox handler that files an offer again)
)
from motcua.offers.models import FeedCursor, Offer, RegistryEvent
from motcua.sandbox import personas
from motcua.workflow.models import WorkflowCase, WorkflowVisit
from tests.browser import ARGS, ARTIFACTS, CHROMIUM, look
from tests.exchange.conftest import LiveSandbox
from tests.served import served

pytestmark = pytest.mark.browser
HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
NAME = "Lê Thị Hoa"
BABY = "Phạm Lê Minh Anh"


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str) -> Iterator[str]:
    with served({"MOTCUA_DATABASE_URL": database_url}) as base:
        yield base


async def _last(session: AsyncSession, column: object) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(column), 0))) or 0)  # type: ignore[call-overload]


@pytest.fixture
async def offer_id(engine: AsyncEngine, sandbox: LiveSandbox) -> AsyncIterator[str]:
    """Registries pointing at the live sandbox and Hoa's offer, committed; all removed after."""
    assert sandbox.state.feed is not None
    sandbox.state.feed.deliveries.clear()
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        marks = {
            "outbox": await _last(session, OutboxMessage.id),
            "log": await _last(session, AccessLogEntry.seq),
            "notifications": await _last(session, Notification.id),
        }
        await exchange_registries.seed_registries(session, sandbox.url)
        await catalog.import_document(session, life_event_groups())
        async with httpx.AsyncClient(base_url=sandbox.url) as control:
            published = await control.post("/_events", json={"kind": "birth", "personal_id": HOA})
            assert published.status_code == 200
        [result] = [r for r in await events.poll_all(session) if r.registry == "health"]
        assert result.offered == 1
        offer = await session.scalar(select(Offer).where(Offer.person_personal_id == HOA))
        assert offer is not None
        found = offer.id
    yield found
    sandbox.state.feed.deliveries.clear()
    async with AsyncSession(engine) as session, session.begin():
        filings = select(GroupFiling.id).where(GroupFiling.actor_number == HOA)
        for table in (GroupEvent, GroupMember):
            await session.execute(delete(table).where(table.filing_id.in_(filings)))  # type: ignore[attr-defined]
        await session.execute(delete(GroupFiling).where(GroupFiling.actor_number == HOA))
        await session.execute(delete(RegistrationClaim))
        await session.execute(delete(ProcedureGroup))
        members = select(Procedure.id).where(Procedure.code.like("0.0001%"))
        versions = select(ProcedureVersion.id).where(ProcedureVersion.procedure_id.in_(members))
        await session.execute(delete(Requirement).where(Requirement.version_id.in_(versions)))
        await session.execute(delete(ProcedureVersion).where(ProcedureVersion.id.in_(versions)))
        await session.execute(delete(Procedure).where(Procedure.id.in_(members)))
        ids = select(Dossier.id).where(Dossier.actor_number == HOA)
        for table in (DossierEvent, DossierItem, WorkflowCase, WorkflowVisit):
            await session.execute(delete(table).where(table.dossier_id.in_(ids)))  # type: ignore[attr-defined]
        await session.execute(delete(Dossier).where(Dossier.actor_number == HOA))
        await session.execute(delete(Upload).where(Upload.owner_number == HOA))
        await session.execute(delete(Application).where(Application.actor_number == HOA))
        mine = select(Consent.reference).where(Consent.actor_personal_id == HOA)
        for child in (EvidenceItem, ConsentSubject):
            await session.execute(delete(child).where(child.consent_reference.in_(mine)))
        await session.execute(delete(Consent).where(Consent.actor_personal_id == HOA))
        await session.execute(delete(Offer))
        await session.execute(delete(RegistryEvent))
        await session.execute(delete(FeedCursor))
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id > marks["outbox"]))
        await session.execute(delete(AccessLogEntry).where(AccessLogEntry.seq > marks["log"]))
        await session.execute(delete(Notification).where(Notification.id > marks["notifications"]))
        await session.execute(delete(RegistryService))
        await session.execute(delete(Registry))


async def test_a_mother_accepts_the_birth_offer_on_her_phone(
    server: str, offer_id: str, engine: AsyncEngine
) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        cookie = encode_session(Citizen(HOA, NAME, "2", 2))
        await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": server}])
        page = await context.new_page()
        await page.goto(server + "/ca-nhan")  # where signing in lands: the offer is there too
        here = page.locator("#offers")
        assert "Chờ bạn xác nhận" in await here.inner_text()
        assert await here.get_by_role("link", name="Xem và xác nhận").count() == 1
        assert await here.get_by_role("button", name="Từ chối đề nghị").count() == 1
        problems = await look(page, "offer-personal-page", "offers")
        await page.goto(server + "/ho-so-cua-toi")
        offers = page.locator("#offers")
        assert "Chờ bạn xác nhận" in await offers.inner_text()
        assert "20/09/2025" in await offers.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "offer-mine-390.png"), full_page=True)
        await offers.get_by_role("link", name="Đăng ký khai sinh cho con").click()
        await page.wait_for_url(f"**/de-nghi/{offer_id}")
        facts = await page.locator("#facts").inner_text()
        assert "Nữ" in facts and "20/09/2025" in facts
        assert "Mẹ" in await page.locator("#prefilled").inner_text()
        assert HOA not in await page.content()
        assert await page.evaluate("document.querySelector('main').scrollWidth") <= 390
        chosen = page.get_by_label("Cả 3 thủ tục: khai sinh, thường trú và thẻ bảo hiểm y tế")
        assert await chosen.is_checked()
        problems += await look(page, "offer-page", "offers")
        await page.screenshot(path=str(ARTIFACTS / "offer-page-390.png"), full_page=True)
        await page.get_by_label("Họ, chữ đệm và tên của trẻ").fill(BABY)
        await page.get_by_role("button", name="Xác nhận và nộp hồ sơ").click()
        alert = page.get_by_role("alert")
        assert "Hãy đánh dấu" in await alert.inner_text()
        assert await page.get_by_label("Họ, chữ đệm và tên của trẻ").input_value() == BABY
        assert await chosen.is_checked()
        problems += await look(page, "offer-refused", "offers")
        await page.get_by_label("Tôi cam đoan", exact=False).check()
        await page.get_by_role("button", name="Xác nhận và nộp hồ sơ").click()
        # her husband, the child's father, has to confirm the read of his data first
        await page.wait_for_url(f"**/de-nghi/{offer_id}")
        waiting = await page.locator("#offer-message").inner_text()
        assert "Đang chờ Phạm Văn Khánh" in waiting and "nộp tự động" in waiting
        assert await page.get_by_role(
            "button", name="Nộp ngay, không chờ người cha xác nhận"
        ).count()
        assert await page.evaluate("document.querySelector('main').scrollWidth") <= 390
        problems += await look(page, "offer-waiting", "offers")
        await page.screenshot(path=str(ARTIFACTS / "offer-waiting-390.png"), full_page=True)
        await page.goto(server + "/ho-so-cua-toi")
        assert "Đang chờ người cha xác nhận" in await page.locator("#offers").inner_text()
        # Khánh, on his own phone, signed in with his own e-ID, agrees
        his = await browser.new_context(viewport={"width": 390, "height": 844})
        mine = encode_session(Citizen(KHANH, "Phạm Văn Khánh", "2", 2))
        await his.add_cookies([{"name": SESSION_COOKIE, "value": mine, "url": server}])
        father = await his.new_page()
        await father.goto(server + "/du-lieu/xac-nhan")
        # the request names her as her e-ID gave it when she confirmed, her number masked
        asking = await father.locator("section.confirmation .requester").first.inner_text()
        assert asking.startswith(f"{NAME} (số định danh 079******201) đề nghị bạn cho phép đọc")
        assert HOA not in await father.content()
        assert await father.evaluate("document.querySelector('main').scrollWidth") <= 390
        problems += await look(father, "offer-father-asked", "offers")
        await father.screenshot(path=str(ARTIFACTS / "offer-father-asked-390.png"), full_page=True)
        await father.get_by_role("button", name="Tôi đồng ý cho đọc").first.click()
        await father.wait_for_load_state()
        await his.close()
        # the worker files the offer by itself
        assert await outbox.run_until_idle(async_sessionmaker(engine, expire_on_commit=False))
        await page.goto(server + f"/de-nghi/{offer_id}")
        await page.wait_for_url("**/ho-so-lien-thong/*")
        main = await page.locator("main").inner_text()
        assert "Đang giải quyết" in main and "Chờ kết quả của thủ tục trước" in main
        assert "Đăng ký khai sinh" in main and "Công an" in main and "Bảo hiểm xã hội" in main
        waiting = await page.locator("#member-thuong_tru .member-due").inner_text()
        assert "Bắt đầu khi thủ tục đăng ký khai sinh có kết quả" in waiting
        assert "2 ngày làm việc" in waiting
        problems += await look(page, "offer-group", "offers")
        await page.screenshot(path=str(ARTIFACTS / "offer-filed-390.png"), full_page=True)
        await page.locator("#member-khai_sinh a").click()
        await page.wait_for_url("**/ho-so-cua-toi/*")
        group = await page.locator("#group").inner_text()
        assert "Thuộc nhóm thủ tục" in group and "thủ tục thứ 1 trong 3" in group
        problems += await look(page, "offer-member", "offers")
        await page.locator("#group a").click()
        await page.wait_for_url("**/ho-so-lien-thong/*")
        await page.goto(server + "/ho-so-cua-toi")
        assert await page.locator("#offers").count() == 0
        await browser.close()
    assert problems == [], problems
    async with AsyncSession(engine) as session:
        offer = await session.get(Offer, offer_id)
        assert offer is not None and offer.state == "filed" and offer.dossier_code
        filing = await session.scalar(select(GroupFiling).where(GroupFiling.actor_number == HOA))
        assert filing is not None and filing.code == offer.dossier_code
        assert filing.combination == "ba-trong-mot" and offer.answers["ho_ten_tre"] == BABY
