"""The access log: append-only, each record chained to the previous by SHA-256.

A record is written with the read it records, in the same transaction and without any lock, so
reads of many applications never queue behind each other. A sealer (``seal``: the app's
background task, the worker, ``motcua audit seal``) then links committed records into the
chain, each with its position, the previous record's hash and its own hash: a canonical JSON of
every field (sorted keys, UTC time in microseconds) including the previous hash, so changing,
removing or reordering any sealed record breaks the chain from that record on; ``verify``
names the first one and counts the records not sealed yet.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
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
    fields: tuple[str, ...] | None = None


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
    if entry.fields is not None:  # records made before reads named their fields hash as they did
        data["fields"] = list(entry.fields)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(entry: AccessLogEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def rows(accesses: list[Access]) -> list[dict[str, Any]]:
    """The records' columns, stamped now; their place in the chain comes when sealed."""
    at = clock.now()
    return [
        {
            **asdict(access),
            "at": at,
            "legal_basis": list(access.legal_basis),
            "fields": None if access.fields is None else list(access.fields),
        }
        for access in accesses
    ]


async def append(session: AsyncSession, accesses: list[Access]) -> list[AccessLogEntry]:
    """Write the records with the caller's transaction, without any lock: they are durable with
    the read they record, and ``seal`` links them into the chain once committed."""
    return await repository.append_entries(session, rows(accesses))


async def seal(session: AsyncSession, batch: int = 5000) -> int:
    """Link the committed, unsealed records into the chain, in the order they are found, under
    the head's lock (held only by sealers, never by a registry read); the caller commits. The
    same idea as X-Road's message log, whose hash chains are built at archiving time."""
    head = await repository.lock_head(session)
    pending = await repository.unsealed(session, batch)
    for entry in pending:
        entry.chain_seq = head.last_seq + 1
        entry.prev_hash = head.last_hash
        entry.hash = digest(entry)
        head.last_seq, head.last_hash = entry.chain_seq, entry.hash
    await session.flush()
    return len(pending)


async def anything_to_seal(session: AsyncSession) -> bool:
    return bool(await repository.unsealed(session, 1))


async def verify(session: AsyncSession) -> ChainReport:
    """Recompute the chain from the genesis; the first position that does not fit is named.
    Records not sealed yet are counted, not judged."""
    previous, count, expected = GENESIS, 0, 1
    async for entry in repository.access_log(session):
        count += 1
        problem = None
        if entry.chain_seq != expected:
            problem = f"bản ghi {expected} bị thiếu"
        elif entry.prev_hash != previous:
            problem = "mã băm của bản ghi trước không khớp"
        elif digest(entry) != entry.hash:
            problem = "nội dung bản ghi đã bị thay đổi"
        if problem:
            return ChainReport(records=count, ok=False, first_broken_seq=expected, problem=problem)
        previous, expected = entry.hash or "", expected + 1
    unsealed = await repository.unsealed_count(session)
    head = await repository.head(session)
    if head is not None and (head.last_seq != count or head.last_hash != previous):
        return ChainReport(
            records=count,
            ok=False,
            first_broken_seq=count + 1,
            problem="cuối chuỗi bị cắt: đầu chuỗi ghi nhận nhiều bản ghi hơn",
            unsealed=unsealed,
        )
    return ChainReport(records=count, ok=True, unsealed=unsealed)
