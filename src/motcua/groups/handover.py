"""Between the members of a group: a signed e-result starts the members waiting for it, a
refusal stops them.

The hand-over runs from the outbox after the signature commits: it reads the e-result from the
platform's own e-result store (``ket_qua``, a registry like any other), writes the read to the
access log bound to the group filing, and files the waiting members' dossiers with that result
as their registry evidence. When the store cannot be read (the registry is switched off, or the
result is not there), the members wait "paused" with the reason shown to the applicant, and the
hand-over tries again by itself (``RETRY_AFTER``).
"""

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog.schemas import GroupDoc
from motcua.core import clock, outbox
from motcua.core.calendar import get_calendar
from motcua.core.models import OutboxMessage
from motcua.core.settings import get_settings
from motcua.dossiers.models import Dossier
from motcua.exchange import audit
from motcua.exchange.audit import Access
from motcua.exchange.models import Registry
from motcua.groups import repository, service
from motcua.groups.models import FilingState, GroupEvent, GroupFiling, GroupMember, MemberState
from motcua.notify import service as notify
from motcua.notify.models import Channel as NotifyChannel
from motcua.units.models import Agency
from motcua.workflow import hooks
from motcua.workflow import repository as workflow_repository

HANDOVER = "groups.handover"
RESULT_STORE = "ket_qua"
RETRY_AFTER = timedelta(minutes=5)
PAUSED = (
    "Chưa lấy được kết quả của thủ tục trước từ Kho kết quả điện tử ({why}). Hồ sơ này chưa "
    "bắt đầu; hệ thống tự thử lại sau ít phút, bạn không phải làm gì."
)


class ResultUnavailable(Exception):
    """The e-result could not be read now; the words say why, for the applicant."""


async def tell_applicant(
    session: AsyncSession, filing: GroupFiling, event: str, kind: str, **context: Any
) -> None:
    """One e-mail per event to the address given at filing (none: the group's page says it)."""
    if not filing.contact_email:
        return
    await notify.notify(
        session,
        event_key=f"group:{filing.code}:{event}",
        kind=kind,
        channel=NotifyChannel.email,
        recipient=filing.contact_email,
        context={
            "name": "Ông/Bà",
            "group_code": filing.code,
            "group_name": filing.group_name,
            "group_url": f"{get_settings().public_base_url}/ho-so-lien-thong/{filing.code}",
            **context,
        },
    )


@hooks.on_result_signed
async def _result_signed(session: AsyncSession, dossier: Dossier) -> None:
    member = await repository.member_of_dossier(session, dossier.id)
    if member is None:
        return
    await outbox.enqueue(
        session,
        HANDOVER,
        {"filing_id": member.filing_id, "from": member.key},
        dedupe_key=f"group-handover:{member.filing_id}:{member.key}",
    )


@hooks.on_refused
async def _refused(session: AsyncSession, dossier: Dossier, reason: str) -> None:
    """The members that start from a refused one will not start: they stop, with the reason."""
    member = await repository.member_of_dossier(session, dossier.id)
    if member is None:
        return
    filing = await session.get(GroupFiling, member.filing_id)
    assert filing is not None
    rows = await repository.members(session, filing.id)
    stopped = _after(rows, member.key)
    now = clock.now()
    why = (
        f"Không thực hiện vì hồ sơ “{member.procedure_name}” ({dossier.code}) bị từ chối. "
        f"Lý do: {reason}"
    )
    for row in stopped:
        if row.state in (MemberState.waiting, MemberState.paused):
            row.state, row.reason, row.updated_at = MemberState.stopped, why, now
    filing.state = FilingState.stopped
    filing.reason = f"Hồ sơ “{member.procedure_name}” ({dossier.code}) bị từ chối. Lý do: {reason}"
    session.add(
        GroupEvent(
            filing_id=filing.id,
            at=now,
            kind="refused",
            member_key=member.key,
            data={"reason": reason, "stopped": [r.key for r in stopped]},
        )
    )
    await session.flush()
    if stopped:
        await tell_applicant(
            session,
            filing,
            f"stopped:{member.key}",
            "group_stopped",
            dossier_code=dossier.code,
            procedure_name=member.procedure_name,
            reason=reason,
            stopped="; ".join(r.procedure_name for r in stopped),
        )


def _after(rows: list[GroupMember], key: str) -> list[GroupMember]:
    """Every member that starts, directly or not, from ``key``'s result."""
    found: list[GroupMember] = []
    frontier = {key}
    while frontier:
        nxt = [r for r in rows if r.after_key in frontier and r not in found]
        found.extend(nxt)
        frontier = {r.key for r in nxt}
    return found


