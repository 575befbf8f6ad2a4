from motcua.core.text import fold, slug, words


def test_fold_removes_marks_case_and_d_bar() -> None:
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("Liên thông: khai tử – xóa thường trú") == "lien thong khai tu xoa thuong tru"


def test_fold_keeps_digits_and_splits_codes() -> None:
    assert fold("1.001193") == "1 001193"
    assert words("  ") == []


def test_slug() -> None:
    assert slug("Giáo dục và Đào tạo") == "giao-duc-va-dao-tao"
