"""How catalog facts read to a person: provisional codes, processing time, and the internal
reference labels that never reach a public page.

Pages use ``catalog/code.html`` and ``catalog/processing_time.html`` (which follow these rules);
PDFs and plain-text messages use the functions here.
"""

import re

# Codes starting with "0." are the platform's own, given where the national procedure code is not
# confirmed; a national code never starts with 0.
PROVISIONAL_PREFIX = "0."

# Labels of the engineering provenance (source sections and how sure a fact is) that a person has
# no use for: "DOMAIN.md §1.1", "[UNVERIFIED]", "[P]", "[V-local gov]", "[3P]"…
INTERNAL_LABELS = re.compile(
    r"DOMAIN(?:\.md)?|UNVERIFIED|§|\[(?:V|P|3P)(?:[-/ ,][^\]]*)?\]|\bmotcua\b", re.IGNORECASE
)


def is_provisional(code: str) -> bool:
    return code.startswith(PROVISIONAL_PREFIX)


def code_label(code: str) -> str:
    """``0.000003 (mã tạm)``: the code as printed on a slip or in a message."""
    return f"{code} (mã tạm)" if is_provisional(code) else code


def named_with_code(name: str, code: str) -> str:
    """``Đăng ký thường trú (mã 0.000003, mã tạm)``: a procedure's name with its code in one
    pair of parentheses, as slips and results print it."""
    return f"{name} (mã {code}, mã tạm)" if is_provisional(code) else f"{name} (mã {code})"


def processing_time(days: int) -> str:
    """``Trong ngày`` for a same-day procedure, never "0 ngày làm việc"."""
    return "Trong ngày" if days == 0 else f"{days} ngày làm việc"


def internal_labels(text: str) -> list[str]:
    """The internal reference labels in ``text``, in order, each once."""
    return list(dict.fromkeys(m.group(0) for m in INTERNAL_LABELS.finditer(text)))
