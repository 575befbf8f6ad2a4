"""Vietnamese text folding, so that search ignores diacritics and case on every database."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``Đăng ký khai sinh`` -> ``dang ky khai sinh``: lower case, no marks, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", stripped).strip()


def slug(text: str) -> str:
    return fold(text).replace(" ", "-")


def words(text: str) -> list[str]:
    folded = fold(text)
    return folded.split() if folded else []
