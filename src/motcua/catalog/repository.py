"""All catalog queries, including the search that runs on FTS5 (SQLite) or tsvector (PostgreSQL)."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload

from motcua.catalog.models import (
    EvidenceType,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    Requirement,
    VersionStatus,
)
from motcua.core.text import SearchTerms
from motcua.units.models import Agency


class VersionKey(NamedTuple):
    """A published version, named for good (its terms never change once published)."""

    id: int
    published_at: datetime


# PostgreSQL only: a stored to_tsvector('simple', search_text) column with a GIN index, made
# by the migration (SQLite has its FTS5 table instead), so it is not mapped on the model.
SEARCH_VECTOR: ColumnElement[Any] = literal_column("procedure_versions.search_vector")
SIMPLE: ColumnElement[str] = literal_column("'simple'")

LEVEL_COLUMNS = {
    Level.ministry: ProcedureVersion.at_ministry,
    Level.province: ProcedureVersion.at_province,
    Level.commune: ProcedureVersion.at_commune,
}


def in_force(on: date | ColumnElement[date]) -> ColumnElement[bool]:
    return and_(
        ProcedureVersion.status == VersionStatus.published,
        ProcedureVersion.effective_from <= on,
        or_(ProcedureVersion.effective_to.is_(None), ProcedureVersion.effective_to > on),
    )


async def procedure_codes(session: AsyncSession, codes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(codes), 1000):
        chunk = codes[start : start + 1000]
        found.update(await session.scalars(select(Procedure.code).where(Procedure.code.in_(chunk))))
    return found


async def procedure_by_code(session: AsyncSession, code: str) -> Procedure | None:
    return await session.scalar(select(Procedure).where(Procedure.code == code))


def _with_details(statement: Select[ProcedureVersion]) -> Select[ProcedureVersion]:
    """One round trip: a submission reads the version, its requirements and its agency."""
    return statement.options(
        joinedload(ProcedureVersion.procedure),
        joinedload(ProcedureVersion.managing_agency),
        joinedload(ProcedureVersion.requirements),
    )


async def _one_with_details(
    session: AsyncSession, statement: Select[ProcedureVersion]
) -> ProcedureVersion | None:
    result = await session.execute(_with_details(statement))
    return result.unique().scalar_one_or_none()


# Built once: every submission asks for it, and building it cost more than running it.
_CURRENT_VERSION = _with_details(
    select(ProcedureVersion)
    .join(Procedure)
    .where(Procedure.code == bindparam("code"), in_force(bindparam("on", type_=Date)))
    .order_by(ProcedureVersion.version.desc())
    .limit(1)
)


async def current_version(session: AsyncSession, code: str, on: date) -> ProcedureVersion | None:
    result = await session.execute(_CURRENT_VERSION, {"code": code, "on": on})
    return result.unique().scalar_one_or_none()


# The version in force and when it was published: enough to know whether terms already read
# still apply, without loading them. Parameters ``code`` and ``on``; a submission reads it in
# its own statement, with the files and the agency it names (dossiers.repository).
CURRENT_VERSION_KEY = (
    select(ProcedureVersion.id, ProcedureVersion.published_at)
    .join(Procedure)
    .where(Procedure.code == bindparam("code"), in_force(bindparam("on", type_=Date)))
    .order_by(ProcedureVersion.version.desc())
    .limit(1)
)


def version_key(version_id: int | None, published_at: datetime | None) -> VersionKey | None:
    """A published version's key from a row of ``CURRENT_VERSION_KEY`` (None: nothing found)."""
    if version_id is None or published_at is None:
        return None
    return VersionKey(version_id, published_at)


async def same_day_cutoff(session: AsyncSession, version_id: int) -> bool:
    """Whether the version's rules set the day's receipt cut-off (the workflow counts its
    processing days from the day zero its deadline was counted from)."""
    statement = select(ProcedureVersion.same_day_cutoff).where(ProcedureVersion.id == version_id)
    return bool(await session.scalar(statement))


async def version_by_id(session: AsyncSession, version_id: int) -> ProcedureVersion | None:
    return await _one_with_details(
        session, select(ProcedureVersion).where(ProcedureVersion.id == version_id)
    )


async def version(session: AsyncSession, code: str, number: int) -> ProcedureVersion | None:
    statement = (
        select(ProcedureVersion)
        .join(Procedure)
        .where(Procedure.code == code, ProcedureVersion.version == number)
    )
    return await _one_with_details(session, statement)


