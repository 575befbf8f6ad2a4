"""Vietnamese text folding, so that search ignores diacritics and case on every database, and the
abbreviations people type for the words official names spell out."""

import re
import unicodedata
from dataclasses import dataclass

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


# Abbreviations of the press and of officers' notes, folded (``ĐK`` -> ``dk``, ``QSDĐ`` ->
# ``qsdd``), and the words they stand for. Official names spell the words out; people type
# either, so a search for one also finds the other.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "dk": ("dang ky", "dieu kien"),
    "dkkd": ("dang ky kinh doanh",),
    "bhyt": ("bao hiem y te",),
    "bhxh": ("bao hiem xa hoi",),
    "bhtn": ("bao hiem that nghiep",),
    "cccd": ("can cuoc cong dan",),
    "cmnd": ("chung minh nhan dan",),
    "dddt": ("dinh danh dien tu",),
    "gplx": ("giay phep lai xe",),
    "gpkd": ("giay phep kinh doanh",),
    "gpxd": ("giay phep xay dung",),
    "gcn": ("giay chung nhan",),
    "gks": ("giay khai sinh",),
    "qsdd": ("quyen su dung dat",),
    "qsd": ("quyen su dung",),
    "gcnqsdd": ("giay chung nhan quyen su dung dat",),
    "hkd": ("ho kinh doanh",),
    "dn": ("doanh nghiep",),
    "ubnd": ("uy ban nhan dan",),
    "hdnd": ("hoi dong nhan dan",),
    "lltp": ("ly lich tu phap",),
    "vphc": ("vi pham hanh chinh",),
    "thpt": ("trung hoc pho thong",),
    "thcs": ("trung hoc co so",),
    "tthc": ("thu tuc hanh chinh",),
    "dvc": ("dich vu cong",),
    "csdl": ("co so du lieu",),
    "mst": ("ma so thue",),
    "tncn": ("thu nhap ca nhan",),
    "xnc": ("xuat nhap canh",),
    "tctt": ("toan trinh truc tuyen",),
}

# Each spelled-out phrase, as words, and the abbreviations that stand for it.
_SPELLED: dict[tuple[str, ...], tuple[str, ...]] = {}
for _short, _phrases in ABBREVIATIONS.items():
    for _phrase in _phrases:
        _SPELLED[tuple(_phrase.split())] = (*_SPELLED.get(tuple(_phrase.split()), ()), _short)
_LONGEST = max(len(p) for p in _SPELLED)


@dataclass(frozen=True)
class SearchTerms:
    """A query as groups that must all match; a group matches when any of its alternatives
    does, an alternative being words that follow each other. ``phrase`` is the query with
    abbreviations spelled out, for ranking names that contain it."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    phrase: str

    def __bool__(self) -> bool:
        return bool(self.groups)


def search_terms(text: str) -> SearchTerms:
    """``BHYT cho tre`` -> (bhyt | bao hiem y te) & cho & tre; ``dang ky khai sinh`` ->
    (dang ky | dk | …) & khai & sinh. The last word of the query may be a prefix."""
    typed = words(text)
    groups: list[tuple[tuple[str, ...], ...]] = []
    spelled: list[str] = []
    i = 0
    while i < len(typed):
        word = typed[i]
        if word in ABBREVIATIONS:
            phrases = ABBREVIATIONS[word]
            groups.append(((word,), *(tuple(p.split()) for p in phrases)))
            spelled.append(phrases[0])
            i += 1
            continue
        for length in range(min(_LONGEST, len(typed) - i), 1, -1):
            run = tuple(typed[i : i + length])
            if run in _SPELLED:
                groups.append((run, *((short,) for short in _SPELLED[run])))
                spelled.extend(run)
                i += length
                break
        else:
            groups.append(((word,),))
            spelled.append(word)
            i += 1
    return SearchTerms(groups=tuple(groups), phrase=" ".join(spelled))
