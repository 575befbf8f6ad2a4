"""The receipt of a group received at the counter, as an A5 PDF beside the single dossier's
slip (Mẫu 01 of Circular 01/2018/TT-VPCP, ``dossiers.receipt``): the group's code, its
deadline, and each member with its agency, its dossier code and its own deadline."""

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from motcua.catalog.wording import named_with_code
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.core.masking import mask
from motcua.core.settings import get_settings
from motcua.groups.schemas import GroupOut


def _when(moment: datetime) -> str:
    local = get_calendar().localise(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def render(group: GroupOut, agency_name: str, applicant: str) -> bytes:
    settings = get_settings()
    regular = settings.font_dir / "DejaVuSans.ttf"
    bold = settings.font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            "Máy chủ thiếu phông chữ DejaVu (gói fonts-dejavu-core) để in giấy tiếp nhận.",
            code="receipt-font-missing",
        )
    pdf = FPDF(format=(148, 210))  # A5 in millimetres
    pdf.set_title(f"Giấy tiếp nhận hồ sơ liên thông và hẹn trả kết quả {group.code}")
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
    line("Mẫu số 01 (Thông tư 01/2018/TT-VPCP)", 7, align="R")
    line("GIẤY TIẾP NHẬN HỒ SƠ LIÊN THÔNG VÀ HẸN TRẢ KẾT QUẢ", 11, "B", "C")
    line(f"Mã hồ sơ liên thông: {group.code}", 10, "B", "C")
    line("(Liên: Giao người nộp hồ sơ)", 8, align="C")
    pdf.ln(2)
    line(f"Bộ phận tiếp nhận và trả kết quả: {agency_name}")
    line(f"Tiếp nhận hồ sơ của: người có số định danh cá nhân {mask(applicant)}")
    line("Hình thức nộp: trực tiếp")
    line(f"Nội dung yêu cầu giải quyết: {group.group_name} ({group.combination_name})")
    line("1. Các thủ tục trong nhóm, mỗi thủ tục là một hồ sơ tại cơ quan giải quyết:")
    for i, member in enumerate(group.members, start=1):
        line(f"   {i}) {named_with_code(member.procedure_name, member.procedure_code)}", 8.5)
        line(f"       Cơ quan giải quyết: {member.agency_name}", 8.5)
        if member.dossier_code and member.due_at:
            line(f"       Mã hồ sơ: {member.dossier_code}; hẹn trả: {_when(member.due_at)}", 8.5)
        else:
            line("       Bắt đầu khi có kết quả điện tử của thủ tục trước; hẹn trả tính từ "
                 "ngày đó.", 8.5)  # fmt: skip
    line("2. Thành phần hồ sơ: tờ khai chung và dữ liệu lấy từ các cơ sở dữ liệu; không nộp "
         "giấy tờ.")  # fmt: skip
    line(f"3. Thời gian nhận hồ sơ: {_when(group.received_at)}")
    line(f"4. Thời gian trả kết quả cả nhóm: {_when(group.due_at)}")
    if group.verification_due_at:
        line(f"   Trường hợp cần xác minh: {_when(group.verification_due_at)}")
    line("5. Theo dõi hồ sơ: mục “Hồ sơ của tôi” trên cổng dịch vụ công, bằng mã hồ sơ liên "
         "thông.")  # fmt: skip
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(half, 4, "NGƯỜI NỘP HỒ SƠ", align="C", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 4, "NGƯỜI TIẾP NHẬN HỒ SƠ", align="C")
    return bytes(pdf.output())
