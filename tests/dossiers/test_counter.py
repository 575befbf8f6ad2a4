"""The counter page for the one-stop officer (/can-bo/quay): a walk-in citizen identified by
personal number with the chip-card or VNeID check recorded, consent given in person, registries
read over real HTTP (the sandbox), the declaration typed, a scan refused where a connected
registry holds the data (Directive 24), the dossier received and its receipt printed; and the
counter API checking typed declarations and scans by the same rules.

Done-when: Hoa (sandbox persona, mother of a newborn) registers the birth at a commune service
centre's counter; the dossier carries the child's declared data, her data from the population
and residence registries, the marriage record and the e-birth notice from the health registry,
and the workflow ends in a signed e-birth certificate showing the child's data.
"""

import io
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.dossiers import desk as counter_desk
from motcua.dossiers import repository
from motcua.dossiers.models import CounterVisit, Dossier, ItemSource, Upload
from motcua.exchange.models import AccessLogEntry, Consent, ConsentState
from motcua.identity.models import ApiToken, Officer, Role
from motcua.identity.service import Subject, hash_token
from motcua.sandbox import personas, pki
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow import applicant
from motcua.workflow import service as workflow
from tests.dossiers.conftest import pdf_bytes
from tests.exchange.conftest import LiveSandbox, fetcher, registries, sandbox  # noqa: F401
from tests.forms import token_from, token_in

pytestmark = pytest.mark.usefixtures("registries")
HOME = "/can-bo/quay"
BIRTH = "1.001193"
DECLARATION = "to_khai_dang_ky_khai_sinh"
HOA = personas.NEW_MOTHER
OFFICER_NUMBER = "001090000555"
CHILD = {
    "ho_ten_tre": "Phạm Gia Hân (dữ liệu tổng hợp)",
    "ngay_sinh": "2025-09-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Phụ sản (dữ liệu tổng hợp)",
    "quan_he": "Mẹ",
}


class Desk:
    """A commune service centre with its officers (synthetic), signed in by cookie."""

    def __init__(self, agency: Agency) -> None:
        self.agency = agency
        self.cookies: dict[Role, dict[str, str]] = {}
        self.subjects: dict[Role, Subject] = {}


@pytest.fixture
async def desk(session: AsyncSession) -> Desk:
    agency = await session.scalar(
        select(Agency)
        .where(Agency.level == AgencyLevel.commune, Agency.kind == AgencyKind.service_centre)
        .order_by(Agency.code)
        .limit(1)
    )
    assert agency is not None
    out = Desk(agency)
    now = clock.now()
    for n, role in enumerate((Role.receiving_officer, Role.handling_officer, Role.approver)):
        officer = Officer(
            username=f"quay_{role.value}",
            full_name=f"Cán bộ {role.value} (dữ liệu tổng hợp)",
            agency_id=agency.id,
            role=role,
            password_hash="-",
            active=True,
            created_at=now,
            personal_id=f"00109000055{5 + n}",
        )
        session.add(officer)
        await session.flush()
        token = secrets.token_urlsafe(16)
        session.add(
            ApiToken(
                token_hash=hash_token(token),
                officer_id=officer.id,
                created_at=now,
                expires_at=now + timedelta(hours=1),
                revoked=False,
            )
        )
        out.cookies[role] = {"Cookie": f"motcua_token={token}"}
        out.subjects[role] = Subject(
            officer_id=officer.id,
            username=officer.username,
            full_name=officer.full_name,
            role=role,
            agency_id=agency.id,
            agency_code=agency.code,
            agency_name=agency.name,
            agency_level=agency.level,
            unit_code=agency.unit_code,
            personal_id=officer.personal_id,
        )
    await session.commit()  # a refused page rolls back to here, not before
    return out


async def _open(client: httpx.AsyncClient, desk: Desk, **fields: str) -> httpx.Response:
    """The first form: procedure, the citizen's number, the check made, the consent given."""
    me = desk.cookies[Role.receiving_officer]
    token = await token_from(client, HOME, me)
    data = {"ma_thu_tuc": BIRTH, "so_dinh_danh": HOA, "kiem_tra": "chip_card", "dong_y": "1"}
    data.update(fields)
    sent = {k: v for k, v in data.items() if v}
    return await client.post(HOME, data={**sent, "csrf_token": token}, headers=me)