async def versions(session: AsyncSession, procedure_id: int) -> Sequence[ProcedureVersion]:
    result = await session.scalars(
        select(ProcedureVersion)
        .where(ProcedureVersion.procedure_id == procedure_id)
        .order_by(ProcedureVersion.version)
    )
    return result.all()


async def current_versions(session: AsyncSession, on: date) -> Sequence[ProcedureVersion]:
    statement = (
        select(ProcedureVersion).join(Procedure).where(in_force(on)).order_by(Procedure.code)
    )
    statement = statement.options(
        joinedload(ProcedureVersion.procedure),
        joinedload(ProcedureVersion.managing_agency),
        selectinload(ProcedureVersion.requirements),
    )
    return (await session.scalars(statement)).all()


async def evidence_types(
    session: AsyncSession, codes: Sequence[str] | None = None
) -> dict[str, EvidenceType]:
    statement = select(EvidenceType)
    if codes is not None:
        statement = statement.where(EvidenceType.code.in_(codes))
    return {e.code: e for e in await session.scalars(statement)}


EVIDENCE_TYPE_NAMES = select(EvidenceType.code, EvidenceType.name)  # built once per process


async def evidence_type_names(session: AsyncSession) -> dict[str, str]:
    """Every evidence type's name by code: two columns, not the types' field lists."""
    return {code: name for code, name in await session.execute(EVIDENCE_TYPE_NAMES)}


async def agencies_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    return {a.id: a for a in await session.scalars(select(Agency).where(Agency.id.in_(ids)))}


NO_TERMS = SearchTerms(groups=(), phrase="")


@dataclass(frozen=True)
class SearchFilters:
    terms: SearchTerms = NO_TERMS
    code: str | None = None
    level: Level | None = None
    online_level: OnlineLevel | None = None
    agency_id: int | None = None
    sector_code: str | None = None


def _text_query(dialect: str, terms: SearchTerms) -> str:
    """Every group must match, through any of its alternatives (a word, or words that follow
    each other: an abbreviation and what it stands for); what was typed last may be a prefix
    (search as you type). Folded words are [0-9a-z] only: nothing in them is query syntax."""
    postgres = dialect == "postgresql"
    last = len(terms.groups) - 1
    clauses = []
    for i, group in enumerate(terms.groups):
        # The first alternative of a group is what was typed.
        alternatives = [_phrase(alt, i == last and j == 0, postgres) for j, alt in enumerate(group)]
        clauses.append("(" + (" | " if postgres else " OR ").join(alternatives) + ")")
    return (" & " if postgres else " AND ").join(clauses)


def _text_match(dialect: str) -> ColumnElement[bool]:
    """The match of ``_text_query``'s query, given as the parameter ``terms``."""
    if dialect == "postgresql":
        return SEARCH_VECTOR.op("@@")(func.to_tsquery(SIMPLE, bindparam("terms")))
    matches = text(
        "SELECT rowid FROM procedure_versions_fts WHERE procedure_versions_fts MATCH :terms"
    )
    return ProcedureVersion.id.in_(matches)


def _phrase(words: Sequence[str], prefix: bool, postgres: bool) -> str:
    """Words that follow each other: ``bao <-> hiem:*`` (tsquery) or ``"bao hiem"*`` (FTS5)."""
    if postgres:
        return " <-> ".join(words) + (":*" if prefix else "")
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


# The columns of a version a search result line shows (``service.ProcedureSummary``).
SUMMARY_COLUMNS = (
    ProcedureVersion.procedure_id,
    ProcedureVersion.name,
    ProcedureVersion.sector_name,
    ProcedureVersion.sector_code,
    ProcedureVersion.at_ministry,
    ProcedureVersion.at_province,
    ProcedureVersion.at_commune,
    ProcedureVersion.online_level,
    ProcedureVersion.processing_days,
    ProcedureVersion.managing_agency_id,
)
SUMMARY_PROCEDURE = (Procedure.code, Procedure.synthetic)
SUMMARY_AGENCY = (Agency.code, Agency.name)


class SearchShape(NamedTuple):
    """What decides a search statement's form; the rest are its parameters."""

    dialect: str
    terms: bool
    code: bool
    phrase: bool
    level: Level | None
    online_level: bool
    agency: bool
    sector: bool


