"""Status rules at and around every threshold (defaults: due soon = 3 days, margin = 0.10)."""

from datetime import date, timedelta

import pytest

from motcua.monitoring.models import IndicatorKind
from motcua.monitoring.rules import (
    BadValue,
    Rules,
    Status,
    TaskSpec,
    expected_progress,
    parse_value,
    task_status,
    unit_status,
)

START, DEADLINE = date(2025, 7, 1), date(2025, 8, 10)  # 40 days
RULES = Rules.for_plan()


def spec(kind: IndicatorKind, target: float | None = None, items: tuple[str, ...] = ()) -> TaskSpec:
    return TaskSpec(1, "T", "t", kind, START, DEADLINE, target, items)


NUMBER = spec(IndicatorKind.number, 100)
YES_NO = spec(IndicatorKind.yes_no)
CHECKLIST = spec(IndicatorKind.checklist, items=("a", "b", "c", "d", "e"))


def status(s: TaskSpec, value: object, day: date) -> Status:
    return task_status(s, value, day, RULES, reported=True)


def test_defaults_come_from_the_data_file() -> None:
    assert Rules(due_soon_days=3, behind_margin=0.10) == RULES
    assert Rules.for_plan({"due_soon_days": 5}).due_soon_days == 5


def test_not_reported_is_grey_whatever_the_value() -> None:
    assert task_status(NUMBER, 100, START, RULES, reported=False) == Status.grey


@pytest.mark.parametrize(
    ("days_before_deadline", "expected"),
    [(4, Status.green), (3, Status.yellow), (1, Status.yellow), (0, Status.yellow),
     (-1, Status.red), (-30, Status.red)],
)  # fmt: skip
def test_due_soon_and_overdue_thresholds(days_before_deadline: int, expected: Status) -> None:
    day = DEADLINE - timedelta(days=days_before_deadline)
    # on the curve, so only the deadline rules can make it anything but green
    value = min(99.0, expected_progress(NUMBER, day) * 100)
    assert status(NUMBER, value, day) == expected


def test_done_is_green_even_after_the_deadline() -> None:
    assert status(NUMBER, 100, DEADLINE + timedelta(days=10)) == Status.green
    assert status(YES_NO, True, DEADLINE + timedelta(days=10)) == Status.green
    assert status(NUMBER, 99.9, DEADLINE + timedelta(days=1)) == Status.red


@pytest.mark.parametrize(
    ("progress_percent", "expected"),
    [(40.0, Status.green), (39.99, Status.yellow), (40.01, Status.green), (0.0, Status.yellow)],
)
def test_behind_the_target_curve(progress_percent: float, expected: Status) -> None:
    day = START + timedelta(days=20)  # expected progress 0.5; margin 0.10 -> threshold 0.40
    assert expected_progress(NUMBER, day) == 0.5
    assert status(NUMBER, progress_percent, day) == expected


def test_yes_no_has_no_curve() -> None:
    day = START + timedelta(days=30)  # 75% of the way, not done, 10 days left
    assert status(YES_NO, False, day) == Status.green
    assert status(YES_NO, False, DEADLINE - timedelta(days=3)) == Status.yellow


def test_checklist_progress_is_items_met() -> None:
    day = START + timedelta(days=20)  # threshold 0.40 -> 2 of 5 items is exactly on it
    two = {"a": True, "b": True, "c": False, "d": False, "e": False}
    one = {**two, "b": False}
    assert status(CHECKLIST, two, day) == Status.green
    assert status(CHECKLIST, one, day) == Status.yellow
    assert status(CHECKLIST, dict.fromkeys("abcde", True), DEADLINE + timedelta(days=5)) == (
        Status.green
    )


def test_unit_status_is_the_worst_task_and_grey_when_nothing() -> None:
    assert unit_status([]) == Status.grey
    assert unit_status([Status.green, Status.green]) == Status.green
    assert unit_status([Status.green, Status.yellow]) == Status.yellow
    assert unit_status([Status.yellow, Status.red, Status.green]) == Status.red
    assert unit_status([Status.green, Status.grey]) == Status.grey


@pytest.mark.parametrize(
    ("s", "raw", "stored"),
    [(YES_NO, True, True), (YES_NO, "có", True), (YES_NO, "0", False),
     (NUMBER, 12, 12.0), (NUMBER, "12,5", 12.5),
     (CHECKLIST, ["a", "c"], {"a": True, "b": False, "c": True, "d": False, "e": False}),
     (CHECKLIST, "a;b", {"a": True, "b": True, "c": False, "d": False, "e": False})],
)  # fmt: skip
def test_values_are_parsed(s: TaskSpec, raw: object, stored: object) -> None:
    assert parse_value(s, raw) == stored


@pytest.mark.parametrize(
    ("s", "raw"),
    [(YES_NO, 1), (YES_NO, "maybe"), (NUMBER, True), (NUMBER, -1), (NUMBER, "abc"),
     (NUMBER, float("nan")), (spec(IndicatorKind.percentage), 101),
     (CHECKLIST, ["z"]), (CHECKLIST, {"a": True}), (CHECKLIST, 5)],
)  # fmt: skip
def test_wrong_values_are_refused(s: TaskSpec, raw: object) -> None:
    with pytest.raises(BadValue):
        parse_value(s, raw)
