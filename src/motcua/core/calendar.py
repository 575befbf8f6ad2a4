"""Working-day calendar for deadlines (DESIGN invariant 6).

Weekends, Vietnamese public holidays (Tết and the government's substitute days off and
make-up working Saturdays, as the ``holidays`` package publishes them) and any days an
operator declares in settings. All times are local to Asia/Ho_Chi_Minh.

A receipt counts from the day it arrives when that is a working day and it arrives by the close
of office hours. The 15:00 cut-off is a rule of some procedures only (same-day civil-status
procedures, DOMAIN §4.2): the caller says whether the procedure version sets it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from motcua.core.errors import Invalid
from motcua.core.settings import Settings, get_settings

FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class WorkingCalendar:
    timezone: ZoneInfo
    receipt_cutoff: time
    office_closes_at: time
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> "WorkingCalendar":
        return cls(
            timezone=ZoneInfo(settings.timezone),
            receipt_cutoff=settings.receipt_cutoff,
            office_closes_at=settings.office_closes_at,
            extra_days_off=frozenset(date.fromisoformat(d) for d in settings.extra_days_off),
            extra_working_days=frozenset(
                date.fromisoformat(d) for d in settings.extra_working_days
            ),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return _official_working_day(day)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def day_zero(self, received_at: datetime, *, cutoff: bool = False) -> date:
        """The working day a receipt counts from: the day it arrives, if that is a working day
        and it arrives by the close of office hours, or by the receipt cut-off (15:00) for a
        procedure whose rules set one (``cutoff``, the version's ``same_day_cutoff``);
        otherwise the next working day."""
        local = self.localise(received_at)
        day = local.date()
        closes = self.receipt_cutoff if cutoff else self.office_closes_at
        if not self.is_working_day(day) or local.time() > closes:
            return self.next_working_day(day)
        return day

    def due_at(self, received_at: datetime, working_days: int, *, cutoff: bool = False) -> datetime:
        """Close of office hours on the n-th working day after day zero."""
        if working_days < 0:
            raise Invalid("Số ngày làm việc không được âm.", code="negative-working-days")
        if not FIRST_YEAR <= self.localise(received_at).year <= LAST_YEAR:
            raise Invalid(
                f"Ngày tiếp nhận phải trong khoảng năm {FIRST_YEAR}-{LAST_YEAR}.",
                code="date-out-of-range",
            )
        day = self.day_zero(received_at, cutoff=cutoff)
        for _ in range(working_days):
            day = self.next_working_day(day)
        return datetime.combine(day, self.office_closes_at, tzinfo=self.timezone)

    def localise(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.timezone)
        return moment.astimezone(self.timezone)


@lru_cache(maxsize=16)
def _vietnam_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(year - 1, year + 2))


@lru_cache(maxsize=8192)
def _official_working_day(day: date) -> bool:
    """Asked about the same few weeks by every submission; the package's answer costs more."""
    return bool(_vietnam_holidays(day.year).is_working_day(day))


_built: tuple[Settings, WorkingCalendar] | None = None


def get_calendar() -> WorkingCalendar:
    """The calendar of the settings in force, built again only when they change."""
    global _built
    settings = get_settings()
    if _built is None or _built[0] is not settings:
        _built = (settings, WorkingCalendar.from_settings(settings))
    return _built[1]
