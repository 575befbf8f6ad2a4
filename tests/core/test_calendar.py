"""Deadlines on real 2025-2026 dates (DESIGN invariant 6)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import httpx
import pytest

from motcua.core.calendar import WorkingCalendar
from motcua.core.errors import Invalid

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar(timezone=VN, receipt_cutoff=time(15, 0), office_closes_at=time(17, 0))


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


@pytest.mark.parametrize(
    ("received", "days", "cutoff", "due"),
    [
        # Tết 2026: 16-20 Feb off, then the weekend.
        (at(2026, 2, 9, 10), 5, False, date(2026, 2, 23)),
        # Hùng Kings' day on Sunday 26/4/2026, substitute day off Monday 27/4.
        (at(2026, 4, 24, 15, 30), 1, True, date(2026, 4, 29)),
        # The same receipt, for a procedure without the cut-off: day zero is that Friday.
        (at(2026, 4, 24, 15, 30), 1, False, date(2026, 4, 28)),
        # After the office closes (17:00), every procedure counts from the next working day.
        (at(2026, 4, 24, 17, 30), 1, False, date(2026, 4, 29)),
        # 30/4 and 1/5/2026 (Thursday, Friday), then the weekend.
        (at(2026, 4, 29), 1, False, date(2026, 5, 4)),
        # National Day 2026: Monday 31/8 off (swapped with Saturday 22/8), 1-2/9 off.
        (at(2026, 8, 28, 10), 1, True, date(2026, 9, 3)),
        # Saturday 22/8/2026 is a make-up working day.
        (at(2026, 8, 22, 9), 0, True, date(2026, 8, 22)),
        # A Sunday receipt counts from Monday.
        (at(2025, 3, 2, 10), 0, False, date(2025, 3, 3)),
        # Tết 2025 after the cut-off: 27/1-1/2 off, day zero is Monday 3/2.
        (at(2025, 1, 24, 16), 1, True, date(2025, 2, 4)),
        # The same receipt without the cut-off: day zero is that Friday, due the Monday after Tết.
        (at(2025, 1, 24, 16), 1, False, date(2025, 2, 3)),
        # 30/4-2/5/2025 off (2/5 swapped with Saturday 26/4).
        (at(2025, 4, 29, 10), 1, False, date(2025, 5, 5)),
        # 2/9/2025: Monday 1/9 and Tuesday 2/9 off.
        (at(2025, 8, 29, 10), 1, False, date(2025, 9, 3)),
        # Vietnam Cultural Day, Tuesday 24/11/2026.
        (at(2026, 11, 23, 9), 1, False, date(2026, 11, 25)),
        # New Year 2026 (Thursday 1/1).
        (at(2025, 12, 31, 14), 1, True, date(2026, 1, 2)),
    ],
)
def test_due_dates(received: datetime, days: int, cutoff: bool, due: date) -> None:
    expected = datetime.combine(due, time(17, 0), tzinfo=VN)
    assert CALENDAR.due_at(received, days, cutoff=cutoff) == expected


def test_cut_off_is_inclusive_at_15_00() -> None:
    assert CALENDAR.day_zero(at(2026, 3, 10, 15, 0, 0), cutoff=True) == date(2026, 3, 10)
    assert CALENDAR.day_zero(at(2026, 3, 10, 15, 0, 1), cutoff=True) == date(2026, 3, 11)


def test_without_the_cut_off_a_receipt_counts_until_the_office_closes() -> None:
    assert CALENDAR.day_zero(at(2026, 3, 10, 15, 0, 1)) == date(2026, 3, 10)
    assert CALENDAR.day_zero(at(2026, 3, 10, 17, 0, 0)) == date(2026, 3, 10)
    assert CALENDAR.day_zero(at(2026, 3, 10, 17, 0, 1)) == date(2026, 3, 11)


def test_utc_input_is_read_in_vietnam_time() -> None:
    # 08:30 UTC is 15:30 in Vietnam: after the cut-off.
    moment = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert CALENDAR.day_zero(moment, cutoff=True) == date(2026, 3, 11)


def test_naive_input_is_vietnam_time() -> None:
    assert CALENDAR.day_zero(datetime(2026, 3, 10, 14, 59)) == date(2026, 3, 10)


def test_operator_declared_days() -> None:
    custom = WorkingCalendar(
        timezone=VN,
        receipt_cutoff=time(15, 0),
        office_closes_at=time(17, 0),
        extra_days_off=frozenset({date(2026, 3, 11)}),
        extra_working_days=frozenset({date(2026, 3, 14)}),
    )
    assert custom.due_at(at(2026, 3, 10), 3) == datetime(2026, 3, 14, 17, 0, tzinfo=VN)


def test_negative_days_refused() -> None:
    with pytest.raises(Invalid):
        CALENDAR.due_at(at(2026, 3, 10), -1)


async def test_due_api(client: httpx.AsyncClient) -> None:
    received = {"received_at": "2026-02-13T16:00:00+07:00", "working_days": 1}
    response = await client.get("/api/v1/calendar/due", params={**received, "same_day_cutoff": 1})
    assert response.status_code == 200
    body = response.json()
    # Friday after the cut-off, then Tết: day zero is Monday 23/2, due Tuesday 24/2.
    assert body["same_day_cutoff"] is True
    assert body["day_zero"] == "2026-02-23"
    assert body["due_at"] == "2026-02-24T17:00:00+07:00"
    # A procedure without the cut-off counts from that Friday: due Monday 23/2 after Tết.
    plain = (await client.get("/api/v1/calendar/due", params=received)).json()
    assert plain["same_day_cutoff"] is False
    assert plain["day_zero"] == "2026-02-13"
    assert plain["due_at"] == "2026-02-23T17:00:00+07:00"


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"received_at": "yesterday", "working_days": 1}, "received_at"),
        ({"received_at": "2026-02-13T10:00:00", "working_days": -2}, "working_days"),
        ({"received_at": "2026-02-13T10:00:00", "working_days": "x"}, "working_days"),
        ({"working_days": 3}, "received_at"),
    ],
)
async def test_due_api_names_the_bad_parameter(
    client: httpx.AsyncClient, params: dict[str, object], bad: str
) -> None:
    response = await client.get("/api/v1/calendar/due", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid-parameter"
    assert [e["parameter"] for e in body["errors"]] == [bad]
    assert bad in body["message"]
