"""The declaration (tờ khai) as the person filled it, printed to PDF and filed as the item's
file: personal details from the registries, the typed answers, the declaration of truth."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from motcua.applications.schemas import DeclarationField
from motcua.catalog import declarations
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.core.settings import get_settings


def answers_of(
    fields: Sequence[DeclarationField], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(question, answer) as printed: the form's order, dates dd/mm/yyyy, a tick as "Có"."""
    answers = []
    for spec in fields:
        value = values.get(spec.name)
        if value is None or value == "":
            continue
        if spec.kind == "date":
            value = date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        answers.append((spec.label, "Có" if value is True else str(value)))
    return answers


def render(
    *,
    title: str,
    procedure_name: str,
    subject: str,
    person: dict[str, Any],
    answers: list[tuple[str, str]],
    signed_at: datetime,
    note: str | None = None,
) -> bytes:
    """The declaration as a PDF; ``note`` says why it was typed again (a supplement request)."""
    settings = get_settings()
    regular = settings.font_dir / "DejaVuSans.ttf"
    bold = settings.font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            "Máy chủ thiếu phông chữ DejaVu (gói fonts-dejavu-core) để in tờ khai.",
            code="declaration-font-missing",
        )
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_lang("vi")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(20, 15, 20)
    pdf.add_page()

    def line(text: str, size: float = 11, style: str = "", align: str = "L") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(pdf.epw, 6, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11, "B", "C")
    line("Độc lập - Tự do - Hạnh phúc", 11, "B", "C")
    pdf.ln(4)
    line(title.upper(), 13, "B", "C")
    line(f"Thủ tục: {procedure_name}", 10, "", "C")
    pdf.ln(4)
    line(f"Số định danh cá nhân: {subject}")
    for label, key in (("Họ, chữ đệm và tên", "full_name"), ("Ngày sinh", "date_of_birth")):
        if person.get(key):
            line(f"{label}: {declarations.in_words(person[key])} (lấy từ cơ sở dữ liệu)")
    pdf.ln(2)
    for label, value in answers:
        line(f"{label}: {value}")
    pdf.ln(4)
    local = get_calendar().localise(signed_at)
    line(
        f"Khai trực tuyến lúc {local:%H:%M} ngày {local:%d/%m/%Y}, xác thực bằng định danh điện tử."
    )
    if note:
        line(note)
    return bytes(pdf.output())
