"""Officer workflow: steps, claim and assignment, forwarding, supplements, refusal, delay,
results. Every action checks state, role, agency and step first; a refusal changes nothing.

Each action appends one event to the dossier's own history (``dossiers.service.append``) with
who, what, and from which step to which; the dossier's version guards concurrent actions.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.repository import conflict_insert
from motcua.core.settings import get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import (
    Dossier,
    DossierItem,
    DossierState,
    ItemSource,
    PaymentState,
    Upload,
)
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject
from motcua.notify import service as notify
from motcua.notify.models import Channel as NotifyChannel
from motcua.units.models import Agency, AgencyLevel
from motcua.workflow import definitions, hooks, repository
from motcua.workflow.definitions import Definition, StepKind, StepLevel
from motcua.workflow.models import (
    ProcessDefinition,
    SupplementRequest,
    Violation,
    WorkflowCase,
    WorkflowVisit,
)
from motcua.workflow.schemas import (
    CaseOut,
    DefinitionOut,
    FileCheckOut,
    QueueItem,
    QueuePage,
    VerifyOut,
    VisitOut,
)

ADMINS = frozenset({Role.agency_admin, Role.system_admin})
ASSIGNERS = frozenset({Role.approver, Role.agency_admin})
REVOKERS = frozenset({Role.approver, Role.agency_admin})
ROLE_NAMES = {
    Role.receiving_officer: "cán bộ một cửa",
    Role.handling_officer: "chuyên viên xử lý",
    Role.approver: "lãnh đạo phê duyệt",
    Role.agency_admin: "quản trị cơ quan",
}
CLOSED = frozenset({DossierState.returned, DossierState.refused, DossierState.withdrawn})


def officer_actor(subject: Subject) -> str:
    """History rows name a 12-character actor; officers are ``CB`` + their id."""
    return f"CB{subject.officer_id:010d}"


def _who(subject: Subject) -> dict[str, Any]:
    return {
        "officer": subject.username,
        "officer_name": subject.full_name,
        "role": subject.role.value,
        "agency": subject.agency_code,
    }


# --- definitions ----------------------------------------------------------------------------------


async def current_definition(
    session: AsyncSession, procedure_code: str, agency_id: int
) -> ProcessDefinition:
    """The agency's own newest version, else the default, written on first use."""
    found = await repository.definition(session, procedure_code, agency_id)
    found = found or await repository.definition(session, procedure_code, 0)
    if found is not None:
        return found
    source = definitions.default_source(procedure_code)
    parsed = definitions.parse(source)
    dialect = session.get_bind().dialect.name
    insert = conflict_insert(dialect)
    # Two first users at once: the unique version key lets one write it, both read it.
    await session.execute(
        insert(ProcessDefinition)
        .values(
            procedure_code=procedure_code,
            agency_key=0,
            version=1,
            source=source,
            steps=[s.model_dump(mode="json") for s in parsed.steps],
            created_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    created = await repository.definition(session, procedure_code, 0)
    assert created is not None
    return created


async def seed_definitions(session: AsyncSession) -> int:
    """A default definition (version 1) for every procedure in the catalog that has none."""
    from motcua.catalog.models import Procedure

    have = await repository.codes_with_default(session)
    codes = [c for c in await session.scalars(select(Procedure.code)) if c not in have]
    now = clock.now()
    for code in codes:
        source = definitions.default_source(code)
        parsed = definitions.parse(source)
        session.add(
            ProcessDefinition(
                procedure_code=code,
                agency_key=0,
                version=1,
                source=source,
                steps=[s.model_dump(mode="json") for s in parsed.steps],
                created_at=now,
            )
        )
    await session.flush()
    return len(codes)


def _definition_out(row: ProcessDefinition) -> DefinitionOut:
    return DefinitionOut(
        procedure_code=row.procedure_code,
        agency_specific=row.agency_key != 0,
        version=row.version,
        source=row.source,
        steps=row.steps,
        created_at=row.created_at,
    )


async def get_definition(
    session: AsyncSession, subject: Subject, procedure_code: str
) -> DefinitionOut:
    await _known_procedure(session, procedure_code)
    return _definition_out(await current_definition(session, procedure_code, subject.agency_id))


async def save_definition(
    session: AsyncSession, subject: Subject, procedure_code: str, source: str
) -> DefinitionOut:
    """An agency administrator writes a new version for their agency; old ones are kept."""
    if subject.role not in ADMINS:
        raise Forbidden("Chỉ quản trị cơ quan được sửa quy trình nội bộ.", code="role-not-allowed")
    await _known_procedure(session, procedure_code)
    parsed = definitions.parse(source)
    latest = await repository.definition(session, procedure_code, subject.agency_id)
    row = ProcessDefinition(
        procedure_code=procedure_code,
        agency_key=subject.agency_id,
        version=(latest.version if latest else 0) + 1,
        source=source,
        steps=[s.model_dump(mode="json") for s in parsed.steps],
        created_at=clock.now(),
        created_by=subject.officer_id,
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "Quy trình vừa được người khác sửa; hãy tải lại rồi lưu lại.",
            code="definition-changed",
        ) from None
    return _definition_out(row)


async def _known_procedure(session: AsyncSession, procedure_code: str) -> None:
    if await catalog_repository.procedure_by_code(session, procedure_code) is None:
        raise NotFound(f"Không có thủ tục mã “{procedure_code}”.", code="unknown-procedure")


# --- loading a dossier for an action -------------------------------------------------------------


@dataclass
class Work:
    dossier: Dossier
    case: WorkflowCase
    definition: Definition
    definition_row: ProcessDefinition

    @property
    def step(self) -> definitions.Step:
        return self.definition.steps[self.case.step_index]


async def _work(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None
) -> Work:
    # SQLite: start as a writer so concurrent actions queue (PostgreSQL: a no-op).
    await dossiers_repository.take_write_lock(session)
    dossier = await repository.readable_by_code(session, subject, code)
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code} trong cơ quan của bạn.", code="unknown-dossier")
    if expected_version is not None and dossier.version != expected_version:
        raise _changed()
    case = await repository.case_of(session, dossier.id)
    if case is None:  # a dossier filed before the workflow existed: start it now
        case = WorkflowCase(
            dossier_id=dossier.id,
            step_index=0,
            step_kind=StepKind.receive.value,
            current_agency_id=dossier.receiving_agency_id,
            open=dossier.state not in CLOSED,
            due_at=dossier.due_at,
            apologised=False,
            updated_at=clock.now(),
        )
        session.add(case)
    if case.definition_id is None:
        row = await current_definition(session, dossier.procedure_code, case.current_agency_id)
        case.definition_id = row.id
    else:
        found = await session.get(ProcessDefinition, case.definition_id)
        assert found is not None
        row = found
    return Work(dossier, case, Definition.model_validate({"steps": row.steps}), row)


def _here(work: Work, subject: Subject) -> None:
    if work.case.current_agency_id != subject.agency_id:
        raise Forbidden(
            "Hồ sơ đang ở cơ quan khác; chỉ cơ quan đang giữ hồ sơ mới xử lý được.",
            code="not-at-your-agency",
        )


def _open(work: Work) -> None:
    if not work.case.open or work.dossier.state in CLOSED:
        raise Conflict("Hồ sơ đã kết thúc xử lý.", code="dossier-closed")


def _role(subject: Subject, allowed: frozenset[Role] | set[Role], what: str) -> None:
    if subject.role not in allowed:
        names = ", ".join(ROLE_NAMES.get(r, r.value) for r in sorted(allowed))
        raise Forbidden(f"Việc “{what}” chỉ dành cho: {names}.", code="role-not-allowed")


def _at_step(work: Work, kinds: set[StepKind], what: str) -> None:
    if work.step.kind not in kinds:
        raise Conflict(
            f"Hồ sơ đang ở bước “{work.step.name or work.step.kind.value}”, chưa thể “{what}”.",
            code="wrong-step",
            step=work.step.kind.value,
        )


def _state(work: Work, allowed: set[DossierState], what: str) -> None:
    if work.dossier.state not in allowed:
        raise Conflict(
            f"Hồ sơ đang ở trạng thái “{dossiers.STATE_NAMES[work.dossier.state]}”, "
            f"không thể “{what}”.",
            code="wrong-state",
            state=work.dossier.state.value,
        )


def _changed() -> Conflict:
    return Conflict(
        "Hồ sơ vừa được người khác cập nhật; hãy tải lại rồi thực hiện lại.",
        code="dossier-changed",
    )


async def _commit_event(
    session: AsyncSession,
    work: Work,
    subject: Subject,
    *,
    kind: str,
    to_state: DossierState | None = None,
    data: dict[str, Any] | None = None,
    from_step: int | None = None,
) -> None:
    """Append the history event (who, what, from which step to which) and flush with the
    optimistic version check; a concurrent winner makes this a 409 ``dossier-changed``."""
    steps = work.definition.steps
    before = work.case.step_index if from_step is None else from_step
    dossiers.append(
        session,
        work.dossier,
        actor=officer_actor(subject),
        kind=kind,
        to_state=to_state or work.dossier.state,
        data={
            **_who(subject),
            "from_step": {"index": before, "kind": steps[before].kind.value},
            "to_step": {
                "index": work.case.step_index,
                "kind": steps[work.case.step_index].kind.value,
            },
            "definition_version": work.definition_row.version,
            **(data or {}),
        },
    )
    work.case.step_kind = steps[work.case.step_index].kind.value
    work.case.updated_at = clock.now()
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise _changed() from error
    except OperationalError as error:
        # SQLite: a writer whose snapshot is older than another's commit cannot upgrade.
        if session.get_bind().dialect.name != "sqlite":
            raise
        raise _changed() from error


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
    now = clock.now()
    page = rows[:limit]
    items = [
        QueueItem(
            code=d.code,
            procedure_code=d.procedure_code,
            procedure_name=d.procedure_name,
            state=d.state,
            step=c.step_kind,
            due_at=c.due_at,
            overdue=c.paused_at is None and c.due_at < now,
            paused=c.paused_at is not None,
            flag=c.flag,
            assignee_id=c.assignee_id,
            version=d.version,
        )
        for c, d in page
    ]
    last = page[-1][0] if len(rows) > limit else None
    return QueuePage(
        items=items,
        next_after_due=last.due_at if last else None,
        next_after_id=last.dossier_id if last else None,
    )


async def case_view(session: AsyncSession, subject: Subject, code: str) -> CaseOut:
    """Everything the officer decides on: the applicant (number masked), every item with its
    content, what was asked and issued, the route, the clock and the history."""
    from motcua.workflow import contents

    work = await _work(session, subject, code, None)
    visits = await repository.visits(session, work.dossier.id)
    agencies = await dossiers_repository.agencies_by_id(session, {v.agency_id for v in visits})
    read = await contents.contents(session, work.dossier, work.case, subject)
    calendar = get_calendar()
    left = None
    if work.case.paused_at is None and work.case.open:
        today = calendar.localise(clock.now()).date()
        due = calendar.localise(work.case.due_at).date()
        left = (
            working_days_between(today, due) if due >= today else -working_days_between(due, today)
        )
    return CaseOut(
        dossier=contents.masked_history(
            dossiers.to_out(work.dossier, agencies[visits[0].agency_id].code)
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


# --- actions --------------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None = None
) -> Work:
    """Take the dossier at its current step (the step's role, at the agency holding it)."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _role(subject, {work.step.role}, "nhận xử lý hồ sơ ở bước này")
    if work.case.assignee_id is not None and work.case.assignee_id != subject.officer_id:
        raise Conflict("Hồ sơ đã có người nhận xử lý.", code="already-claimed")
    work.case.assignee_id = subject.officer_id
    await _commit_event(session, work, subject, kind="claimed")
    return work


async def assign(
    session: AsyncSession,
    subject: Subject,
    code: str,
    username: str,
    expected_version: int | None = None,
) -> Work:
    """A leader or administrator hands the current step to an officer of their agency."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _role(subject, ASSIGNERS, "phân công hồ sơ")
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
    await _commit_event(session, work, subject, kind="assigned", data={"assignee": username})
    return work


def _may_act(work: Work, subject: Subject) -> None:
    _role(subject, {work.step.role}, work.step.name or work.step.kind.value)
    if work.case.assignee_id is not None and work.case.assignee_id != subject.officer_id:
        raise Forbidden(
            "Hồ sơ đang được cán bộ khác xử lý; hãy đề nghị phân công lại.",
            code="assigned-to-another",
        )


async def complete(
    session: AsyncSession,
    subject: Subject,
    code: str,
    note: str = "",
    expected_version: int | None = None,
) -> Work:
    """Finish a receive, assess or approve step and move to the next one."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _at_step(work, {StepKind.receive, StepKind.assess, StepKind.approve}, "hoàn thành bước")
    _state(work, {DossierState.received, DossierState.in_progress}, "hoàn thành bước")
    _may_act(work, subject)
    if work.case.step_index == 0:
        _fee_paid(work)
    before = work.case.step_index
    work.case.step_index += 1
    work.case.assignee_id = None
    if before == 0:
        await _start_visit_share(session, work, 1)
    await _commit_event(
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


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end."""
    calendar = get_calendar()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


async def forward(
    session: AsyncSession,
    subject: Subject,
    code: str,
    agency_code: str,
    expected_version: int | None = None,
) -> Work:
    """Liên thông: hand the dossier to an agency of the next step's level; same code, same
    overall deadline; the receiving agency sees it in its queue at once."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _at_step(work, {StepKind.forward}, "chuyển liên thông")
    _may_act(work, subject)
    target = await _agency(session, agency_code)
    nxt = work.definition.steps[work.case.step_index + 1]
    if nxt.level != StepLevel.receiving and target.level != AgencyLevel(nxt.level.value):
        raise Conflict(
            f"Bước tiếp theo thực hiện ở cấp {nxt.level.value}; "
            f"“{target.name}” là cơ quan cấp {target.level.value}.",
            code="wrong-agency-level",
        )
    if target.id == subject.agency_id:
        raise Conflict("Không chuyển hồ sơ cho chính cơ quan mình.", code="same-agency")
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
            seq=current.seq + 1,
            agency_id=target.id,
            share_days=await _share_days(session, work, work.case.step_index),
            entered_at=now,
        )
    )
    await _commit_event(
        session,
        work,
        subject,
        kind="forwarded",
        data={"to_agency": target.code, "to_agency_name": target.name},
        from_step=before,
    )
    return work


async def _agency(session: AsyncSession, code: str) -> Agency:
    from motcua.units import repository as units

    agency = await units.agency_by_code(session, code)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã “{code}”.", code="unknown-agency")
    return agency


# --- supplement (Mẫu 02) --------------------------------------------------------------------------


class SupplementRefused(Invalid):
    """An attempt to ask for something outside the published list."""


async def request_supplement(
    session: AsyncSession,
    subject: Subject,
    code: str,
    requirement_keys: list[str],
    reason: str = "missing",
    expected_version: int | None = None,
    answer_by: date | None = None,
) -> Work:
    """Ask only for requirements of the dossier's procedure version that no registry already
    satisfied; anything else is refused and written to the violations log. The applicant is
    told which papers, why (one reason of ``SUPPLEMENT_REASONS``: a closed list, so no free text
    can carry a request for another paper) and by which working day to answer (five working days
    from today unless the officer names another)."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _role(subject, {Role.receiving_officer, Role.handling_officer}, "yêu cầu bổ sung hồ sơ")
    _at_step(work, {StepKind.receive, StepKind.assess}, "yêu cầu bổ sung hồ sơ")
    _state(work, {DossierState.received, DossierState.in_progress}, "yêu cầu bổ sung hồ sơ")
    if not requirement_keys:
        raise Invalid("Hãy chọn ít nhất một thành phần cần bổ sung.", code="nothing-requested")
    if reason not in SUPPLEMENT_REASONS:
        raise Invalid("Hãy chọn lý do cần bổ sung trong danh sách.", code="unknown-reason")
    requirements = {
        r.key: r
        for r in await catalog_repository.requirements_of(
            session, work.dossier.procedure_version_id
        )
    }
    from_registry = {
        i.requirement_key for i in work.dossier.items if i.source == ItemSource.registry
    }
    for key in requirement_keys:
        refusal: tuple[str, str] | None = None
        if key not in requirements:
            looks_free = " " in key.strip() or len(key) > 64 or key != key.strip().lower()
            refusal = (
                (
                    "free-text-not-allowed",
                    "Chỉ được chọn thành phần trong danh mục đã công bố, "
                    "không được ghi yêu cầu tự do.",
                )
                if looks_free
                else (
                    "requirement-not-in-procedure",
                    f"“{key}” không phải thành phần hồ sơ của thủ tục "
                    f"{work.dossier.procedure_code} đã công bố.",
                )
            )
        elif key in from_registry:
            refusal = (
                "already-from-registry",
                f"“{requirements[key].name}” đã được lấy từ cơ sở dữ liệu; "
                "không được yêu cầu người dân nộp lại.",
            )
        if refusal is not None:
            await _record_violation(session, subject, work.dossier.code, refusal[0], key)
            raise SupplementRefused(refusal[1], code=refusal[0], requirement=key[:200])
    keys = list(dict.fromkeys(requirement_keys))
    by = _answer_by(answer_by)
    now = clock.now()
    session.add(
        SupplementRequest(
            dossier_id=work.dossier.id,
            officer_id=subject.officer_id,
            requirement_keys=keys,
            note=reason,
            requested_at=now,
            answer_by=by,
        )
    )
    work.case.paused_at = now
    names = [requirements[k].name for k in keys]
    await _commit_event(
        session,
        work,
        subject,
        kind="supplement-requested",
        to_state=DossierState.supplement_requested,
        data={
            "requirements": keys,
            "form": "Mẫu 02",
            "supplement_reason": reason,
            "answer_by": by.isoformat(),
        },
    )
    seq = len(work.dossier.events)
    await tell_applicant(
        session,
        work.dossier,
        f"supplement:{seq}",
        "supplement_requested",
        items=names,
        reason=SUPPLEMENT_REASONS[reason],
        answer_by=f"{by:%d/%m/%Y}",
    )
    return work


SUPPLEMENT_DAYS = 5
# Why papers are asked, in the words the applicant reads; stored by key (in the request's
# ``note``). A closed list: an officer cannot write a request for some other paper into it.
SUPPLEMENT_REASONS = {
    "missing": "Hồ sơ chưa có giấy tờ này.",
    "unreadable": "Bản chụp hoặc bản quét không đọc được rõ.",
    "incomplete": "Giấy tờ thiếu trang, thiếu chữ ký hoặc con dấu.",
    "mismatch": "Thông tin trên giấy tờ không khớp với tờ khai hoặc dữ liệu đã có.",
    "expired": "Giấy tờ đã hết hiệu lực.",
}
SUPPLEMENT_MAX_DAYS = 60


def _answer_by(given: date | None) -> date:
    """A working day after today, within reach; five working days from today by default."""
    calendar = get_calendar()
    today = calendar.localise(clock.now()).date()
    if given is None:
        day = today
        for _ in range(SUPPLEMENT_DAYS):
            day = calendar.next_working_day(day)
        return day
    if given <= today or not calendar.is_working_day(given):
        raise Invalid("Hạn bổ sung phải là một ngày làm việc sau hôm nay.", code="bad-answer-by")
    if given > today + timedelta(days=SUPPLEMENT_MAX_DAYS):
        raise Invalid(
            f"Hạn bổ sung không được quá {SUPPLEMENT_MAX_DAYS} ngày kể từ hôm nay.",
            code="bad-answer-by",
        )
    return given


async def tell_applicant(
    session: AsyncSession, dossier: Dossier, event: str, kind: str, **context: Any
) -> None:
    """One e-mail to the applicant per event (its key makes a repeat a no-op); nothing when the
    dossier has no contact address."""
    if not dossier.contact_email:
        return
    await notify.notify(
        session,
        event_key=f"dossier:{dossier.code}:{event}",
        kind=kind,
        channel=NotifyChannel.email,
        recipient=dossier.contact_email,
        context={
            "name": "Ông/Bà",
            "dossier_code": dossier.code,
            "procedure_name": dossier.procedure_name,
            "tracking_url": f"{get_settings().public_base_url}/tra-cuu",
            "dossier_url": dossier_url(dossier.code),
            **context,
        },
    )


def dossier_url(code: str) -> str:
    """The applicant's own page of the dossier (after the e-ID sign-in), where they answer a
    supplement request and collect the result."""
    return f"{get_settings().public_base_url}/ho-so-cua-toi/{code}"


async def _record_violation(
    session: AsyncSession, subject: Subject, dossier_code: str, code: str, asked: str
) -> None:
    """Written in the caller's transaction, before anything else is: the route commits it
    even though it answers with the refusal (nothing else was written by then)."""
    session.add(
        Violation(
            at=clock.now(),
            code=code,
            officer_id=subject.officer_id,
            agency_id=subject.agency_id,
            dossier_code=dossier_code,
            asked=asked[:2000],
        )
    )
    await session.flush()


async def answer_supplement(
    session: AsyncSession, code: str, person: str, items: Sequence[Mapping[str, Any]]
) -> Dossier:
    """The applicant answers with a file for each paper asked, and nothing else; each file
    becomes an item of the dossier. The clock resumes and the due date moves by the working
    days it was paused (the request's day not counted, the answer's day counted)."""
    await dossiers_repository.take_write_lock(session)
    dossier, _ = await dossiers.for_person(session, code, person)
    if dossier.state != DossierState.supplement_requested:
        raise Conflict("Hồ sơ không chờ bổ sung.", code="wrong-state")
    case = await repository.case_of(session, dossier.id)
    pending = await repository.open_supplement(session, dossier.id)
    assert case is not None and pending is not None and case.paused_at is not None
    names = {
        r.key: r.name
        for r in await catalog_repository.requirements_of(session, dossier.procedure_version_id)
    }
    files = await _answer_files(session, pending, names, person, items)
    now = clock.now()
    calendar = get_calendar()
    paused = working_days_between(
        calendar.localise(case.paused_at).date(), calendar.localise(now).date()
    )
    case.due_at = shift_due(case.due_at, paused)
    case.paused_at = None
    case.flag = None
    pending.answered_at = now
    pending.paused_days = paused
    dossier.due_at = case.due_at
    position = max((i.position for i in dossier.items), default=0)
    added = []
    for key, upload in files:
        position += 1
        added.append(
            DossierItem(
                dossier_id=dossier.id,
                position=position,
                requirement_key=key,
                source=ItemSource.upload,
                upload_id=upload.id,
                sha256=upload.sha256,
            )
        )
    session.add_all(added)
    dossiers.append(
        session,
        dossier,
        actor=person,
        kind="supplement-answered",
        to_state=DossierState.in_progress,
        data={
            "requirements": sorted(k for k, _ in files),
            "items": [
                {"requirement_key": i.requirement_key, "position": i.position} for i in added
            ],
            "paused_working_days": paused,
        },
    )
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise _changed() from error
    dossiers.set_committed(dossier, [*dossier.items, *added], list(dossier.events))
    return dossier


async def _answer_files(
    session: AsyncSession,
    pending: SupplementRequest,
    names: Mapping[str, str],
    person: str,
    items: Sequence[Mapping[str, Any]],
) -> list[tuple[str, Upload]]:
    """(requirement, file) for exactly the papers asked, each with a file the person uploaded;
    otherwise a refusal naming what is missing or not asked."""
    asked = list(pending.requirement_keys)
    given = {str(i.get("requirement_key")): i.get("upload_id") for i in items}
    missing = [k for k in asked if k not in given]
    extra = sorted(set(given) - set(asked))
    if missing or extra:
        raise Invalid(
            "Phần bổ sung phải gồm đúng các giấy tờ đã yêu cầu: "
            + "; ".join(names.get(k, k) for k in asked)
            + ".",
            code="supplement-mismatch",
            missing=missing,
            extra=extra,
        )
    no_file = [k for k in asked if not given[k]]
    if no_file:
        raise Invalid(
            "Hãy gửi kèm tệp cho: " + "; ".join(names.get(k, k) for k in no_file) + ".",
            code="supplement-file-missing",
            missing=no_file,
        )
    uploads = await dossiers_repository.uploads(session, {str(given[k]) for k in asked})
    out: list[tuple[str, Upload]] = []
    for key in asked:
        upload = uploads.get(str(given[key]))
        if upload is None or upload.owner_number != person:
            raise Invalid(
                f"Không tìm thấy tệp đã tải lên cho “{names.get(key, key)}”; hãy tải tệp lên lại.",
                code="unknown-upload",
                requirement=key,
            )
        out.append((key, upload))
    return out


def shift_due(due_at: datetime, working_days: int) -> datetime:
    calendar = get_calendar()
    local = calendar.localise(due_at)
    day = local.date()
    for _ in range(working_days):
        day = calendar.next_working_day(day)
    return datetime.combine(day, local.timetz())


# --- refusal (Mẫu 03) and delay (Mẫu 04) ----------------------------------------------------------


async def refuse(
    session: AsyncSession,
    subject: Subject,
    code: str,
    reason: str,
    expected_version: int | None = None,
) -> Work:
    """Mẫu 03: refuse with a reason (the one-stop officer at receipt, a leader later)."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    allowed = {Role.approver} | (
        {Role.receiving_officer} if work.step.kind == StepKind.receive else set()
    )
    _role(subject, allowed, "từ chối hồ sơ")
    if len(reason.strip()) < 10:
        raise Invalid("Hãy ghi rõ lý do từ chối (ít nhất 10 ký tự).", code="reason-required")
    work.case.open = False
    work.case.paused_at = None
    await _commit_event(
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
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _role(subject, {Role.handling_officer, Role.approver}, "xin lỗi và hẹn lại ngày trả")
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
    await _commit_event(
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


# --- result and return ----------------------------------------------------------------------------


async def sign_result(
    session: AsyncSession,
    subject: Subject,
    code: str,
    summary: str,
    expected_version: int | None = None,
) -> tuple[Work, str]:
    """The sign step: render the result PDF, sign it with the agency's key, store it."""
    from motcua.workflow import results

    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _at_step(work, {StepKind.sign}, "ký kết quả")
    _state(work, {DossierState.in_progress}, "ký kết quả")
    _may_act(work, subject)
    agency = await session.get(Agency, subject.agency_id)
    assert agency is not None
    document = await results.issue(session, work.dossier, agency, summary)
    before = work.case.step_index
    work.case.step_index += 1
    work.case.assignee_id = None
    await _commit_event(
        session,
        work,
        subject,
        kind="result-signed",
        to_state=DossierState.result_ready,
        data={"verify_code": document.verify_code, "sha256": document.sha256},
        from_step=before,
    )
    for hook in hooks.after_result_signed:
        await hook(session, work.dossier)
    await tell_applicant(session, work.dossier, "result", "result_ready")
    return work, document.verify_code


async def hand_back(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None = None
) -> Work:
    """The return step: the result is handed to the applicant; the case closes."""
    work = await _work(session, subject, code, expected_version)
    _open(work)
    _here(work, subject)
    _at_step(work, {StepKind.give_back}, "trả kết quả")
    _state(work, {DossierState.result_ready}, "trả kết quả")
    _may_act(work, subject)
    work.case.open = False
    visits = await repository.visits(session, work.dossier.id)
    visits[-1].left_at = clock.now()
    await _commit_event(session, work, subject, kind="returned", to_state=DossierState.returned)
    return work


async def revoke_result(
    session: AsyncSession,
    subject: Subject,
    code: str,
    reason: str,
    expected_version: int | None = None,
) -> tuple[Work, str]:
    """Thu hồi kết quả: only an approver or administrator of the agency that signed it, with a
    reason; the dossier keeps its state and its history says who revoked it and why. Allowed on
    a closed dossier too: a result is most often revoked after it was handed back."""
    from motcua.workflow import results

    work = await _work(session, subject, code, expected_version)
    _role(subject, REVOKERS, "thu hồi kết quả")
    document = await repository.result_of(session, work.dossier.id)
    if document is None:
        if await repository.latest_result(session, work.dossier.id) is not None:
            raise Conflict("Kết quả của hồ sơ này đã bị thu hồi trước đó.", code="already-revoked")
        raise Conflict("Hồ sơ chưa có kết quả đã ký để thu hồi.", code="no-result")
    if document.agency_id != subject.agency_id:
        raise Forbidden(
            "Chỉ cơ quan đã ký kết quả mới được thu hồi kết quả đó.", code="not-issuing-agency"
        )
    if len(reason.strip()) < 10:
        raise Invalid("Hãy ghi rõ lý do thu hồi (ít nhất 10 ký tự).", code="reason-required")
    await results.revoke(session, document.verify_code, reason.strip())
    await _commit_event(
        session,
        work,
        subject,
        kind="result-revoked",
        data={"verify_code": document.verify_code, "reason": reason.strip()},
    )
    await tell_applicant(
        session,
        work.dossier,
        f"result-revoked:{document.verify_code}",
        "result_revoked",
        reason=reason.strip(),
        verify_url=f"{get_settings().public_base_url}/verify/{document.verify_code}",
    )
    return work, document.verify_code


async def verify(session: AsyncSession, verify_code: str) -> VerifyOut:
    """What a result is, for anyone holding its code: which paper, whose (name masked), who
    signed it and when, and whether it still stands."""
    from motcua.workflow import contents

    document = await repository.result(session, verify_code)
    if document is None:
        raise NotFound("Không có văn bản với mã xác thực này.", code="unknown-result")
    dossier = await session.get(Dossier, document.dossier_id)
    agency = await session.get(Agency, document.agency_id)
    assert dossier is not None and agency is not None
    version = await session.get(ProcedureVersion, dossier.procedure_version_id)
    titles = list(version.result_documents) if version is not None else []
    items = await dossiers_repository.items_of(session, dossier.id)
    return VerifyOut(
        verify_code=document.verify_code,
        dossier_code=dossier.code,
        procedure_name=dossier.procedure_name,
        document_title=titles[0]
        if titles
        else f"Kết quả giải quyết thủ tục {dossier.procedure_name}",
        holder=contents.masked_name(contents.applicant_name(items)),
        agency_name=agency.name,
        signed_by=signer_name(document.signer_subject) or agency.name,
        issued_at=document.issued_at,
        sha256=document.sha256,
        revoked=document.revoked_at is not None,
        revoked_at=document.revoked_at,
        revoked_reason=document.revoked_reason,
    )


async def check_file(session: AsyncSession, verify_code: str, data: bytes) -> FileCheckOut:
    """Is ``data`` the result behind ``verify_code``, byte for byte, with its signature intact
    and made with a key the platform trusts, and not revoked?"""
    from motcua.workflow import results

    await verify(session, verify_code)  # an unknown code is a 404, as for the page
    found = await results.check(session, data)
    same = found.verify_code == verify_code
    return FileCheckOut(
        genuine=found.genuine and same,
        same_document=same,
        signature_intact=found.signature_intact,
        trusted=found.trusted,
        revoked=found.revoked,
    )


def signer_name(subject: str) -> str | None:
    """The certificate's common name from its one-line form (``Common Name: …, Country: VN``)."""
    found = re.search(r"Common Name: (.+?)(?:, [A-Z][A-Za-z ]+: |$)", subject)
    return found.group(1).strip() if found else None
