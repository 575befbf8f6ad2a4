"""All statistics queries: reading dossier histories, writing facts and roll-ups, and the
aggregate reads of the roll-up the API, pages and brief share."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.repository import conflict_insert
from motcua.dossiers.models import Dossier, DossierEvent, DossierItem, DossierRating
from motcua.stats.facts import Event, Fact, History, month_of, week_of
from motcua.stats.models import COUNTERS, Cursor, DailyRollup, DossierFact, MonthlyRollup
from motcua.units.models import AdminUnit, Agency, UnitLevel
from motcua.workflow.models import Violation

FACTS = cast(Table, DossierFact.__table__)
DAILY = cast(Table, DailyRollup.__table__)
# Written into the SQL rather than bound, so PostgreSQL can use the pending facts' partial
# index whatever plan it caches.
PENDING: ColumnElement[int] = literal_column("1")


# --- reading histories ----------------------------------------------------------------------------


async def histories(session: AsyncSession, ids: Sequence[int]) -> list[History]:
    """The histories of these dossiers (dossier, procedure level, unit, items, events,
    violations), in four statements whatever their number."""
    if not ids:
        return []
    unit = aliased(AdminUnit)
    rows = (
        await session.execute(
            select(
                Dossier.id,
                Dossier.code,
                Dossier.received_at,
                Dossier.due_at,
                Dossier.channel,
                ProcedureVersion.online_level,
                Dossier.procedure_code,
                Dossier.receiving_agency_id,
                Agency.unit_code,
                unit.level,
                unit.province_code,
                Dossier.payment_state,
            )
            .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
            .join(Agency, Agency.id == Dossier.receiving_agency_id)
            .outerjoin(unit, unit.code == Agency.unit_code)
            # Practice dossiers (workflow.practice) never count.
            .where(Dossier.id.in_(ids), Dossier.practice.is_(False))
        )
    ).all()
    sources: dict[int, list[str]] = defaultdict(list)
    for dossier_id, source in await session.execute(
        select(DossierItem.dossier_id, DossierItem.source).where(DossierItem.dossier_id.in_(ids))
    ):
        sources[dossier_id].append(str(source))
    events: dict[int, list[Event]] = defaultdict(list)
    for dossier_id, event_id, kind, to_state, at in await session.execute(
        select(
            DossierEvent.dossier_id,
            DossierEvent.id,
            DossierEvent.kind,
            DossierEvent.to_state,
            DossierEvent.at,
        )
        .where(DossierEvent.dossier_id.in_(ids))
        .order_by(DossierEvent.dossier_id, DossierEvent.seq)
    ):
        events[dossier_id].append(Event(event_id, kind, str(to_state), at))
    codes = {r.code: r.id for r in rows}
    violations: dict[int, list[int]] = defaultdict(list)
    for code, violation_id in await session.execute(
        select(Violation.dossier_code, Violation.id).where(Violation.dossier_code.in_(codes))
    ):
        violations[codes[code]].append(violation_id)
    found = []
    for r in rows:
        province, commune = _unit_codes(r.unit_code, r.level, r.province_code)
        found.append(
            History(
                dossier_id=r.id,
                code=r.code,
                received_at=r.received_at,
                due_at=r.due_at,
                channel=str(r.channel),
                online_level=str(r.online_level),
                procedure_code=r.procedure_code,
                agency_id=r.receiving_agency_id,
                province_code=province,
                commune_code=commune,
                payment_state=str(r.payment_state),
                item_sources=tuple(sources[r.id]),
                events=tuple(events[r.id]),
                violation_ids=tuple(violations[r.id]),
            )
        )
    return found


def _unit_codes(
    unit_code: str | None, level: UnitLevel | None, province: str | None
) -> tuple[str, str]:
    if unit_code is None:
        return "", ""
    if level == UnitLevel.commune:
        return province or "", unit_code
    return unit_code, ""


async def changed_dossiers(
    session: AsyncSession,
    after_event: int,
    after_violation: int,
    limit: int,
    upto: tuple[int, int] | None = None,
) -> list[int]:
    """Dossiers with an event or violation past the cursors that their fact has not seen;
    with ``upto`` (event, violation ids), only those up to it."""
    fact = aliased(DossierFact)
    last_event, last_violation = upto or (None, None)
    by_events = (
        select(DossierEvent.dossier_id)
        .join(Dossier, Dossier.id == DossierEvent.dossier_id)
        .outerjoin(fact, fact.dossier_id == DossierEvent.dossier_id)
        .where(
            DossierEvent.id > after_event,
            Dossier.practice.is_(False),  # practice dossiers never get a fact
            or_(fact.dossier_id.is_(None), fact.last_event_id < DossierEvent.id),
        )
    )
    if last_event is not None:
        by_events = by_events.where(DossierEvent.id <= last_event)
    by_violations = (
        select(Dossier.id)
        .join(Violation, Violation.dossier_code == Dossier.code)
        .outerjoin(fact, fact.dossier_id == Dossier.id)
        .where(
            Violation.id > after_violation,
            Dossier.practice.is_(False),
            or_(fact.dossier_id.is_(None), fact.last_violation_id < Violation.id),
        )
    )
    if last_violation is not None:
        by_violations = by_violations.where(Violation.id <= last_violation)
    union = by_events.union(by_violations).subquery()
    column = union.c[0]
    return list(await session.scalars(select(column).order_by(column).limit(limit)))


async def all_dossier_ids(session: AsyncSession, after: int, limit: int) -> list[int]:
    return list(
        await session.scalars(
            select(Dossier.id)
            .where(Dossier.id > after, Dossier.practice.is_(False))
            .order_by(Dossier.id)
            .limit(limit)
        )
    )


async def settled_position(
    session: AsyncSession, kind: str, after: int, before: datetime
) -> int | None:
    """The highest id past ``after`` written before ``before``: rows older than that are taken
    to be committed, so the cursor may pass them (younger ones are read again next time)."""
    table, column = (
        (DossierEvent, DossierEvent.at) if kind == "events" else (Violation, Violation.at)
    )
    return cast(
        int | None,
        await session.scalar(select(func.max(table.id)).where(table.id > after, column < before)),
    )


# --- facts and roll-ups ---------------------------------------------------------------------------


async def stored_facts(session: AsyncSession, ids: Iterable[int]) -> dict[int, DossierFact]:
    found = await session.scalars(select(DossierFact).where(DossierFact.dossier_id.in_(list(ids))))
    return {f.dossier_id: f for f in found}


def fact_row(fact: Fact) -> dict[str, Any]:
    return {
        "dossier_id": fact.dossier_id,
        "last_event_id": fact.last_event_id,
        "last_violation_id": fact.last_violation_id,
        "day": fact.day,
        "week": week_of(fact.day),
        "month": month_of(fact.day),
        "province_code": fact.province_code,
        "commune_code": fact.commune_code,
        "agency_id": fact.agency_id,
        "procedure_code": fact.procedure_code,
        "channel": fact.channel,
        "essential": fact.essential,
        "due_at": fact.due_at,
        **fact.counts,
    }


async def save_facts(session: AsyncSession, facts: Sequence[Fact]) -> None:
    if not facts:
        return
    insert = conflict_insert(session.get_bind().dialect.name)
    statement = insert(FACTS)
    columns = [c.name for c in FACTS.columns if c.name != "dossier_id"]
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["dossier_id"],
            set_={name: statement.excluded[name] for name in columns},
        ),
        [fact_row(f) for f in facts],
    )


def rollup_row(fact: Fact, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "day": fact.day,
        "agency_id": fact.agency_id,
        "procedure_code": fact.procedure_code,
        "channel": fact.channel,
        "week": week_of(fact.day),
        "month": month_of(fact.day),
        "province_code": fact.province_code,
        "commune_code": fact.commune_code,
        "essential": fact.essential,
        **counts,
    }


async def add_to_rollup(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's counters to its roll-up row (made when missing)."""
    if not rows:
        return
    insert = conflict_insert(session.get_bind().dialect.name)
    statement = insert(DAILY)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "agency_id", "procedure_code", "channel"],
            set_={
                **{name: DAILY.c[name] + statement.excluded[name] for name in COUNTERS},
                "revision": statement.excluded.revision,
            },
        ),
        list(rows),
    )


