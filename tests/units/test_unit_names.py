"""A unit code a registry or an old record carries reads as a unit's name, a former commune's
(before 1 July 2025) marked as such; the officer's registry table shows names, not codes."""

from motcua.units.service import any_unit_name
from motcua.workflow.contents import fields_of


def test_current_and_former_communes_are_named() -> None:
    assert any_unit_name("25747") == "Phường Thủ Dầu Một, Thành phố Hồ Chí Minh"
    assert any_unit_name("31312") == (
        "Xã Mỹ Khánh, Huyện Phong Điền, Thành phố Cần Thơ (đơn vị trước ngày 01/07/2025)"
    )
    assert "99999" in any_unit_name("99999") and any_unit_name("99999").startswith("Đơn vị")


def test_the_officers_registry_table_shows_the_unit_not_its_code() -> None:
    shown = fields_of(
        {"residence_unit_code": "25747", "personal_id": "079195000201"},
        {"residence_unit_code": "Xã, phường nơi thường trú"},
    )
    assert (shown[0].label, shown[0].value) == (
        "Xã, phường nơi thường trú",
        "Phường Thủ Dầu Một, Thành phố Hồ Chí Minh",
    )
    assert shown[1].value == "079******201"
