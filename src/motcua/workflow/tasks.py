"""Deadline sweeps: flag dossiers due soon or overdue, tell the officers who hold them, and
tell the applicant of an overdue one that has no delay apology yet."""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, outbox
from motcua.core.calendar import get_calendar
from motcua.core.settings import get_settings
from motcua.dossiers.models import Dossier
from motcua.identity import repository as identity_repository
from motcua.identity.models import Officer, Role
from motcua.notify import service as notify
from motcua.notify.models import Channel
from motcua.workflow import repository, service
from motcua.workflow.models import WorkflowCase

SWEEP = "workflow.sweep"
DUE_SOON_WORKING_DAYS = 1
WORKING_ROLES = (Role.receiving_officer, Role.handling_officer, Role.approver)


async def sweep(session: AsyncSession, limit: int = 50_000) -> dict[str, int]:
    """Raise ``due_soon`` / ``overdue`` once per case; an overdue case without an apology
    (Mẫu 04) is flagged ``overdue`` and its applicant is told, once."""
    calendar = get_calendar()
    now = clock.now()
    soon_day = calendar.localise(now).date()
    for _ in range(DUE_SOON_WORKING_DAYS):
        soon_day = calendar.next_working_day(soon_day)
    horizon = calendar.localise(now).replace(
        year=soon_day.year, month=soon_day.month, day=soon_day.day
    ) + timedelta(hours=24)
    counts = {"due_soon": 0, "overdue": 0, "applicants_told": 0, "officers_told": 0}
    flagged = []
    for case, dossier in await repository.due_cases(session, horizon, limit):
        flag = "overdue" if case.due_at < now else "due_soon"
        if not await repository.set_flag(session, case.dossier_id, flag):
            continue
        counts[flag] += 1
        flagged.append((case, dossier, flag))
        if flag == "overdue" and not case.apologised and dossier.contact_email:
            await service.tell_applicant(
                session,
                dossier,
                "overdue",
                "dossier_overdue",
                due_at=calendar.localise(case.due_at).strftime("%d/%m/%Y"),
            )
            counts["applicants_told"] += 1
    counts["officers_told"] = await _tell_officers(session, flagged)
    return counts


async def _tell_officers(
    session: AsyncSession, flagged: list[tuple[WorkflowCase, Dossier, str]]
) -> int:
    """The assignee, or else the agency's officers who work dossiers, by e-mail; once per
    dossier, flag and officer (the event key)."""
    officers = await identity_repository.reachable_officers(
        session, {case.current_agency_id for case, _, _ in flagged}, WORKING_ROLES
    )
    by_agency: dict[int, list[Officer]] = {}
    for officer in officers:
        by_agency.setdefault(officer.agency_id, []).append(officer)
    calendar = get_calendar()
    told = 0
    for case, dossier, flag in flagged:
        staff = by_agency.get(case.current_agency_id, [])
        assigned = [o for o in staff if o.id == case.assignee_id]
        for officer in assigned or staff:
            assert officer.email is not None
            await notify.notify(
                session,
                event_key=f"dossier:{dossier.code}:{flag}:officer:{officer.id}",
                kind="dossier_flagged",
                channel=Channel.email,
                recipient=officer.email,
                context={
                    "name": officer.full_name,
                    "dossier_code": dossier.code,
                    "overdue": flag == "overdue",
                    "due_at": calendar.localise(case.due_at).strftime("%d/%m/%Y %H:%M"),
                    "queue_url": f"{get_settings().public_base_url}/can-bo/ho-so/{dossier.code}",
                },
            )
            told += 1
    return told


@outbox.handles(SWEEP)
async def handle_sweep(session: AsyncSession, payload: dict[str, Any]) -> None:
    await sweep(session)
