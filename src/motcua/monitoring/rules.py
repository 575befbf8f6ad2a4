"""Status rules: pure functions from (task, reported value, day) to green/yellow/red/grey.

The thresholds are data (``data/status_rules.yaml``, overridable per plan); the order of the
rules is fixed here and in docs/monitoring.md. Values are parsed here too, so the API, the form,
the CSV upload and the simulator accept and store exactly the same things.
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


STATUS_LABELS = {
    Status.green: "Xanh",
    Status.yellow: "Vàng",
    Status.red: "Đỏ",
    Status.grey: "Chưa báo cáo",
}
_EPSILON = 1e-9  # so "exactly at the margin" is not lost to floating point
_SEVERITY = {Status.green: 0, Status.yellow: 1, Status.red: 2}


@dataclass(frozen=True)
class Rules:
    due_soon_days: int
    behind_margin: float

    @classmethod
    def for_plan(cls, overrides: Mapping[str, Any] | None = None) -> "Rules":
        values = {**_defaults(), **(overrides or {})}
        return cls(int(values["due_soon_days"]), float(values["behind_margin"]))


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("motcua.monitoring").joinpath("data", "status_rules.yaml")
    loaded: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    return loaded


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
        raise BadValue(f"Nhiệm vụ {spec.code} cần giá trị có/không.")
    if spec.kind in (IndicatorKind.number, IndicatorKind.percentage):
        number = _number(raw)
        if number is None or not math.isfinite(number) or number < 0:
            raise BadValue(f"Nhiệm vụ {spec.code} cần một số không âm.")
        if spec.kind == IndicatorKind.percentage and number > 100:
            raise BadValue(f"Nhiệm vụ {spec.code} là tỷ lệ phần trăm, từ 0 đến 100.")
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
                f"Nhiệm vụ {spec.code} cần đủ các điều kiện {', '.join(spec.items)}, "
                "mỗi điều kiện có/không."
            )
        return {item: bool(raw[item]) for item in spec.items}
    if isinstance(raw, Sequence) and all(isinstance(v, str) for v in raw):
        unknown = sorted(set(raw) - set(spec.items))
        if unknown:
            raise BadValue(
                f"Nhiệm vụ {spec.code} không có điều kiện {', '.join(unknown)}; "
                f"các điều kiện là {', '.join(spec.items)}."
            )
        return {item: item in raw for item in spec.items}
    raise BadValue(f"Nhiệm vụ {spec.code} cần danh sách điều kiện đã đạt.")


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


def task_status(spec: TaskSpec, value: Any, day: date, rules: Rules, *, reported: bool) -> Status:
    """Rules 1-6 in order; the first that applies decides."""
    if not reported:
        return Status.grey
    if is_done(spec, value):
        return Status.green
    if day > spec.deadline:
        return Status.red
    if (spec.deadline - day).days <= rules.due_soon_days:
        return Status.yellow
    if (
        spec.kind != IndicatorKind.yes_no
        and progress(spec, value) + _EPSILON < expected_progress(spec, day) - rules.behind_margin
    ):
        return Status.yellow
    return Status.green


def unit_status(statuses: Iterable[Status]) -> Status:
    """A unit's own status: grey if it has nothing reported, else the worst of its tasks."""
    worst: Status | None = None
    for status in statuses:
        if status == Status.grey:
            return Status.grey
        if worst is None or _SEVERITY[status] > _SEVERITY[worst]:
            worst = status
    return worst or Status.grey
