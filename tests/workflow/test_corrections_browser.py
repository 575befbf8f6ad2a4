"""A supplement request on the birth declaration the citizen typed online, in a real Chromium
(Debian's): the officer asks for the declaration; the citizen, on a phone-sized window, finds it
filled with what was filed, is refused per field (nothing typed lost), corrects the child's name
and swears the oath again; the officer reads the corrected answers. Every page gets a look
(tests/browser.py: axe-core, 320 px, screenshots in test-artifacts/correction). The data is
committed (the server is another process) and removed afterwards."""

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.dossiers import service as dossiers
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import Dossier, DossierItem, DossierState
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange.models import EvidenceItem
from motcua.identity import service as identity
from motcua.identity.citizens import SESSION_COOKIE, Citizen, encode_session
from motcua.identity.models import Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.browser import launch, look, remove_applicant, storage_folder
from tests.fetched import fetched_evidence
from tests.served import served
from tests.workflow.conftest import CHILD, pdf_bytes

pytestmark = pytest.mark.browser
APPLICANT = "001099000068"  # this test's own applicant, so cleaning up touches nothing else
NAME = "Lê Thị Sửa"
PASSWORD = "mat-khau-khai-lai"
OFFICER = "kl_mot_cua"
FOLDER = "correction"  # test-artifacts/correction: each step at 1280 and 390 px
DECLARATION = "to_khai_dang_ky_khai_sinh"
FILED_NAME = "Lê Minh Nhầm (dữ liệu tổng hợp)"
CORRECTED = "Lê Minh Đúng (dữ liệu tổng hợp)"


def _field(name: str) -> str:
    return f"#field-{DECLARATION}-{name}"


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with storage_folder(tmp_path_factory.mktemp("correction-storage")) as folder:
        yield folder


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str, storage: Path) -> Iterator[str]:
    with served({"MOTCUA_DATABASE_URL": database_url, "MOTCUA_STORAGE_DIR": str(storage)}) as base:
        yield base


@pytest.fixture
async def dossier_code(engine: AsyncEngine, storage: Path) -> AsyncIterator[str]:
    """A birth registration filed online: the declaration typed (with its printed PDF), the
    rest read from the registries."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        agency = await session.scalar(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code.desc())
            .offset(2)
            .limit(1)
        )
        assert agency is not None
        await identity.create_officer(
            session,
            username=OFFICER,
            full_name="Cán bộ một cửa (dữ liệu tổng hợp)",
            agency_code=agency.code,
            role=Role.receiving_officer,
            password=PASSWORD,
        )
        keys = ["giay_chung_sinh", "nhan_than_cha_me", "noi_cu_tru_cha_me"]
        reads = await fetched_evidence(
            session, actor=APPLICANT, procedure_code="1.001193", keys=keys
        )
        person = await session.get(EvidenceItem, reads["nhan_than_cha_me"])
        assert person is not None
        person.fields = {"full_name": {"value": NAME, "source": "population"}}
        printed = await dossier_uploads.upload(
            session, owner=APPLICANT, file_name=f"{DECLARATION}.pdf", data=pdf_bytes()
        )
        typed = {**CHILD, "ho_ten_tre": FILED_NAME, "cam_doan": True}
        typed.pop("noi_thuong_tru_cua_tre")
        body = SubmissionIn.model_validate(
            {
                "procedure_code": "1.001193",
                "channel": "online",
                "applicant": APPLICANT,
                "receiving_agency": agency.code,
                "items": [
                    {
                        "requirement_key": DECLARATION,
                        "source": "upload",
                        "upload_id": printed.id,
                        "value": typed,
                    },
                    *(
                        {"requirement_key": k, "source": "registry", "evidence_item": reads[k]}
                        for k in keys
                    ),
                ],
            }
        )
        result = await dossiers.submit(
            session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
        )
        code = result.dossier.code
    yield code
    await remove_applicant(engine, APPLICANT, (OFFICER,), code)


async def _officer(browser: Browser, server: str, code: str) -> Page:
    """The officer's own window (desktop), signed in and on the dossier's page."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server + "/login?next=/can-bo/ho-so/" + code)
    await page.get_by_label("Tên đăng nhập").fill(OFFICER)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"**/can-bo/ho-so/{code}")
    return page


