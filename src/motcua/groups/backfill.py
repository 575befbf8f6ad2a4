"""Claims for the birth and death registrations filed before the duplicate guard existed
(``registration_claims``, migration 0019): ``motcua groups backfill-claims``.

Every dossier registering a birth or a death (birth registration 1.001193, death registration
0.000010, and the groups 0.000015 and 1.011537 when they were filed as one dossier) that is
still open or finished (not refused, not withdrawn; practice dossiers are sample data and are
left out) is claimed as a new filing would claim it: the group's registration member under its
group's code, read from the group's reads and combined declaration; a single dossier from its
registry items and its declaration. Oldest first, so the first registration keeps the event.

Idempotent: a dossier that already holds its claim is counted, not written again. Two old
dossiers registering the same event are reported (the later one's code, the one holding the
claim), never raised: the command is run on a living platform and settles what it can.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from motcua.dossiers import duplicates
from motcua.dossiers.models import Dossier, ItemSource, RegistrationClaim
from motcua.groups.models import GroupFiling, GroupMember


@dataclass(frozen=True)
class Clash:
    """Two old dossiers registering the same birth or death."""

    event: str  # "birth" or "death"
    dossier_code: str  # the later one, left unclaimed
    held_by: str  # the code shown for the one holding the claim


@dataclass
class Backfilled:
    claimed: int = 0  # claims written now
    already: int = 0  # dossiers that held their claim before
    unkeyed: int = 0  # registrations whose child or deceased cannot be told (no name, date…)
    clashes: list[Clash] = field(default_factory=list)


def _of_dossier(dossier: Dossier) -> duplicates.Identity | None:
    """A single dossier's identity, from what it stored as ``dossiers.submit`` claims it."""
    declared: dict[str, Any] = {}
    reads: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    for item in sorted(dossier.items, key=lambda i: i.position):
        if item.source == ItemSource.registry:
            reads.append((item.value or {}, item.evidence or {}))
        elif item.value:
            declared.update(item.value)
    return duplicates.identity_of(dossier.procedure_code, reads, declared, dossier.applicant_number)


def _of_filing(filing: GroupFiling) -> duplicates.Identity | None:
    """A group's identity, from its reads and combined declaration as ``file_group`` claims it."""
    procedure = str(filing.definition.get("procedure_code") or "")
    reads = [
        ((r or {}).get("value") or {}, (r or {}).get("evidence") or {})
        for r in (filing.reads or {}).values()
    ]
    return duplicates.identity_of(
        procedure, reads, filing.declaration or {}, filing.applicant_number
    )


async def backfill_claims(session: AsyncSession) -> Backfilled:
    """Claim every open or finished birth and death registration; the caller commits."""
    out = Backfilled()
    procedures = duplicates.BIRTH_PROCEDURES | duplicates.DEATH_PROCEDURES
    rows = await session.scalars(
        select(Dossier)
        .where(
            Dossier.procedure_code.in_(procedures),
            Dossier.state.not_in(duplicates.OVER),
            Dossier.practice.is_(False),
        )
        .options(selectinload(Dossier.items))
        .order_by(Dossier.received_at, Dossier.id)
    )
    found = list(rows)
    groups = {
        member.dossier_id: filing
        for member, filing in await session.execute(
            select(GroupMember, GroupFiling)
            .join(GroupFiling, GroupFiling.id == GroupMember.filing_id)
            .where(GroupMember.dossier_id.in_([d.id for d in found]))
        )
    }
    for dossier in found:
        filing = groups.get(dossier.id)
        identity = _of_filing(filing) if filing is not None else _of_dossier(dossier)
        if identity is None:
            out.unkeyed += 1
            continue
        held = list(
            await session.scalars(
                select(RegistrationClaim.dossier_code).where(
                    RegistrationClaim.key.in_(identity.keys)
                )
            )
        )
        if held and all(code == dossier.code for code in held) and len(held) == len(identity.keys):
            out.already += 1
            continue
        shown = filing.code if filing is not None else None
        try:
            async with session.begin_nested():
                await duplicates.claim(session, identity, dossier.code, shown)
        except duplicates.DuplicateRegistration as clash:
            out.clashes.append(Clash(identity.event, dossier.code, clash.existing))
            continue
        out.claimed += 1
    return out
