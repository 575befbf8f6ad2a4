"""Supplement requests (Mẫu 02): only papers of the published list that no registry already
satisfied; anything else is refused and recorded. The applicant's answer (files, and a typed
declaration typed again: ``corrections``) resumes the clock."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from motcua.applications.schemas import FormItem
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import Requirement
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid
from motcua.dossiers import history as dossier_history
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import (
    Dossier,
    DossierItem,
    DossierState,
    ItemSource,
    Upload,
)
from motcua.dossiers.schemas import Problem
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.workflow import corrections, repository
from motcua.workflow.definitions import StepKind
from motcua.workflow.models import (
    SupplementRequest,
    Violation,
)
from motcua.workflow.notices import tell_applicant
from motcua.workflow.work import (
    Work,
    changed,
    commit_event,
    ensure_here,
    ensure_open,
    ensure_role,
    ensure_state,
    ensure_step,
    load_work,
    working_days_between,
)

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
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_role(subject, {Role.receiving_officer, Role.handling_officer}, "yêu cầu bổ sung hồ sơ")
    ensure_step(work, {StepKind.receive, StepKind.assess}, "yêu cầu bổ sung hồ sơ")
    ensure_state(work, {DossierState.received, DossierState.in_progress}, "yêu cầu bổ sung hồ sơ")
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
    await _only_published(session, subject, work, requirements, requirement_keys)
    keys = list(dict.fromkeys(requirement_keys))
    by = _answer_by(answer_by)
    now = clock.now()
    session.add(
        SupplementRequest(
            dossier_id=work.dossier.id,
            province_code=work.dossier.province_code,
            officer_id=subject.officer_id,
            requirement_keys=keys,
            note=reason,
            requested_at=now,
            answer_by=by,
        )
    )
    work.case.paused_at = now
    names = [requirements[k].name for k in keys]
    await commit_event(
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


async def _only_published(
    session: AsyncSession,
    subject: Subject,
    work: Work,
    requirements: Mapping[str, Requirement],
    requirement_keys: list[str],
) -> None:
    """Each key must be a requirement of the filed version not already taken from a registry;
    the first that is not is recorded as a violation and refused."""
    from_registry = {
        i.requirement_key for i in work.dossier.items if i.source == ItemSource.registry
    }
    for key in requirement_keys:
        refusal = _refusal(key, requirements, from_registry, work.dossier.procedure_code)
        if refusal is not None:
            await _record_violation(session, subject, work.dossier.code, refusal[0], key)
            raise SupplementRefused(refusal[1], code=refusal[0], requirement=key[:200])


def _refusal(
    key: str,
    requirements: Mapping[str, Requirement],
    from_registry: set[str],
    procedure_code: str,
) -> tuple[str, str] | None:
    """(code, message) when ``key`` may not be asked for; None when it may."""
    if key not in requirements:
        looks_free = " " in key.strip() or len(key) > 64 or key != key.strip().lower()
        if looks_free:
            return (
                "free-text-not-allowed",
                "Chỉ được chọn thành phần trong danh mục đã công bố, không được ghi yêu cầu tự do.",
            )
        return (
            "requirement-not-in-procedure",
            f"“{key}” không phải thành phần hồ sơ của thủ tục {procedure_code} đã công bố.",
        )
    if key in from_registry:
        return (
            "already-from-registry",
            f"“{requirements[key].name}” đã được lấy từ cơ sở dữ liệu; "
            "không được yêu cầu người dân nộp lại.",
        )
    return None


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


async def _record_violation(
    session: AsyncSession, subject: Subject, dossier_code: str, code: str, asked: str
) -> None:
    """Written in the caller's transaction, before anything else is: the route commits it
    even though it answers with the refusal (nothing else was written by then). In practice
    mode the refusal is the same but nothing is recorded: practice is never counted."""
    if subject.practice:
        return
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
    """The applicant answers with everything asked and nothing else: a file for each paper, the
    corrected answers (``values``) for a declaration they typed, printed to a new PDF as at
    filing. Each answer becomes the dossier's item for its requirement; the earlier one stays.
    The clock resumes and the due date moves by the working days it was paused (the request's
    day not counted, the answer's day counted)."""
    await dossiers_repository.take_write_lock(session)
    dossier, _ = await dossier_reading.for_person(session, code, person)
    if dossier.state != DossierState.supplement_requested:
        raise Conflict("Hồ sơ không chờ bổ sung.", code="wrong-state")
    case = await repository.case_of(session, dossier.id)
    pending = await repository.open_supplement(session, dossier.id)
    assert case is not None and pending is not None and case.paused_at is not None
    requirements = {
        r.key: r
        for r in await catalog_repository.requirements_of(session, dossier.procedure_version_id)
    }
    answers = await _answers(session, dossier, pending, requirements, person, items)
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
    added = _new_items(dossier, answers)
    session.add_all(added)
    dossier_history.append(
        session,
        dossier,
        actor=person,
        kind="supplement-answered",
        to_state=DossierState.in_progress,
        data={
            "requirements": sorted(a.key for a in answers),
            "items": [
                {"requirement_key": i.requirement_key, "position": i.position} for i in added
            ],
            "declarations": sorted(a.key for a in answers if a.values is not None),
            "paused_working_days": paused,
        },
    )
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise changed() from error
    dossiers.set_committed(dossier, [*dossier.items, *added], list(dossier.events))
    return dossier


@dataclass(frozen=True)
class Answer:
    """One requirement answered: its file, and the typed answers when it is a declaration."""

    key: str
    upload_id: str
    sha256: str
    values: dict[str, Any] | None = None


def _new_items(dossier: Dossier, answers: Sequence[Answer]) -> list[DossierItem]:
    """Each answer as the dossier's next item; the items it answers stay as they were."""
    position = max((i.position for i in dossier.items), default=0)
    return [
        DossierItem(
            dossier_id=dossier.id,
            province_code=dossier.province_code,
            position=position + n,
            requirement_key=answer.key,
            source=ItemSource.upload,
            upload_id=answer.upload_id,
            value=answer.values,
            sha256=answer.sha256,
        )
        for n, answer in enumerate(answers, start=1)
    ]


async def _answers(
    session: AsyncSession,
    dossier: Dossier,
    pending: SupplementRequest,
    requirements: Mapping[str, Requirement],
    person: str,
    items: Sequence[Mapping[str, Any]],
) -> list[Answer]:
    """Exactly the requirements asked, each answered as it is asked (a file for a paper, the
    answers for a typed declaration); otherwise a refusal naming what is wrong."""
    names = {k: r.name for k, r in requirements.items()}
    asked = list(pending.requirement_keys)
    given = {str(i.get("requirement_key")): i for i in items}
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
    typed = corrections.typed_declarations(requirements, dossier.items, asked)
    _answered_as_asked(typed, names, asked, given)
    papers = [k for k in asked if k not in typed]
    found: list[Problem] = []
    for key, form in typed.items():
        values = given[key].get("values")
        found += corrections.problems(
            form, requirements[key].declaration, values or {}, clock.today()
        )
    if found:
        raise corrections.CorrectionRefused(found)
    out = [
        Answer(key, upload.id, upload.sha256)
        for key, upload in await _answer_files(session, papers, names, person, given)
    ]
    for key, form in typed.items():
        values = dict(given[key].get("values") or {})
        printed = await corrections.print_corrected(
            session, dossier, form, values, person, pending.requested_at
        )
        out.append(Answer(key, printed.id, printed.sha256, values))
    order = {k: n for n, k in enumerate(asked)}
    return sorted(out, key=lambda a: order[a.key])


def _answered_as_asked(
    typed: Mapping[str, FormItem],
    names: Mapping[str, str],
    asked: Sequence[str],
    given: Mapping[str, Mapping[str, Any]],
) -> None:
    """A typed declaration is answered by typing it, never with a file; a paper with a file,
    never with typed answers (the application form's codes)."""
    found = []
    for key in asked:
        name = names.get(key, key)
        if key in typed and given[key].get("upload_id"):
            found.append(
                Problem(
                    field=f"uploads.{key}",
                    code="declaration-is-typed",
                    message=f"“{name}” được khai trực tiếp trên biểu mẫu, không tải tệp lên.",
                )
            )
        elif key not in typed and given[key].get("values") is not None:
            found.append(
                Problem(
                    field=f"values.{key}",
                    code="requirement-needs-upload",
                    message=f"“{name}” cần tải giấy tờ lên, không khai trực tiếp.",
                )
            )
    if found:
        raise corrections.CorrectionRefused(found)


async def _answer_files(
    session: AsyncSession,
    asked: Sequence[str],
    names: Mapping[str, str],
    person: str,
    given: Mapping[str, Mapping[str, Any]],
) -> list[tuple[str, Upload]]:
    """(requirement, file) for the papers asked, each with a file the person uploaded;
    otherwise a refusal naming what is missing."""
    files = {k: given[k].get("upload_id") for k in asked}
    no_file = [k for k in asked if not files[k]]
    if no_file:
        raise Invalid(
            "Hãy gửi kèm tệp cho: " + "; ".join(names.get(k, k) for k in no_file) + ".",
            code="supplement-file-missing",
            missing=no_file,
        )
    uploads = await dossiers_repository.uploads(session, {str(files[k]) for k in asked})
    out: list[tuple[str, Upload]] = []
    for key in asked:
        upload = uploads.get(str(files[key]))
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
