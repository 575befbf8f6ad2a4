"""Synthetic names for the HTTP load (no imports: the load generator's process reads it)."""


def child_named(n: int) -> str:
    """A distinct synthetic child's name for each submission (the same child filed twice is
    refused as a duplicate, docs/dossiers.md): the number spelt in letters."""
    letters = "abcdeghiklmnopqrstuvxy"
    word = ""
    while True:
        n, digit = divmod(n, len(letters))
        word += letters[digit]
        if not n:
            break
    return f"Trần Bảo An {word.capitalize()} (dữ liệu tổng hợp)"
