"""Loading a dossier for an officer action and the checks every action makes first (state,
role, agency, step); the history event each action appends, under the dossier's version check.
A refusal raised here changes nothing."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, NotFound
from motcua.core.process import KeptForGood
from motcua.dossiers import history as dossier_history
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import (
    Dossier,
    DossierState,
)
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject
from motcua.workflow import definitions, practice, repository
from motcua.workflow.definitions import Definition, StepKind
from motcua.workflow.models import (
    ProcessDefinition,
    WorkflowCase,
)
from motcua.workflow.versions import current_definition

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


def who(subject: Subject) -> dict[str, Any]:
    return {
        "officer": subject.username,
        "officer_name": subject.full_name,
        "role": subject.role.value,
        "agency": subject.agency_code,
    }


# --- loading a dossier for an action -------------------------------------------------------------


@dataclass
class Work:
    dossier: Dossier
    case: WorkflowCase
    definition: Definition  # shared between requests on PostgreSQL (``definition_of``): read only
    definition_version: int

    @property
    def step(self) -> definitions.Step:
        return self.definition.steps[self.case.step_index]


async def load_work(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None
) -> Work:
    # SQLite: start as a writer so concurrent actions queue (PostgreSQL: a no-op).
    await dossiers_repository.take_write_lock(session)
    dossier = await repository.readable_by_code(session, subject, code)
    if dossier is None:
        await practice.explain_absence(session, subject, code)
        raise NotFound(f"Không có hồ sơ mã {code} trong cơ quan của bạn.", code="unknown-dossier")
    practice.same_world(dossier, subject)
    if expected_version is not None and dossier.version != expected_version:
        raise changed()
    case = await repository.case_of(session, dossier.id)
    if case is None:  # a dossier filed before the workflow existed: start it now
        case = WorkflowCase(
            dossier_id=dossier.id,
            province_code=dossier.province_code,
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
    definition, version = await definition_of(session, case.definition_id)
    return Work(dossier, case, definition, version)


# Definitions already read, parsed: a definition row never changes (a change is a new version, a
# new row), so the database and id name one definition for good (``KeptForGood``).
_DEFINITIONS: KeptForGood[int, tuple[Definition, int]] = KeptForGood()


async def definition_of(session: AsyncSession, definition_id: int) -> tuple[Definition, int]:
    """A process definition's steps, parsed, and its version number: read and parsed once per
    process on PostgreSQL (every officer's page and action needs them)."""
    found = _DEFINITIONS.get(session, definition_id)
    if found is not None:
        return found
    row = await session.get(ProcessDefinition, definition_id)
    assert row is not None
    parsed = Definition.model_validate({"steps": row.steps}), row.version
    _DEFINITIONS.keep(session, definition_id, parsed)
    return parsed


def ensure_here(work: Work, subject: Subject) -> None:
    if work.case.current_agency_id != subject.agency_id:
        raise Forbidden(
            "Hồ sơ đang ở cơ quan khác; chỉ cơ quan đang giữ hồ sơ mới xử lý được.",
            code="not-at-your-agency",
        )


def ensure_open(work: Work) -> None:
    if not work.case.open or work.dossier.state in CLOSED:
        raise Conflict("Hồ sơ đã kết thúc xử lý.", code="dossier-closed")


def ensure_role(subject: Subject, allowed: frozenset[Role] | set[Role], what: str) -> None:
    if subject.role not in allowed:
        names = ", ".join(ROLE_NAMES.get(r, r.value) for r in sorted(allowed))
        raise Forbidden(f"Việc “{what}” chỉ dành cho: {names}.", code="role-not-allowed")


def ensure_step(work: Work, kinds: set[StepKind], what: str) -> None:
    if work.step.kind not in kinds:
        raise Conflict(
            f"Hồ sơ đang ở bước “{work.step.name or work.step.kind.value}”, chưa thể “{what}”.",
            code="wrong-step",
            step=work.step.kind.value,
        )


def ensure_state(work: Work, allowed: set[DossierState], what: str) -> None:
    if work.dossier.state not in allowed:
        raise Conflict(
            f"Hồ sơ đang ở trạng thái “{dossiers.STATE_NAMES[work.dossier.state]}”, "
            f"không thể “{what}”.",
            code="wrong-state",
            state=work.dossier.state.value,
        )


def changed() -> Conflict:
    return Conflict(
        "Hồ sơ vừa được người khác cập nhật; hãy tải lại rồi thực hiện lại.",
        code="dossier-changed",
    )


async def commit_event(
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
    dossier_history.append(
        session,
        work.dossier,
        actor=officer_actor(subject),
        kind=kind,
        to_state=to_state or work.dossier.state,
        data={
            **who(subject),
            "from_step": {"index": before, "kind": steps[before].kind.value},
            "to_step": {
                "index": work.case.step_index,
                "kind": steps[work.case.step_index].kind.value,
            },
            "definition_version": work.definition_version,
            **(data or {}),
        },
    )
    work.case.step_kind = steps[work.case.step_index].kind.value
    work.case.updated_at = clock.now()
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise changed() from error
    except OperationalError as error:
        # SQLite: a writer whose snapshot is older than another's commit cannot upgrade.
        if session.get_bind().dialect.name != "sqlite":
            raise
        raise changed() from error


def ensure_may_act(work: Work, subject: Subject) -> None:
    ensure_role(subject, {work.step.role}, work.step.name or work.step.kind.value)
    if work.case.assignee_id is not None and work.case.assignee_id != subject.officer_id:
        raise Forbidden(
            "Hồ sơ đang được cán bộ khác xử lý; hãy đề nghị phân công lại.",
            code="assigned-to-another",
        )


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end."""
    calendar = get_calendar()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count
