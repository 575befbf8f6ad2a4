"""Result documents: a PDF rendered from a template, with a QR code that opens
``/verify/{code}``, signed (PAdES) with the agency's key through pyHanko.

Keys live under ``<storage>/pki`` (made by ``motcua sandbox pki`` in the sandbox; an operator
puts the agency's real certificate there in production). Verification checks both the
signature (pyHanko, against the CA in ``pki/ca.pem``) and that the bytes are the ones issued.
"""

import asyncio
import hashlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations
from motcua.catalog.models import ProcedureVersion, Requirement
from motcua.catalog.wording import named_with_code
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, DomainError
from motcua.core.settings import get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierItem
from motcua.units.models import Agency
from motcua.workflow import repository, subjects
from motcua.workflow.models import ResultDocument


def pki_dir() -> Path:
    return get_settings().storage_dir / "pki"


def verify_url(verify_code: str) -> str:
    return f"{get_settings().public_base_url}/verify/{verify_code}"


async def declared(session: AsyncSession, dossier: Dossier) -> list[tuple[str, str]]:
    """What the applicant declared, under the titles of the procedure's own declaration: the
    result states it (a birth result shows the child's names, date and place of birth)."""
    rows = await session.execute(
        select(Requirement.declaration, DossierItem.value)
        .join(
            DossierItem,
            (DossierItem.requirement_key == Requirement.key)
            & (DossierItem.dossier_id == dossier.id),
        )
        .where(
            Requirement.version_id == dossier.procedure_version_id,
            Requirement.declaration.is_not(None),
        )
    )
    out: list[tuple[str, str]] = []
    for schema, value in rows:
        if schema and value:
            out.extend(declarations.answers(schema, value))
    return out


def people_lines(items: Sequence[DossierItem]) -> list[str]:
    """The people a result names beside its subject, as the real form prints them: a birth
    certificate's mother and father (name, personal number, nationality when held)."""
    if subjects.child_name(items) is None:
        return []
    lines = []
    for parent in subjects.parents(items):
        parts = [f"Họ, chữ đệm và tên {parent.role.lower()}: {parent.name}"]
        if parent.number:
            parts.append(f"số định danh cá nhân {parent.number}")
        if parent.nationality:
            parts.append(f"quốc tịch {parent.nationality}")
        lines.append("; ".join(parts))
    return lines


def render(
    dossier: Dossier,
    agency: Agency,
    summary: str,
    verify_code: str,
    answers: list[tuple[str, str]] | None = None,
    people: list[str] | None = None,
    title: str | None = None,
) -> bytes:
    settings = get_settings()
    regular = settings.font_dir / "DejaVuSans.ttf"
    bold = settings.font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            "Máy chủ thiếu phông chữ DejaVu (gói fonts-dejavu-core) để in kết quả.",
            code="result-font-missing",
        )
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, 20)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()

    def line(text: str, size: float = 11, style: str = "", align: str = "L") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if dossier.practice:
        line("BẢN THỰC HÀNH - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ", 14, "B", "C")
        line("Hồ sơ mẫu dùng để cán bộ thực hành; không phải kết quả của người dân.", 9, "", "C")
        pdf.ln(3)
    line(agency.name.upper(), 11, "B", "C")
    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11, "B", "C")
    line("Độc lập - Tự do - Hạnh phúc", 11, "", "C")
    pdf.ln(6)
    line((title or "Kết quả giải quyết thủ tục hành chính").upper(), 14, "B", "C")
    pdf.ln(4)
    line(f"Thủ tục: {named_with_code(dossier.procedure_name, dossier.procedure_code)}")
    line(f"Mã hồ sơ: {dossier.code}")
    line(f"Người nộp (số định danh cá nhân): {dossier.applicant_number}")
    issued = get_calendar().localise(clock.now())
    line(f"Ngày ban hành: {issued:%d/%m/%Y}")
    pdf.ln(3)
    for title, answer in answers or []:
        line(f"{title}: {answer}")
    for person in people or []:
        line(person)
    if answers or people:
        pdf.ln(2)
    line(summary)
    pdf.ln(6)
    qr = io.BytesIO()
    segno.make(verify_url(verify_code), error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    pdf.image(qr, w=35)
    line(f"Quét mã QR hoặc mở {verify_url(verify_code)} để kiểm tra văn bản.", 9)
    line("Văn bản điện tử được ký số bởi cơ quan ban hành.", 9)
    return bytes(pdf.output())


def sign(
    data: bytes, agency_code: str, agency_name: str = "", *, practice: bool = False
) -> tuple[bytes, str]:
    folder = pki_dir()
    if practice:
        from motcua.workflow.practice_pki import practice_certificate

        cert, key = practice_certificate(folder, agency_code, agency_name)
        return _signed(data, cert, key, ()), subject_of(cert)
    cert = folder / "agencies" / f"{agency_code}.pem"
    key = folder / "agencies" / f"{agency_code}.key"
    settings = get_settings()
    if (
        (not cert.exists() or not key.exists())
        and settings.demo
        and settings.sandbox_issue_certificates
    ):
        # The demo issues an agency its synthetic certificate from the sandbox CA on its
        # first signature (thousands of agencies: none is made ahead of need).
        from motcua.sandbox.pki import generate

        generate(folder, [(agency_code, agency_name or agency_code)])
    if not cert.exists() or not key.exists():
        raise Conflict(
            "Cơ quan của bạn chưa có chứng thư số để ký kết quả. Hãy báo quản trị hệ thống "
            "cấp chứng thư số cho cơ quan, rồi ký lại.",
            code="signing-key-missing",
        )
    signed = _signed(data, cert, key, (str(folder / "ca.pem"),))
    return signed, subject_of(cert)


def subject_of(cert: Path) -> str:
    """The certificate's subject in its one-line form (``Common Name: …, Country: VN``)."""
    return str(load_cert_from_pemder(str(cert)).subject.human_friendly)  # type: ignore[no-untyped-call]


def _signed(data: bytes, cert: Path, key: Path, chain: tuple[str, ...]) -> bytes:
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(key), str(cert), ca_chain_files=chain, key_passphrase=None
    )
    assert signer is not None
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name="KetQua", reason="Ký kết quả"),
        signer=signer,
    )
    return bytes(out.getvalue())


