"""The receipt of a group received at the counter, as an A5 PDF beside the single dossier's
slip (Mẫu 01 of Circular 01/2018/TT-VPCP, ``dossiers.receipt``): the group's code, its
deadline, and each member with its agency, its dossier code and its own deadline."""

from datetime import datetime

from fpdf.enums import XPos, YPos

from motcua.catalog.wording import named_with_code
from motcua.core.calendar import get_calendar
from motcua.core.masking import mask
from motcua.dossiers.receipt import new_slip
from motcua.groups.schemas import GroupOut


def _when(moment: datetime) -> str:
    local = get_calendar().localise(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def render(group: GroupOut, agency_name: str, applicant: str) -> bytes:
    pdf, line = new_slip(
        f"Giấy tiếp nhận hồ sơ liên thông và hẹn trả kết quả {group.code}", agency_name
    )
    half = pdf.epw / 2
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
