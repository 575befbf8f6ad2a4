"""Reading dossiers: for the applicant or whoever filed them, public tracking by code and
secret, and the receipt slip."""

import asyncio
import hmac
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion
from motcua.core import partitions
from motcua.core.errors import NotFound
from motcua.dossiers import repository
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.schemas import (
    DossierOut,
    DossierPage,
    DossierSummary,
    EventOut,
    ItemOut,
    TrackingStep,
    TrackingView,
)
from motcua.dossiers.service import hash_secret, require_person, secret_of
from motcua.units.models import Agency


async def for_person(session: AsyncSession, code: str, person: str) -> tuple[Dossier, Agency]:
    """The applicant, or whoever filed it (the officer at the counter), sees the dossier;
    anyone else gets the same answer as for a code that does not exist."""
    person = require_person(person)
    dossier = await repository.by_code(session, code)
    if dossier is None or person not in (dossier.applicant_number, dossier.actor_number):
        raise NotFound(f"Không có hồ sơ mã {code} của bạn.", code="unknown-dossier")
    agencies = await repository.agencies_by_id(session, {dossier.receiving_agency_id})
    return dossier, agencies[dossier.receiving_agency_id]


async def view(session: AsyncSession, code: str, person: str) -> DossierOut:
    dossier, agency = await for_person(session, code, person)
    await history_kept(session, dossier)
    return to_out(dossier, agency.code)


async def history_kept(session: AsyncSession, dossier: Dossier) -> None:
    """A dossier whose first months of history went to the archive says so (410) instead of
    showing a history with its beginning missing."""
    events = sorted(dossier.events, key=lambda e: e.seq)
    if not events or events[0].seq != 1:
        await partitions.refuse_if_archived(session, dossier.code, dossier.received_at)


async def view_with_secret(
    session: AsyncSession, code: str, person: str
) -> tuple[DossierOut, str | None]:
    """The dossier and the tracking secret its receipt shows, from one lookup."""
    dossier, agency = await for_person(session, code, person)
    return to_out(dossier, agency.code), secret_of(dossier)


def to_summary(dossier: Dossier, agency_code: str) -> DossierSummary:
    return DossierSummary(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        receiving_agency=agency_code,
        channel=dossier.channel,
        state=dossier.state,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        payment_state=dossier.payment_state,
    )


def to_out(dossier: Dossier, agency_code: str) -> DossierOut:
    return DossierOut(
        **to_summary(dossier, agency_code).model_dump(),
        applicant=dossier.applicant_number,
        actor=dossier.actor_number,
        on_behalf=dossier.on_behalf,
        fee_vnd=dossier.fee_vnd,
        items=[ItemOut.model_validate(i) for i in dossier.items],
        history=[
            EventOut(
                seq=e.seq,
                at=e.at,
                actor=e.actor_number,
                kind=e.kind,
                from_state=e.from_state,
                to_state=e.to_state,
                data=e.data,
            )
            for e in dossier.events
        ],
    )


async def mine(
    session: AsyncSession, person: str, before: datetime | None = None, limit: int = 20
) -> DossierPage:
    person = require_person(person)
    rows = await repository.of_person(session, person, before, limit + 1)
    agencies = await repository.agencies_by_id(session, {d.receiving_agency_id for d in rows})
    page = rows[:limit]
    return DossierPage(
        items=[to_summary(d, agencies[d.receiving_agency_id].code) for d in page],
        next_before=page[-1].received_at if len(rows) > limit else None,
    )


async def track(session: AsyncSession, code: str, secret: str) -> TrackingView:
    """Public tracking: a wrong code and a wrong secret get the same answer."""
    dossier = await repository.plain_by_code(session, code.strip())
    if dossier is not None and dossier.practice:
        raise NotFound(
            "Mã này là mã hồ sơ thực hành của cán bộ (dữ liệu mẫu), không phải hồ sơ của người "
            "dân; hãy nhập mã hồ sơ ghi trên giấy tiếp nhận.",
            code="practice-dossier",
        )
    if dossier is None or not hmac.compare_digest(
        hash_secret(dossier.tracking_salt, secret), dossier.secret_hash
    ):
        raise NotFound(
            "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này; hãy kiểm tra lại giấy tiếp nhận.",
            code="tracking-not-found",
        )
    events = await repository.events_of(session, dossier.id)
    if not events or events[0].seq != 1:  # its first months' history may be in the archive
        await partitions.refuse_if_archived(session, dossier.code, dossier.received_at)
    return TrackingView(
        code=dossier.code,
        procedure_name=dossier.procedure_name,
        state=dossier.state,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        steps=_state_changes(events),
    )


async def receipt(session: AsyncSession, code: str, person: str) -> bytes:
    """Mẫu 01 as PDF for the applicant or whoever filed the dossier (any channel)."""
    from motcua.dossiers import receipt as slip

    dossier, agency = await for_person(session, code, person)
    version = await session.get(ProcedureVersion, dossier.procedure_version_id)
    assert version is not None
    requirements = list(await catalog_repository.requirements_of(session, version.id))
    return await asyncio.to_thread(
        slip.render,
        dossier,
        agency,
        requirements,
        secret_of(dossier),
        version.processing_days,
    )


def _state_changes(events: Sequence[DossierEvent]) -> list[TrackingStep]:
    """The public timeline: when the state changed (an officer's steps inside one state, a
    claim, a forward, are the agency's own work and would repeat the same words)."""
    steps: list[TrackingStep] = []
    for event in events:
        if not steps or steps[-1].state != event.to_state:
            steps.append(TrackingStep(at=event.at, state=event.to_state))
    return steps
