"""Status rules at and around every threshold: the seeds' reading (the default: green is done)
and the on-track option a plan may choose (due soon = 3 days, margin = 0.10)."""

from datetime import date, timedelta

import pytest

from motcua.monitoring.models import IndicatorKind
from motcua.monitoring.rules import (
    BadRules,
    BadValue,
    Condition,
    Rules,
    Status,
    TaskSpec,
    expected_progress,
    parse_value,
    plan_rules,
    task_status,
    unit_status,
)

START, DEADLINE = date(2025, 7, 1), date(2025, 8, 10)  # 40 days
SEEDS = Rules.for_plan()
RULES = Rules.for_plan({"rule_set": "on_track"})


def spec(kind: IndicatorKind, target: float | None = None, items: tuple[str, ...] = ()) -> TaskSpec:
    return TaskSpec(1, "T", "t", kind, START, DEADLINE, target, items)


NUMBER = spec(IndicatorKind.number, 100)
YES_NO = spec(IndicatorKind.yes_no)
CHECKLIST = spec(IndicatorKind.checklist, items=("a", "b", "c", "d", "e"))


def status(s: TaskSpec, value: object, day: date) -> Status:
    return task_status(s, value, day, RULES, reported=True)


def test_defaults_come_from_the_data_file() -> None:
    assert SEEDS.name == "seeds" and SEEDS.unit_green_share == 1.0
    assert [c for c, _ in SEEDS.steps] == [
        Condition.no_report,
        Condition.done,
        Condition.past_deadline,
        Condition.otherwise,
    ]
    assert (RULES.name, RULES.due_soon_days, RULES.behind_margin) == ("on_track", 3, 0.10)
    assert Rules.for_plan({"due_soon_days": 5}).due_soon_days == 5


# --- the seeds' reading (default): green is done ---------------------------------------------


def seeds(s: TaskSpec, value: object, day: date) -> Status:
    return task_status(s, value, day, SEEDS, reported=True)


@pytest.mark.parametrize(
    ("day", "value", "expected"),
    [(START, 0, Status.yellow), (DEADLINE - timedelta(days=1), 99.9, Status.yellow),
     (DEADLINE, 99.9, Status.yellow), (DEADLINE + timedelta(days=1), 99.9, Status.red),
     (DEADLINE, 100, Status.green), (DEADLINE + timedelta(days=30), 100, Status.green),
     (START, 100, Status.green)],
)  # fmt: skip
def test_seeds_green_only_when_done_yellow_until_the_deadline_red_after(
    day: date, value: float, expected: Status
) -> None:
    assert seeds(NUMBER, value, day) == expected


def test_seeds_on_the_target_line_is_not_green() -> None:
    day = START + timedelta(days=20)  # the on-track option calls 50% here green
    assert status(NUMBER, 50, day) == Status.green
    assert seeds(NUMBER, 50, day) == Status.yellow
    assert seeds(YES_NO, False, START) == Status.yellow
    four = dict.fromkeys("abcde", True) | {"e": False}
    assert seeds(CHECKLIST, four, day) == Status.yellow


def test_a_standing_task_is_green_only_while_it_is_still_held() -> None:
    """Every day is judged on that day's value at the cut-off: met and still held."""
    assert seeds(NUMBER, 100, DEADLINE) == Status.green
    assert seeds(NUMBER, 80, DEADLINE + timedelta(days=2)) == Status.red  # slipped after
    assert seeds(NUMBER, 80, DEADLINE - timedelta(days=2)) == Status.yellow  # slipped before


def test_no_report_is_grey_under_every_rule_set() -> None:
    for rules in (SEEDS, RULES):
        assert task_status(NUMBER, 100, START, rules, reported=False) == Status.grey


def test_unit_green_threshold_is_a_plan_setting() -> None:
    four_of_five = [Status.green] * 4 + [Status.yellow]
    assert unit_status(four_of_five) == Status.yellow  # default: every task
    assert unit_status(four_of_five, 0.8) == Status.green
    assert unit_status(four_of_five, 0.81) == Status.yellow
    assert unit_status([Status.green] * 3 + [Status.red, Status.yellow], 0.6) == Status.green
    assert unit_status([Status.green] * 2 + [Status.red, Status.yellow], 0.6) == Status.red
    assert Rules.for_plan({"unit_green_share": 0.9}).unit_green_share == 0.9


def test_a_plan_may_choose_the_on_track_rule_for_some_tasks() -> None:
    chosen = plan_rules({"task_rule_sets": {"A": "on_track"}}, ["A", "B"])
    assert chosen.for_task("A").name == "on_track" and chosen.for_task("B").name == "seeds"
    custom = plan_rules({"statuses": "no_report=grey; done=green; otherwise=red"}, [])
    assert task_status(NUMBER, 1, START, custom.default, reported=True) == Status.red


@pytest.mark.parametrize(
    ("raw", "named"),
    [({"statuses": [{"when": "done", "status": "purple"}]}, "purple"),
     ({"statuses": "done=green; someday=red; otherwise=yellow"}, "someday"),
     ({"statuses": "done=green"}, "otherwise"),
     ({"rule_set": "lenient"}, "lenient"),
     ({"task_rule_sets": {"NOPE.1": "on_track"}}, "NOPE.1"),
     ({"task_rule_sets": {"A": "nope"}}, "nope"),
     ({"unit_green_share": 1.5}, "unit_green_share"),
     ({"due_soon_days": "abc"}, "due_soon_days"),
     ({"colour": "blue"}, "colour")],
)  # fmt: skip
def test_plan_rules_naming_what_does_not_exist_are_refused(
    raw: dict[str, object], named: str
) -> None:
    with pytest.raises(BadRules) as refused:
        plan_rules(raw, ["A"])
    assert named in str(refused.value)


# --- the on-track option ---------------------------------------------------------------------


def test_not_reported_is_grey_whatever_the_value_on_track() -> None:
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