async def clear(session: AsyncSession) -> None:
    """Facts, roll-up and the reading positions; the feed's epoch and revision are kept."""
    await session.execute(delete(DailyRollup))
    await session.execute(delete(MonthlyRollup))
    await session.execute(delete(DossierFact))
    await session.execute(delete(Cursor).where(Cursor.name.in_(("events", "violations"))))


async def rollup_from_facts(
    session: AsyncSession, revision: int = 0, days: tuple[date, date] | None = None
) -> None:
    """The roll-up made again as one INSERT … SELECT … GROUP BY over the facts (of the days
    ``days`` only, first and last included, when given: a bulk load splits the work)."""
    # Week, month, unit and "essential" follow from day, agency and procedure: grouping by
    # them adds no rows.
    keys = [
        FACTS.c.day, FACTS.c.agency_id, FACTS.c.procedure_code, FACTS.c.channel, FACTS.c.week,
        FACTS.c.month, FACTS.c.province_code, FACTS.c.commune_code, FACTS.c.essential,
    ]  # fmt: skip
    sums = [func.sum(FACTS.c[name]) for name in COUNTERS]
    query = select(*keys, *sums, literal(revision)).group_by(*keys)
    if days is not None:
        query = query.where(FACTS.c.day.between(*days))
    await session.execute(
        DAILY.insert().from_select([k.name for k in keys] + list(COUNTERS) + ["revision"], query)
    )


