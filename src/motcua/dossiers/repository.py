"""All dossier queries, including the lock-free per-agency, per-day code counter."""

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    false,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from motcua.catalog import repository as catalog_repository
from motcua.core.database import autocommit_pool
from motcua.core.repository import (
    array_parameters,
    as_written,
    conflict_insert,
    from_arrays,
)
from motcua.dossiers.models import (
    CreatedRows,
    Dossier,
    DossierCounter,
    DossierEvent,
    DossierItem,
    Upload,
    created_rows,
)
from motcua.units import repository as units_repository
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


# The same upsert in asyncpg's own placeholders, for the autocommit pool (plain asyncpg).
_NEXT_NUMBER_POSTGRESQL = (
    "INSERT INTO dossier_counters (agency_code, day, last) VALUES ($1, $2, 1) "
    "ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_counters.last + 1 "
    "RETURNING dossier_counters.last"
)


@cache
def _insert_unless_key_taken(dialect: str) -> Any:
    return (
        conflict_insert(dialect)(_DOSSIERS)
        .on_conflict_do_nothing(index_elements=[Dossier.actor_number, Dossier.idempotency_key])
        .returning(_DOSSIERS.c.id)
    )


_DOSSIERS = cast(Table, Dossier.__table__)
_ITEMS = cast(Table, DossierItem.__table__)
_EVENTS = cast(Table, DossierEvent.__table__)
_ITEM_COLUMNS = [c.key for c in _ITEMS.columns if c.key not in ("id", "dossier_id")]
_EVENT_COLUMNS = [c for c in _EVENTS.columns if c.key not in ("id", "dossier_id")]


@cache
def _insert_with_contents(others: tuple[CreatedRows, ...]) -> Any:
    """PostgreSQL: the dossier (unless its key is taken), its items (one array per column), its
    first event and other modules' rows in one statement; all but the dossier read its id from
    its ``RETURNING``, so nothing is written for a taken key."""
    new = (
        conflict_insert("postgresql")(_DOSSIERS)
        .values({c.key: bindparam(f"dossier_{c.key}") for c in _DOSSIERS.columns if c.key != "id"})
        .on_conflict_do_nothing(
            index_elements=[_DOSSIERS.c.actor_number, _DOSSIERS.c.idempotency_key]
        )
        .returning(*_DOSSIERS.columns)  # other modules' rows may read any of them
        .cte("new_dossier")
    )
    items = from_arrays(_ITEMS, _ITEM_COLUMNS, "item", also={"dossier_id": new.c.id})
    event = insert(_EVENTS).from_select(
        ["dossier_id", *(c.key for c in _EVENT_COLUMNS)],
        select(new.c.id, *(bindparam(f"event_{c.key}", type_=c.type) for c in _EVENT_COLUMNS)),
    )
    written = select(new.c.id).add_cte(items.cte("new_items")).add_cte(event.cte("new_event"))
    for n, rows in enumerate(others):
        for m, statement in enumerate(rows(new)):
            written = written.add_cte(statement.cte(f"new_rows_{n}_{m}"))
    return written


_STORED = select(_DOSSIERS).where(_DOSSIERS.c.id == bindparam("new_dossier_id")).subquery("new")


@cache
def _rows_of_stored(others: tuple[CreatedRows, ...]) -> list[Any]:
    """SQLite: other modules' rows, reading the new dossier as stored."""
    return [statement for rows in others for statement in rows(_STORED)]


