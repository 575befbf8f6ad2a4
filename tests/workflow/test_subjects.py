"""Whose result a document is: the child of a birth certificate (with its mother and father on
the PDF), the deceased of a death extract, both partners of a marriage, else the applicant."""

import io

from pypdf import PdfReader

from motcua.dossiers.models import Dossier, DossierItem, ItemSource
from motcua.units.models import Agency
from motcua.workflow import results, subjects


def _read(role: str, **values: str) -> DossierItem:
    return DossierItem(source=ItemSource.registry, value=values, evidence={"subject_role": role})


MOTHER = _read(
    "applicant",
    full_name="Lê Thị Hoa",
    personal_id="079195000201",
    sex="Nữ",
    nationality="Việt Nam",
)
FATHER = _read(
    "spouse",
    full_name="Phạm Văn Khánh",
    personal_id="079093000202",
    sex="Nam",
    nationality="Việt Nam",
)
RESIDENCE = _read("applicant", full_name="Lê Thị Hoa", personal_id="079195000201")
DECLARED = DossierItem(source=ItemSource.upload, value={"ho_ten_tre": "Phạm Lê An Nhiên"})


def test_a_birth_certificate_is_the_childs_and_names_both_parents_once() -> None:
    items = [DECLARED, MOTHER, FATHER, RESIDENCE]
    assert subjects.holder(items) == "Phạm L. A. N."
    parents = subjects.parents(items)
    assert [(p.role, p.name, p.number) for p in parents] == [
        ("Mẹ", "Lê Thị Hoa", "079195000201"),
        ("Cha", "Phạm Văn Khánh", "079093000202"),
    ]
    lines = results.people_lines(items)
    dossier = Dossier(
        code="H01-251206-0001",
        procedure_name="Đăng ký khai sinh",
        procedure_code="1.001193",
        applicant_number="079195000201",
    )
    agency = Agency(code="000.00.00.H01", name="Ủy ban nhân dân phường mẫu (dữ liệu tổng hợp)")
    pdf = results.render(
        dossier, agency, "Đã đăng ký.", "ma", [("Họ, chữ đệm và tên của trẻ", "Phạm Lê An Nhiên")],
        lines, "Giấy khai sinh điện tử",
    )  # fmt: skip
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "GIẤY KHAI SINH ĐIỆN TỬ" in text
    assert "Họ, chữ đệm và tên mẹ: Lê Thị Hoa; số định danh cá nhân 079195000201" in text
    assert "Họ, chữ đệm và tên cha: Phạm Văn Khánh; số định danh cá nhân 079093000202" in text
    assert "quốc tịch Việt Nam" in text
    assert "Người nộp (số định danh cá nhân): 079195000201" in text  # the legal record, in full
    assert "******" not in text


def test_a_death_extract_is_the_deceaseds_a_marriage_both_partners() -> None:
    deceased = _read(
        "deceased", deceased_full_name="Lê Văn Cường", deceased_personal_id="036050000301"
    )
    widow = _read("applicant", full_name="Đỗ Thị Lụa")
    assert subjects.holder([widow, deceased]) == "Lê V. C."
    assert results.people_lines([widow, deceased]) == []  # no parents on a death extract
    partner = _read("spouse", full_name="Vũ Thị Giang")
    groom = _read("applicant", full_name="Hoàng Văn Em")
    assert subjects.holder([groom, partner]) == "Hoàng V. E. và Vũ T. G."
    assert subjects.holder([groom]) == "Hoàng V. E."
    assert subjects.holder([]) is None
