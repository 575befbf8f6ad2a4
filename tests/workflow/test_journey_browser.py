"""A birth registration's journey in a real Chromium (Debian's): the officer opens the dossier and
sees the applicant, the declaration and the registry data as a table, and asks for one paper;
the citizen, on a phone-sized window, answers with a file; the officers receive, assess, approve
and sign in their own windows; the citizen downloads the signed result and checks it. Every page
on the way gets a look (tests/browser.py: axe-core, 320 px, screenshots in test-artifacts/birth).
The data is committed (the server is another process) and removed afterwards."""

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, DossierState
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange.models import EvidenceItem
from motcua.identity import service as identity
from motcua.identity.citizens import SESSION_COOKIE, Citizen, encode_session
from motcua.identity.models import Role
from motcua.sandbox import pki
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow.models import (
    ResultDocument,
)
from tests.browser import launch, look, remove_applicant, storage_folder
from tests.fetched import fetched_evidence
from tests.served import served
from tests.workflow.conftest import CHILD, pdf_bytes

pytestmark = pytest.mark.browser
APPLICANT = "001099000066"  # this test's own applicant, so cleaning up touches nothing else
NAME = "Trần Văn Thử"
PASSWORD = "mat-khau-hanh-trinh"
ROLES = {
    "hj_mot_cua": Role.receiving_officer,
    "hj_chuyen_vien": Role.handling_officer,
    "hj_lanh_dao": Role.approver,
}
FOLDER = "birth"  # test-artifacts/birth: a screenshot of every step at 1280 and 390 px


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One storage folder (uploads, signing keys) for this test and the server it starts."""
    with storage_folder(tmp_path_factory.mktemp("journey-storage")) as folder:
        yield folder


@pytest.fixture(scope="module")
def server(engine: AsyncEngine, database_url: str, storage: Path) -> Iterator[str]:
    with served({"MOTCUA_DATABASE_URL": database_url, "MOTCUA_STORAGE_DIR": str(storage)}) as base:
        yield base


@pytest.fixture
async def dossier_code(engine: AsyncEngine, storage: Path) -> AsyncIterator[str]:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        agency = await session.scalar(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code.desc())
            .offset(1)
            .limit(1)
        )
        assert agency is not None
        pki.generate(storage / "pki", [(agency.code, agency.name)])
        for username, role in ROLES.items():
            await identity.create_officer(
                session,
                username=username,
                full_name=f"Cán bộ {username} (dữ liệu tổng hợp)",
                agency_code=agency.code,
                role=role,
                password=PASSWORD,
            )
        reads = await fetched_evidence(
            session,
            actor=APPLICANT,
            procedure_code="1.001193",
            keys=["giay_chung_sinh", "nhan_than_cha_me", "noi_cu_tru_cha_me"],
        )
        fields = {
            "nhan_than_cha_me": {"full_name": NAME, "date_of_birth": "1990-05-17"},
            "noi_cu_tru_cha_me": {"permanent_address": "Số 1 phố Thử Nghiệm (dữ liệu tổng hợp)"},
            "giay_chung_sinh": {"child_full_name": "Trần Minh Bé", "child_sex": "Nam"},
        }
        for key, values in fields.items():
            read = await session.get(EvidenceItem, reads[key])
            assert read is not None
            read.fields = {n: {"value": v, "source": "population"} for n, v in values.items()}
        await session.flush()
        body = SubmissionIn.model_validate(
            {
                "procedure_code": "1.001193",
                "channel": "counter",
                "applicant": APPLICANT,
                "receiving_agency": agency.code,
                "items": [
                    {
                        "requirement_key": "to_khai_dang_ky_khai_sinh",
                        "source": "counter",
                        "value": dict(CHILD),
                    },
                    *(
                        {"requirement_key": k, "source": "registry", "evidence_item": reads[k]}
                        for k in fields
                    ),
                ],
            }
        )
        result = await dossiers.submit(
            session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
        )
        code = result.dossier.code
    yield code
    await remove_applicant(engine, APPLICANT, ROLES, code)


async def _sign_in(browser: Browser, server: str, username: str, code: str) -> Page:
    """An officer's own window (desktop), signed in and on the dossier's page."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server + "/login?next=/can-bo/ho-so/" + code)
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"**/can-bo/ho-so/{code}")
    return page


async def _officer_asks_for_a_paper(
    browser: Browser, server: str, code: str, problems: list[str]
) -> None:
    page = await _sign_in(browser, server, "hj_mot_cua", code)
    applicant = page.locator("#applicant")
    assert NAME in await applicant.inner_text()
    assert "001******066" in await applicant.inner_text()
    assert APPLICANT not in await page.content()
    declaration = page.get_by_role("region", name="Tờ khai")
    assert "Phạm Minh Khôi" in await declaration.inner_text()
    table = page.get_by_role("table", name=re.compile("^Thông tin nhân thân của cha"))
    assert await table.is_visible()
    assert await table.get_by_role("row", name="Họ và tên").get_by_role("cell").inner_text() == NAME
    assert "17/05/1990" in await table.inner_text()
    problems += await look(page, "01-officer-dossier", FOLDER)
    await page.get_by_label("Văn bản của người làm chứng hoặc giấy cam đoan về việc sinh").check()
    await page.get_by_label("Bản chụp hoặc bản quét không đọc được rõ.").check()
    await page.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    await page.wait_for_url(f"**/can-bo/ho-so/{code}?xong=supplement")
    problems += await look(page, "02-officer-asked", FOLDER)
    await page.context.close()


