"""Step transitions: claim, assignment, completing a step, forwarding between agencies
(liên thông) with each agency's share of the working days."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import (
    DossierState,
    PaymentState,
)
from motcua.identity.service import Subject
from motcua.units.models import Agency, AgencyLevel
from motcua.workflow import definitions, repository
from motcua.workflow.definitions import StepKind, StepLevel
from motcua.workflow.models import (
    WorkflowVisit,
)
from motcua.workflow.work import (
    ASSIGNERS,
    Work,
    commit_event,
    ensure_here,
    ensure_may_act,
    ensure_open,
    ensure_role,
    ensure_state,
    ensure_step,
    load_work,
    working_days_between,
)

# --- actions --------------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None = None
) -> Work:
    """Take the dossier at its current step (the step's role, at the agency holding it)."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_role(subject, {work.step.role}, "nhận xử lý hồ sơ ở bước này")
    if work.case.assignee_id is not None and work.case.assignee_id != subject.officer_id:
        raise Conflict("Hồ sơ đã có người nhận xử lý.", code="already-claimed")
    work.case.assignee_id = subject.officer_id
    await commit_event(session, work, subject, kind="claimed")
    return work


async def assign(
    session: AsyncSession,
    subject: Subject,
    code: str,
    username: str,
    expected_version: int | None = None,
) -> Work:
    """A leader or administrator hands the current step to an officer of their agency."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_role(subject, ASSIGNERS, "phân công hồ sơ")
    officer = await repository.officer_in(session, username)
    if officer is None or officer.agency_id != subject.agency_id or not officer.active:
        raise Invalid(
            f"Không có cán bộ “{username}” trong cơ quan của bạn.", code="unknown-officer"
        )
    if officer.role != work.step.role:
        raise Conflict(
            f"Cán bộ “{username}” không có vai trò xử lý bước này.", code="assignee-wrong-role"
        )
    work.case.assignee_id = officer.id
    await commit_event(session, work, subject, kind="assigned", data={"assignee": username})
    return work


async def complete(
    session: AsyncSession,
    subject: Subject,
    code: str,
    note: str = "",
    expected_version: int | None = None,
) -> Work:
    """Finish a receive, assess or approve step and move to the next one."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_step(work, {StepKind.receive, StepKind.assess, StepKind.approve}, "hoàn thành bước")
    ensure_state(work, {DossierState.received, DossierState.in_progress}, "hoàn thành bước")
    ensure_may_act(work, subject)
    if work.case.step_index == 0:
        _fee_paid(work)
    before = work.case.step_index
    work.case.step_index += 1
    work.case.assignee_id = None
    if before == 0:
        await _start_visit_share(session, work, 1)
    await commit_event(
        session,
        work,
        subject,
        kind="step-completed",
        to_state=DossierState.in_progress,
        data={"note": note} if note else None,
        from_step=before,
    )
    return work


def _fee_paid(work: Work) -> None:
    """A dossier with an unpaid fee is not processed past its first step."""
    if work.dossier.payment_state == PaymentState.unpaid:
        raise Conflict(
            "Hồ sơ chưa nộp phí, lệ phí; chỉ xử lý tiếp sau khi thanh toán được xác nhận.",
            code="fee-unpaid",
        )


async def _start_visit_share(session: AsyncSession, work: Work, seq: int) -> None:
    """Give the visit its share of working days (the steps this agency runs until it forwards)."""
    visits = await repository.visits(session, work.dossier.id)
    visit = next((v for v in visits if v.seq == seq), None)
    if visit is not None and visit.share_days is None:
        visit.share_days = await _share_days(session, work, 0)


async def _share_days(session: AsyncSession, work: Work, start: int) -> int:
    version_days = await _processing_days(session, work)
    share = sum(work.definition.steps[i].share for i in definitions.segment(work.definition, start))
    return round(version_days * share / 100)


async def _processing_days(session: AsyncSession, work: Work) -> int:
    calendar = get_calendar()
    cutoff = await catalog_repository.same_day_cutoff(session, work.dossier.procedure_version_id)
    start = calendar.day_zero(work.dossier.received_at, cutoff=cutoff)
    end = calendar.localise(work.dossier.due_at).date()
    return working_days_between(start, end)


async def forward(
    session: AsyncSession,
    subject: Subject,
    code: str,
    agency_code: str,
    expected_version: int | None = None,
) -> Work:
    """Liên thông: hand the dossier to an agency of the next step's level; same code, same
    overall deadline; the receiving agency sees it in its queue at once."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_step(work, {StepKind.forward}, "chuyển liên thông")
    ensure_may_act(work, subject)
    if subject.practice:  # a practice dossier never reaches another agency's real queue
        raise Conflict(
            "Trong chế độ thực hành, hồ sơ không được chuyển sang cơ quan khác.",
            code="practice-no-forward",
        )
    following = work.case.step_index + 1
    steps = work.definition.steps
    nxt = steps[following] if following < len(steps) else None
    found = await forward_targets(
        session, work.dossier.id, nxt.level if nxt else None, subject.agency_id
    )
    if nxt is None or not found.agencies:
        raise Conflict(found.why_none, code="no-forward-target")
    target = await _agency(session, agency_code)
    if nxt.level != StepLevel.receiving and target.level != AgencyLevel(nxt.level.value):
        raise Conflict(
            f"Bước tiếp theo do cơ quan {LEVEL_WORDS[nxt.level]} thực hiện; "
            f"“{target.name}” là cơ quan {LEVEL_WORDS[StepLevel(target.level.value)]}.",
            code="wrong-agency-level",
        )
    if target.id == subject.agency_id:
        raise Conflict("Không chuyển hồ sơ cho chính cơ quan mình.", code="same-agency")
    await _ensure_same_province(session, work.dossier.province_code, target)
    now = clock.now()
    calendar = get_calendar()
    visits = await repository.visits(session, work.dossier.id)
    current = visits[-1]
    current.left_at = now
    current.used_days = working_days_between(
        calendar.localise(current.entered_at).date(), calendar.localise(now).date()
    )
    before = work.case.step_index
    work.case.step_index += 1
    work.case.current_agency_id = target.id
    work.case.assignee_id = None
    session.add(
        WorkflowVisit(
            dossier_id=work.dossier.id,
            province_code=work.dossier.province_code,
            seq=current.seq + 1,
            agency_id=target.id,
            share_days=await _share_days(session, work, work.case.step_index),
            entered_at=now,
        )
    )
    await commit_event(
        session,
        work,
        subject,
        kind="forwarded",
        data={"to_agency": target.code, "to_agency_name": target.name},
        from_step=before,
    )
    return work


# --- where a forward may go -------------------------------------------------------------------

LEVEL_WORDS = {
    StepLevel.ministry: "cấp bộ, ngành",
    StepLevel.province: "cấp tỉnh",
    StepLevel.commune: "cấp xã",
    StepLevel.receiving: "đã tiếp nhận hồ sơ",
}
NO_NEXT_STEP = (
    "Không có cơ quan nào để chuyển hồ sơ đến: quy trình nội bộ của thủ tục này không có bước "
    "nào sau bước chuyển liên thông. Hãy báo quản trị cơ quan sửa quy trình của thủ tục."
)
RECEIVED_HERE = (
    "Không có cơ quan nào để chuyển hồ sơ đến: bước tiếp theo trả hồ sơ về nơi đã tiếp nhận, "
    "mà hồ sơ được tiếp nhận tại chính cơ quan bạn. Hãy báo quản trị cơ quan sửa quy trình "
    "của thủ tục (bỏ bước chuyển này)."
)


@dataclass(frozen=True)
class Targets:
    """The agencies a dossier at a forward step may go to, or why there is none (the words
    the officer reads, with what to do)."""

    agencies: list[Agency] = field(default_factory=list)
    why_none: str = ""


async def forward_targets(
    session: AsyncSession, dossier_id: int, next_level: StepLevel | str | None, here_id: int
) -> Targets:
    """Back to where it was received, or the agencies of the next step's level along the
    dossier's own chain (``repository.forward_candidates``); never the agency holding it."""
    if next_level is None:
        return Targets(why_none=NO_NEXT_STEP)
    level = StepLevel(next_level)
    visits = await repository.visits(session, dossier_id)
    found: list[Agency]
    if level == StepLevel.receiving:
        by_id = await dossiers_repository.agencies_by_id(session, {visits[0].agency_id})
        found = list(by_id.values())
    else:
        near = {v.agency_id for v in visits}
        found = list(await repository.forward_candidates(session, level.value, near))
    agencies = [a for a in found if a.id != here_id]
    if agencies:
        return Targets(agencies)
    if level == StepLevel.receiving:
        return Targets(why_none=RECEIVED_HERE)
    words = LEVEL_WORDS[level]
    return Targets(
        why_none=(
            f"Không có cơ quan nào để chuyển hồ sơ đến: bước tiếp theo do một cơ quan {words} "
            f"giải quyết, nhưng hệ thống chưa có cơ quan {words} nào khác cơ quan bạn. Hãy báo "
            "quản trị hệ thống thêm cơ quan đó, hoặc quản trị cơ quan sửa quy trình của thủ tục."
        )
    )


async def _ensure_same_province(session: AsyncSession, province: str, target: Agency) -> None:
    """A dossier stays with its province's agencies or those above the provinces: an agency
    of another province would not find it in its queue, which reads its own province's
    dossiers (and those received above the provinces)."""
    from motcua.units import repository as units

    there = await units.province_of_agency(session, target.id)
    if province and there and there != province:
        raise Conflict(
            f"Hồ sơ do cơ quan của tỉnh, thành phố khác tiếp nhận; không chuyển sang "
            f"“{target.name}” được. Hãy chuyển cho cơ quan cùng tỉnh, thành phố hoặc cơ quan "
            "trung ương.",
            code="other-province",
        )


async def _agency(session: AsyncSession, code: str) -> Agency:
    from motcua.units import repository as units

    agency = await units.agency_by_code(session, code)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã “{code}”.", code="unknown-agency")
    return agency
