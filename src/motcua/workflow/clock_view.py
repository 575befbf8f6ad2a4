"""The deadline clock as the officer's dossier page shows it: the working days each agency on
the route used of its share, and for a same-day procedure (a deadline of 0 working days, as
birth registration has) the due time and, once past, how late in hours and minutes, never a
share of zero days or a percentage of nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from motcua.core.calendar import get_calendar
from motcua.workflow.schemas import CaseOut, VisitOut
from motcua.workflow.work import working_days_between


@dataclass(frozen=True)
class Share:
    """One agency on the dossier's route: working days used and their share of the total
    (``percent`` None when no working day was used yet, or the agency decides the same day)."""

    visit: VisitOut
    used: int
    percent: int | None
    current: bool
    same_day: bool


@dataclass(frozen=True)
class Clock:
    same_day: bool  # the whole dossier is decided on the day it is received
    late_by: tuple[int, int] | None  # (hours, minutes) late, when overdue since earlier today
    shares: list[Share]


def late_parts(late: timedelta) -> tuple[int, int]:
    """How late, as (hours, minutes), at least a minute; the page words it."""
    minutes = max(1, int(late.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return hours, minutes


def is_same_day(
    received_at: datetime | None, due_at: datetime, processing_days: int, cutoff: bool
) -> bool:
    """A procedure decided within its day of receipt (0 working days), whose due time has not
    been moved to a later day (an apology with a new date)."""
    if received_at is None or processing_days > 0:
        return False
    calendar = get_calendar()
    day_zero = calendar.day_zero(received_at, cutoff=cutoff)
    return calendar.localise(due_at).date() <= day_zero


def clock_of(view: CaseOut, now: datetime, processing_days: int, cutoff: bool = False) -> Clock:
    calendar = get_calendar()
    today = calendar.localise(now).date()
    used_days: list[int] = []
    for visit in view.visits:
        used = visit.used_days
        if used is None:
            end = calendar.localise(visit.left_at).date() if visit.left_at else today
            used = working_days_between(calendar.localise(visit.entered_at).date(), end)
        used_days.append(used)
    same_day = is_same_day(view.dossier.received_at, view.due_at, processing_days, cutoff)
    total = sum(used_days)
    shares = [
        Share(
            visit,
            used,
            round(100 * used / total) if total and not same_day else None,
            visit.left_at is None,
            same_day or visit.share_days == 0,
        )
        for visit, used in zip(view.visits, used_days, strict=True)
    ]
    return Clock(same_day, _late_by(view, now), shares)


def _late_by(view: CaseOut, now: datetime) -> tuple[int, int] | None:
    """Overdue since earlier today (0 working days left, the time past): the hours and
    minutes, where a count of working days would say 0; later than that, days count."""
    if view.paused or view.due_at >= now or view.working_days_left != 0:
        return None
    return late_parts(now - view.due_at)