def _declared(values: dict[str, str], *, oath: bool = True) -> dict[str, str]:
    out = {f"field-{DECLARATION}-{k}": v for k, v in values.items()}
    if oath:
        out[f"field-{DECLARATION}-cam_doan"] = "1"
    return out


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_birth_through_the_counter_refused_scan_then_received_and_signed(
    client: httpx.AsyncClient, session: AsyncSession, desk: Desk, storage: Path
) -> None:
    me = desk.cookies[Role.receiving_officer]
    found = await client.get(HOME, params={"tim": "khai sinh"}, headers=me)
    assert found.status_code == 200 and f"?ma={BIRTH}" in found.text

    opened = await _open(client, desk)
    assert opened.status_code == 303, opened.text
    visit_url = opened.headers["location"]
    page = await client.get(visit_url, headers=me)
    assert page.status_code == 200
    text = page.text
    assert "Lê Thị Hoa" in text and "Đọc chip thẻ căn cước" in text
    # Fetched, not asked: the e-birth notice and her own records show, with no file field.
    assert 'type="file" id="file-giay_chung_sinh"' not in text
    assert "Đã lấy từ" in text
    # Pre-filled from what the registries delivered (the schema's x-prefill).
    assert 'value="2025-09-20"' in text and 'value="Kinh"' in text

    # A scan for the e-birth notice, which a connected registry holds: refused, reason shown.
    dossiers_before, uploads_before = await _count(session, Dossier), await _count(session, Upload)
    token = token_in(text)
    refused = await client.post(
        visit_url,
        data={**_declared(CHILD), "csrf_token": token},
        files={"file-giay_chung_sinh": ("giay-chung-sinh.pdf", pdf_bytes(), "application/pdf")},
        headers=me,
    )
    assert refused.status_code == 422
    assert "Không nhận bản quét" in refused.text and "Chỉ thị 24/CT-TTg" in refused.text
    assert "Phạm Gia Hân (dữ liệu tổng hợp)" in refused.text  # nothing typed is lost
    assert await _count(session, Dossier) == dossiers_before
    assert await _count(session, Upload) == uploads_before

    # A declaration its schema refuses: named per field, in Vietnamese, nothing written.
    bad = {**CHILD, "ngay_sinh": "2099-01-01", "gioi_tinh": "Khác"}
    refused = await client.post(
        visit_url, data={**_declared(bad, oath=False), "csrf_token": token}, headers=me
    )
    assert refused.status_code == 422
    assert "không thể sau ngày hôm nay" in refused.text
    assert "chọn một giá trị trong danh sách" in refused.text
    assert "cam đoan" in refused.text
    assert 'id="field-to_khai_dang_ky_khai_sinh-ngay_sinh"' in refused.text
    assert 'value="2099-01-01"' in refused.text
    assert await _count(session, Dossier) == dossiers_before

    received = await client.post(
        visit_url, data={**_declared(CHILD), "csrf_token": token}, headers=me
    )
    assert received.status_code == 303, received.text
    slip = await client.get(received.headers["location"], headers=me)
    assert slip.status_code == 200
    code = re.search(r'<strong class="code">([^<]+)</strong>', slip.text)
    assert code is not None
    code_text = code.group(1)
    pdf = await client.get(f"/api/v1/dossiers/{code_text}/receipt.pdf", headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    dossier = await repository.by_code(session, code_text)
    assert dossier is not None
    assert dossier.channel == "counter" and dossier.applicant_number == HOA
    assert dossier.actor_number == OFFICER_NUMBER
    assert dossier.receiving_agency_id == desk.agency.id
    items = {i.requirement_key: i for i in dossier.items}
    assert items[DECLARATION].source == ItemSource.counter
    assert items[DECLARATION].value is not None
    assert items[DECLARATION].value["ho_ten_tre"] == CHILD["ho_ten_tre"]
    assert items[DECLARATION].value["dan_toc"] == "Kinh"  # pre-filled, kept
    notice = items["giay_chung_sinh"]
    assert notice.source == ItemSource.registry and notice.evidence is not None
    assert notice.evidence["registry_code"] == "health"
    assert notice.value is not None and notice.value["mother_personal_id"] == HOA
    parent = items["nhan_than_cha_me"]
    assert parent.source == ItemSource.registry and parent.value is not None
    assert parent.value["full_name"] == "Lê Thị Hoa"
    assert items["noi_cu_tru_cha_me"].source == ItemSource.registry
    marriage = items["dang_ky_ket_hon_cha_me"]
    assert marriage.source == ItemSource.registry and marriage.value is not None
    assert not [i for i in dossier.items if i.upload_id]  # nothing scanned
    visit = await session.scalar(select(CounterVisit).where(CounterVisit.dossier_code == code_text))
    assert visit is not None and visit.identity_check == "chip_card"
    consent = await session.get(Consent, visit.consent_reference)
    assert consent is not None and consent.state == ConsentState.closed
    assert consent.actor_personal_id == OFFICER_NUMBER and consent.subject_personal_id == HOA

    # A second post of the same visit: the same dossier, none created.
    again = await client.post(visit_url, data={**_declared(CHILD), "csrf_token": token}, headers=me)
    assert again.status_code == 303
    assert await _count(session, Dossier) == dossiers_before + 1

    # Through the workflow at the centre, to the signed e-birth certificate.
    pki.generate(storage / "pki", [(desk.agency.code, desk.agency.name)])
    staff = desk.subjects
    await workflow.claim(session, staff[Role.receiving_officer], code_text)
    await workflow.complete(session, staff[Role.receiving_officer], code_text)
    await workflow.complete(session, staff[Role.handling_officer], code_text)
    await workflow.complete(session, staff[Role.approver], code_text)
    await workflow.sign_result(
        session, staff[Role.approver], code_text, "Đã đăng ký khai sinh (dữ liệu thử)."
    )
    signed = await applicant.result_pdf(session, code_text, HOA)
    words = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(signed)).pages).split())
    assert "Họ, chữ đệm và tên của trẻ: Phạm Gia Hân" in words
    assert "Ngày, tháng, năm sinh: 20/09/2025" in words


