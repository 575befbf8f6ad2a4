"""Acting for a child: the population registry (CSDLQG về dân cư) must name the actor as the
child's father or mother, and the child must be under 18. The read is purpose-bound and written
to the access log like any other."""

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, identifiers
from motcua.core.errors import DomainError, Invalid
from motcua.core.observability import read_id
from motcua.exchange import audit
from motcua.exchange import repository as exchange_repository
from motcua.exchange.audit import Access
from motcua.exchange.connectors import (
    Fetcher,
    ReadContext,
    RecordIn,
    RegistryUnavailable,
    Target,
    registry_transport,
)

PERSON_EVIDENCE = "population.person"
REPRESENTATION_BASIS = (
    "Bộ luật Dân sự 2015, Điều 136: cha, mẹ là người đại diện theo pháp luật "
    "của con chưa thành niên",
)
ADULT_AGE = 18
RELATIONS = {"father_personal_id": "cha", "mother_personal_id": "mẹ"}


class RepresentationRefused(DomainError):
    """Recorded in the access log before it is refused; callers answer without raising it
    so the record is committed."""

    status_code = 403
    code = "not-a-representative"


class RepresentationUnverifiable(RepresentationRefused):
    status_code = 503
    code = "representation-unverifiable"


@dataclass(frozen=True)
class Representation:
    subject: str
    subject_name: str
    relation: str


def _age(born: str, today: date) -> int | None:
    try:
        birth = date.fromisoformat(born)
    except ValueError:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _request_hash(target: Target, context: ReadContext) -> str:
    body = {
        "registry": target.registry_code,
        "service": target.service_code,
        "evidence_type": PERSON_EVIDENCE,
        "subject": context.subject,
        "purpose": context.purpose,
        "request_id": context.request_id,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _judge(
    records: list[RecordIn], actor: str, today: date
) -> tuple[Representation | None, str | None, str]:
    """(representation, refusal code, outcome of the read) from the child's population record."""
    if not records:
        return None, "subject-not-found", "not_found"
    fields = {k: v.value for k, v in records[0].fields.items()}
    relation = next((name for key, name in RELATIONS.items() if fields.get(key) == actor), None)
    if relation is None:
        return None, "not-a-representative", "delivered"
    age = _age(str(fields.get("date_of_birth") or ""), today)
    if age is None or age >= ADULT_AGE:
        return None, "subject-not-a-minor", "delivered"
    return (
        Representation(records[0].id, str(fields.get("full_name") or ""), relation),
        None,
        "delivered",
    )


REFUSALS = {
    "subject-not-found": "Cơ sở dữ liệu quốc gia về dân cư không có người mang số định danh này.",
    "not-a-representative": (
        "Theo Cơ sở dữ liệu quốc gia về dân cư, bạn không phải cha hoặc mẹ của người này, "
        "nên không thể làm thủ tục thay. Người đại diện theo ủy quyền cần văn bản ủy quyền "
        "nộp tại Bộ phận Một cửa."
    ),
    "subject-not-a-minor": (
        "Người này đã đủ 18 tuổi: cha, mẹ không còn là người đại diện theo pháp luật. "
        "Người này cần tự đăng nhập, hoặc ủy quyền bằng văn bản."
    ),
    "representation-unverifiable": (
        "Chưa kiểm tra được quan hệ với Cơ sở dữ liệu quốc gia về dân cư. Vui lòng thử lại sau."
    ),
}


async def verify(
    session: AsyncSession, actor: str, subject: str, *, fetcher: Fetcher | None = None
) -> Representation:
    """Read the child's record from the population registry and check the actor is a parent.
    Raises ``RepresentationRefused`` (after logging the read) when it is not so."""
    actor = identifiers.parse(actor).value
    subject = identifiers.parse(subject).value
    if actor == subject:
        raise Invalid("Bạn đang làm thủ tục cho chính mình.", code="representation-self")
    served = (await exchange_repository.services_for(session, [PERSON_EVIDENCE])).get(
        PERSON_EVIDENCE
    )
    purpose_id = str(uuid.uuid4())
    base = Access(
        actor_personal_id=actor,
        subject_personal_id=subject,
        on_behalf_of=subject,
        evidence_type_code=PERSON_EVIDENCE,
        purpose=f"representation:{purpose_id}",
        outcome="unavailable",
        legal_basis=REPRESENTATION_BASIS,
    )
    if served is None or not served[1].enabled:
        await audit.append(session, [_with(base, reason="registry-disabled")])
        raise RepresentationUnverifiable(REFUSALS["representation-unverifiable"])
    service, registry = served
    target = Target.of(registry, service)
    context = ReadContext(
        subject=subject,
        actor=actor,
        application_id=purpose_id,
        purpose=f"representation:{purpose_id}",
        legal_basis=REPRESENTATION_BASIS,
        consent_reference="",
        request_id=read_id(),
    )
    request_hash = _request_hash(target, context)
    base = _with(base, registry_code=registry.code, request_hash=request_hash)
    try:
        if fetcher is not None:
            records = await fetcher.read(target, context)
        else:
            records = await Fetcher(registry_transport()).read(target, context)
    except RegistryUnavailable as error:
        await audit.append(session, [_with(base, reason=error.reason)])
        raise RepresentationUnverifiable(REFUSALS["representation-unverifiable"]) from error
    found, refusal, outcome = _judge(records, actor, clock.today())
    await audit.append(session, [_with(base, outcome=outcome, reason=refusal)])
    if found is None:
        assert refusal is not None
        raise RepresentationRefused(REFUSALS[refusal], code=refusal)
    return found


def _with(access: Access, **changes: Any) -> Access:
    return Access(**{**asdict(access), **changes})
