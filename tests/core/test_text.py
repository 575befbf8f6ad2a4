from motcua.core.text import fold, search_terms, slug, words


def test_fold_removes_marks_case_and_d_bar() -> None:
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("Liên thông: khai tử – xóa thường trú") == "lien thong khai tu xoa thuong tru"


def test_fold_keeps_digits_and_splits_codes() -> None:
    assert fold("1.001193") == "1 001193"
    assert words("  ") == []


def test_slug() -> None:
    assert slug("Giáo dục và Đào tạo") == "giao-duc-va-dao-tao"


def test_an_abbreviation_also_matches_the_words_it_stands_for() -> None:
    terms = search_terms("BHYT cho trẻ")
    assert terms.groups == ((("bhyt",), ("bao", "hiem", "y", "te")), (("cho",),), (("tre",),))
    assert terms.phrase == "bao hiem y te cho tre"


def test_abbreviations_with_d_bar_fold_as_typed() -> None:
    assert search_terms("QSDĐ").groups == ((("qsdd",), ("quyen", "su", "dung", "dat")),)
    assert search_terms("ĐK khai sinh").phrase == "dang ky khai sinh"


def test_spelled_out_words_also_match_their_abbreviation() -> None:
    terms = search_terms("dang ky khai sinh")
    assert terms.groups[0] == (("dang", "ky"), ("dk",))
    assert terms.groups[1:] == ((("khai",),), (("sinh",),))
    # The longest spelled-out phrase wins: "giấy chứng nhận quyền sử dụng đất" is one group.
    [group] = search_terms("giay chung nhan quyen su dung dat").groups
    assert ("gcnqsdd",) in group


def test_plain_words_stay_as_typed() -> None:
    terms = search_terms("khai si")
    assert terms.groups == ((("khai",),), (("si",),)) and terms.phrase == "khai si"
    assert not search_terms("  ")
