"""Status rules: pure functions from (task, reported value, day) to green/yellow/red/grey.

The rules are data (``data/status_rules.yaml``): named rule sets, each an ordered list of
(condition, status) pairs whose first true condition decides, and the thresholds they use. A
plan picks a rule set (the seeds' reading by default), may give some tasks another one, and may
set the share of green tasks that makes a unit green; everything a plan says is checked when it
is imported, so a plan naming an unknown status, condition, rule set or task is refused whole.
Values are parsed here too, so the API, the form, the CSV upload and the simulator accept and
store exactly the same things.
"""

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from motcua.monitoring.models import IndicatorKind


class Status(enum.StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"
    grey = "grey"


class Condition(enum.StrEnum):
    """What a rule may test; the meaning of each is in ``data/status_rules.yaml``."""

    no_report = "no_report"
    done = "done"
    past_deadline = "past_deadline"
    due_soon = "due_soon"
    behind_curve = "behind_curve"
    otherwise = "otherwise"


STATUS_LABELS = {
    Status.green: "Xanh",
    Status.yellow: "Vàng",
    Status.red: "Đỏ",
    Status.grey: "Chưa báo cáo",
}
_EPSILON = 1e-9  # so "exactly at the margin" is not lost to floating point
_SEVERITY = {Status.green: 0, Status.yellow: 1, Status.red: 2}
PLAN_RULE_KEYS = (
    "rule_set", "statuses", "task_rule_sets", "unit_green_share", "due_soon_days",
    "behind_margin",
)  # fmt: skip
Step = tuple[Condition, Status]


class BadRules(ValueError):
    """A plan's rules name something that does not exist; every problem, for a person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rules:
    """The rules one task is judged by."""

    steps: tuple[Step, ...]
    due_soon_days: int
    behind_margin: float
    unit_green_share: float = 1.0
    name: str = "seeds"

    @classmethod
    def for_plan(cls, overrides: Mapping[str, Any] | None = None) -> "Rules":
        """The plan-wide rules (a plan's own settings over the defaults)."""
        return plan_rules(overrides or {}, ()).default


@dataclass(frozen=True)
class PlanRules:
    """A plan's rules: one set for the plan, another for the tasks it names."""

    default: Rules
    by_task: Mapping[str, Rules]

    def for_task(self, code: str) -> Rules:
        return self.by_task.get(code, self.default)


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("motcua.monitoring").joinpath("data", "status_rules.yaml")
    loaded: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    return loaded


def rule_set_names() -> list[str]:
    return list(_defaults()["rule_sets"])


def _steps(raw: object, where: str, problems: list[str]) -> tuple[Step, ...]:
    """``[{when, status}, …]`` or the text ``when=status; when=status`` (a spreadsheet cell)."""
    pairs: list[tuple[object, object]] = []
    if isinstance(raw, str):
        for part in (p.strip() for p in raw.split(";") if p.strip()):
            left, _, right = part.partition("=")
            pairs.append((left.strip(), right.strip()))
    elif isinstance(raw, list) and all(isinstance(x, Mapping) for x in raw):
        pairs = [(x.get("when"), x.get("status")) for x in raw]
    else:
        problems.append(f"{where}: cần danh sách quy tắc “điều kiện=trạng thái”.")
        return ()
    steps: list[Step] = []
    for when, status in pairs:
        if when not in set(Condition):
            problems.append(
                f"{where}: không có điều kiện “{when}” (chọn trong {', '.join(Condition)})."
            )
        elif status not in set(Status):
            problems.append(
                f"{where}: không có trạng thái “{status}” (chọn trong {', '.join(Status)})."
            )
        else:
            steps.append((Condition(str(when)), Status(str(status))))
    if not problems and (not steps or steps[-1][0] != Condition.otherwise):
        problems.append(f"{where}: quy tắc cuối cùng phải là otherwise (mọi trường hợp khác).")
    return tuple(steps)


def _number_in(
    raw: Mapping[str, Any], key: str, low: float, high: float, problems: list[str]
) -> float:
    value = raw.get(key, _defaults()[key])
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(f"{key}: cần một số từ {low:g} đến {high:g}.")
        return float(_defaults()[key])
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not low <= number <= high:
        problems.append(f"{key}: cần một số từ {low:g} đến {high:g}, không phải “{value}”.")
        return float(_defaults()[key])
    return number


def _named_set(name: object, where: str, problems: list[str]) -> tuple[Step, ...]:
    sets = _defaults()["rule_sets"]
    if name not in sets:
        problems.append(f"{where}: không có bộ quy tắc “{name}” (chọn trong {', '.join(sets)}).")
        return ()
    return _steps(sets[name], where, problems)


def plan_rules(raw: Mapping[str, Any], task_codes: Iterable[str]) -> PlanRules:
    """A plan's ``rules`` mapping checked against the rule data and the plan's own tasks.

    Raises ``BadRules`` listing every problem: an unknown key, rule set, condition, status or
    task, or a threshold out of range."""
    problems: list[str] = []
    unknown = sorted(set(raw) - set(PLAN_RULE_KEYS))
    if unknown:
        problems.append(
            f"Không có thiết lập {', '.join(unknown)} (chọn trong {', '.join(PLAN_RULE_KEYS)})."
        )
    name = str(raw.get("rule_set", _defaults()["default_rule_set"]))
    if "statuses" in raw:
        steps, name = _steps(raw["statuses"], "statuses", problems), "custom"
    else:
        steps = _named_set(name, "rule_set", problems)
    share = _number_in(raw, "unit_green_share", 0.01, 1.0, problems)
    due_soon = _number_in(raw, "due_soon_days", 0, 366, problems)
    margin = _number_in(raw, "behind_margin", 0.0, 1.0, problems)
    if not due_soon.is_integer():
        problems.append("due_soon_days: cần một số nguyên.")
    default = Rules(steps, int(due_soon), margin, share, name)
    by_task: dict[str, Rules] = {}
    per_task = raw.get("task_rule_sets") or {}
    if isinstance(per_task, str):  # a spreadsheet cell: "CODE=rule_set; CODE=rule_set"
        per_task = dict(
            (k.strip(), v.strip())
            for k, _, v in (p.partition("=") for p in per_task.split(";") if p.strip())
        )
    if not isinstance(per_task, Mapping):
        problems.append("task_rule_sets: cần “mã nhiệm vụ=bộ quy tắc”.")
        per_task = {}
    codes = set(task_codes)
    for code, set_name in per_task.items():
        if code not in codes:
            problems.append(f"task_rule_sets: kế hoạch không có nhiệm vụ “{code}”.")
            continue
        task_steps = _named_set(set_name, f"task_rule_sets.{code}", problems)
        by_task[str(code)] = Rules(task_steps, int(due_soon), margin, share, str(set_name))
    if problems:
        raise BadRules(problems)
    return PlanRules(default, by_task)


@dataclass(frozen=True)
class TaskSpec:
    """What the rules need to know about a task and its indicator."""

    id: int
    code: str
    title: str
    kind: IndicatorKind
    starts_on: date
    deadline: date
    target: float | None = None
    items: tuple[str, ...] = field(default_factory=tuple)
    group: str | None = None
    milestone: bool = False
    title_en: str | None = None  # the title in English mode; None: the Vietnamese

    @property
    def goal(self) -> float:
        if self.kind == IndicatorKind.percentage:
            return self.target if self.target is not None else 100.0
        return self.target if self.target is not None else 1.0


class BadValue(ValueError):
    """A reported value of the wrong type or out of range; the message is for a person."""


_YES = {"true", "1", "yes", "có", "co", "x", "đạt", "dat"}
_NO = {"false", "0", "no", "không", "khong", "", "-", "chưa", "chua"}


def parse_value(spec: TaskSpec, raw: object) -> Any:
    """The stored form of a reported value: bool, float, or {item: bool} for a checklist."""
    if spec.kind == IndicatorKind.yes_no:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _YES | _NO:
            return raw.strip().lower() in _YES
        raise BadValue(f"Nhiệm vụ “{spec.title}” cần giá trị có/không.")
    if spec.kind in (IndicatorKind.number, IndicatorKind.percentage):
        number = _number(raw)
        if number is None or not math.isfinite(number) or number < 0:
            raise BadValue(f"Nhiệm vụ “{spec.title}” cần một số không âm.")
        if spec.kind == IndicatorKind.percentage and number > 100:
            raise BadValue(f"Nhiệm vụ “{spec.title}” là tỷ lệ phần trăm, từ 0 đến 100.")
        return number
    return _checklist(spec, raw)


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def _checklist(spec: TaskSpec, raw: object) -> dict[str, bool]:
    """A mapping of every item to yes/no, or the list (or ``a;b`` text) of the items met."""
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(";") if part.strip()]
    if isinstance(raw, Mapping):
        unknown = sorted(set(map(str, raw)) - set(spec.items))
        missing = sorted(set(spec.items) - set(map(str, raw)))
        if unknown or missing or not all(isinstance(v, bool) for v in raw.values()):
            raise BadValue(
                f"Nhiệm vụ “{spec.title}” cần đủ các điều kiện {', '.join(spec.items)}, "
                "mỗi điều kiện có/không."
            )
        return {item: bool(raw[item]) for item in spec.items}
    if isinstance(raw, Sequence) and all(isinstance(v, str) for v in raw):
        unknown = sorted(set(raw) - set(spec.items))
        if unknown:
            raise BadValue(
                f"Nhiệm vụ “{spec.title}” không có điều kiện {', '.join(unknown)}; "
                f"các điều kiện là {', '.join(spec.items)}."
            )
        return {item: item in raw for item in spec.items}
    raise BadValue(f"Nhiệm vụ “{spec.title}” cần danh sách điều kiện đã đạt.")


def progress(spec: TaskSpec, value: Any) -> float:
    """Share of the goal reached, 0..1."""
    if spec.kind == IndicatorKind.yes_no:
        return 1.0 if value else 0.0
    if spec.kind == IndicatorKind.checklist:
        return sum(1 for v in value.values() if v) / len(value) if value else 0.0
    return min(1.0, float(value) / spec.goal) if spec.goal > 0 else 1.0


def is_done(spec: TaskSpec, value: Any) -> bool:
    if spec.kind == IndicatorKind.yes_no:
        return bool(value)
    if spec.kind == IndicatorKind.checklist:
        return bool(value) and all(value.values())
    return float(value) >= spec.goal


def expected_progress(spec: TaskSpec, day: date) -> float:
    """The target curve: a straight line from 0 at the start to 1 at the deadline."""
    span = (spec.deadline - spec.starts_on).days
    if span <= 0:
        return 1.0 if day >= spec.deadline else 0.0
    return min(1.0, max(0.0, (day - spec.starts_on).days / span))


def _holds(condition: Condition, spec: TaskSpec, value: Any, day: date, rules: Rules) -> bool:
    if condition == Condition.done:
        return is_done(spec, value)
    if condition == Condition.past_deadline:
        return day > spec.deadline
    if condition == Condition.due_soon:
        return (spec.deadline - day).days <= rules.due_soon_days
    if condition == Condition.behind_curve:
        return (
            spec.kind != IndicatorKind.yes_no
            and progress(spec, value) + _EPSILON
            < expected_progress(spec, day) - rules.behind_margin
        )
    return condition == Condition.otherwise


def task_status(spec: TaskSpec, value: Any, day: date, rules: Rules, *, reported: bool) -> Status:
    """The status of the first rule whose condition holds (grey when nothing was reported)."""
    for condition, status in rules.steps:
        if condition == Condition.no_report:
            if not reported:
                return status
        elif reported and _holds(condition, spec, value, day, rules):
            return status
    return Status.grey


def unit_status(statuses: Iterable[Status], green_share: float = 1.0) -> Status:
    """A unit's own status: grey if it has nothing reported; green when at least
    ``green_share`` of its tasks are green (all of them by default); else the worst of the
    tasks that are not green."""
    listed = list(statuses)
    if not listed or Status.grey in listed:
        return Status.grey
    green = sum(1 for s in listed if s == Status.green)
    if green + _EPSILON >= green_share * len(listed):
        return Status.green
    return max((s for s in listed if s != Status.green), key=lambda s: _SEVERITY[s])
