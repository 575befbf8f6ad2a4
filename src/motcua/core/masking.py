"""Personal numbers (số định danh cá nhân) where the whole is not needed: one style on every
page, PDF, log line and file name, ``001084000101`` -> ``001******101``. The first three digits
(the province of birth) and the last three tell two people apart on a page; the number cannot
be used from them. Pages use the ``masked`` Jinja filter, which is :func:`mask`."""

import re

# Exactly 12 digits not inside a longer word or number: a query value, a path segment, a word
# of a sentence; never a piece of a hex digest or of a longer code.
NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{6}(\d{3})(?![0-9A-Za-z])")
SHOWN = 3  # digits kept at each end


def mask(number: str | None) -> str:
    """One number masked: the first and last three digits kept, the rest starred; a short
    value (not a personal number) is starred whole, an empty one stays empty."""
    if not number:
        return ""
    text = str(number).strip()
    if len(text) <= 2 * SHOWN:
        return "*" * len(text)
    return text[:SHOWN] + "*" * (len(text) - 2 * SHOWN) + text[-SHOWN:]


def mask_numbers(text: str) -> str:
    """Every 12-digit number standing alone in ``text``, masked as :func:`mask` does."""
    return NUMBER.sub(lambda m: mask(m.group(0)), text)
