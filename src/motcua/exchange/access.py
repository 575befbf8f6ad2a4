"""Who used my data: the person's view of the access log, and the chain's own check."""

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import identifiers
from motcua.exchange import audit, repository
from motcua.exchange.schemas import AccessPage, AccessRecord, ChainReport


async def data_access(
    session: AsyncSession, person: str, limit: int = 50, before: int | None = None
) -> AccessPage:
    """Every access to the person's data, newest first, with purpose and agency."""
    person = identifiers.parse(person).value
    rows = await repository.accesses_of(session, person, limit, before)
    return AccessPage(
        personal_id=person,
        items=[
            AccessRecord(
                seq=e.seq,
                at=e.at,
                actor_personal_id=e.actor_personal_id,
                on_behalf_of=e.on_behalf_of,
                agency_code=e.agency_code,
                registry_code=e.registry_code,
                registry_name=name,
                evidence_type_code=e.evidence_type_code,
                purpose=e.purpose,
                procedure_code=e.procedure_code,
                legal_basis=e.legal_basis,
                consent_reference=e.consent_reference,
                outcome=e.outcome,
                reason=e.reason,
                hash=e.hash,
            )
            for e, name in rows
        ],
    )


async def verify_access_log(session: AsyncSession) -> ChainReport:
    return await audit.verify(session)
