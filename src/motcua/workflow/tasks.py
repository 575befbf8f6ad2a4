"""Deadline sweeps: flag dossiers due soon or overdue; tell the applicant of an overdue one
that has no delay apology yet (the officers see the flag at the top of their queue)."""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, outbox
from motcua.core.calendar import get_calendar
from motcua.core.settings import get_settings
from motcua.notify import service as notify
from motcua.notify.models import Channel
from motcua.workflow import repository

SWEEP = "workflow.sweep"
DUE_SOON_WORKING_DAYS = 1


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
    counts = {"due_soon": 0, "overdue": 0, "applicants_told": 0}
    for case, dossier in await repository.due_cases(session, horizon, limit):
        flag = "overdue" if case.due_at < now else "due_soon"
        if not await repository.set_flag(session, case.dossier_id, flag):
            continue
        counts[flag] += 1
        if flag == "overdue" and not case.apologised and dossier.contact_email:
            await notify.notify(
                session,
                event_key=f"dossier:{dossier.code}:overdue",
                kind="dossier_overdue",
                channel=Channel.email,
                recipient=dossier.contact_email,
                context={
                    "name": "Ông/Bà",
                    "dossier_code": dossier.code,
                    "due_at": calendar.localise(case.due_at).strftime("%d/%m/%Y"),
                    "tracking_url": f"{get_settings().public_base_url}/tra-cuu",
                },
            )
            counts["applicants_told"] += 1
    return counts


@outbox.handles(SWEEP)
async def handle_sweep(session: AsyncSession, payload: dict[str, Any]) -> None:
    await sweep(session)
