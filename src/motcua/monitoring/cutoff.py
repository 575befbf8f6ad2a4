"""The report cut-off: when a day's report stops being on time (16:00 Vietnam time by
default), in the configured time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from motcua.core.settings import get_settings


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def cutoff_at(day: date) -> datetime:
    """The moment a report for ``day`` stops being on time (16:00 Vietnam time by default)."""
    return datetime.combine(day, get_settings().report_cutoff, tzinfo=zone())


def is_late(day: date, submitted_at: datetime) -> bool:
    """On time strictly before the cut-off: 15:59:59 is on time, 16:00:00 is late."""
    return submitted_at >= cutoff_at(day)


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("submitted_at must carry its time zone")
    return moment
