"""The dashboards' filter by kind of reporting unit (khối): its Vietnamese query values, its
labels, the words for what each kind counts, and the links that switch it while keeping the
page's other choices."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query

from motcua.core.errors import Invalid

# ?khoi= on the pages -> the API's kind
KHOI = {"chinh-quyen": "government", "dang": "party", "mat-tran": "front", "tat-ca": "all"}
KHOI_LABELS = {
    "chinh-quyen": "Chính quyền",
    "dang": "Đảng",
    "mat-tran": "Mặt trận, đoàn thể",
    "tat-ca": "Tất cả",
}
KIND_NAMES = {
    "people_committee": "Ủy ban nhân dân",
    "ministry": "Bộ, cơ quan",
    "party_committee": "Cấp ủy đảng",
    "fatherland_front": "Mặt trận Tổ quốc",
    "mass_organisation": "Đoàn thể",
    "national_assembly": "Văn phòng Quốc hội",
}
# A province page's heading beside the province's name when the page shows another kind than
# the People's Committees (whose page is headed by the committee's own name).
HEADINGS = {
    "dang": "khối Đảng",
    "mat-tran": "khối Mặt trận, đoàn thể",
    "tat-ca": "mọi khối đơn vị báo cáo",
}
# What the commune-level units of each kind are called on the pages: (many, a column heading).
COUNTED = {
    "chinh-quyen": ("xã, phường", "Xã"),
    "dang": ("đảng ủy xã, phường", "Đảng ủy xã"),
    "mat-tran": ("tổ chức Mặt trận, đoàn thể cấp xã", "Tổ chức cấp xã"),
    "tat-ca": ("đơn vị báo cáo cấp xã", "Đơn vị cấp xã"),
}


def chosen(khoi: Annotated[str, Query(max_length=40)] = "chinh-quyen") -> str:
    """The page's ``?khoi=``, refused in words (naming the choices) when it is not one."""
    if khoi not in KHOI:
        raise Invalid(
            "Không có khối đơn vị này. Chọn một trong: "
            + ", ".join(f"“{label}”" for label in KHOI_LABELS.values())
            + ".",
            code="unknown-kind",
        )
    return khoi


Chosen = Annotated[str, Depends(chosen)]


@dataclass(frozen=True)
class KindLink:
    value: str
    label: str
    href: str
    current: bool


def links(path: str, params: dict[str, str], khoi: str, anchor: str = "") -> list[KindLink]:
    """One link per kind, keeping the page's other parameters; the default adds nothing."""
    out = []
    for value, label in KHOI_LABELS.items():
        query = {k: v for k, v in params.items() if k != "khoi" and v}
        if value != "chinh-quyen":
            query["khoi"] = value
        href = path + ("?" + urlencode(query) if query else "") + anchor
        out.append(KindLink(value, label, href, value == khoi))
    return out


def suffix(khoi: str) -> str:
    """What links on a filtered page append to keep the filter."""
    return "" if khoi == "chinh-quyen" else f"&khoi={khoi}"
