"""An item is named by where it really came from, not by how it was stored."""

from motcua.dossiers.models import ItemSource
from motcua.dossiers.sources import ORIGIN_NAMES, Origin, origin


def test_a_typed_declaration_is_declared_not_uploaded() -> None:
    assert origin(ItemSource.upload, {"ho_ten_tre": "Phạm Minh Khôi"}) == Origin.declared
    assert origin(ItemSource.upload, None) == Origin.upload
    assert origin(ItemSource.counter, {"noi_dung": "Đề nghị"}) == Origin.declared_at_counter
    assert origin(ItemSource.counter, None) == Origin.counter


def test_a_linked_procedures_result_is_not_an_ordinary_registry_read() -> None:
    assert origin(ItemSource.registry, {"a": 1}, {"registry_code": "population"}) == (
        Origin.registry
    )
    assert origin(ItemSource.registry, {"a": 1}, {"registry_code": "ket_qua"}) == Origin.linked
    assert ORIGIN_NAMES[Origin.linked] == "Kết quả liên thông"
    assert ORIGIN_NAMES[Origin.declared] == "Kê khai"