async def insert_unless_key_taken(
    session: AsyncSession,
    values: dict[str, Any],
    items: Sequence[dict[str, Any]],
    first: dict[str, Any],
) -> Dossier | None:
    """``INSERT … ON CONFLICT (actor, key) DO NOTHING RETURNING id``, then the items and the
    first event: no savepoint and no read first. A concurrent insert of the same key makes
    PostgreSQL wait for that transaction and then do nothing; the caller then answers with the
    dossier that holds the key. One round trip on PostgreSQL; on SQLite the dossier, then an
    executemany of the items, the event and the other modules' rows (``on_created``). The
    answer is the dossier with its items and first event, made from the values written.
    ``values`` must name the dossier's ``province_code``; its items and event carry it too."""
    # A submission is never a practice dossier (workflow.practice writes those itself).
    values = {"version": 1, "practice": False, **values}
    province = values["province_code"]
    items = [{**item, "province_code": province} for item in items]
    first = {**first, "province_code": province}
    connection = await session.connection()  # Core statements: no ORM step on the way
    dialect = connection.dialect.name
    if dialect == "postgresql":
        parameters = {f"dossier_{k}": v for k, v in values.items()}
        parameters |= {f"event_{c.key}": first[c.key] for c in _EVENT_COLUMNS}
        parameters |= array_parameters(items, _ITEM_COLUMNS, "item", _ITEMS)
        found = await connection.execute(_insert_with_contents(tuple(created_rows)), parameters)
    else:
        found = await connection.execute(_insert_unless_key_taken(dialect), values)
    new_id = found.scalar_one_or_none()
    if new_id is None:
        return None
    items = [{**item, "dossier_id": new_id} for item in items]
    first = {**first, "dossier_id": new_id}
    if dialect != "postgresql":
        if items:
            await connection.execute(insert(_ITEMS), items)
        await connection.execute(insert(_EVENTS), first)
        for statement in _rows_of_stored(tuple(created_rows)):
            await connection.execute(statement, {"new_dossier_id": new_id})
    dossier = as_written(Dossier, {"id": new_id, **values})
    make_transient_to_detached(dossier)
    session.add(dossier)
    set_committed_value(dossier, "items", [as_written(DossierItem, i) for i in items])
    set_committed_value(dossier, "events", [as_written(DossierEvent, first)])
    return dossier


