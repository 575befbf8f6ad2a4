"""The officer's queue and the full view of one dossier they decide on."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import Requirement
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.dossiers import reading as dossier_reading
from motcua.identity.service import Subject
from motcua.workflow import repository
from motcua.workflow.schemas import (
    CaseOut,
    QueueItem,
    QueuePage,
    VisitOut,
)
from motcua.workflow.work import Work, load_work, working_days_between

# --- queue and view -------------------------------------------------------------------------------


async def queue(
    session: AsyncSession,
    subject: Subject,
    *,
    after_due: datetime | None = None,
    after_id: int | None = None,
    limit: int = 50,
    mine: bool = False,
) -> QueuePage:
    after = (after_due, after_id) if after_due is not None and after_id is not None else None
    rows = await repository.queue(session, subject, after=after, limit=limit + 1, mine=mine)
    items, last = queue_items(rows, limit, clock.now())
    return QueuePage(
        items=items,
        next_after_due=last.due_at if last else None,
        next_after_id=last.dossier_id if last else None,
    )


def queue_items(
    rows: Sequence[repository.QueueRow], limit: int, now: datetime
) -> tuple[list[QueueItem], repository.QueueRow | None]:
    """A queue page's items from ``repository.queue``'s rows (read one more than ``limit``),
    and the row the next page starts after, when there is one (the API and the page alike)."""
    page = rows[:limit]
    items = [
        QueueItem(
            code=r.code,
            procedure_code=r.procedure_code,
            procedure_name=r.procedure_name,
            state=r.state,
            step=r.step_kind,
            due_at=r.due_at,
            overdue=r.paused_at is None and r.due_at < now,
            paused=r.paused_at is not None,
            flag=r.flag,
            assignee_id=r.assignee_id,
            version=r.version,
        )
        for r in page
    ]
    return items, page[-1] if len(rows) > limit else None


async def case_view(session: AsyncSession, subject: Subject, code: str) -> CaseOut:
    """Everything the officer decides on: the applicant (number masked), every item with its
    content, what was asked and issued, the route, the clock and the history."""
    return (await case_read(session, subject, code)).view


@dataclass(frozen=True)
class CaseRead:
    """The view and what it was built from, so the officer's page adds its own context
    without reading the dossier and the version's requirements a second time."""

    view: CaseOut
    work: Work
    requirements: Sequence[Requirement]


async def case_read(session: AsyncSession, subject: Subject, code: str) -> CaseRead:
    from motcua.workflow import contents

    work = await load_work(session, subject, code, None)
    rows = await repository.visits_with_agencies(session, work.dossier.id)
    visits = [visit for visit, _ in rows]
    agencies = {agency.id: agency for _, agency in rows}
    requirements = await catalog_repository.requirements_of(
        session, work.dossier.procedure_version_id
    )
    read = await contents.contents(session, work.dossier, work.case, subject, requirements)
    calendar = get_calendar()
    left = None
    if work.case.paused_at is None and work.case.open:
        today = calendar.localise(clock.now()).date()
        due = calendar.localise(work.case.due_at).date()
        left = (
            working_days_between(today, due) if due >= today else -working_days_between(due, today)
        )
    view = CaseOut(
        dossier=contents.masked_history(
            dossier_reading.to_out(work.dossier, agencies[visits[0].agency_id].code)
        ),
        applicant=read.applicant,
        contents=read.items,
        supplements=read.supplements,
        result=read.result,
        disclosures=read.disclosures,
        working_days_left=left,
        version=work.dossier.version,
        step_index=work.case.step_index,
        step=work.step.model_dump(mode="json"),
        steps=[s.model_dump(mode="json") for s in work.definition.steps],
        current_agency=next(
            (a.code for a in agencies.values() if a.id == work.case.current_agency_id), ""
        ),
        assignee_id=work.case.assignee_id,
        due_at=work.case.due_at,
        paused=work.case.paused_at is not None,
        flag=work.case.flag,
        apologised=work.case.apologised,
        visits=[
            VisitOut(
                agency_code=agencies[v.agency_id].code,
                agency_name=agencies[v.agency_id].name,
                entered_at=v.entered_at,
                left_at=v.left_at,
                share_days=v.share_days,
                used_days=v.used_days,
            )
            for v in visits
        ],
    )
    return CaseRead(view, work, requirements)