def _search_conditions(shape: SearchShape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [in_force(bindparam("on", type_=Date))]
    if shape.terms:
        conditions.append(_text_match(shape.dialect))
    if shape.level is not None:
        conditions.append(LEVEL_COLUMNS[shape.level].is_(True))
    if shape.online_level:
        conditions.append(ProcedureVersion.online_level == bindparam("online_level"))
    if shape.agency:
        conditions.append(ProcedureVersion.managing_agency_id == bindparam("agency_id"))
    if shape.sector:
        conditions.append(ProcedureVersion.sector_code == bindparam("sector_code"))
    return conditions


@functools.cache
def _search_statement(shape: SearchShape) -> Select[ProcedureVersion, int]:
    """Built and keyed once per process for each shape: at every request, building the ranked
    statement cost more CPU than PostgreSQL took to run it."""
    order: list[ColumnElement[Any]] = []
    if shape.code:
        order.append(case((Procedure.code == bindparam("code"), 0), else_=1))
    order.append(Procedure.synthetic.expression)
    if shape.phrase:
        order += [
            case((ProcedureVersion.name_folded.like(bindparam("starts")), 0), else_=1),
            case((ProcedureVersion.name_folded.like(bindparam("contains")), 0), else_=1),
        ]
    return (
        select(ProcedureVersion, func.count().over().label("total"))
        .join(Procedure)
        .outerjoin(Agency, Agency.id == ProcedureVersion.managing_agency_id)
        .where(*_search_conditions(shape))
        .order_by(*order, func.length(ProcedureVersion.name_folded), Procedure.code)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        # What a result line shows, in the one statement: not the version's texts, fees or
        # search text, not a second join of its procedure, no second query for the agencies.
        .options(
            load_only(*SUMMARY_COLUMNS),
            contains_eager(ProcedureVersion.procedure).load_only(*SUMMARY_PROCEDURE),
            contains_eager(ProcedureVersion.managing_agency).load_only(*SUMMARY_AGENCY),
        )
    )


async def search(
    session: AsyncSession, filters: SearchFilters, on: date, limit: int, offset: int
) -> tuple[Sequence[ProcedureVersion], int]:
    """Ranked: exact code, real before synthetic, name starting with the phrase, name containing
    it, shorter names, code. Portable SQL, so both databases rank alike. The versions come with
    their procedure and managing agency, and only what a result line shows."""
    dialect = session.get_bind().dialect.name
    phrase = filters.terms.phrase
    shape = SearchShape(
        dialect=dialect,
        terms=bool(filters.terms),
        code=bool(filters.code),
        phrase=bool(phrase),
        level=filters.level,
        online_level=filters.online_level is not None,
        agency=filters.agency_id is not None,
        sector=filters.sector_code is not None,
    )
    values: dict[str, Any] = {
        "on": on,
        "terms": _text_query(dialect, filters.terms) if shape.terms else None,
        "code": filters.code,
        "starts": f"{phrase}%",
        "contains": f"%{phrase}%",
        "online_level": filters.online_level,
        "agency_id": filters.agency_id,
        "sector_code": filters.sector_code,
        "limit": limit,
        "offset": offset,
    }
    rows = (await session.execute(_search_statement(shape), values)).all()
    total = rows[0][1] if rows else 0
    if not rows and offset:
        total = await _count(session, shape, values)
    return [version for version, _ in rows], int(total)


async def _count(session: AsyncSession, shape: SearchShape, values: dict[str, Any]) -> int:
    statement = (
        select(func.count())
        .select_from(ProcedureVersion)
        .join(Procedure)
        .where(*_search_conditions(shape))
    )
    return int(await session.scalar(statement, values) or 0)


async def clock_terms(
    session: AsyncSession, version_id: int
) -> Row[int, bool, VersionStatus] | None:
    """The version's processing days, whether it is settled the same day and its status: three
    columns, not the version's whole row."""
    statement = select(
        ProcedureVersion.processing_days, ProcedureVersion.same_day_cutoff, ProcedureVersion.status
    ).where(ProcedureVersion.id == version_id)
    return (await session.execute(statement)).first()


REQUIREMENTS_OF = (  # built once per process: read on every officer's dossier page
    select(Requirement)
    .where(Requirement.version_id == bindparam("version_id"))
    .order_by(Requirement.position)
)


async def requirements_of(session: AsyncSession, version_id: int) -> Sequence[Requirement]:
    return (await session.scalars(REQUIREMENTS_OF, {"version_id": version_id})).all()
