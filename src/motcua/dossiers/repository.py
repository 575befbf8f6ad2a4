"""All dossier queries, including the lock-free per-agency, per-day code counter."""

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from motcua.core.repository import column_values, conflict_insert, insert_together
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierItem, Upload
from motcua.units.models import Agency


# Hot-path statements are built once, with bound parameters: building one per request (its
# ORM coercion of every value) cost more CPU than executing it.
@cache
def _next_sequence(dialect: str) -> Any:
    counter = conflict_insert(dialect)(DossierCounter).values(
        agency_code=bindparam("counter_agency"), day=bindparam("counter_day"), last=1
    )
    return counter.on_conflict_do_update(
        index_elements=[DossierCounter.agency_code, DossierCounter.day],
        set_={"last": DossierCounter.last + 1},
    ).returning(DossierCounter.last)


@cache
def _insert_unless_key_taken(dialect: str) -> Any:
    return (
        conflict_insert(dialect)(Dossier)
        .on_conflict_do_nothing(index_elements=[Dossier.actor_number, Dossier.idempotency_key])
        .returning(Dossier)
    )


_DOSSIERS = cast(Table, Dossier.__table__)
_SET_CODE = (
    update(_DOSSIERS)
    .where(_DOSSIERS.c.id == bindparam("dossier_id"))
    .values(code=bindparam("new_code"))
)


@cache
def _take_number_and_set_code() -> Any:
    """PostgreSQL: the counter upsert and the code update in one statement, so the counter row
    is locked for one round trip and the commit."""
    taken = _next_sequence("postgresql").cte("taken")
    number = sql_cast(select(taken.c.last).scalar_subquery(), Text)
    padded = func.lpad(number, func.greatest(4, func.length(number)), "0")
    return (
        update(_DOSSIERS)
        .where(_DOSSIERS.c.id == bindparam("dossier_id"))
        .values(code=bindparam("code_prefix", type_=String) + padded)
        .returning(_DOSSIERS.c.code)
    )


_ITEMS = cast(Table, DossierItem.__table__)
_EVENTS = cast(Table, DossierEvent.__table__)
_ITEM_ARRAYS = {  # column -> element type of the array that carries it
    "position": Integer,
    "requirement_key": String,
    "source": String,
    "upload_id": String,
    "value": Text,  # JSON text, cast back to JSON by the statement
    "sha256": String,
}


def _unnest(column: str) -> Any:
    return func.unnest(bindparam(f"item_{column}", type_=ARRAY(_ITEM_ARRAYS[column])))


# The first event; on PostgreSQL the items ride along as its WITH clause, one array per column.
_FIRST_EVENT = insert(_EVENTS).values(
    {c.key: bindparam(f"event_{c.key}") for c in _EVENTS.columns if c.key != "id"}
)
_ITEMS_FROM_ARRAYS = insert(_ITEMS).from_select(
    ["dossier_id", *_ITEM_ARRAYS],
    select(
        bindparam("event_dossier_id", type_=Integer),
        *(sql_cast(_unnest(c), JSON) if c == "value" else _unnest(c) for c in _ITEM_ARRAYS),
    ),
)


async def insert_contents(
    session: AsyncSession, items: Sequence[DossierItem], first: DossierEvent
) -> None:
    """A new dossier's items and first event by constant statements instead of the unit of
    work (nothing reads their ids): one round trip on PostgreSQL, one array per item column; an
    executemany and an insert on SQLite. The objects stay out of the session and serve the
    answer."""
    event = {f"event_{k}": v for k, v in column_values(first).items()}
    if session.get_bind().dialect.name == "postgresql":
        arrays = {f"item_{c}": [getattr(i, c) for i in items] for c in _ITEM_ARRAYS if c != "value"}
        arrays["item_value"] = [None if i.value is None else json.dumps(i.value) for i in items]
        await insert_together(session, _ITEMS_FROM_ARRAYS, _FIRST_EVENT, {**event, **arrays})
        return
    if items:
        await session.execute(insert(_ITEMS), [column_values(i) for i in items])
    await session.execute(_FIRST_EVENT, event)


