"""Every figure of one dossier, and every rate, against numbers worked out by hand."""

from datetime import date

from motcua.stats.facts import Channel, Event, History, fact_of, roll_up, stats_channel
from motcua.stats.schemas import Figures
from tests.stats.conftest import ESSENTIAL, local


def history(**changes: object) -> History:
    base = {
        "dossier_id": 1,
        "code": "X-1",
        "received_at": local(2025, 12, 1, 9),  # Monday
        "due_at": local(2025, 12, 5, 17),
        "channel": "online",
        "online_level": "full",
        "procedure_code": ESSENTIAL,
        "agency_id": 5,
        "province_code": "01",
        "commune_code": "00004",
        "payment_state": "paid",
        "item_sources": ("registry", "registry", "upload"),
        "events": (),
        "violation_ids": (),
    }
    return History(**{**base, **changes})  # type: ignore[arg-type]


def test_a_late_result_after_a_supplement_and_an_apology() -> None:
    events = (
        Event(10, "submitted", "received", local(2025, 12, 1, 9)),
        Event(11, "step-completed", "in_progress", local(2025, 12, 1, 10)),
        Event(12, "payment-confirmed", "in_progress", local(2025, 12, 1, 11)),
        Event(13, "supplement-requested", "supplement_requested", local(2025, 12, 2, 9)),
        Event(14, "supplement-answered", "in_progress", local(2025, 12, 3, 9)),
        Event(15, "delay-apology", "in_progress", local(2025, 12, 5, 9)),
        Event(16, "result-signed", "result_ready", local(2025, 12, 8, 10)),
        Event(17, "returned", "returned", local(2025, 12, 9, 10)),
    )
    fact = fact_of(history(events=events, violation_ids=(3, 7)))
    c = fact.counts
    assert (fact.day, fact.channel, fact.essential) == (date(2025, 12, 1), "online_full", True)
    assert (fact.last_event_id, fact.last_violation_id) == (17, 7)
    assert (c["received"], c["online"], c["online_full"]) == (1, 1, 1)
    assert (c["on_time"], c["late"], c["pending"], c["refused"]) == (0, 1, 0, 0)
    # Day zero Monday 1/12; Tuesday 2 … Friday 5 and Monday 8: five working days.
    assert c["processing_days"] == 5
    assert (c["supplements"], c["apologies"], c["paid_online"], c["with_fee"]) == (1, 1, 1, 1)
    assert (c["items_registry"], c["items_upload"], c["items_counter"]) == (2, 1, 0)
    assert (c["violations"], c["synthetic"]) == (2, 0)


def test_on_time_refused_pending_and_withdrawn() -> None:
    on_time = fact_of(history(events=(
        Event(1, "submitted", "received", local(2025, 12, 1, 9)),
        Event(2, "result-signed", "result_ready", local(2025, 12, 5, 17)),  # at the due time
    )))  # fmt: skip
    assert (on_time.counts["on_time"], on_time.counts["late"]) == (1, 0)
    assert on_time.counts["processing_days"] == 4
    refused = fact_of(history(channel="counter", payment_state="not_required", events=(
        Event(1, "submitted", "received", local(2025, 12, 1, 9)),
        Event(2, "refused", "refused", local(2025, 12, 1, 10)),
    )))  # fmt: skip
    assert refused.channel == "counter"
    assert (refused.counts["refused"], refused.counts["online"], refused.counts["with_fee"]) == (
        1,
        0,
        0,
    )
    assert refused.counts["processing_days"] == 0
    submitted = Event(1, "submitted", "received", local(2025, 12, 1))
    pending = fact_of(history(code="TH-A-1", events=(submitted,)))
    assert (pending.counts["pending"], pending.counts["synthetic"]) == (1, 1)
    withdrawn = fact_of(history(events=(
        Event(1, "submitted", "received", local(2025, 12, 1, 9)),
        Event(2, "withdrawn", "withdrawn", local(2025, 12, 2, 9)),
    )))  # fmt: skip
    assert (withdrawn.counts["withdrawn"], withdrawn.counts["pending"]) == (1, 0)


def test_a_receipt_on_sunday_counts_from_monday_and_belongs_to_sunday() -> None:
    fact = fact_of(history(received_at=local(2025, 11, 30, 20), events=(
        Event(1, "submitted", "received", local(2025, 11, 30, 20)),
        Event(2, "result-signed", "result_ready", local(2025, 12, 2, 9)),
    )))  # fmt: skip
    assert fact.day == date(2025, 11, 30)
    assert fact.counts["processing_days"] == 1  # day zero Monday 1/12, result Tuesday


def test_channels() -> None:
    assert stats_channel("online", "full") == Channel.online_full
    assert stats_channel("online", "partial") == Channel.online_partial
    assert stats_channel("online", "none") == Channel.online_partial
    assert stats_channel("post", "full") == Channel.post


def test_rates_from_counters() -> None:
    a = fact_of(history(events=(
        Event(1, "submitted", "received", local(2025, 12, 1, 9)),
        Event(2, "result-signed", "result_ready", local(2025, 12, 3, 9)),
    )))  # fmt: skip
    b = fact_of(history(dossier_id=2, channel="counter", payment_state="unpaid",
        item_sources=("counter",), events=(
        Event(3, "submitted", "received", local(2025, 12, 1, 9)),
        Event(4, "result-signed", "result_ready", local(2025, 12, 9, 9)),
    )))  # fmt: skip
    rows = roll_up([a, b])
    assert len(rows) == 2  # different channels: two roll-up rows
    total = {n: rows[a.key()][n] + rows[b.key()][n] for n in rows[a.key()]}
    figures = Figures.of(total)
    assert figures.received == 2 and figures.online_share == 0.5
    assert figures.on_time_rate == 0.5  # a on time (2 days), b late (6 days)
    assert figures.average_processing_days == 4.0  # (2 + 6) / 2
    assert figures.paid_online_share == 0.0  # two with a fee, none paid online
    assert figures.reuse_rate == 0.5  # 2 of 4 items from registries
    assert Figures.of(dict.fromkeys(total, 0)).online_share is None
