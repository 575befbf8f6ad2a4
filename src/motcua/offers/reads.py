"""Reads of a registry on behalf of an event (whom to offer, what the registries say the
person may claim): each one logged like any other read, bound to the event or the offer."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange import audit
from motcua.exchange import repository as exchange_repository
from motcua.exchange.audit import Access
from motcua.exchange.connectors import (
    Fetcher,
    ReadContext,
    RegistryUnavailable,
    Target,
    registry_transport,
)


class Deferred(Exception):
    """Whom to offer cannot be found out now; the event is read again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def read(
    session: AsyncSession,
    person: str,
    fields: tuple[str, ...],
    purpose: str,
    fetcher: Fetcher | None,
    evidence_type: str = "population.person",
) -> dict[str, Any] | None:
    """One read of a person's record for an event (by default their population record),
    logged; ``Deferred`` when the registry does not answer. The first record when several."""
    served = await exchange_repository.services_for(session, [evidence_type])
    service, registry = served.get(evidence_type, (None, None))
    if service is None or registry is None or not registry.enabled:
        raise Deferred("registry-disabled")
    target = Target.of(registry, service, fields)
    context = ReadContext(
        subject=person,
        actor=person,
        application_id=purpose,
        purpose=purpose,
        legal_basis=(LEGAL_BASIS,),
        consent_reference="",
        request_id=str(uuid.uuid4()),
    )
    found: dict[str, Any] | None = None
    reason = None
    try:
        records = await (fetcher or Fetcher(registry_transport())).read(target, context)
    except RegistryUnavailable as error:
        outcome, reason = "unavailable", error.reason
    else:
        found = {k: v.value for k, v in records[0].fields.items()} if records else None
        outcome = "delivered" if found else "not_found"
    await audit.append(
        session,
        [
            Access(
                actor_personal_id=person,
                subject_personal_id=person,
                evidence_type_code=evidence_type,
                purpose=purpose,
                outcome=outcome,
                registry_code=registry.code,
                legal_basis=(LEGAL_BASIS,),
                reason=reason,
                fields=fields,
            )
        ],
    )
    if outcome == "unavailable":
        raise Deferred(reason or "unavailable")
    return found


LEGAL_BASIS = (
    "Nghị định 45/2020/NĐ-CP, Điều 4: cơ quan chủ động cung cấp dịch vụ công trên cơ sở dữ "
    "liệu sẵn có; đề nghị chỉ được nộp khi người dân xác nhận."
)
