"""Synthetic procedures for scale and load tests, marked as such in every field that shows.

Codes use the ``9.`` namespace, never issued nationally; ``synthetic`` is set; the provenance
says what they are; pages show a badge. Deterministic for a given seed. Each takes effect on a
fixed, plausible day (not the day the demo was seeded), which pages call an assumed date.
"""

import random
from datetime import date

from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.schemas import CatalogDocument, Fee, ProcedureDoc, RequirementDoc

SECTORS = [
    ("Hộ tịch", "000.00.00.G15"), ("Chứng thực", "000.00.00.G15"),
    ("Đất đai", "000.00.00.G10"), ("Môi trường", "000.00.00.G10"),
    ("Xây dựng", "000.00.00.G17"), ("Nhà ở", "000.00.00.G17"),
    ("Giáo dục và Đào tạo", "000.00.00.G03"), ("Y tế", "000.00.00.G18"),
    ("Dược phẩm", "000.00.00.G18"), ("Văn hóa", "000.00.00.G16"),
    ("Du lịch", "000.00.00.G16"), ("Thương mại", "000.00.00.G02"),
    ("Điện lực", "000.00.00.G02"), ("Thuế", "000.00.00.G12"),
    ("Bảo hiểm xã hội", "000.00.00.G12"), ("Lao động, việc làm", "000.00.00.G09"),
    ("Người có công", "000.00.00.G09"), ("Khoa học và Công nghệ", "000.00.00.G06"),
    ("Nông nghiệp", "000.00.00.G10"), ("Thủy sản", "000.00.00.G10"),
    ("Giao thông đường bộ", "000.00.00.G17"), ("Tôn giáo", "000.00.00.G21"),
]  # fmt: skip
ACTIONS = [
    "Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Đăng ký", "Đăng ký thay đổi",
    "Xác nhận", "Thẩm định", "Công nhận", "Thu hồi", "Thông báo", "Phê duyệt", "Giải quyết",
]  # fmt: skip
OBJECTS = [
    "giấy phép hoạt động", "giấy chứng nhận đủ điều kiện", "chứng chỉ hành nghề",
    "giấy xác nhận", "hồ sơ đề nghị hỗ trợ", "giấy phép kinh doanh", "quyết định công nhận",
    "giấy chứng nhận đăng ký", "thẻ hành nghề", "văn bản chấp thuận", "giấy phép xây dựng",
    "chế độ trợ cấp", "hồ sơ thẩm định", "giấy chứng nhận an toàn",
]  # fmt: skip
SUBJECTS = [
    "cơ sở bán lẻ", "hộ kinh doanh", "cơ sở đào tạo", "tổ chức tôn giáo", "hợp tác xã",
    "cơ sở khám bệnh", "nhà hàng, khách sạn", "cơ sở sản xuất", "người lao động", "câu lạc bộ",
    "trang trại", "tàu cá", "nhà ở riêng lẻ", "cơ sở lưu trú du lịch", "trung tâm ngoại ngữ",
]  # fmt: skip
# The day the two-level local government began (1 July 2025): an assumed date for test data.
SYNTHETIC_EFFECTIVE_FROM = date(2025, 7, 1)
LEVEL_SETS = [[Level.commune], [Level.province], [Level.province, Level.commune], [Level.ministry]]
# Each evidence type with the few fields a synthetic procedure reads from it.
EVIDENCE = {
    "identity.card": ["personal_id", "full_name", "date_of_birth"],
    "residence.record": ["personal_id", "full_name", "permanent_address"],
    "business.registration": ["enterprise_code", "enterprise_name", "head_office_address"],
    "land.certificate": ["certificate_number", "parcel_number", "parcel_address"],
}


def synthetic_document(count: int, seed: int = 1) -> CatalogDocument:
    rng = random.Random(seed)
    procedures = []
    for n in range(1, count + 1):
        sector, agency = rng.choice(SECTORS)
        name = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} cho {rng.choice(SUBJECTS)}"
        requirements = [
            RequirementDoc(key="don_de_nghi", name="Đơn đề nghị", form_template="Mẫu đơn đề nghị"),
            *(
                RequirementDoc(key=f"tai_lieu_{i}", name=f"Tài liệu chứng minh số {i}", copies=1)
                for i in range(1, rng.randint(1, 4))
            ),
        ]
        for code in rng.sample(sorted(EVIDENCE), rng.randint(0, 2)):
            requirements.append(
                RequirementDoc(
                    key=code.replace(".", "_"),
                    name=f"Dữ liệu {code}",
                    evidence_type=code,
                    fields=EVIDENCE[code],
                )
            )
        procedures.append(
            ProcedureDoc(
                code=f"9.{n:06d}",
                name=name,
                description="Thủ tục tổng hợp dùng để thử tải; không phải thủ tục thật.",
                sector=sector,
                levels=rng.choice(LEVEL_SETS),
                managing_agency=agency,
                implementing_agencies="Cơ quan tổng hợp (dữ liệu thử)",
                legal_basis=["Văn bản tổng hợp (dữ liệu thử)"],
                processing_days=rng.choice([1, 3, 5, 7, 10, 15, 20, 30]),
                fees=[Fee(description="Lệ phí (dữ liệu thử)", amount_vnd=rng.choice([0, 50_000]))],
                online_level=rng.choices(list(OnlineLevel), weights=[4, 5, 1])[0],
                result_documents=[name.split(" cho ")[0].split(" ", 1)[1].capitalize()],
                provenance="Dữ liệu tổng hợp (synthetic), sinh bởi motcua catalog generate.",
                synthetic=True,
                effective_from=SYNTHETIC_EFFECTIVE_FROM,
                requirements=requirements,
            )
        )
    return CatalogDocument(procedures=procedures)
