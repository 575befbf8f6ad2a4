"""The service index of Decision 766/QĐ-TTg per province or commune and month, out of 100.

Groups, sub-indicators, formulas, targets, points and their sources are data
(``data/index766.yaml``); most of them are a third-party reconstruction, and the pages say so.
Sub-indicators motcua can compute from the dossiers get a rate and points; the others show
their formula and no score, and ``attainable`` says how many of the 100 points were computable.
"""

from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Invalid
from motcua.stats import repository
from motcua.stats.models import COUNTERS
from motcua.stats.schemas import GroupDef, IndexOut, IndicatorDef, Score, UnitIndex


@cache
def definition() -> dict[str, Any]:
    text = resources.files("motcua.stats").joinpath("data", "index766.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def indicators() -> list[IndicatorDef]:
    data = definition()
    return [
        IndicatorDef(**{"source": data["default_source"], **item}) for item in data["indicators"]
    ]


def score(rate: float, points: float, target: float | None) -> float:
    """The reconstructed rule: full points at or above the target, else pro rata."""
    if target:
        return points if rate >= target else round(rate / target * points, 2)
    return round(min(rate, 1.0) * points, 2)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def satisfaction(counts: dict[str, int], rated: tuple[int, int]) -> float | None:
    """5.4: 100% − (share of results late + share of rated dossiers rated "not satisfied");
    None until there is a result or a rating to judge by."""
    late = share(counts["late"], counts["on_time"] + counts["late"])
    unhappy = share(rated[1], rated[0])
    if late is None and unhappy is None:
        return None
    return max(0.0, 1.0 - (late or 0.0) - (unhappy or 0.0))


def rates(
    counts: dict[str, int], overdue: int, rated: tuple[int, int] = (0, 0)
) -> dict[str, float | None]:
    """The rates the computable sub-indicators use, from one unit's counters and ratings."""
    received = counts["received"]
    return {
        "satisfaction_rate": satisfaction(counts, rated),
        "progress_rate": share(counts["on_time"] + counts["pending"] - overdue, received),
        "online_full_share": share(counts["online_full"], received),
        "paid_online_share": share(counts["paid_online"], counts["with_fee"]),
        "reused_share": share(counts["reused"], received),
    }


def unit_index(
    code: str, name: str, counts: dict[str, int], overdue: int, rated: tuple[int, int] = (0, 0)
) -> UnitIndex:
    found = rates(counts, overdue, rated)
    groups: dict[str, float | None] = {g["key"]: None for g in definition()["groups"]}
    scores, total, attainable = [], 0.0, 0.0
    for item in indicators():
        rate = found.get(item.figure) if item.figure else None
        points = None if rate is None else score(rate, item.points, item.target)
        scores.append(Score(code=item.code, rate=None if rate is None else round(rate, 4),
                            points=points))  # fmt: skip
        if points is not None:
            groups[item.group] = round((groups[item.group] or 0) + points, 2)
            total += points
            attainable += item.points
    return UnitIndex(
        code=code,
        name=name,
        received=counts["received"],
        groups=groups,
        total=round(total, 2),
        attainable=attainable,
        scores=scores,
    )


async def service_index(
    session: AsyncSession, month: date | None, province: str | None
) -> IndexOut:
    """The provinces (or the communes of ``province``) for one month of receipts."""
    calendar = get_calendar()
    today = calendar.localise(clock.now()).date()
    first = (month or await repository.latest_day(session) or today).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if province is None:
        level, units, group = "province", await repository.provinces(session), "province"
        where = repository.Filter(start=first, end=last)
    else:
        found = await repository.unit(session, province)
        if found is None or found.province_code is not None:
            raise Invalid(
                f"Không có tỉnh, thành phố mã {province}.",
                code="invalid-parameter",
                parameter="province",
            )
        level, units, group = "commune", await repository.communes_of(session, province), "commune"
        where = repository.Filter(start=first, end=last, province_code=province)
    as_of = min(clock.now(), datetime.combine(last, time(23, 59), tzinfo=calendar.timezone))
    sums = {k: c for _, k, c in await repository.sums(session, where, None, group)}
    overdue = await repository.pending_overdue_by(session, where, group, as_of)
    rated = await repository.ratings_by(session, where, group)
    empty = dict.fromkeys(COUNTERS, 0)
    rows = [
        unit_index(code, name, sums.get(code, empty), overdue.get(code, 0), rated.get(code, (0, 0)))
        for code, name in units
    ]
    if level == "commune":
        rows.sort(key=lambda r: (-r.received, r.code))
    data = definition()
    return IndexOut(
        month=first,
        level=level,
        province=province,
        scoring=data["scoring"],
        groups=[GroupDef(**g) for g in data["groups"]],
        indicators=indicators(),
        units=rows,
    )
