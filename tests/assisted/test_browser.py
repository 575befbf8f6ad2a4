"""An assisted filing end to end in a real Chromium (Debian's), on a phone (390 px): the helper
(made by ``motcua identity create-officer --role community_helper``) signs in, names Nguyễn
Văn An, hands over; An signs in with his own e-ID at the sandbox provider (real OpenID Connect
over HTTP) and confirms; his application runs as his own and is filed; the helper ends the
visit, which signs An out of the device, and sees the dossier's status; the indicator counts
it. Every page passes axe-core (tests/browser.py) and speaks Vietnamese."""

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from motcua.core.database import make_engine
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.browser import CHROMIUM, launch, look, record_only_procedure, run_cli
from tests.served import free_port, served

pytestmark = pytest.mark.browser
AN = "001084000101"  # Nguyễn Văn An (docs/sandbox-personas.md)
PROCEDURE = "9.990031"
PASSWORD = "mat-khau-to-cong-nghe"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


async def _extras(url: str) -> str:
    """A procedure with only registry data and a declaration; the commune agency's code."""
    engine = make_engine(url)
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        doc = record_only_procedure(PROCEDURE, "Cấp phiếu lý lịch tư pháp (dữ liệu mô phỏng)")
        document = CatalogDocument(procedures=[ProcedureDoc.model_validate(doc)])
        await catalog.import_document(session, document)
        commune = await session.scalar(
            select(Agency.code)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code)
            .limit(1)
        )
        assert commune is not None
    await engine.dispose()
    return commune


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser)"
    folder = tmp_path_factory.mktemp("assisted")
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    port = free_port()
    served_at = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "MOTCUA_DATABASE_URL": url,
        "MOTCUA_STORAGE_DIR": str(folder / "storage"),
        "MOTCUA_PUBLIC_BASE_URL": served_at,
        "MOTCUA_EID_ISSUER": f"{served_at}/sandbox/oidc",
        "MOTCUA_EXCHANGE_REGISTRIES_URL": f"{served_at}/sandbox/registries",
        "MOTCUA_SANDBOX": "true",
    }
    run_cli(env, "seed", "--synthetic", "0")
    commune = asyncio.run(_extras(url))
    run_cli(env, "identity", "create-officer", "--username", "tocongnghe.thu",
         "--agency-code", commune, "--role", "community_helper",
         "--full-name", "Thành viên Tổ công nghệ số (dữ liệu mô phỏng)",
         "--password", PASSWORD, "--personal-id", "001090099901")  # fmt: skip
    with served(env, port) as running:
        yield running


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        yield await context.new_page()
        await browser.close()


async def check(page: Page, name: str, problems: list[str]) -> None:
    assert await page.evaluate("document.documentElement.lang") == "vi"
    text = await page.evaluate("document.body.innerText")
    for pattern in (SNAKE, ISO_DATE):
        for found in set(pattern.findall(text)):
            problems.append(f"{name}: internal word “{found}”")
    problems.extend(await look(page, name, "assisted"))
    await page.set_viewport_size({"width": 390, "height": 844})


async def test_a_helper_files_with_a_citizen_who_confirms_with_his_own_eid(
    base: str, page: Page
) -> None:
    problems: list[str] = []
    await page.goto(f"{base}/login?next=/ho-tro")
    await page.fill("#username", "tocongnghe.thu")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/ho-tro")
    await check(page, "a01-helper-home", problems)
    await page.get_by_label("Số định danh cá nhân của công dân (12 chữ số)").fill(AN)
    await page.get_by_role("button", name="Bắt đầu và mời công dân xác nhận").click()
    await page.wait_for_url(re.compile(r".*/ho-tro/[0-9a-f]{32}$"))
    assert "Mời công dân đăng nhập VNeID để xác nhận" in await page.locator("main").inner_text()
    await check(page, "a02-handover", problems)

    # the hand-over: An signs in with his own e-ID at the provider and confirms
    await page.get_by_role("link", name="Công dân đăng nhập VNeID để xác nhận").click()
    await page.check(f"input[value='{AN}']")
    await page.click("button[value=allow]")
    await page.wait_for_url("**/xac-nhan")
    assert "Xin chào Nguyễn Văn An" in await page.locator("main").inner_text()
    await check(page, "a03-citizen-confirms", problems)
    await page.get_by_role("button", name="Tôi xác nhận và đồng ý được hỗ trợ").click()
    await page.wait_for_url(re.compile(r".*/ho-tro/[0-9a-f]{32}$"))
    assert "Công dân đã xác nhận lúc" in await page.locator("main").inner_text()
    await check(page, "a04-confirmed", problems)

    # his own application: consent, the registries' data, the declaration, the receipt
    await page.goto(f"{base}/du-lieu/thu-tuc/{PROCEDURE}")
    assert "Kết thúc hỗ trợ" in await page.locator("main").inner_text()
    await page.click("main form:not([action='/ho-tro/ket-thuc']) button[type=submit]")
    await page.wait_for_url("**/du-lieu/dong-y/*")
    await page.click("main form:not([action='/ho-tro/ket-thuc']) button[type=submit]")
    await page.wait_for_url("**/xem-truoc*")
    await page.click("text=Tiếp tục: điền tờ khai")
    await page.wait_for_url(re.compile(r".*/ho-so/[0-9a-f]{32}$"))
    await check(page, "a05-his-form", problems)
    await page.fill("main textarea", "Đề nghị cấp phiếu lý lịch tư pháp (dữ liệu mô phỏng)")
    await page.check("main input[type=checkbox]")
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bien-nhan")
    await check(page, "a06-his-receipt", problems)
    code = (await page.locator("main strong.code").first.inner_text()).strip()

    # the helper ends the visit: An is signed out of the device; the helper sees the status
    await page.get_by_role("button", name="Kết thúc hỗ trợ").click()
    await page.wait_for_url("**/ho-tro?da-ket-thuc=1")
    main = await page.locator("main").inner_text()
    assert code in main and "Đã tiếp nhận" in main and "Nguyễn Văn An" in main
    assert AN not in main
    await check(page, "a07-helper-list", problems)
    cookies = {c["name"] for c in await page.context.cookies()}
    assert "motcua_citizen" not in cookies and "motcua_assisted" not in cookies
    await page.goto(f"{base}/ho-so-cua-toi")
    assert "/dang-nhap" in page.url or "/login" in page.url or code not in await page.content()

    await page.goto(f"{base}/thong-ke/ho-tro-nop-ho-so")
    assert (await page.locator("#assisted-total").inner_text()).strip() == "1"
    await check(page, "a08-indicator", problems)
    assert problems == [], "\n".join(problems)
