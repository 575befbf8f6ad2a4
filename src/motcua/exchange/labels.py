"""The names a person reads for the fields registries deliver (``blood_type`` -> "Nhóm máu"),
in one place for every page that shows registry data: the consent, the preview, the form, the
officer's dossier. Vietnamese from ``data/field_labels.yaml``; other languages from the web
catalogs, keyed by the Vietnamese name."""

from functools import cache
from importlib import resources

import yaml

from motcua.web.i18n import gettext

# Fields a registry delivers for machines, never shown to a person as they are: a signed
# result's fingerprint and its verification address. A page shows a link to the verification
# page (``/verify/{verify_code}``) instead, with the signer and the time in words.
UNSEEN_FIELDS = frozenset({"sha256", "verify_url", "verify_code", "issuing_agency_code"})


@cache
def vietnamese_labels() -> dict[str, str]:
    text = resources.files("motcua.exchange").joinpath("data", "field_labels.yaml")
    labels: dict[str, str] = yaml.safe_load(text.read_text("utf-8"))
    return labels


def field_label(code: str, locale: str = "vi") -> str:
    """The field's name in ``locale`` ("vi" or "en"); the code itself only for a field no
    label was written for (a test keeps every field the catalog lists labelled)."""
    label = vietnamese_labels().get(code)
    return gettext(label, locale) if label else code


@cache
def _registry_names() -> dict[str, str]:
    text = resources.files("motcua.exchange").joinpath("data", "registries.yaml")
    data = yaml.safe_load(text.read_text("utf-8"))
    return {r["code"]: r["name"] for r in data["registries"]}


def registry_name(code: str, locale: str = "vi") -> str:
    """A registry's name where a page only has its code (a field's ``source``)."""
    name = _registry_names().get(code)
    return gettext(name, locale) if name else code


OUTCOMES = {
    "delivered": "Đã cung cấp",
    "not_found": "Không có bản ghi",
    "unavailable": "Không đọc được (cơ sở dữ liệu không trả lời)",
    "needs_choice": "Có nhiều bản ghi, chờ người nộp chọn",
    "refused": "Bị từ chối đọc",
    "verified": "Đã xác nhận",
    "repeated": "Nhận lại sự kiện đã có (không xử lý thêm)",
}
PURPOSES = {
    "application": "Làm hồ sơ thủ tục",
    "dossier": "Giải quyết hồ sơ",
    "representation": "Kiểm tra quan hệ cha mẹ - con",
    "event": "Nhận tin từ cơ sở dữ liệu để chủ động đề nghị dịch vụ công",
    "offer": "Báo cho bạn dịch vụ công được đề nghị",
}


def outcome_label(code: str, locale: str = "vi") -> str:
    """What came of one read, in words (the access log keeps the code)."""
    return gettext(OUTCOMES.get(code, "Khác"), locale)


def purpose_label(purpose: str, locale: str = "vi") -> str:
    """Why a read was made (``application:<id>`` -> "Làm hồ sơ thủ tục"), never the raw id."""
    kind = purpose.split(":", 1)[0]
    return gettext(PURPOSES.get(kind, "Mục đích khác"), locale)
