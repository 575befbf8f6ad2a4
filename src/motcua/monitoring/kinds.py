"""The dashboards' filter by kind of reporting unit (khối): its Vietnamese query values, its
labels, and the links that switch it while keeping the page's other choices."""

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query

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
Khoi = Annotated[Literal["chinh-quyen", "dang", "mat-tran", "tat-ca"], Query(alias="khoi")]


@dataclass(frozen=True)
class KindLink:
    value: str
    label: str
    href: str
    current: bool


def links(path: str, params: dict[str, str], chosen: str, anchor: str = "") -> list[KindLink]:
    """One link per kind, keeping the page's other parameters; the default adds nothing."""
    out = []
    for value, label in KHOI_LABELS.items():
        query = {k: v for k, v in params.items() if k != "khoi" and v}
        if value != "chinh-quyen":
            query["khoi"] = value
        href = path + ("?" + urlencode(query) if query else "") + anchor
        out.append(KindLink(value, label, href, value == chosen))
    return out


def suffix(chosen: str) -> str:
    """What links on a filtered page append to keep the filter."""
    return "" if chosen == "chinh-quyen" else f"&khoi={chosen}"