async def issue(
    session: AsyncSession, dossier: Dossier, agency: Agency, summary: str
) -> ResultDocument:
    verify_code = secrets.token_urlsafe(12)
    answers = await declared(session, dossier)
    people = people_lines(await dossiers_repository.items_of(session, dossier.id))
    version = await session.get(ProcedureVersion, dossier.procedure_version_id)
    documents = list(version.result_documents) if version is not None else []
    title = documents[0].split(";")[0] if documents else None
    unsigned = await asyncio.to_thread(
        render, dossier, agency, summary, verify_code, answers, people, title
    )
    signed, subject = await asyncio.to_thread(
        sign, unsigned, agency.code, agency.name, practice=dossier.practice
    )
    document = ResultDocument(
        verify_code=verify_code,
        dossier_id=dossier.id,
        province_code=dossier.province_code,
        agency_id=agency.id,
        sha256=hashlib.sha256(signed).hexdigest(),
        pdf=signed,
        signer_subject=subject[:300],
        issued_at=clock.now(),
    )
    session.add(document)
    await session.flush()
    return document


@dataclass(frozen=True)
class Check:
    genuine: bool
    signature_intact: bool
    trusted: bool
    issued_by_us: bool
    revoked: bool
    verify_code: str | None


def _signature(data: bytes) -> tuple[bool, bool]:
    """(intact, trusted) of the first signature; (False, False) when there is none."""
    ca = pki_dir() / "ca.pem"
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if not reader.embedded_signatures:
            return False, False
        roots = [load_cert_from_pemder(str(ca))] if ca.exists() else []  # type: ignore[no-untyped-call]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
        return bool(status.intact and status.valid), bool(status.trusted)
    except Exception:  # a damaged file is simply not genuine
        return False, False


async def check(session: AsyncSession, data: bytes) -> Check:
    """Is this file a result we issued, unchanged, validly signed and not revoked?"""
    intact, trusted = await asyncio.to_thread(_signature, data)
    from sqlalchemy import select

    digest = hashlib.sha256(data).hexdigest()
    document = await session.scalar(select(ResultDocument).where(ResultDocument.sha256 == digest))
    revoked = document is not None and document.revoked_at is not None
    return Check(
        genuine=intact and trusted and document is not None and not revoked,
        signature_intact=intact,
        trusted=trusted,
        issued_by_us=document is not None,
        revoked=revoked,
        verify_code=document.verify_code if document else None,
    )


async def revoke(session: AsyncSession, verify_code: str, reason: str) -> None:
    document = await repository.result(session, verify_code)
    if document is None:
        raise Conflict("Không có văn bản với mã này.", code="unknown-result")
    document.revoked_at = clock.now()
    document.revoked_reason = reason
    await session.flush()