async def rollup_rows(session: AsyncSession) -> dict[tuple[date, int, str, str], dict[str, int]]:
    """Every non-empty roll-up row (the tests compare it with a recomputation)."""
    found = {}
    for row in (await session.execute(select(DAILY))).mappings():
        counts = {name: int(row[name]) for name in COUNTERS}
        if any(counts.values()):
            found[(row["day"], row["agency_id"], row["procedure_code"], row["channel"])] = counts
    return found


LOCK_KEY = 0x5D7A75  # the statistics' advisory lock on PostgreSQL


async def take_lock(session: AsyncSession, *, wait: bool = False) -> bool:
    """One refresh at a time: two would both take away a dossier's old fact. PostgreSQL's
    transaction-scoped advisory lock (False when taken and not ``wait``); SQLite lets one
    writer in at a time by itself."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_KEY))))


async def cursor(session: AsyncSession, name: str) -> int:
    return int(await session.scalar(select(Cursor.position).where(Cursor.name == name)) or 0)


async def set_cursor(session: AsyncSession, name: str, position: int, now: datetime) -> None:
    insert = conflict_insert(session.get_bind().dialect.name)
    statement = insert(Cursor).values(name=name, position=position, updated_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"], set_={"position": position, "updated_at": now}
        )
    )


async def max_ids(session: AsyncSession) -> tuple[int, int]:
    events = await session.scalar(select(func.max(DossierEvent.id)))
    violations = await session.scalar(select(func.max(Violation.id)))
    return int(events or 0), int(violations or 0)


# --- aggregate reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    start: date
    end: date
    province_code: str | None = None
    commune_code: str | None = None
    agency_id: int | None = None
    procedure_code: str | None = None
    channel: str | None = None
    essential_only: bool = False

    def where(self) -> list[ColumnElement[bool]]:
        clauses = [DAILY.c.day >= self.start, DAILY.c.day <= self.end]
        for column, value in (
            (DAILY.c.province_code, self.province_code),
            (DAILY.c.commune_code, self.commune_code),
            (DAILY.c.agency_id, self.agency_id),
            (DAILY.c.procedure_code, self.procedure_code),
            (DAILY.c.channel, self.channel),
        ):
            if value is not None:
                clauses.append(column == value)
        if self.essential_only:
            clauses.append(DAILY.c.essential.is_(True))
        return clauses


GROUPS = {
    "province": DAILY.c.province_code,
    "commune": DAILY.c.commune_code,
    "agency": DAILY.c.agency_id,
    "procedure": DAILY.c.procedure_code,
    "channel": DAILY.c.channel,
}
PERIODS = {"day": DAILY.c.day, "week": DAILY.c.week, "month": DAILY.c.month}


async def sums(
    session: AsyncSession, where: Filter, period: str | None, group: str | None
) -> list[tuple[date | None, str | None, dict[str, int]]]:
    """Counter sums per (period start, group value) over the roll-up: the monthly one when it
    can answer (whole months, nothing finer than a province), the daily one otherwise."""
    from motcua.stats import monthly

    if monthly.covers(where, period, group):
        return await monthly.sums(session, where, period, group)
    period_column = PERIODS[period] if period else literal(None)
    group_column = GROUPS[group] if group else literal(None)
    statement = (
        select(
            period_column.label("period"),
            group_column.label("grp"),
            *[func.coalesce(func.sum(DAILY.c[n]), 0).label(n) for n in COUNTERS],
        )
        .where(and_(*where.where()))
        .group_by(period_column, group_column)
        .order_by(period_column, group_column)
    )
    if period is None and group is None:
        statement = select(
            *[func.coalesce(func.sum(DAILY.c[n]), 0).label(n) for n in COUNTERS]
        ).where(and_(*where.where()))
        row = (await session.execute(statement)).mappings().one()
        return [(None, None, {n: int(row[n]) for n in COUNTERS})]
    rows = (await session.execute(statement)).mappings().all()
    return [
        (
            r["period"],
            None if r["grp"] is None else str(r["grp"]),
            {n: int(r[n]) for n in COUNTERS},
        )
        for r in rows
    ]


async def pending_overdue(session: AsyncSession, where: Filter, now: datetime) -> int:
    """Dossiers of the range still pending past their due date (depends on the clock, so read
    from the facts rather than kept in the roll-up)."""
    clauses = [
        FACTS.c.day >= where.start,
        FACTS.c.day <= where.end,
        FACTS.c.pending == PENDING,
        FACTS.c.due_at < now,
    ]
    for column, value in (
        (FACTS.c.province_code, where.province_code),
        (FACTS.c.commune_code, where.commune_code),
        (FACTS.c.agency_id, where.agency_id),
        (FACTS.c.procedure_code, where.procedure_code),
        (FACTS.c.channel, where.channel),
    ):
        if value is not None:
            clauses.append(column == value)
    return int(await session.scalar(select(func.count()).where(*clauses)) or 0)


# --- names ----------------------------------------------------------------------------------------


async def unit(session: AsyncSession, code: str) -> AdminUnit | None:
    return await session.get(AdminUnit, code)


async def unit_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    rows = await session.execute(
        select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(wanted))
    )
    return {code: name for code, name in rows}


async def provinces(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(AdminUnit.code, AdminUnit.name)
        .where(AdminUnit.level == UnitLevel.province)
        .order_by(AdminUnit.code)
    )
    return [(c, n) for c, n in rows]


async def agency_by_code(session: AsyncSession, code: str) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.code == code))


async def agency_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Agency.id, Agency.code, Agency.name).where(Agency.id.in_(wanted))
    )
    return {i: (c, n) for i, c, n in rows}


async def procedure_exists(session: AsyncSession, code: str) -> bool:
    return (
        await session.scalar(select(Procedure.id).where(Procedure.code == code).limit(1))
    ) is not None


async def procedure_names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    """The name of each procedure's newest version."""
    wanted = list(set(codes))
    if not wanted:
        return {}
    newest = (
        select(Procedure.code, ProcedureVersion.name, ProcedureVersion.version)
        .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)
        .where(Procedure.code.in_(wanted))
        .order_by(Procedure.code, ProcedureVersion.version)
    )
    return {code: name for code, name, _ in await session.execute(newest)}


