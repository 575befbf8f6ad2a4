"""The access log: append-only, each record chained to the previous by SHA-256.

A record's hash covers a canonical JSON of every field (sorted keys, UTC time in microseconds)
including the previous hash, so changing, removing or reordering any record breaks the chain
from that record on; ``verify`` names the first one.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.exchange import repository
from motcua.exchange.models import AccessLogEntry
from motcua.exchange.schemas import ChainReport

GENESIS = "0" * 64


@dataclass(frozen=True)
class Access:
    """One read or refused read, before it gets its place in the chain."""

    actor_personal_id: str
    subject_personal_id: str
    evidence_type_code: str
    purpose: str
    outcome: str
    on_behalf_of: str | None = None
    agency_code: str | None = None
    registry_code: str | None = None
    procedure_code: str | None = None
    legal_basis: tuple[str, ...] = ()
    consent_reference: str | None = None
    reason: str | None = None
    request_hash: str | None = None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: AccessLogEntry) -> bytes:
    data: dict[str, Any] = {
        "seq": entry.seq,
        "at": _utc(entry.at),
        "actor_personal_id": entry.actor_personal_id,
        "on_behalf_of": entry.on_behalf_of,
        "subject_personal_id": entry.subject_personal_id,
        "agency_code": entry.agency_code,
        "registry_code": entry.registry_code,
        "evidence_type_code": entry.evidence_type_code,
        "purpose": entry.purpose,
        "procedure_code": entry.procedure_code,
        "legal_basis": list(entry.legal_basis),
        "consent_reference": entry.consent_reference,
        "outcome": entry.outcome,
        "reason": entry.reason,
        "request_hash": entry.request_hash,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(entry: AccessLogEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


async def append(session: AsyncSession, accesses: list[Access]) -> list[AccessLogEntry]:
    """Append in order under the head lock; flushed with the caller's transaction."""
    if not accesses:
        return []
    # The head stays locked until the caller commits: write what the caller has pending first,
    # so that only the log records themselves are written under the lock.
    await session.flush()
    head = await repository.lock_head(session)
    at = clock.now()
    written = []
    for access in accesses:
        entry = AccessLogEntry(
            seq=head.last_seq + 1,
            at=at,
            actor_personal_id=access.actor_personal_id,
            on_behalf_of=access.on_behalf_of,
            subject_personal_id=access.subject_personal_id,
            agency_code=access.agency_code,
            registry_code=access.registry_code,
            evidence_type_code=access.evidence_type_code,
            purpose=access.purpose,
            procedure_code=access.procedure_code,
            legal_basis=list(access.legal_basis),
            consent_reference=access.consent_reference,
            outcome=access.outcome,
            reason=access.reason,
            request_hash=access.request_hash,
            prev_hash=head.last_hash,
        )
        entry.hash = digest(entry)
        session.add(entry)
        head.last_seq, head.last_hash = entry.seq, entry.hash
        written.append(entry)
    await session.flush()
    return written


async def verify(session: AsyncSession) -> ChainReport:
    """Recompute the chain from the genesis; the first record that does not fit is named."""
    previous, count, expected_seq = GENESIS, 0, 1
    async for entry in repository.access_log(session):
        count += 1
        problem = None
        if entry.seq != expected_seq:
            problem = f"bản ghi {expected_seq} bị thiếu"
        elif entry.prev_hash != previous:
            problem = "mã băm của bản ghi trước không khớp"
        elif digest(entry) != entry.hash:
            problem = "nội dung bản ghi đã bị thay đổi"
        if problem:
            return ChainReport(
                records=count, ok=False, first_broken_seq=expected_seq, problem=problem
            )
        previous, expected_seq = entry.hash, expected_seq + 1
    head = await repository.head(session)
    if head is not None and (head.last_seq != count or head.last_hash != previous):
        return ChainReport(
            records=count,
            ok=False,
            first_broken_seq=count + 1,
            problem="cuối chuỗi bị cắt: đầu chuỗi ghi nhận nhiều bản ghi hơn",
        )
    return ChainReport(records=count, ok=True)