async def _citizen_corrects(page: Page, code: str, problems: list[str]) -> None:
    """Refused once (place of birth emptied, oath not sworn again), then sent corrected."""
    form = page.locator("#answer")
    assert await page.locator(_field("ho_ten_tre")).input_value() == FILED_NAME
    assert await page.locator(_field("noi_sinh")).input_value() == CHILD["noi_sinh"]
    assert not await page.locator(_field("cam_doan")).is_checked()
    assert await form.locator('input[type="file"]').count() == 0
    assert "không khớp với tờ khai" in await page.locator("#why").inner_text()
    problems += await look(page, "02-citizen-declaration", FOLDER)

    await page.locator(_field("ho_ten_tre")).fill(CORRECTED)
    await page.locator(_field("noi_sinh")).fill("")
    await page.get_by_role("button", name="Gửi bổ sung").click()
    await page.wait_for_load_state()
    errors = await page.locator("#errors").inner_text()
    assert "chưa điền “Nơi sinh”" in errors and "chưa điền “Tôi cam đoan" in errors
    assert await page.locator(_field("ho_ten_tre")).input_value() == CORRECTED  # kept
    assert await page.locator(_field("noi_sinh")).get_attribute("aria-invalid") == "true"
    problems += await look(page, "03-citizen-refused", FOLDER)

    await page.locator(_field("noi_sinh")).fill(CHILD["noi_sinh"])
    await page.locator(_field("cam_doan")).check()
    await page.get_by_role("button", name="Gửi bổ sung").click()
    await page.wait_for_url(f"**/ho-so-cua-toi/{code}?da-bo-sung=1")
    assert "Đã gửi phần bổ sung" in await page.get_by_role("status").first.inner_text()
    assert "Đang giải quyết" in await page.locator("#state").inner_text()
    problems += await look(page, "04-citizen-answered", FOLDER)


async def test_citizen_corrects_the_typed_declaration_on_a_phone(
    server: str, dossier_code: str, engine: AsyncEngine
) -> None:
    code = dossier_code
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        officer = await _officer(browser, server, code)
        await officer.get_by_label("Tờ khai đăng ký khai sinh").check()
        await officer.get_by_label(
            "Thông tin trên giấy tờ không khớp với tờ khai hoặc dữ liệu đã có."
        ).check()
        await officer.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
        await officer.wait_for_url(f"**/can-bo/ho-so/{code}?xong=supplement")
        problems += await look(officer, "01-officer-asked", FOLDER)

        context = await browser.new_context(viewport={"width": 390, "height": 844})
        cookie = encode_session(Citizen(APPLICANT, NAME, "2", 2))
        await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": server}])
        page = await context.new_page()
        await page.goto(f"{server}/ho-so-cua-toi/{code}")
        await _citizen_corrects(page, code, problems)

        await officer.goto(f"{server}/can-bo/ho-so/{code}")
        declaration = await officer.get_by_role("region", name="Tờ khai").inner_text()
        assert CORRECTED in declaration
        assert "Người nộp khai lại theo yêu cầu bổ sung, lúc" in declaration
        assert "đã được thay bằng bản bổ sung" in declaration
        problems += await look(officer, "05-officer-reads-correction", FOLDER)
        await browser.close()
    async with AsyncSession(engine) as session:
        dossier = await session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None and dossier.state == DossierState.in_progress
        values = list(
            await session.scalars(
                select(DossierItem.value)
                .where(DossierItem.dossier_id == dossier.id)
                .where(DossierItem.requirement_key == DECLARATION)
                .order_by(DossierItem.position)
            )
        )
    assert [v["ho_ten_tre"] for v in values if v] == [FILED_NAME, CORRECTED]
    assert problems == [], "\n".join(problems)