async def test_unknown_number_registry_down_and_bad_entries_write_no_dossier(
    client: httpx.AsyncClient,
    session: AsyncSession,
    desk: Desk,
    sandbox: LiveSandbox,  # noqa: F811
) -> None:
    before = await _count(session, Dossier)
    # Bad entries: every problem named, nothing written at all.
    visits, log = await _count(session, CounterVisit), await _count(session, AccessLogEntry)
    bad = await _open(client, desk, so_dinh_danh="12ab", kiem_tra="", dong_y="")
    assert bad.status_code == 422
    for words in ("12 chữ số", "kiểm tra danh tính", "chưa đồng ý"):
        assert words in bad.text
    assert 'value="12ab"' in bad.text
    assert await _count(session, CounterVisit) == visits
    assert await _count(session, AccessLogEntry) == log

    # A number the population registry does not know: said so; the read stays logged.
    unknown = "001099999999"
    refused = await _open(client, desk, so_dinh_danh=unknown)
    assert refused.status_code == 422
    assert "Cơ sở dữ liệu quốc gia về dân cư không có công dân" in refused.text
    assert unknown in refused.text
    stopped = await session.scalar(
        select(CounterVisit).where(CounterVisit.citizen_number == unknown)
    )
    assert stopped is not None and stopped.dossier_code is None
    assert await _count(session, AccessLogEntry) > log

    # The health registry down while filing: the cause named, no dossier.
    async with httpx.AsyncClient(base_url=sandbox.url) as faults:
        await faults.put("/_faults/health", json={"outage": True})
        try:
            down = await _open(client, desk)
        finally:
            await faults.delete("/_faults")
    assert down.status_code == 422
    assert "Giấy chứng sinh" in down.text and "thử lại" in down.text
    assert await _count(session, Dossier) == before


