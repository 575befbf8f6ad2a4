"""Refusal (Mẫu 03) and delay with an apology and a new date (Mẫu 04)."""

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.calendar import get_calendar
from motcua.core.errors import Invalid
from motcua.core.settings import get_settings
from motcua.dossiers.models import (
    DossierState,
)
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.workflow import hooks
from motcua.workflow.definitions import StepKind
from motcua.workflow.notices import tell_applicant
from motcua.workflow.work import (
    Work,
    commit_event,
    ensure_here,
    ensure_open,
    ensure_role,
    ensure_state,
    load_work,
)

# Refusing and putting off the date are decisions taken before the result: once a result is
# signed (the dossier "result_ready"), the dossier is decided; a wrong result is revoked.
UNDECIDED = {DossierState.received, DossierState.in_progress, DossierState.supplement_requested}

# --- refusal (Mẫu 03) and delay (Mẫu 04) ----------------------------------------------------------


async def refuse(
    session: AsyncSession,
    subject: Subject,
    code: str,
    reason: str,
    expected_version: int | None = None,
) -> Work:
    """Mẫu 03: refuse with a reason (the one-stop officer at receipt, a leader later)."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    allowed = {Role.approver} | (
        {Role.receiving_officer} if work.step.kind == StepKind.receive else set()
    )
    ensure_role(subject, allowed, "từ chối hồ sơ")
    ensure_state(work, UNDECIDED, "từ chối hồ sơ")
    if len(reason.strip()) < 10:
        raise Invalid("Hãy ghi rõ lý do từ chối (ít nhất 10 ký tự).", code="reason-required")
    work.case.open = False
    work.case.paused_at = None
    await commit_event(
        session,
        work,
        subject,
        kind="refused",
        to_state=DossierState.refused,
        data={"reason": reason.strip(), "form": "Mẫu 03"},
    )
    for hook in hooks.after_refused:
        await hook(session, work.dossier, reason.strip())
    return work


async def apologise(
    session: AsyncSession,
    subject: Subject,
    code: str,
    reason: str,
    new_due: date,
    expected_version: int | None = None,
) -> Work:
    """Mẫu 04: an officer who cannot meet the date apologises with a reason and a new date,
    sent to the applicant; the queue's due date becomes the new one."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_role(subject, {Role.handling_officer, Role.approver}, "xin lỗi và hẹn lại ngày trả")
    ensure_state(work, UNDECIDED, "xin lỗi và hẹn lại ngày trả")
    calendar = get_calendar()
    if len(reason.strip()) < 10:
        raise Invalid("Hãy ghi rõ lý do chậm (ít nhất 10 ký tự).", code="reason-required")
    if new_due <= calendar.localise(work.case.due_at).date() or not calendar.is_working_day(
        new_due
    ):
        raise Invalid(
            "Ngày hẹn mới phải là ngày làm việc sau ngày hẹn hiện tại.", code="bad-new-date"
        )
    previous = work.case.due_at
    work.case.due_at = datetime.combine(
        new_due, get_settings().office_closes_at, tzinfo=calendar.timezone
    )
    work.case.apologised = True
    work.case.flag = None
    await commit_event(
        session,
        work,
        subject,
        kind="delay-apology",
        data={
            "reason": reason.strip(),
            "previous_due_at": previous.isoformat(),
            "new_due_at": work.case.due_at.isoformat(),
            "form": "Mẫu 04",
        },
    )
    await tell_applicant(
        session,
        work.dossier,
        f"apology:{len(work.dossier.events)}",
        "dossier_delayed",
        reason=reason.strip(),
        new_due_at=f"{new_due:%d/%m/%Y}",
    )
    return work
