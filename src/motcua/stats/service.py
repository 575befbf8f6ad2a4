"""Dossier statistics: keeping the roll-up current, rebuilding it, and reading it.

The worker calls ``refresh``: it finds the dossiers whose history (or violations) grew past
what their stored fact has seen, recomputes their facts from the whole history, and moves the
difference of each into the roll-up, all in one transaction. Cursors only pass rows written
more than ``SETTLE`` ago, so a row whose transaction committed late is still read; a row read
twice changes nothing, as its fact has already seen it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Invalid
from motcua.stats import monthly, repository
from motcua.stats.facts import CHANNEL_NAMES, Channel, Fact, essential_codes, fact_of
from motcua.stats.models import COUNTERS, DossierFact
from motcua.stats.schemas import (
    ConcentrationOut,
    ConcentrationRow,
    Figures,
    RefreshOut,
    StatsOut,
    StatsRow,
)

SETTLE = timedelta(seconds=60)
FEED_REVISION, FEED_EPOCH = "feed-revision", "feed-epoch"
BATCH = 500
MAX_RANGE_DAYS = 366
PERIODS = ("day", "week", "month")
GROUPS = ("province", "commune", "agency", "procedure", "channel")


# --- keeping the roll-up current ------------------------------------------------------------------


async def refresh(session: AsyncSession, limit: int = 50_000) -> RefreshOut:
    """Bring facts and roll-up up to the dossiers' history; at most ``limit`` dossiers.
    Nothing happens while another transaction is refreshing or rebuilding."""
    if not await repository.take_lock(session):
        return RefreshOut(dossiers=0, changed=0)
    after_event = await repository.cursor(session, "events")
    after_violation = await repository.cursor(session, "violations")
    now = clock.now()
    done = changed = 0
    revision = await repository.cursor(session, FEED_REVISION) + 1
    # Only what was written before this refresh began: under a steady stream of events the
    # loop would otherwise keep finding new ones and commit nothing until ``limit``; what comes
    # later is the next refresh's.
    upto = await repository.max_ids(session)
    while done < limit:
        ids = await repository.changed_dossiers(
            session, after_event, after_violation, min(BATCH, limit - done), upto
        )
        if not ids:
            break
        changed += await _recompute(session, ids, revision)
        done += len(ids)
    if changed:  # the rows this refresh touched carry its revision (stats.feed)
        await repository.set_cursor(session, FEED_REVISION, revision, now)
    # A cursor never passes what this refresh did not look at (past ``upto``), however old.
    for name, after, last in (
        ("events", after_event, upto[0]),
        ("violations", after_violation, upto[1]),
    ):
        settled = await repository.settled_position(session, name, after, now - SETTLE)
        if settled is not None and done < limit:
            await repository.set_cursor(session, name, min(settled, last), now)
    return RefreshOut(dossiers=done, changed=changed)


async def _recompute(session: AsyncSession, ids: list[int], revision: int) -> int:
    """New facts for these dossiers; the roll-up takes away each old one and adds the new."""
    stored = await repository.stored_facts(session, ids)
    facts = [fact_of(h) for h in await repository.histories(session, ids)]
    rows = []
    changed = 0
    for fact in facts:
        old = stored.get(fact.dossier_id)
        if old is not None:
            old_fact = _as_fact(old)
            if old_fact.key() == fact.key() and old_fact.counts == fact.counts:
                continue
            rows.append(
                repository.rollup_row(old_fact, {n: -v for n, v in old_fact.counts.items()})
            )
        rows.append(repository.rollup_row(fact, fact.counts))
        changed += 1
    # One row per key in one statement (an upsert may not touch a row twice).
    merged: dict[tuple[object, ...], dict[str, object]] = {}
    for row in rows:
        key = (row["day"], row["agency_id"], row["procedure_code"], row["channel"])
        if key in merged:
            for name in COUNTERS:
                merged[key][name] = int(merged[key][name]) + int(row[name])  # type: ignore[call-overload]
        else:
            merged[key] = dict(row, revision=revision)
    await repository.add_to_rollup(session, list(merged.values()))
    await monthly.add(session, list(merged.values()))
    await repository.save_facts(session, facts)
    return changed


def _as_fact(row: DossierFact) -> Fact:
    return Fact(
        dossier_id=row.dossier_id,
        last_event_id=row.last_event_id,
        last_violation_id=row.last_violation_id,
        day=row.day,
        province_code=row.province_code,
        commune_code=row.commune_code,
        agency_id=row.agency_id,
        procedure_code=row.procedure_code,
        channel=row.channel,
        essential=row.essential,
        due_at=row.due_at,
        counts={n: int(getattr(row, n)) for n in COUNTERS},
    )


async def rebuild(session: AsyncSession) -> int:
    """Facts and roll-up made again from every dossier's history; the number of dossiers."""
    await repository.take_lock(session, wait=True)
    # Operations centres start again from nothing after a rebuild (stats.feed): a new epoch.
    epoch = await repository.cursor(session, FEED_EPOCH) + 1
    revision = await repository.cursor(session, FEED_REVISION) + 1
    await repository.clear(session)
    after, total = 0, 0
    while ids := await repository.all_dossier_ids(session, after, BATCH):
        await repository.save_facts(
            session, [fact_of(h) for h in await repository.histories(session, ids)]
        )
        after, total = ids[-1], total + len(ids)
    await repository.rollup_from_facts(session, revision)
    await monthly.from_daily(session)
    now = clock.now()
    await repository.set_cursor(session, FEED_EPOCH, epoch, now)
    await repository.set_cursor(session, FEED_REVISION, revision, now)
    for name in ("events", "violations"):
        settled = await repository.settled_position(session, name, 0, now - SETTLE)
        await repository.set_cursor(session, name, settled or 0, now)
    return total


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What a statistics request asks for, as the API and pages parse it."""

    start: date | None = None
    end: date | None = None
    unit: str | None = None
    agency: str | None = None
    procedure: str | None = None
    channel: str | None = None
    period: str | None = None
    group: str | None = None


def today() -> date:
    return get_calendar().localise(clock.now()).date()


def _invalid(parameter: str, message: str) -> Invalid:
    return Invalid(message, code="invalid-parameter", parameter=parameter)


async def resolve(session: AsyncSession, query: Query) -> tuple[repository.Filter, str | None]:
    """The filter a query means, or a 422 naming the parameter that is wrong."""
    end = query.end or today()
    start = query.start or end.replace(day=1)
    if end < start:
        raise _invalid("end", "Ngày kết thúc (end) phải sau hoặc bằng ngày bắt đầu (start).")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise _invalid("start", f"Khoảng thời gian (start..end) dài tối đa {MAX_RANGE_DAYS} ngày.")
    if query.period is not None and query.period not in PERIODS:
        raise _invalid("period", "Kỳ (period) phải là day, week hoặc month.")
    if query.group is not None and query.group not in GROUPS:
        raise _invalid("group", "Nhóm (group) phải là " + ", ".join(GROUPS) + ".")
    if query.channel is not None and query.channel not in Channel.ALL:
        raise _invalid("channel", "Kênh (channel) phải là " + ", ".join(Channel.ALL) + ".")
    province = commune = unit_name = None
    if query.unit is not None:
        found = await repository.unit(session, query.unit)
        if found is None:
            raise _invalid("unit", f"Không có đơn vị hành chính mã {query.unit}.")
        unit_name = found.name
        if found.province_code is None:
            province = found.code
        else:
            commune = found.code
    agency_id = None
    if query.agency is not None:
        agency = await repository.agency_by_code(session, query.agency)
        if agency is None:
            raise _invalid("agency", f"Không có cơ quan mã {query.agency}.")
        agency_id = agency.id
    if query.procedure is not None and not await repository.procedure_exists(
        session, query.procedure
    ):
        raise _invalid("procedure", f"Không có thủ tục mã {query.procedure}.")
    where = repository.Filter(
        start=start,
        end=end,
        province_code=province,
        commune_code=commune,
        agency_id=agency_id,
        procedure_code=query.procedure,
        channel=query.channel,
    )
    return where, unit_name


async def statistics(session: AsyncSession, query: Query) -> StatsOut:
    """Figures of the dossiers received in the range, in total and per period and group."""
    where, unit_name = await resolve(session, query)
    [(_, _, total)] = await repository.sums(session, where, None, None)
    rows = []
    if query.period or query.group:
        found = await repository.sums(session, where, query.period, query.group)
        names = await _names(session, query.group, [k for _, k, _ in found if k is not None])
        rows = [
            StatsRow(period=p, key=k, name=names.get(k or ""), figures=Figures.of(c))
            for p, k, c in found
        ]
    return StatsOut(
        start=where.start,
        end=where.end,
        period=query.period,
        group=query.group,
        unit=query.unit,
        unit_name=unit_name,
        total=Figures.of(total),
        pending_overdue=await repository.pending_overdue(session, where, clock.now()),
        rows=rows,
    )


async def _names(session: AsyncSession, group: str | None, keys: list[str]) -> dict[str, str]:
    if group in ("province", "commune"):
        names = await repository.unit_names(session, keys)
        return {**names, "": "Cơ quan trung ương"}
    if group == "procedure":
        return await repository.procedure_names(session, keys)
    if group == "agency":
        agencies = await repository.agency_names(session, [int(k) for k in keys])
        return {str(i): name for i, (_, name) in agencies.items()}
    if group == "channel":
        return dict(CHANNEL_NAMES)
    return {}


async def concentration(session: AsyncSession, query: Query) -> ConcentrationOut:
    """Online filings of the 25 essential services per procedure, largest first."""
    where, _ = await resolve(session, Query(start=query.start, end=query.end, unit=query.unit))
    essential = repository.Filter(**{**where.__dict__, "essential_only": True})
    found = await repository.sums(session, essential, None, "procedure")
    online = {k or "": c["online"] for _, k, c in found}
    for code in essential_codes():
        online.setdefault(code, 0)
    names = await repository.procedure_names(session, online)
    total = sum(online.values())
    ordered = sorted(online.items(), key=lambda kv: (-kv[1], kv[0]))
    rows: list[ConcentrationRow] = []
    running = 0
    for code, count in ordered:
        running += count
        share = None if total == 0 else round(count / total, 4)
        cumulative = None if total == 0 else round(running / total, 4)
        rows.append(ConcentrationRow(
            procedure_code=code,
            name=names.get(code, code),
            online=count,
            share=share,
            cumulative_share=cumulative,
        ))  # fmt: skip
    # The fewest procedures whose filings reach 80% of the total.
    for_80 = next((i for i, r in enumerate(rows, 1) if (r.cumulative_share or 0) >= 0.8), 0)
    return ConcentrationOut(
        start=where.start,
        end=where.end,
        unit=query.unit,
        online_total=total,
        procedures_with_filings=sum(1 for _, c in ordered if c),
        procedures_for_80_percent=for_80,
        top3_share=None if total == 0 else round(sum(c for _, c in ordered[:3]) / total, 4),
        rows=rows,
    )


async def default_range(session: AsyncSession) -> tuple[date, date]:
    """The month of the latest day with dossiers (today's month when there are none)."""
    latest = await repository.latest_day(session) or today()
    return latest.replace(day=1), latest
