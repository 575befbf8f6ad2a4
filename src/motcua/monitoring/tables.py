"""The dashboards' tables as a person asks for them: one colour or one level only, names
containing a search (accents ignored), in the order chosen. Plain lists in, plain lists out, so
the pages do it with links and a GET form and need no script."""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from motcua.core.text import fold
from motcua.monitoring.models import TaskLevel
from motcua.monitoring.rules import Status
from motcua.monitoring.schemas import NonReporter, ProvinceRow, UnitRow
from motcua.units.service import unit_name

# Worst first: what needs attention comes to the top of a table.
STATUS_ORDER = (Status.red, Status.yellow, Status.grey, Status.green)
_RANK = {s.value: i for i, s in enumerate(STATUS_ORDER)}
Row = TypeVar("Row", UnitRow, ProvinceRow)

PROVINCE_KEYS: dict[str, Callable[[ProvinceRow], Any]] = {
    "trang-thai": lambda r: (_RANK.get(r.status, 9), fold(r.name)),
    "ten": lambda r: fold(r.name),
    "xa-xanh": lambda r: (r.share_communes_green or 0, fold(r.name)),
    "bao-cao": lambda r: (r.reporting_rate or 0, fold(r.name)),
}
COMMUNE_KEYS: dict[str, Callable[[UnitRow], Any]] = {
    "trang-thai": lambda r: (_RANK.get(r.status, 9), fold(r.name)),
    "ten": lambda r: fold(r.name),
    "nhiem-vu": lambda r: (-r.tasks_green, fold(r.name)),
    "bao-cao": lambda r: (r.last_reported_on or date.min, fold(r.name)),
}


def chosen(
    rows: list[Row], status: Status | None, name: str, key: Callable[[Row], Any]
) -> list[Row]:
    """The rows of one colour (or all) whose name contains ``name``, sorted by ``key``."""
    wanted = fold(name.strip())
    kept = [
        r
        for r in rows
        if (status is None or r.status == status.value) and (not wanted or wanted in fold(r.name))
    ]
    return sorted(kept, key=key)


def totals(rows: list[Row]) -> dict[str, int]:
    """Rows per colour, worst first: the links above a table."""
    return {s.value: sum(1 for r in rows if r.status == s.value) for s in STATUS_ORDER}


def silent(rows: list[NonReporter], level: TaskLevel | None, sort: str) -> list[NonReporter]:
    """Non-reporters of one level (or all): longest silence first as the service orders them,
    or by name, or by province then name."""
    shown = [r for r in rows if level is None or r.level == level]
    if sort == "ten":
        shown.sort(key=lambda r: fold(r.name))
    elif sort == "tinh":
        shown.sort(key=lambda r: (fold(unit_name(r.province_code or "")), fold(r.name)))
    return shown
