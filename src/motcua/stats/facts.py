"""What one dossier counts for: a pure function of its history, shared by the worker's
incremental roll-up, the rebuild, and the tests' recomputation.

Every figure is attributed to the local day the dossier was received (a cohort): "dossiers
received in May, of which so many resolved on time". A dossier's fact changes when its
history grows; the roll-up then moves by the difference.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

import yaml

from motcua.core.calendar import get_calendar
from motcua.stats.models import COUNTERS

# Codes of the demo's synthetic dossiers start with this (the demo labels them as such).
SYNTHETIC_PREFIX = "TH-"


class Channel:
    """The four channels of the statistics: an online filing counts as full-process when its
    procedure is offered full-process online (catalog ``online_level``), partial otherwise."""

    online_full = "online_full"
    online_partial = "online_partial"
    counter = "counter"
    post = "post"

    ALL = (online_full, online_partial, counter, post)
    ONLINE = (online_full, online_partial)


CHANNEL_NAMES = {
    Channel.online_full: "Trực tuyến toàn trình",
    Channel.online_partial: "Trực tuyến một phần",
    Channel.counter: "Trực tiếp tại bộ phận một cửa",
    Channel.post: "Qua bưu chính",
}


@cache
def essential_codes() -> frozenset[str]:
    """The 25 essential services: the procedures of the catalog's essential-services file."""
    text = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    document = yaml.safe_load(text.read_text("utf-8"))
    return frozenset(str(p["code"]) for p in document.get("procedures", []))


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    to_state: str
    at: datetime


@dataclass(frozen=True)
class History:
    """Everything a dossier's fact depends on, read in one place (repository.histories)."""

    dossier_id: int
    code: str
    received_at: datetime
    due_at: datetime
    channel: str  # the dossier's own: online, counter, post
    online_level: str  # the procedure version's: full, partial, none
    procedure_code: str
    agency_id: int
    province_code: str
    commune_code: str
    payment_state: str  # not_required, unpaid, to_confirm, paid
    item_sources: Sequence[str]
    events: Sequence[Event]
    violation_ids: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class Fact:
    dossier_id: int
    last_event_id: int
    last_violation_id: int
    day: date
    province_code: str
    commune_code: str
    agency_id: int
    procedure_code: str
    channel: str
    essential: bool
    due_at: datetime
    counts: dict[str, int]

    def key(self) -> tuple[date, int, str, str]:
        return (self.day, self.agency_id, self.procedure_code, self.channel)


RESOLVED = {"result_ready": "result", "returned": "result", "refused": "refused"}


def stats_channel(channel: str, online_level: str) -> str:
    if channel == "online":
        return Channel.online_full if online_level == "full" else Channel.online_partial
    return channel


def working_days_after(start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when the result came on day zero)."""
    calendar = get_calendar()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def fact_of(history: History) -> Fact:
    """The fact of one dossier: outcome, processing time, supplements, payments, items."""
    calendar = get_calendar()
    counts = dict.fromkeys(COUNTERS, 0)
    counts["received"] = 1
    counts["synthetic"] = int(history.code.startswith(SYNTHETIC_PREFIX))
    outcome = "pending"
    for event in history.events:
        if event.kind == "supplement-requested":
            counts["supplements"] += 1
        elif event.kind == "delay-apology":
            counts["apologies"] += 1
        elif event.kind == "payment-confirmed":
            counts["paid_online"] = 1
        if outcome != "pending":
            continue
        if event.to_state == "withdrawn":
            outcome = "withdrawn"
        elif RESOLVED.get(event.to_state) == "refused":
            outcome = "refused"
        elif RESOLVED.get(event.to_state) == "result":
            outcome = "on_time" if event.at <= history.due_at else "late"
            counts["processing_days"] = working_days_after(
                calendar.day_zero(history.received_at), calendar.localise(event.at).date()
            )
    counts[outcome] = 1
    channel = stats_channel(history.channel, history.online_level)
    counts["online"] = int(channel in Channel.ONLINE)
    counts["online_full"] = int(channel == Channel.online_full)
    counts["with_fee"] = int(history.payment_state != "not_required")
    for source in history.item_sources:
        counts[f"items_{source}"] += 1
    counts["reused"] = int(counts["items_registry"] > 0)
    counts["violations"] = len(history.violation_ids)
    return Fact(
        dossier_id=history.dossier_id,
        last_event_id=max((e.id for e in history.events), default=0),
        last_violation_id=max(history.violation_ids, default=0),
        day=calendar.localise(history.received_at).date(),
        province_code=history.province_code,
        commune_code=history.commune_code,
        agency_id=history.agency_id,
        procedure_code=history.procedure_code,
        channel=channel,
        essential=history.procedure_code in essential_codes(),
        due_at=history.due_at,
        counts=counts,
    )


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


def roll_up(facts: Sequence[Fact]) -> dict[tuple[date, int, str, str], dict[str, int]]:
    """The roll-up as a from-scratch sum of facts (the rebuild and the tests use it)."""
    rows: dict[tuple[date, int, str, str], dict[str, int]] = {}
    for fact in facts:
        row = rows.setdefault(fact.key(), dict.fromkeys(COUNTERS, 0))
        for name, value in fact.counts.items():
            row[name] += value
    return rows
