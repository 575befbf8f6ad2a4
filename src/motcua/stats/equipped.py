"""Equipped vs used: each unit's reported monitoring status beside what its dossiers show, and
the flags where the two disagree beyond the thresholds of ``data/gaps.yaml``.

The online-filing rate a province types into its daily report (task KH02.TINH.02) is computed
here from the dossiers themselves, so the report can be checked rather than believed.
"""

from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.stats import repository
from motcua.stats.models import COUNTERS
from motcua.stats.schemas import EquippedOut, Evidence, Figures, Flag, Reported, UnitGap

CHECKLIST_TASK = "KH02.XA.01"
ONLINE_RATE_TASK = "KH02.TINH.02"


@cache
def gap_rules() -> dict[str, Any]:
    text = resources.files("motcua.stats").joinpath("data", "gaps.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _reported(level: str, report: tuple[str, dict[str, Any], date] | None) -> Reported:
    if report is None:
        return Reported()
    status, values, _ = report
    checklist = values.get(CHECKLIST_TASK)
    rate = values.get(ONLINE_RATE_TASK)
    return Reported(
        status=status,
        conditions_met=(
            bool(checklist) and all(checklist.values()) if isinstance(checklist, dict) else None
        ),
        online_full_rate=(round(float(rate) / 100, 4) if isinstance(rate, int | float) else None),
    )


def flags_of(
    level: str,
    reported: Reported,
    figures: Figures,
    report_day: date | None,
    start: date,
    end: date,
    rules: list[dict[str, Any]],
) -> list[Flag]:
    """The rules of this level the unit breaks, each with its evidence."""
    found = []
    for rule in rules:
        if rule["level"] != level or figures.received < int(rule.get("min_dossiers", 0)):
            continue
        computed = getattr(figures, rule["figure"])
        if computed is None:
            continue
        broken, said = False, ""
        if rule["kind"] == "reported_above_computed" and reported.online_full_rate is not None:
            gap = (reported.online_full_rate - computed) * 100
            broken, said = gap > float(rule["max_gap_points"]), _pct(reported.online_full_rate)
        elif rule["kind"] == "checklist_met_but_below" and reported.conditions_met:
            broken, said = computed < float(rule["below"]), "đủ điều kiện cơ bản"
        elif rule["kind"] == "status_green_but_below" and reported.status == "green":
            broken, said = computed < float(rule["below"]), "xanh"
        if broken:
            evidence = Evidence(
                reported=said,
                computed=_pct(computed),
                dossiers=figures.received,
                start=start,
                end=end,
                report_day=report_day,
            )
            found.append(Flag(code=rule["code"], title=rule["title"], evidence=evidence))
    return found


async def equipped_vs_used(
    session: AsyncSession, day: date | None, province: str | None
) -> EquippedOut:
    """Provinces (or the communes of ``province``) on ``day``: report beside dossiers."""
    day = day or await repository.latest_report_day(session) or await _last_dossier_day(session)
    config = gap_rules()
    start, end = day - timedelta(days=int(config["window_days"]) - 1), day
    if province is None:
        level, units = "province", await repository.provinces(session)
        where = repository.Filter(start=start, end=end)
        group = "province"
    else:
        found = await repository.unit(session, province)
        if found is None or found.province_code is not None:
            raise Invalid(
                f"Không có tỉnh, thành phố mã {province}.",
                code="invalid-parameter",
                parameter="province",
            )
        level, units = "commune", await repository.communes_of(session, province)
        where = repository.Filter(start=start, end=end, province_code=province)
        group = "commune"
    sums = {k: c for _, k, c in await repository.sums(session, where, None, group)}
    reports = await repository.reports_on(session, day, level, province)
    empty = dict.fromkeys(COUNTERS, 0)
    rows = []
    for code, name in units:
        figures = Figures.of(sums.get(code, empty))
        report = reports.get(code)
        reported = _reported(level, report)
        flags = flags_of(
            level, reported, figures, report[2] if report else None, start, end, config["rules"]
        )
        rows.append(UnitGap(code=code, name=name, reported=reported, figures=figures, flags=flags))
    if level == "commune":  # thousands of communes: the flagged and the busy ones first
        rows.sort(key=lambda r: (not r.flags, -r.figures.received, r.code))
    return EquippedOut(
        day=day,
        start=start,
        end=end,
        level=level,
        province=province,
        rules=list(config["rules"]),
        units=rows,
        flagged=sum(1 for r in rows if r.flags),
    )


async def _last_dossier_day(session: AsyncSession) -> date:
    from motcua.stats.service import today

    return await repository.latest_day(session) or today()
