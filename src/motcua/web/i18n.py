"""The visitor's language and its catalog: Vietnamese is the source, English comes from
``locales/en`` (Babel). Kept apart from the templates so plain functions (labels, messages)
can translate without importing the page machinery."""

import io
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
WEB = Path(str(resources.files("motcua.web")))


@cache
def translations(language: str) -> NullTranslations:
    """Vietnamese is the source language; other languages come from ``locales/<lang>``."""
    po = WEB / "locales" / language / "LC_MESSAGES" / "messages.po"
    if language == "vi" or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str, language: str) -> str:
    return translations(language).gettext(message)


# What a page's parameters are called for the person who sent them (the names in addresses and
# forms are the code's, never shown).
PARAMETER_NAMES = {
    "page": "Số trang",
    "trang": "Số trang",
    "q": "Từ khóa tìm kiếm",
    "date": "Ngày",
    "day": "Ngày",
    "unit": "Đơn vị",
    "code": "Mã",
    "fmt": "Định dạng tệp",
    "table": "Bảng số liệu",
    "reference": "Mã phiên đồng ý",
    "application_id": "Mã tờ khai",
    "key": "Thành phần hồ sơ",
    "record": "Bản ghi",
    "subject": "Số định danh cá nhân",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "next": "Trang quay lại",
    "secret": "Mã tra cứu",
    "step": "Bước xử lý",
    "flag": "Tình trạng hạn",
    "after_due": "Trang tiếp theo",
    "after_id": "Trang tiếp theo",
    "xong": "Thao tác",
    "verify_code": "Mã xác thực",
    "file": "Tệp",
    "level": "Cấp",
}


def parameter_message(name: str) -> str:
    """The Vietnamese sentence for one refused parameter of a page, naming it in words."""
    label = PARAMETER_NAMES.get(name.split(".")[-1])
    if label is None:
        return "Địa chỉ trang hoặc biểu mẫu có một giá trị chưa đúng. Hãy quay lại và thử lại."
    return f"Giá trị của “{label}” chưa đúng. Hãy sửa lại rồi thử lại."