async def assign_code(session: AsyncSession, dossier: Dossier, agency_code: str, day: date) -> str:
    """Replace the provisional code by ``<agency>-<yymmdd>-<sequence>`` (four digits at least),
    the sequence from the agency's counter for the day: ``INSERT … ON CONFLICT DO UPDATE …
    RETURNING`` locks that one row for the rest of the transaction, nothing else. No version
    bump (the dossier is new, not edited); the loaded object gets the code, nothing is read back.
    SQLite, which has no INSERT in a WITH clause and one writer at a time, takes two statements."""
    prefix = f"{agency_code}-{day:%y%m%d}-"
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(
            _take_number_and_set_code(),
            {
                "counter_agency": agency_code,
                "counter_day": day,
                "code_prefix": prefix,
                "dossier_id": dossier.id,
            },
        )
        code = str(result.scalar_one())
    else:
        result = await session.execute(
            _next_sequence("sqlite"), {"counter_agency": agency_code, "counter_day": day}
        )
        code = f"{prefix}{int(result.scalar_one()):04d}"
        await session.execute(_SET_CODE, {"dossier_id": dossier.id, "new_code": code})
    set_committed_value(dossier, "code", code)
    return code


async def insert_unless_key_taken(session: AsyncSession, **values: Any) -> Dossier | None:
    """``INSERT … ON CONFLICT (actor, key) DO NOTHING RETURNING``: no savepoint and no read
    first. A concurrent insert of the same key makes PostgreSQL wait for that transaction and
    then do nothing; the caller then answers with the dossier that holds the key."""
    inserted = await session.scalars(
        _insert_unless_key_taken(session.get_bind().dialect.name), [{"version": 1, **values}]
    )
    return inserted.one_or_none()


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite only: start the transaction as a writer (a no-op write), so that two submissions
    with the same key queue behind each other instead of one failing on a stale snapshot.
    PostgreSQL needs nothing: the unique index makes the second insert wait for the first."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(DossierCounter).where(false()).values(last=DossierCounter.last)
        )


async def by_idempotency_key(session: AsyncSession, actor: str, key: str) -> Dossier | None:
    return await session.scalar(
        select(Dossier)
        .where(Dossier.actor_number == actor, Dossier.idempotency_key == key)
        .options(selectinload(Dossier.items), selectinload(Dossier.events))
        .execution_options(populate_existing=True)
    )


async def by_code(session: AsyncSession, code: str) -> Dossier | None:
    return await session.scalar(
        select(Dossier)
        .where(Dossier.code == code)
        .options(selectinload(Dossier.items), selectinload(Dossier.events))
    )


async def plain_by_code(session: AsyncSession, code: str) -> Dossier | None:
    return await session.scalar(select(Dossier).where(Dossier.code == code))


async def events_of(session: AsyncSession, dossier_id: int) -> Sequence[DossierEvent]:
    result = await session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier_id).order_by(DossierEvent.seq)
    )
    return result.all()


async def of_person(
    session: AsyncSession, number: str, before: datetime | None, limit: int
) -> Sequence[Dossier]:
    """Dossiers a person filed or that were filed for them, newest first (keyset paging)."""
    statement = select(Dossier).where(
        or_(Dossier.applicant_number == number, Dossier.actor_number == number)
    )
    if before is not None:
        statement = statement.where(Dossier.received_at < before)
    result = await session.scalars(
        statement.order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(limit)
    )
    return result.all()


_UPLOADS = select(Upload).where(Upload.id.in_(bindparam("ids", expanding=True)))


async def uploads(session: AsyncSession, ids: set[str]) -> dict[str, Upload]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(_UPLOADS, {"ids": list(ids)})}


async def agencies_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    return {a.id: a for a in await session.scalars(select(Agency).where(Agency.id.in_(ids)))}
