"""Internal process definitions: the default written on first use, an agency's own versions
(old ones kept)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.errors import Conflict, NotFound
from motcua.core.repository import conflict_insert
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject
from motcua.workflow import definitions, repository
from motcua.workflow.models import (
    ProcessDefinition,
)
from motcua.workflow.schemas import (
    DefinitionOut,
)

ADMINS = frozenset({Role.agency_admin, Role.system_admin})

# --- definitions ----------------------------------------------------------------------------------


async def current_definition(
    session: AsyncSession, procedure_code: str, agency_id: int
) -> ProcessDefinition:
    """The agency's own newest version, else the default, written on first use."""
    found = await repository.definition(session, procedure_code, agency_id)
    found = found or await repository.definition(session, procedure_code, 0)
    if found is not None:
        return found
    source = definitions.default_source(procedure_code)
    parsed = definitions.parse(source)
    dialect = session.get_bind().dialect.name
    insert = conflict_insert(dialect)
    # Two first users at once: the unique version key lets one write it, both read it.
    await session.execute(
        insert(ProcessDefinition)
        .values(
            procedure_code=procedure_code,
            agency_key=0,
            version=1,
            source=source,
            steps=[s.model_dump(mode="json") for s in parsed.steps],
            created_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    created = await repository.definition(session, procedure_code, 0)
    assert created is not None
    return created


async def seed_definitions(session: AsyncSession) -> int:
    """A default definition (version 1) for every procedure in the catalog that has none."""
    from motcua.catalog.models import Procedure

    have = await repository.codes_with_default(session)
    codes = [c for c in await session.scalars(select(Procedure.code)) if c not in have]
    now = clock.now()
    for code in codes:
        source = definitions.default_source(code)
        parsed = definitions.parse(source)
        session.add(
            ProcessDefinition(
                procedure_code=code,
                agency_key=0,
                version=1,
                source=source,
                steps=[s.model_dump(mode="json") for s in parsed.steps],
                created_at=now,
            )
        )
    await session.flush()
    return len(codes)


def _definition_out(row: ProcessDefinition) -> DefinitionOut:
    return DefinitionOut(
        procedure_code=row.procedure_code,
        agency_specific=row.agency_key != 0,
        version=row.version,
        source=row.source,
        steps=row.steps,
        created_at=row.created_at,
    )


async def get_definition(
    session: AsyncSession, subject: Subject, procedure_code: str
) -> DefinitionOut:
    await _known_procedure(session, procedure_code)
    return _definition_out(await current_definition(session, procedure_code, subject.agency_id))


async def save_definition(
    session: AsyncSession, subject: Subject, procedure_code: str, source: str
) -> DefinitionOut:
    """An agency administrator writes a new version for their agency; old ones are kept."""
    if subject.role not in ADMINS:
        raise Forbidden("Chỉ quản trị cơ quan được sửa quy trình nội bộ.", code="role-not-allowed")
    await _known_procedure(session, procedure_code)
    parsed = definitions.parse(source)
    latest = await repository.definition(session, procedure_code, subject.agency_id)
    row = ProcessDefinition(
        procedure_code=procedure_code,
        agency_key=subject.agency_id,
        version=(latest.version if latest else 0) + 1,
        source=source,
        steps=[s.model_dump(mode="json") for s in parsed.steps],
        created_at=clock.now(),
        created_by=subject.officer_id,
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "Quy trình vừa được người khác sửa; hãy tải lại rồi lưu lại.",
            code="definition-changed",
        ) from None
    return _definition_out(row)


async def _known_procedure(session: AsyncSession, procedure_code: str) -> None:
    if await catalog_repository.procedure_by_code(session, procedure_code) is None:
        raise NotFound(f"Không có thủ tục mã “{procedure_code}”.", code="unknown-procedure")
