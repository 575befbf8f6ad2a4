"""All exchange queries, including the locked head row that keeps the access log one chain."""

from collections.abc import AsyncIterator, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.repository import array_parameters, column_values, conflict_insert, from_arrays
from motcua.exchange.models import (
    AccessLogEntry,
    AccessLogHead,
    Consent,
    EvidenceItem,
    Registry,
    RegistryService,
)
from motcua.units.models import Agency

# Statements on every fetch are built once, with bound parameters: building them per call
# cost more CPU than running them.
_SERVICES_FOR = (
    select(RegistryService, Registry)
    .join(Registry, Registry.code == RegistryService.registry_code)
    .where(RegistryService.evidence_type_code.in_(bindparam("codes", expanding=True)))
)


async def services_for(
    session: AsyncSession, evidence_codes: Sequence[str]
) -> dict[str, tuple[RegistryService, Registry]]:
    rows = await session.execute(_SERVICES_FOR, {"codes": list(evidence_codes)})
    return {service.evidence_type_code: (service, registry) for service, registry in rows}


async def registries(session: AsyncSession) -> Sequence[tuple[Registry, str | None]]:
    rows = await session.execute(
        select(Registry, Agency.code)
        .outerjoin(Agency, Agency.id == Registry.operator_agency_id)
        .order_by(Registry.code)
    )
    return [(r, code) for r, code in rows]


async def registry_services(session: AsyncSession) -> Sequence[RegistryService]:
    return (await session.scalars(select(RegistryService))).all()


async def agency_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids)))
    return {int(k): str(v) for k, v in rows}


async def consent(session: AsyncSession, reference: str) -> Consent | None:
    return await session.get(Consent, reference)


async def items(session: AsyncSession, reference: str) -> Sequence[EvidenceItem]:
    result = await session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.consent_reference == reference)
        .order_by(EvidenceItem.id)
        # ``put_items`` writes past the identity map: never answer with a copy loaded before.
        .execution_options(populate_existing=True)
    )
    return result.all()


_ITEMS = cast(Table, EvidenceItem.__table__)


@cache
def _put_items(dialect: str) -> Any:
    """Built once per dialect: the statement (its ``excluded`` columns above all) cost more
    CPU to build than a fetch's reads."""
    statement = conflict_insert(dialect)(_ITEMS)
    return statement.on_conflict_do_update(
        index_elements=[_ITEMS.c.consent_reference, _ITEMS.c.key],
        set_={
            c.key: statement.excluded[c.key]
            for c in _ITEMS.columns
            if c.key not in ("id", "consent_reference", "key")
        },
    )


async def put_items(session: AsyncSession, items: Sequence[EvidenceItem]) -> None:
    """``INSERT … ON CONFLICT (application, requirement) DO UPDATE``: what a fetch got replaces
    what an earlier fetch left (every column but the id, so the applicant's decision too), and
    two fetches of one application at once leave one row per requirement (PostgreSQL, SQLite
    >= 3.24). The objects stay out of the session."""
    if items:
        statement = _put_items(session.get_bind().dialect.name)
        await session.execute(statement, [column_values(i) for i in items])


_LOG = cast(Table, AccessLogEntry.__table__)
_LOG_COLUMNS = [
    c.key for c in _LOG.columns if c.key not in ("seq", "chain_seq", "prev_hash", "hash")
]
_ITEM_COLUMNS = [c.key for c in _ITEMS.columns if c.key != "id"]


@cache
def _put_items_and_log() -> Any:
    """PostgreSQL: the items' upsert, one array per column, with the access-log records as its
    WITH clause (one array per column too)."""
    items = from_arrays(_ITEMS, _ITEM_COLUMNS, "item")
    upsert = items.on_conflict_do_update(
        index_elements=[_ITEMS.c.consent_reference, _ITEMS.c.key],
        set_={c: items.excluded[c] for c in _ITEM_COLUMNS if c not in ("consent_reference", "key")},
    )
    return upsert.add_cte(from_arrays(_LOG, _LOG_COLUMNS, "log").cte("logged"))


async def put_items_and_log(
    session: AsyncSession, items: Sequence[EvidenceItem], log: Sequence[dict[str, Any]]
) -> None:
    """A fetch's items (as ``put_items``) and the access-log records of its reads, in one round
    trip on PostgreSQL; on SQLite the upsert, then the records. Nothing reads the records back
    here: they get their place in the chain when sealed."""
    if session.get_bind().dialect.name != "postgresql":
        await put_items(session, items)
        if log:
            await session.execute(insert(_LOG), list(log))
        return
    parameters = array_parameters([column_values(i) for i in items], _ITEM_COLUMNS, "item", _ITEMS)
    parameters |= array_parameters(log, _LOG_COLUMNS, "log", _LOG)
    await session.execute(_put_items_and_log(), parameters)


async def delete_items(session: AsyncSession, reference: str, keys: Sequence[str]) -> None:
    await session.execute(
        delete(EvidenceItem).where(
            EvidenceItem.consent_reference == reference, EvidenceItem.key.in_(keys)
        )
    )


_APPEND = insert(AccessLogEntry).returning(AccessLogEntry)


async def append_entries(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> list[AccessLogEntry]:
    """One multi-row INSERT … RETURNING from a constant statement, no unit of work."""
    if not rows:
        return []
    return list((await session.scalars(_APPEND, list(rows))).all())


async def lock_head(session: AsyncSession) -> AccessLogHead:
    """Take the chain's write lock: an UPDATE locks the row on PostgreSQL and takes SQLite's
    write lock, and returns the true head, so nobody appends in between."""
    lock = (
        update(AccessLogHead)
        .where(AccessLogHead.id == 1)
        .values(id=1)
        .returning(AccessLogHead)
        .execution_options(populate_existing=True)
    )
    # One round trip (UPDATE … RETURNING) instead of UPDATE then SELECT … FOR UPDATE: the lock
    # is held until commit, so every round trip under it is paid by every waiting writer.
    head = (await session.scalars(lock)).one_or_none()
    if head is None:
        head = AccessLogHead(id=1, last_seq=0, last_hash="0" * 64)
        session.add(head)
    return head


async def head(session: AsyncSession) -> AccessLogHead | None:
    return await session.get(AccessLogHead, 1, populate_existing=True)


async def access_log(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AccessLogEntry]:
    """The sealed records in chain order."""
    after = 0
    while True:
        rows = (
            await session.scalars(
                select(AccessLogEntry)
                .where(AccessLogEntry.chain_seq > after)
                .order_by(AccessLogEntry.chain_seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].chain_seq or after


async def unsealed(session: AsyncSession, limit: int) -> Sequence[AccessLogEntry]:
    """Committed records not yet in the chain, oldest first (a transaction still open is not
    seen, and is sealed by a later round)."""
    result = await session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.chain_seq.is_(None))
        .order_by(AccessLogEntry.seq)
        .limit(limit)
    )
    return result.all()


async def unsealed_count(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.chain_seq.is_(None))
    )
    return int(count or 0)


async def accesses_of(
    session: AsyncSession, personal_id: str, limit: int, before: int | None
) -> Sequence[tuple[AccessLogEntry, str | None]]:
    statement = (
        select(AccessLogEntry, Registry.name)
        .outerjoin(Registry, Registry.code == AccessLogEntry.registry_code)
        .where(AccessLogEntry.subject_personal_id == personal_id)
        .order_by(AccessLogEntry.seq.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(AccessLogEntry.seq < before)
    return [(e, name) for e, name in await session.execute(statement)]