async def test_the_counter_api_checks_typed_declarations_and_refuses_scans(
    client: httpx.AsyncClient, session: AsyncSession, desk: Desk
) -> None:
    bearer = {"Authorization": desk.cookies[Role.receiving_officer]["Cookie"].split("=", 1)[1]}
    bearer["Authorization"] = f"Bearer {bearer['Authorization']}"
    scan = await client.post(
        "/api/v1/uploads",
        files={"file": ("giay-chung-sinh.pdf", pdf_bytes(), "application/pdf")},
        headers=bearer,
    )
    assert scan.status_code == 201, scan.text
    body = {
        "procedure_code": BIRTH,
        "channel": "counter",
        "applicant": HOA,
        "receiving_agency": desk.agency.code,
        "items": [
            {"requirement_key": DECLARATION, "source": "counter",
             "value": {**CHILD, "ngay_sinh": "20/09/2025", "dan_toc": "Kinh",
                       "quoc_tich": "Việt Nam", "quan_he": "Con"}},
            {"requirement_key": "giay_chung_sinh", "source": "counter",
             "upload_id": scan.json()["id"]},
            {"requirement_key": "nhan_than_cha_me", "source": "counter",
             "value": {"nguon": "dữ liệu tổng hợp"}},
            {"requirement_key": "noi_cu_tru_cha_me", "source": "counter",
             "value": {"nguon": "dữ liệu tổng hợp"}},
        ],
    }  # fmt: skip
    before = await _count(session, Dossier)
    refused = await client.post(
        "/api/v1/dossiers", json=body, headers={**bearer, "Idempotency-Key": "counter-api-1"}
    )
    assert refused.status_code == 422, refused.text
    problems = {p["field"]: p for p in refused.json()["problems"]}
    assert problems["items[0].value.ngay_sinh"]["code"] == "declaration-invalid"
    assert "ngày không hợp lệ" in problems["items[0].value.ngay_sinh"]["message"]
    assert problems["items[0].value.quan_he"]["code"] == "declaration-invalid"
    scan_problem = problems["items[1].upload_id"]
    assert scan_problem["code"] == "scan-refused-registry-holds"
    assert "Chỉ thị 24/CT-TTg" in scan_problem["message"]
    assert await _count(session, Dossier) == before


async def test_death_through_the_counter_names_the_deceased_from_the_family(
    client: httpx.AsyncClient, session: AsyncSession, desk: Desk
) -> None:
    """Lụa registers her husband's death: the deceased is chosen from her family as the
    population registry records it, then his e-death notice and last residence are read."""
    me = desk.cookies[Role.receiving_officer]
    opened = await _open(client, desk, ma_thu_tuc="0.000010", so_dinh_danh=personas.WIDOW)
    assert opened.status_code == 303, opened.text
    url = opened.headers["location"]
    page = await client.get(url, headers=me)
    assert "Người đã mất trong gia đình công dân" in page.text and personas.DECEASED in page.text
    chosen = await client.post(
        f"{url}/chon",
        data={"vai_tro": "deceased", "nguoi": personas.DECEASED, "csrf_token": token_in(page.text)},
        headers=me,
    )
    assert chosen.status_code == 303, chosen.text
    page = await client.get(url, headers=me)
    assert 'type="file" id="file-giay_bao_tu"' not in page.text
    visit_id = url.rsplit("/", 1)[1]
    view = await counter_desk.desk(session, desk.subjects[Role.receiving_officer], visit_id)
    kinds = {i.key: i.kind for i in view.items}
    assert kinds["giay_bao_tu"] == "registry" and kinds["noi_cu_tru_cuoi_cung"] == "registry"
    declaration = next(i for i in view.items if i.kind == "declaration")
    typed = {
        f"field-{declaration.key}-{q.name}": (
            "1" if q.kind == "checkbox" else q.options[0] if q.options
            else "2025-08-15" if q.kind == "date" else "Dữ liệu thử"
        )
        for q in declaration.questions
        if q.required and q.name not in declaration.values
    }  # fmt: skip
    received = await client.post(url, data={**typed, "csrf_token": token_in(page.text)}, headers=me)
    assert received.status_code == 303, received.text
    await session.refresh(view.visit)
    assert view.visit.dossier_code is not None
    dossier = await repository.by_code(session, view.visit.dossier_code)
    assert dossier is not None
    notice = next(i for i in dossier.items if i.requirement_key == "giay_bao_tu")
    assert notice.evidence is not None and notice.evidence["subject_personal_id"] == (
        personas.DECEASED
    )