async def _officers_decide(browser: Browser, server: str, code: str, problems: list[str]) -> None:
    """Receive, assess and approve (each officer completes their step), then the approver signs."""
    for n, username in enumerate(ROLES, start=6):
        page = await _sign_in(browser, server, username, code)
        if n == 6:
            problems += await look(page, f"{n:02d}-officer-step", FOLDER)
        await page.get_by_role("button", name="Hoàn thành bước").click()
        await page.wait_for_url(f"**/can-bo/ho-so/{code}?xong=complete")
        problems += await look(page, f"{n:02d}-{username}-done", FOLDER)
        if username != "hj_lanh_dao":
            await page.context.close()
    await page.get_by_label("Nội dung kết quả giải quyết").fill(
        "Đăng ký khai sinh (dữ liệu tổng hợp)."
    )
    await page.get_by_role("button", name="Ký và phát hành kết quả").click()
    await page.wait_for_url(f"**/can-bo/ho-so/{code}?xong=sign")
    problems += await look(page, "09-officer-signed", FOLDER)
    await page.context.close()


async def _issued(engine: AsyncEngine, code: str) -> bytes:
    """The signed PDF the approver issued, as stored."""
    async with AsyncSession(engine) as session:
        dossier = await session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None and dossier.state == DossierState.result_ready
        pdf = await session.scalar(
            select(ResultDocument.pdf).where(ResultDocument.dossier_id == dossier.id)
        )
        assert pdf is not None
        return pdf


async def test_officer_reads_and_asks_citizen_answers_and_collects(
    server: str, dossier_code: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    code = dossier_code
    problems: list[str] = []
    scan = tmp_path / "van-ban-lam-chung.pdf"
    scan.write_bytes(pdf_bytes("Van ban lam chung (du lieu tong hop)"))
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        await _officer_asks_for_a_paper(browser, server, code, problems)

        context = await browser.new_context(viewport={"width": 390, "height": 844})
        cookie = encode_session(Citizen(APPLICANT, NAME, "2", 2))
        await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": server}])
        page = await context.new_page()
        await page.goto(server + "/ca-nhan")
        await page.get_by_role("link", name="Hồ sơ của tôi").first.click()
        await page.wait_for_url("**/ho-so-cua-toi")
        assert "Cần bổ sung" in await page.locator("#dossiers").inner_text()
        problems += await look(page, "03-my-dossiers", FOLDER)
        await page.locator("#dossiers").get_by_role("link", name="Đăng ký khai sinh").click()
        await page.wait_for_url(f"**/ho-so-cua-toi/{code}")
        papers = await page.locator("#papers").inner_text()
        assert "Văn bản của người làm chứng" in papers
        assert "không đọc được rõ" in await page.locator("#why").inner_text()
        assert await page.locator("#answer-by").is_visible()
        problems += await look(page, "04-citizen-supplement", FOLDER)
        await page.get_by_label(
            "Văn bản của người làm chứng hoặc giấy cam đoan về việc sinh"
        ).set_input_files(str(scan))
        await page.get_by_role("button", name="Gửi bổ sung").click()
        await page.wait_for_url(f"**/ho-so-cua-toi/{code}?da-bo-sung=1")
        assert "Đã gửi phần bổ sung" in await page.get_by_role("status").first.inner_text()
        assert "Đang giải quyết" in await page.locator("#state").inner_text()
        problems += await look(page, "05-citizen-answered", FOLDER)

        await _officers_decide(browser, server, code, problems)
        issued = await _issued(engine, code)
        await page.reload()  # still ?da-bo-sung=1: the notice no longer describes the dossier
        assert await page.locator("#message").count() == 0
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Tải kết quả (PDF đã ký)").click()
        download = await waiting.value
        saved = tmp_path / "ket-qua.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == issued
        problems += await look(page, "10-citizen-result", FOLDER)
        await page.get_by_role("link", name="Kiểm tra kết quả là thật").click()
        await page.wait_for_url("**/verify/*")
        assert "Văn bản thật, còn giá trị." in await page.locator("#verdict").inner_text()
        # the certificate is the child's, not the parent's who filed it
        assert "Giấy khai sinh điện tử của Phạm M. K." in await page.locator("#what").inner_text()
        problems += await look(page, "11-verify", FOLDER)
        await page.get_by_label("Chọn tệp PDF kết quả bạn nhận được").set_input_files(str(saved))
        await page.get_by_role("button", name="Kiểm tra tệp").click()
        assert "Đúng là bản gốc." in await page.locator("#check").inner_text()
        problems += await look(page, "12-verify-file", FOLDER)
        await browser.close()
    assert problems == [], "\n".join(problems)