@outbox.handles(HANDOVER)
async def handover(session: AsyncSession, payload: dict[str, Any]) -> None:
    filing = await session.get(GroupFiling, int(payload["filing_id"]))
    if filing is None or filing.state == FilingState.stopped:
        return
    rows = await repository.members(session, filing.id)
    source = next((r for r in rows if r.key == payload["from"]), None)
    waiting = [
        r
        for r in rows
        if r.after_key == payload["from"] and r.state in (MemberState.waiting, MemberState.paused)
    ]
    if source is None or source.dossier_id is None or not waiting:
        return
    group = GroupDoc.model_validate(filing.definition)
    docs = {m.key: m for m in group.members}
    today = clock.today()
    for row in waiting:
        member = docs[row.key]
        version = await catalog_repository.current_version(session, member.procedure_code, today)
        assert version is not None
        kind = next(
            r.evidence_type_code
            for r in version.requirements
            if r.key == member.handover_requirement
        )
        assert kind is not None
        try:
            handed = await _read_result(session, filing, source, kind)
        except ResultUnavailable as error:
            await _pause(session, filing, row, str(error), payload)
            continue
        agency = await session.get(Agency, row.agency_id)
        assert agency is not None
        await service.start(session, filing, row, member, version, agency, handed)


async def _read_result(
    session: AsyncSession, filing: GroupFiling, source: GroupMember, kind: str
) -> dict[str, Any]:
    """The source member's signed, valid e-result, read from the store and logged as a read of
    the applicant's data for this group filing."""
    registry = await session.get(Registry, RESULT_STORE)
    if registry is None or not registry.enabled:
        raise ResultUnavailable("Kho kết quả điện tử đang tạm ngừng kết nối")
    found = [
        (document, dossier, agency)
        for document, dossier, agency in await workflow_repository.valid_results(
            session, filing.applicant_number, kind
        )
        if dossier.id == source.dossier_id
    ]
    if not found:
        raise ResultUnavailable("kết quả chưa có trong kho hoặc đã bị thu hồi")
    document, dossier, agency = found[0]
    from motcua.workflow.results import verify_url  # pyHanko loads late, as in the store

    issued = get_calendar().localise(document.issued_at).date().isoformat()
    values = {
        "verify_code": document.verify_code,
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "issuing_agency_code": agency.code,
        "issuing_agency_name": agency.name,
        "issued_date": issued,
        "verify_url": verify_url(document.verify_code),
        "sha256": document.sha256,
    }
    now = clock.now()
    request_hash = hashlib.sha256(
        f"{RESULT_STORE}|{kind}|{filing.applicant_number}|{filing.code}|{document.verify_code}".encode()
    ).hexdigest()
    await audit.append(
        session,
        [
            Access(
                actor_personal_id=filing.actor_number,
                on_behalf_of=(
                    filing.applicant_number
                    if filing.applicant_number != filing.actor_number
                    else None
                ),
                subject_personal_id=filing.applicant_number,
                evidence_type_code=kind,
                purpose=f"group:{filing.code}"[:100],
                outcome="delivered",
                registry_code=RESULT_STORE,
                procedure_code=source.procedure_code,
                request_hash=request_hash,
                fields=tuple(values),
            )
        ],
    )
    return {
        "value": values,
        "evidence": {
            "registry_code": RESULT_STORE,
            "evidence_type_code": kind,
            "fetched_at": now.isoformat(),
            "request_hash": request_hash,
            "subject_role": "applicant",
            "subject_personal_id": filing.applicant_number,
            "consent_reference": None,
            "group_code": filing.code,
            "last_updated": dict.fromkeys(values, issued),
        },
    }


async def _pause(
    session: AsyncSession,
    filing: GroupFiling,
    row: GroupMember,
    why: str,
    payload: dict[str, Any],
) -> None:
    """Shown to the applicant at once; the hand-over is tried again by itself."""
    now = clock.now()
    first = row.state != MemberState.paused
    row.state, row.reason, row.updated_at = MemberState.paused, PAUSED.format(why=why), now
    if first:
        session.add(
            GroupEvent(
                filing_id=filing.id, at=now, kind="paused", member_key=row.key, data={"why": why}
            )
        )
        await tell_applicant(
            session,
            filing,
            f"paused:{row.key}",
            "group_paused",
            procedure_name=row.procedure_name,
            why=why,
        )
    attempt = int(payload.get("attempt", 0)) + 1
    session.add(
        OutboxMessage(
            topic=HANDOVER,
            payload={**payload, "attempt": attempt},
            dedupe_key=f"group-handover:{filing.id}:{payload['from']}:{attempt}",
            created_at=now,
            available_at=now + RETRY_AFTER,
            attempts=0,
        )
    )
    await session.flush()
