"""Every translation catalog passes Babel's own checks (placeholders agree between a message
and its translation), so translators' tools (``pybabel compile``) accept the files as shipped."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parents[2] / "src" / "motcua" / "web" / "locales"


@pytest.mark.parametrize("po", sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")), ids=str)
def test_the_catalog_passes_babels_checks(po: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    problems = [
        f"{message.lineno}: {message.id!r}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]
    assert problems == []
