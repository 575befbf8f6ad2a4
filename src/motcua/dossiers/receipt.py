"""The receipt and appointment slip, Mẫu 01 of Circular 01/2018/TT-VPCP, as an A5 PDF.

The same slip for every channel: online it is the electronic copy, at a counter the officer
prints it. DejaVu Sans carries every Vietnamese letter; it is embedded in the file.
"""

from collections.abc import Callable
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from motcua.catalog.models import Requirement
from motcua.catalog.wording import named_with_code, processing_time
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.core.masking import mask
from motcua.core.settings import get_settings
from motcua.dossiers.models import Dossier, PaymentState
from motcua.dossiers.sources import origin_name
from motcua.units.models import Agency

PAYMENT_NAMES = {
    PaymentState.not_required: "không phải nộp",
    PaymentState.unpaid: "chưa nộp",
    PaymentState.to_confirm: "chờ xác định số tiền",
    PaymentState.paid: "đã nộp",
}
CHANNEL_NAMES = {
    "online": "trực tuyến",
    "counter": "trực tiếp",
    "post": "qua bưu chính",
}


Line = Callable[..., None]


def new_slip(title: str, agency_name: str) -> tuple[FPDF, Line]:
    """An A5 slip with the agency and the national motto at its head, and how it writes a
    line (the single dossier's receipt and the group's share them)."""
    settings = get_settings()
    regular = settings.font_dir / "DejaVuSans.ttf"
    bold = settings.font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            "Máy chủ thiếu phông chữ DejaVu (gói fonts-dejavu-core) để in giấy tiếp nhận.",
            code="receipt-font-missing",
        )
    pdf = FPDF(format=(148, 210))  # A5 in millimetres
    pdf.set_title(title)
    pdf.set_author(agency_name)
    pdf.set_lang("vi")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, style: str = "", align: str = "L") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, 4.6, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    half = width / 2
    pdf.set_font("DejaVu", "B", 8)
    top = pdf.get_y()
    pdf.multi_cell(half, 4, agency_name.upper(), align="C", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(
        half,
        4,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    return pdf, line


def _when(moment: datetime) -> str:
    local = get_calendar().localise(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def render(
    dossier: Dossier,
    agency: Agency,
    requirements: list[Requirement],
    tracking_secret: str | None,
    processing_days: int,
) -> bytes:
    pdf, line = new_slip(f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả {dossier.code}", agency.name)
    half = pdf.epw / 2
    line("Mẫu số 01 (Thông tư 01/2018/TT-VPCP)", 7, align="R")
    line("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 11, "B", "C")
    line(f"Mã hồ sơ: {dossier.code}", 10, "B", "C")
    if tracking_secret:
        line(f"Mã tra cứu: {tracking_secret}", 9, align="C")
    line("(Liên: Giao người nộp hồ sơ)", 8, align="C")
    pdf.ln(2)
    line(f"Bộ phận tiếp nhận và trả kết quả: {agency.name}")
    # Masked: the slip is handed over and passed around; the code and secret identify the
    # dossier, the whole number is not needed on it (docs/security.md, personal data).
    applicant = mask(dossier.applicant_number)
    line(f"Tiếp nhận hồ sơ của: người có số định danh cá nhân {applicant}")
    if dossier.on_behalf:
        line(f"Người nộp thay: số định danh cá nhân {mask(dossier.actor_number)}")
    line(f"Hình thức nộp: {CHANNEL_NAMES[dossier.channel.value]}")
    procedure = named_with_code(dossier.procedure_name, dossier.procedure_code)
    line(f"Nội dung yêu cầu giải quyết: {procedure}")
    line("1. Thành phần hồ sơ nộp gồm:")
    names = {r.key: r.name for r in requirements}
    for i, item in enumerate(dossier.items, start=1):
        name = names.get(item.requirement_key, item.requirement_key)
        line(f"   {i}) {name} ({origin_name(item).lower()})", 8.5)
    line("2. Số lượng hồ sơ: 01 (bộ)")
    line(f"3. Thời gian giải quyết hồ sơ theo quy định là: {processing_time(processing_days)}")
    line(f"4. Thời gian nhận hồ sơ: {_when(dossier.received_at)}")
    line(f"5. Thời gian trả kết quả giải quyết hồ sơ: {_when(dossier.due_at)}")
    line(
        "6. Đăng ký nhận kết quả tại: "
        + ("cổng dịch vụ công trực tuyến" if dossier.channel.value == "online" else agency.name)
    )
    if dossier.fee_vnd:
        amount = f"{dossier.fee_vnd:,}".replace(",", ".")
        line(f"Phí, lệ phí: {amount} đồng ({PAYMENT_NAMES[dossier.payment_state]})")
    line(f"Vào Sổ theo dõi hồ sơ, số thứ tự: {dossier.code.rsplit('-', 1)[-1]}")
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(half, 4, "NGƯỜI NỘP HỒ SƠ", align="C", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 4, "NGƯỜI TIẾP NHẬN HỒ SƠ", align="C")
    if dossier.channel.value == "online":
        pdf.ln(2)
        line("Giấy tiếp nhận điện tử, cấp tự động khi nộp hồ sơ trực tuyến.", 7.5, align="C")
    return bytes(pdf.output())
