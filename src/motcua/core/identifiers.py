"""The 12-digit personal identification number ``PPP G YY RRRRRR`` (DOMAIN.md §3.4).

Checked before any registry is called, so a typo never reaches another agency's database.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from motcua.core import clock
from motcua.core.errors import Invalid

PATTERN = re.compile(r"^\d{12}$")
# G digit -> (century start, sex): 1900s M0/F1, 2000s M2/F3, 2100s M4/F5, 2200s M6/F7, 2300s M8/F9.
CENTURY = {g: 1900 + 100 * (g // 2) for g in range(10)}


@cache
def birth_province_codes() -> frozenset[str]:
    """The 63 pre-2025 province codes, which stay the prefix of numbers issued before 2025."""
    text = resources.files("motcua.units").joinpath("data", "province_successions_2025.yaml")
    data = yaml.safe_load(text.read_text("utf-8"))
    return frozenset(f"{int(code):03d}" for code in data["successions"])


@dataclass(frozen=True)
class PersonalNumber:
    value: str
    province_code: str
    female: bool
    birth_year: int


def parse(value: str, today: date | None = None) -> PersonalNumber:
    """Split and check a number; ``Invalid`` with a message a person can act on otherwise."""
    cleaned = value.strip()
    if not PATTERN.match(cleaned):
        raise Invalid(
            "Số định danh cá nhân phải gồm đúng 12 chữ số (ví dụ 001084000123).",
            code="malformed-personal-number",
        )
    province, g, yy = cleaned[:3], int(cleaned[3]), int(cleaned[4:6])
    if province not in birth_province_codes():
        raise Invalid(
            f"Ba chữ số đầu “{province}” không phải mã tỉnh nơi đăng ký khai sinh.",
            code="malformed-personal-number",
        )
    year = CENTURY[g] + yy
    if year > (today or clock.today()).year:
        raise Invalid(
            "Chữ số thứ 4 đến 6 cho năm sinh ở tương lai; vui lòng kiểm tra lại số định danh.",
            code="malformed-personal-number",
        )
    return PersonalNumber(cleaned, province, female=g % 2 == 1, birth_year=year)


def compose(province_code: str, female: bool, birth_year: int, serial: int) -> str:
    """The number a person born in ``birth_year`` and registered in ``province_code`` gets."""
    century = (birth_year - 1900) // 100
    g = 2 * century + (1 if female else 0)
    return f"{province_code}{g}{birth_year % 100:02d}{serial:06d}"