async def latest_day(session: AsyncSession) -> date | None:
    return cast(date | None, await session.scalar(select(func.max(DailyRollup.day))))


# --- monitoring reports (equipped vs used) --------------------------------------------------------


async def reports_on(
    session: AsyncSession, day: date, level: str, province: str | None
) -> dict[str, tuple[str, dict[str, Any], date]]:
    """The unit code → (status, report values, report day) of every unit of ``level`` (province
    or commune, of ``province`` when given) that reported on ``day``, from the monitoring
    module's day snapshots: the latest version of the day's report."""
    from motcua.monitoring.models import Report, UnitDay

    unit = aliased(AdminUnit)
    statement = (
        select(Agency.unit_code, UnitDay.latest_status, Report.values, Report.day)
        .join(Agency, Agency.id == UnitDay.agency_id)
        .join(Report, Report.id == UnitDay.latest_report_id)
        .where(UnitDay.day == day, UnitDay.level == level, Agency.unit_code.is_not(None))
    )
    if province is not None:
        statement = statement.join(unit, unit.code == Agency.unit_code).where(
            unit.province_code == province
        )
    return {
        str(code): (str(status), dict(values or {}), reported_on)
        for code, status, values, reported_on in await session.execute(statement)
    }


async def communes_of(session: AsyncSession, province: str) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(AdminUnit.code, AdminUnit.name)
        .where(AdminUnit.province_code == province)
        .order_by(AdminUnit.code)
    )
    return [(c, n) for c, n in rows]


