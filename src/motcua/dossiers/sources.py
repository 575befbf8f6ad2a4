"""Where a dossier item came from, as a person reads it. The stored ``source`` says how the item
entered (a registry read, an online upload, the counter); a typed declaration is stored as an
upload with its answers (the declaration PDF is its file), and a linked procedure's result as a
read of the e-result store. Pages, receipts and the officer's view name the real origin."""

import enum
from typing import Any

from motcua.dossiers.models import ItemSource

# The e-result store a linked procedure's result is read from (groups.handover.RESULT_STORE).
RESULT_STORE = "ket_qua"


class Origin(enum.StrEnum):
    declared = "declared"
    declared_at_counter = "declared_at_counter"
    registry = "registry"
    upload = "upload"
    counter = "counter"
    linked = "linked"


ORIGIN_NAMES = {
    Origin.declared: "Kê khai",
    Origin.declared_at_counter: "Kê khai tại quầy",
    Origin.registry: "Lấy từ cơ sở dữ liệu",
    Origin.upload: "Tải lên",
    Origin.counter: "Nộp tại quầy",
    Origin.linked: "Kết quả liên thông",
}


def origin(source: ItemSource | str, value: Any = None, evidence: Any = None) -> Origin:
    """The item's real origin from what is stored of it."""
    kind = ItemSource(source)
    if kind == ItemSource.registry:
        linked = isinstance(evidence, dict) and evidence.get("registry_code") == RESULT_STORE
        return Origin.linked if linked else Origin.registry
    typed = isinstance(value, dict) and bool(value)
    if kind == ItemSource.counter:
        return Origin.declared_at_counter if typed else Origin.counter
    return Origin.declared if typed else Origin.upload


def origin_of(item: Any) -> Origin:
    """:func:`origin` of a stored item, or of anything with its ``source`` and ``value``."""
    return origin(item.source, getattr(item, "value", None), getattr(item, "evidence", None))


def origin_name(item: Any) -> str:
    return ORIGIN_NAMES[origin_of(item)]
