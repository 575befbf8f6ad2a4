"""Registry reads recorded as the platform records them, with synthetic values, for the load
benchmark and the tests that file dossiers without making the reads: a confirmed consent and
its delivered evidence items. Never used by the running platform."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.exchange.models import Consent, ConsentState, EvidenceItem, ItemStatus

SYNTHETIC_VALUE = {"nguon": {"value": "dữ liệu tổng hợp", "source": "population"}}


async def recorded_reads(
    session: AsyncSession,
    *,
    actor: str,
    procedure_code: str,
    keys: list[str],
    applicant: str | None = None,
) -> dict[str, int]:
    """requirement key -> id of an evidence item read for ``actor`` about ``applicant``."""
    version = await catalog_repository.current_version(session, procedure_code, clock.today())
    if version is None:
        raise LookupError(f"no version of {procedure_code} in force")
    evidence = {r.key: r.evidence_type_code for r in version.requirements}
    reference = str(uuid.uuid4())
    now = clock.now()
    session.add(
        Consent(
            reference=reference,
            application_id=str(uuid.uuid4()),
            procedure_code=procedure_code,
            procedure_version_id=version.id,
            actor_personal_id=actor,
            subject_personal_id=applicant or actor,
            legal_basis=list(version.legal_basis),
            plan=[{"key": k, "subject": "applicant"} for k in keys],
            state=ConsentState.confirmed,
            created_at=now,
            confirmed_at=now,
        )
    )
    await session.flush()
    items = [
        EvidenceItem(
            consent_reference=reference,
            key=key,
            evidence_type_code=evidence.get(key) or "population.person",
            registry_code="population",
            status=ItemStatus.delivered,
            fields=dict(SYNTHETIC_VALUE),
            options=[],
            fetched_at=now,
        )
        for key in keys
    ]
    session.add_all(items)
    await session.flush()
    return {i.key: i.id for i in items}
