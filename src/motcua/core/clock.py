"""One place to ask for the time, so tests and services agree on "today" in Vietnam."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from motcua.core.settings import get_settings


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(ZoneInfo(get_settings().timezone)).date()