async def latest_report_day(session: AsyncSession) -> date | None:
    from motcua.monitoring.models import UnitDay

    return cast(date | None, await session.scalar(select(func.max(UnitDay.day))))


async def pending_overdue_by(
    session: AsyncSession, where: Filter, group: str, now: datetime
) -> dict[str, int]:
    """``pending_overdue`` per province or commune."""
    column = FACTS.c.province_code if group == "province" else FACTS.c.commune_code
    clauses = [
        FACTS.c.day >= where.start,
        FACTS.c.day <= where.end,
        FACTS.c.pending == PENDING,
        FACTS.c.due_at < now,
    ]
    if where.province_code is not None:
        clauses.append(FACTS.c.province_code == where.province_code)
    rows = await session.execute(select(column, func.count()).where(*clauses).group_by(column))
    return {str(k): int(n) for k, n in rows}


async def agency_codes_of_province(session: AsyncSession, province: str) -> dict[int, str]:
    """Agency id -> code for the agencies whose roll-up rows belong to the province."""
    ids = select(DAILY.c.agency_id).where(DAILY.c.province_code == province).distinct()
    rows = await session.execute(select(Agency.id, Agency.code).where(Agency.id.in_(ids)))
    return {agency_id: code for agency_id, code in rows.all()}


async def ratings_by(
    session: AsyncSession, where: Filter, group: str
) -> dict[str, tuple[int, int]]:
    """Per province or commune: the dossiers received in the range that their applicants rated,
    and how many of those were rated "not satisfied"."""
    column = FACTS.c.province_code if group == "province" else FACTS.c.commune_code
    clauses = [FACTS.c.day >= where.start, FACTS.c.day <= where.end]
    if where.province_code is not None:
        clauses.append(FACTS.c.province_code == where.province_code)
    dissatisfied = func.count().filter(DossierRating.level == "dissatisfied")
    rows = await session.execute(
        select(column, func.count(), dissatisfied)
        .join(DossierRating, DossierRating.dossier_id == FACTS.c.dossier_id)
        .where(*clauses)
        .group_by(column)
    )
    return {str(k): (int(n), int(bad)) for k, n, bad in rows}
