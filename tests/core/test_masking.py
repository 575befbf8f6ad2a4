"""One style of masked personal number on every page, paper and log line."""

from motcua.core.masking import mask, mask_numbers
from motcua.web.templating import templates


def test_a_number_keeps_its_first_and_last_three_digits() -> None:
    assert mask("001084000101") == "001******101"
    assert mask(" 001084000101 ") == "001******101"
    assert mask("123456") == "******"  # too short to show any part
    assert mask("") == "" and mask(None) == ""


def test_free_text_and_the_page_filter_mask_the_same_way() -> None:
    assert mask_numbers("Người nộp 001084000101, mã 0010840001019") == (
        "Người nộp 001******101, mã 0010840001019"
    )
    assert templates().env.filters["masked"]("079195000201") == "079******201"