async def take_number(session: AsyncSession, agency_code: str, day: date) -> int:
    """The agency's next number for the day, from its one counter row (``INSERT … ON CONFLICT
    DO UPDATE … RETURNING``; no global lock). On PostgreSQL a connection of its own bumps it in
    autocommit, so the row is locked for that one statement, not until the submission commits:
    a busy agency's submissions no longer queue behind each other's commits. Like a sequence,
    a number whose submission then fails is not given back. SQLite, one writer at a time, bumps
    it in the submission's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        pool = await autocommit_pool(bind.engine.url)
        return int(await pool.fetchval(_NEXT_NUMBER_POSTGRESQL, agency_code, day))
    parameters = {"counter_agency": agency_code, "counter_day": day}
    result = await session.execute(_next_sequence(bind.dialect.name), parameters)
    return int(result.scalar_one())


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite only: start the transaction as a writer (a no-op write), so that two submissions
    with the same key queue behind each other instead of one failing on a stale snapshot.
    PostgreSQL needs nothing: the unique index makes the second insert wait for the first."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # A request of a safe method reads only (a route that writes on a read is marked
    # ``writes_on_read`` and begins as a writer): it has nothing to queue for, and a write in
    # its transaction would fail at once while another writer holds the database.
    if bind.get_execution_options().get("motcua_sqlite_reader"):
        return
    await session.execute(update(DossierCounter).where(false()).values(last=DossierCounter.last))


async def by_idempotency_key(session: AsyncSession, actor: str, key: str) -> Dossier | None:
    return await session.scalar(
        select(Dossier)
        .where(Dossier.actor_number == actor, Dossier.idempotency_key == key)
        .options(selectinload(Dossier.items), selectinload(Dossier.events))
        .execution_options(populate_existing=True)
    )


def agency_code_of(code: str) -> str | None:
    """The receiving agency's code a dossier code starts with (``{agency}-{yymmdd}-{nnnn}``);
    None for a code of another shape (imported or synthetic fixtures)."""
    parts = code.rsplit("-", 2)
    if len(parts) != 3 or len(parts[1]) != 6 or not (parts[1] + parts[2]).isdigit():
        return None
    return parts[0]


async def province_of_code(session: AsyncSession, code: str) -> str | None:
    """The province a dossier of this code carries, from the agency its code starts with (a
    read of the agencies alone); None when the code names no agency."""
    agency = agency_code_of(code)
    if agency is None:
        return None
    return await units_repository.province_of_agency_code(session, agency)


async def of_code(session: AsyncSession, code: str) -> list[Any]:
    """The conditions that find a dossier by code: the code, and the province it derives, so
    a distributed database reads one shard (docs/scaling.md section 5)."""
    province = await province_of_code(session, code)
    found = [Dossier.code == code]
    if province is not None:
        found.append(Dossier.province_code == province)
    return found


def _of_one_dossier(model: Any, order: Any) -> Any:
    """A dossier's rows of ``model`` (items or history), by its id and province (one shard on
    a distributed database, where a read by id alone visits every one), built once."""
    return (
        select(model)
        .where(model.dossier_id == bindparam("id"), model.province_code == bindparam("province"))
        .order_by(order)
    )


_ITEMS_OF = _of_one_dossier(DossierItem, DossierItem.position)
_EVENTS_OF = _of_one_dossier(DossierEvent, DossierEvent.seq)


async def with_contents(session: AsyncSession, dossier: Dossier | None) -> Dossier | None:
    """The dossier with its items and history."""
    if dossier is None:
        return None
    key = {"id": dossier.id, "province": dossier.province_code}
    set_committed_value(dossier, "items", list(await session.scalars(_ITEMS_OF, key)))
    set_committed_value(dossier, "events", list(await session.scalars(_EVENTS_OF, key)))
    return dossier


async def by_code(session: AsyncSession, code: str) -> Dossier | None:
    found = await session.scalar(select(Dossier).where(*await of_code(session, code)))
    return await with_contents(session, found)


async def plain_by_code(session: AsyncSession, code: str) -> Dossier | None:
    return await session.scalar(select(Dossier).where(*await of_code(session, code)))


async def items_of(session: AsyncSession, dossier_id: int) -> Sequence[DossierItem]:
    result = await session.scalars(
        select(DossierItem)
        .where(DossierItem.dossier_id == dossier_id)
        .order_by(DossierItem.position)
    )
    return result.all()


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


class UploadFacts(NamedTuple):
    """What a submission checks of an upload it refers to, and the hash its item records."""

    id: str
    owner_number: str
    size: int
    sha256: str


class SubmissionFacts(NamedTuple):
    """What a submission's checks read: the version in force, the files it refers to, and the
    receiving agency it names (None: not found, or none named)."""

    version: catalog_repository.VersionKey | None
    uploads: dict[str, UploadFacts]
    agency_id: int | None
    agency_level: str | None = None
    agency_province: str = ""


@cache
def _submission_facts(dialect: str) -> Any:
    """All three in one round trip, as every submission needs them before it may write: one
    row per upload found, or one row without an upload; the version's key and the agency's id
    on each. PostgreSQL takes the ids as one array, so the statement's text is the same for
    any number of them (SQLite: ``IN`` with one parameter per id)."""
    in_force = catalog_repository.CURRENT_VERSION_KEY.subquery("in_force")
    ids = (
        Upload.id == any_(bindparam("ids", type_=ARRAY(String)))
        if dialect == "postgresql"
        else Upload.id.in_(bindparam("ids", expanding=True))
    )
    given = (
        select(Upload.id, Upload.owner_number, Upload.size, Upload.sha256)
        .where(ids)
        .subquery("given")
    )
    # A practice twin (workflow.practice) is no agency to file at: it is not found.
    real = Agency.practice_of_id.is_(None)
    agency = select(Agency.id).where(Agency.code == bindparam("agency"), real).scalar_subquery()
    level = select(Agency.level).where(Agency.code == bindparam("agency"), real).scalar_subquery()
    province = units_repository.agency_province(agency)
    one_row = select(literal(1).label("one")).subquery("one_row")
    return (
        select(agency, in_force.c.id, in_force.c.published_at, level, province, *given.c)
        .select_from(one_row)
        .outerjoin(in_force, true())
        .outerjoin(given, true())
    )


async def submission_facts(
    session: AsyncSession,
    procedure_code: str,
    on: date,
    upload_ids: set[str],
    agency_code: str | None,
) -> SubmissionFacts:
    """The key of the procedure's version in force on ``on``, the uploads of these ids, and the
    id, level and province of the agency of this code."""
    connection = await session.connection()
    statement = _submission_facts(connection.dialect.name)
    parameters = {"code": procedure_code, "on": on, "ids": list(upload_ids), "agency": agency_code}
    rows = (await connection.execute(statement, parameters)).all()
    agency_id, version_id, published_at, agency_level, province = rows[0][:5]
    return SubmissionFacts(
        catalog_repository.version_key(version_id, published_at),
        {row[5]: UploadFacts(*row[5:]) for row in rows if row[5] is not None},
        agency_id,
        agency_level,
        province or "",
    )


_REFERENCED = (
    select(Upload.sha256).where(Upload.sha256.in_(bindparam("hashes", expanding=True))).distinct()
)


async def referenced_hashes(session: AsyncSession, hashes: Sequence[str]) -> set[str]:
    """Which of these stored hashes an upload still points at (one query per batch)."""
    if not hashes:
        return set()
    return set(await session.scalars(_REFERENCED, {"hashes": list(hashes)}))


async def agencies_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    return {a.id: a for a in await session.scalars(select(Agency).where(Agency.id.in_(ids)))}
