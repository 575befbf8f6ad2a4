"""All workflow queries. Officers only ever reach dossiers through ``readable(subject)``."""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Exists,
    Integer,
    Row,
    Select,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from motcua.catalog.models import Procedure, ProcedureVersion, VersionStatus
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierItem
from motcua.exchange.models import AccessLogEntry, Registry
from motcua.identity.models import Officer, Role
from motcua.identity.service import Subject
from motcua.units.models import Agency, AgencyKind
from motcua.workflow.models import (
    Disclosure,
    ProcessDefinition,
    ResultDocument,
    SupplementRequest,
    Violation,
    WorkflowCase,
    WorkflowVisit,
)


def visible_to(agency_id: int | BindParameter[int]) -> Exists:
    """The dossier has a visit of this agency: it was received there or forwarded to it
    (one indexed probe of ``ix_workflow_visits_agency_dossier`` per row, no IN list)."""
    return exists().where(
        WorkflowVisit.dossier_id == Dossier.id, WorkflowVisit.agency_id == agency_id
    )


def readable(subject: Subject) -> Select[Dossier]:
    """Every dossier the officer may read, and nothing else. A community helper works in the
    commune's People's Committee but reaches none of its dossiers (only those they assisted,
    through ``assisted``)."""
    if subject.role == Role.community_helper:
        return select(Dossier).where(false())
    return select(Dossier).where(visible_to(subject.agency_id))


@functools.cache
def _readable_by_code(helper: bool, by_province: bool) -> Select[Dossier]:
    """Built once per process for each form (read on every officer's dossier page and action);
    with the province the code names when it names an agency (docs/scaling.md section 5)."""
    statement = select(Dossier).where(
        false() if helper else visible_to(bindparam("agency_id", type_=Integer)),
        Dossier.code == bindparam("code"),
    )
    if by_province:
        statement = statement.where(Dossier.province_code == bindparam("province"))
    return statement


async def readable_by_code(
    session: AsyncSession, subject: Subject, code: str, *, full: bool = True
) -> Dossier | None:
    """The dossier of that code if the officer may read it; ``full``: with its items and
    history, read by the dossier's id and province."""
    province = await dossiers_repository.province_of_code(session, code)
    statement = _readable_by_code(subject.role == Role.community_helper, province is not None)
    found: Dossier | None = await session.scalar(
        statement, {"agency_id": subject.agency_id, "code": code, "province": province}
    )
    if full:
        return await dossiers_repository.with_contents(session, found)
    return found


async def case_of(session: AsyncSession, dossier_id: int) -> WorkflowCase | None:
    return await session.get(WorkflowCase, dossier_id)


QUEUE_COLUMNS = (
    WorkflowCase.dossier_id,
    WorkflowCase.step_kind,
    WorkflowCase.due_at,
    WorkflowCase.paused_at,
    WorkflowCase.flag,
    WorkflowCase.assignee_id,
    Dossier.code,
    Dossier.procedure_code,
    Dossier.procedure_name,
    Dossier.state,
    Dossier.version,
)

QueueRow = Row[*tuple[Any, ...]]


@functools.cache
def _queue_statement(
    helper: bool, mine: bool, step: bool, flag: bool, overdue: bool, after: bool, by_province: bool
) -> Select[*tuple[Any, ...]]:
    """The queue's statement for one combination of filters, values as parameters: built and
    keyed once per process (at each request, building it cost about as much CPU as running it)."""
    statement = select(*QUEUE_COLUMNS).where(
        WorkflowCase.current_agency_id == bindparam("agency_id"),
        WorkflowCase.open.is_(True),
    )
    if helper:  # no queue: they reach only what they assisted
        statement = statement.where(false())
    if mine:
        statement = statement.where(WorkflowCase.assignee_id == bindparam("officer_id"))
    if step:
        statement = statement.where(WorkflowCase.step_kind == bindparam("step"))
    if flag:
        statement = statement.where(WorkflowCase.flag == bindparam("flag"))
    if overdue:
        statement = statement.where(
            WorkflowCase.due_at < bindparam("overdue_at"), WorkflowCase.paused_at.is_(None)
        )
    if after:
        statement = statement.where(
            tuple_(WorkflowCase.due_at, WorkflowCase.dossier_id)
            > tuple_(
                bindparam("after_due", type_=WorkflowCase.due_at.type),
                bindparam("after_id", type_=WorkflowCase.dossier_id.type),
            )
        )
    order = (WorkflowCase.due_at, WorkflowCase.dossier_id)
    if not by_province:
        # Above the provinces (or no province read): every province's dossiers, joined by id
        # (on one server the join on the province too misleads the planner's estimate).
        joined = statement.join(Dossier, Dossier.id == WorkflowCase.dossier_id)
        return joined.order_by(*order).limit(bindparam("limit"))
    # At an agency in a province: its province's dossiers and those received above the
    # provinces (""), each joined on (id, province) along ``ix_workflow_cases_queue_province``
    # (one shard each on a distributed database), merged.
    joined = statement.join(
        Dossier,
        (Dossier.id == WorkflowCase.dossier_id)
        & (Dossier.province_code == WorkflowCase.province_code),
    )
    branches = [
        select(
            *joined.where(WorkflowCase.province_code == province)
            .order_by(*order)
            .limit(bindparam("limit"))
            .subquery(f"in_{n}")
            .c
        )
        for n, province in enumerate((bindparam("province"), literal("")))
    ]
    merged = union_all(*branches).subquery("queue")
    return select(merged).order_by(merged.c.due_at, merged.c.dossier_id).limit(bindparam("limit"))


async def queue(
    session: AsyncSession,
    subject: Subject,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
    mine: bool = False,
    step: str | None = None,
    flag: str | None = None,
    overdue_at: datetime | None = None,
) -> Sequence[QueueRow]:
    """Open dossiers now at the officer's agency, earliest due first (overdue on top), keyset
    paged on (due_at, dossier_id) along ``ix_workflow_cases_queue`` (with the officer's
    province, ``ix_workflow_cases_queue_province``); no COUNT(*). Only the
    columns a queue shows (``QUEUE_COLUMNS``), as plain rows: no ORM objects to build.

    The page's filters narrow the same walk: ``overdue_at`` (running and due before that
    moment) is a range on the index; ``step`` and ``flag`` are checked on the rows it reads."""
    statement = _queue_statement(
        subject.role == Role.community_helper,
        mine,
        step is not None,
        flag is not None,
        overdue_at is not None,
        after is not None,
        bool(subject.province_code),
    )
    values: dict[str, Any] = {
        "agency_id": subject.agency_id,
        "province": subject.province_code,
        "officer_id": subject.officer_id,
        "step": step,
        "flag": flag,
        "overdue_at": overdue_at,
        "after_due": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    rows = await session.execute(statement, values)  # those the statement has not are left out
    return rows.all()


async def definition(
    session: AsyncSession, procedure_code: str, agency_key: int
) -> ProcessDefinition | None:
    return await session.scalar(
        select(ProcessDefinition)
        .where(
            ProcessDefinition.procedure_code == procedure_code,
            ProcessDefinition.agency_key == agency_key,
        )
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


async def definition_versions(
    session: AsyncSession, procedure_code: str, agency_key: int
) -> Sequence[ProcessDefinition]:
    result = await session.scalars(
        select(ProcessDefinition)
        .where(
            ProcessDefinition.procedure_code == procedure_code,
            ProcessDefinition.agency_key == agency_key,
        )
        .order_by(ProcessDefinition.version)
    )
    return result.all()


async def codes_with_default(session: AsyncSession) -> set[str]:
    result = await session.scalars(
        select(ProcessDefinition.procedure_code).where(ProcessDefinition.agency_key == 0)
    )
    return set(result)


async def visits(session: AsyncSession, dossier_id: int) -> Sequence[WorkflowVisit]:
    result = await session.scalars(
        select(WorkflowVisit)
        .where(WorkflowVisit.dossier_id == dossier_id)
        .order_by(WorkflowVisit.seq)
    )
    return result.all()


async def visits_with_agencies(
    session: AsyncSession, dossier_id: int
) -> Sequence[tuple[WorkflowVisit, Agency]]:
    """The dossier's visits in order, each with its agency: one statement."""
    result = await session.execute(VISITS_WITH_AGENCIES, {"dossier_id": dossier_id})
    return [(visit, agency) for visit, agency in result]


# The statements of an officer's dossier page, built once per process.
VISITS_WITH_AGENCIES = (
    select(WorkflowVisit, Agency)
    .join(Agency, Agency.id == WorkflowVisit.agency_id)
    .where(WorkflowVisit.dossier_id == bindparam("dossier_id"))
    .order_by(WorkflowVisit.seq)
)
SUPPLEMENTS = (
    select(SupplementRequest)
    .where(SupplementRequest.dossier_id == bindparam("dossier_id"))
    .order_by(SupplementRequest.requested_at, SupplementRequest.id)
)
DISCLOSURES = (
    select(Disclosure)
    .where(Disclosure.dossier_id == bindparam("dossier_id"))
    .order_by(Disclosure.id)
)


async def officer_in(session: AsyncSession, username: str) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.username == username))


async def open_supplement(session: AsyncSession, dossier_id: int) -> SupplementRequest | None:
    return await session.scalar(
        select(SupplementRequest).where(
            SupplementRequest.dossier_id == dossier_id, SupplementRequest.answered_at.is_(None)
        )
    )


async def violations(
    session: AsyncSession, agency_id: int | None, limit: int
) -> Sequence[Violation]:
    statement = select(Violation).order_by(Violation.at.desc(), Violation.id.desc()).limit(limit)
    if agency_id is not None:
        statement = statement.where(Violation.agency_id == agency_id)
    return (await session.scalars(statement)).all()


async def result(session: AsyncSession, verify_code: str) -> ResultDocument | None:
    return await session.get(ResultDocument, verify_code)


# The signed PDF (tens of kilobytes) is read only where it is handed out: a page or a check
# that needs the result's code, dates and agency leaves it in the database.
_WITHOUT_PDF = defer(ResultDocument.pdf, raiseload=True)


async def result_of(
    session: AsyncSession, dossier_id: int, with_pdf: bool = False
) -> ResultDocument | None:
    """The dossier's newest result that stands (not revoked)."""
    statement = (
        select(ResultDocument)
        .where(ResultDocument.dossier_id == dossier_id, ResultDocument.revoked_at.is_(None))
        .order_by(ResultDocument.issued_at.desc())
        .limit(1)
    )
    return await session.scalar(statement if with_pdf else statement.options(_WITHOUT_PDF))


async def latest_result(session: AsyncSession, dossier_id: int) -> ResultDocument | None:
    """The dossier's newest result, revoked or not (without its PDF)."""
    return await session.scalar(
        select(ResultDocument)
        .where(ResultDocument.dossier_id == dossier_id)
        .order_by(ResultDocument.issued_at.desc())
        .limit(1)
        .options(_WITHOUT_PDF)
    )


async def valid_results(
    session: AsyncSession, subject: str, evidence_type: str, limit: int = 50
) -> Sequence[tuple[ResultDocument, Dossier, Agency]]:
    """The subject's results of one kind, newest first: not revoked, of dossiers the subject is
    the applicant of, of procedures a published version of which says it issues that kind
    (any version, so results issued before the catalog said so are found too)."""
    producers = (
        select(Procedure.code)
        .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)
        .where(
            ProcedureVersion.result_evidence_type_code == evidence_type,
            ProcedureVersion.status == VersionStatus.published,
        )
    )
    rows = await session.execute(
        select(ResultDocument, Dossier, Agency)
        .join(Dossier, Dossier.id == ResultDocument.dossier_id)
        .join(Agency, Agency.id == ResultDocument.agency_id)
        .where(
            Dossier.applicant_number == subject,
            ResultDocument.revoked_at.is_(None),
            Dossier.procedure_code.in_(producers),
            Dossier.practice.is_(False),  # a practice result is evidence of nothing
        )
        .options(defer(ResultDocument.pdf, raiseload=True))
        .order_by(ResultDocument.issued_at.desc(), ResultDocument.verify_code)
        .limit(limit)
    )
    return [(document, dossier, agency) for document, dossier, agency in rows]


async def due_cases(
    session: AsyncSession, before: datetime, limit: int
) -> Sequence[tuple[WorkflowCase, Dossier]]:
    """Open, running (not paused) cases due before ``before`` whose flag may need raising."""
    rows = await session.execute(
        select(WorkflowCase, Dossier)
        .join(Dossier, Dossier.id == WorkflowCase.dossier_id)
        .where(
            WorkflowCase.open.is_(True),
            WorkflowCase.paused_at.is_(None),
            WorkflowCase.due_at < before,
            Dossier.practice.is_(False),  # nobody is ever told about a practice dossier
        )
        .order_by(WorkflowCase.due_at)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


async def set_flag(session: AsyncSession, dossier_id: int, flag: str) -> bool:
    """Raise a flag once; False when it was already raised (so notifications go out once)."""
    changed = await session.execute(
        update(WorkflowCase)
        .where(WorkflowCase.dossier_id == dossier_id, WorkflowCase.flag.is_distinct_from(flag))
        .values(flag=flag)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def officers_of(session: AsyncSession, agency_id: int) -> Sequence[Officer]:
    result = await session.scalars(
        select(Officer).where(Officer.agency_id == agency_id, Officer.active.is_(True))
    )
    return result.all()


async def count_visits(session: AsyncSession, dossier_id: int) -> int:
    return int(
        await session.scalar(select(func.count()).where(WorkflowVisit.dossier_id == dossier_id))
        or 0
    )


async def forward_candidates(session: AsyncSession, level: str, near: set[int]) -> Sequence[Agency]:
    """Agencies a dossier may be forwarded to at ``level``: every ministry, or, for a province
    or a commune, the agencies the dossier already passed and their parents (its own chain)."""
    every = select(Agency).where(
        Agency.level == level,
        Agency.kind != AgencyKind.service_centre,
        Agency.practice_of_id.is_(None),  # never a practice twin (workflow.practice)
    )
    if level == "ministry":
        return (await session.scalars(every.order_by(Agency.name).limit(200))).all()
    parents = select(Agency.parent_id).where(Agency.id.in_(near))
    chain = every.where(or_(Agency.id.in_(near), Agency.id.in_(parents)))
    found = (await session.scalars(chain.order_by(Agency.name).limit(200))).all()
    if found:
        return found
    # Nothing of that level in the dossier's own chain (it was received at a ministry): the
    # agencies of that level under the chain's provinces, else every one of that level.
    provinces = select(Agency.id).where(Agency.id.in_(near) | Agency.id.in_(parents))
    nearby = every.where(or_(Agency.parent_id.in_(provinces), Agency.id.in_(provinces)))
    found = (await session.scalars(nearby.order_by(Agency.name).limit(200))).all()
    return found or (await session.scalars(every.order_by(Agency.name).limit(200))).all()


async def officer_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Officer.id, Officer.full_name).where(Officer.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


# --- what the officer reads in a dossier ----------------------------------------------------------


async def registry_reads(session: AsyncSession, dossier: Dossier) -> dict[str, AccessLogEntry]:
    """Evidence type -> the newest delivered read the platform made for the application that
    became this dossier (its consent is the purpose the access log names). A dossier filed
    from an application carries the draft's id in its idempotency key; others have none."""
    from motcua.applications.models import Application

    prefix = "application:"
    if not dossier.idempotency_key.startswith(prefix):
        return {}
    reference = await session.scalar(
        select(Application.consent_reference).where(
            Application.id == dossier.idempotency_key[len(prefix) :]
        )
    )
    if reference is None:
        return {}
    rows = await session.scalars(
        select(AccessLogEntry)
        .where(
            AccessLogEntry.subject_personal_id == dossier.applicant_number,
            AccessLogEntry.consent_reference == reference,
            AccessLogEntry.outcome == "delivered",
        )
        .order_by(AccessLogEntry.seq)
    )
    return {e.evidence_type_code: e for e in rows}


async def reads_by_hash(
    session: AsyncSession, reads: set[tuple[str, str]]
) -> dict[str, AccessLogEntry]:
    """Request hash -> the access-log record of that read, from (whose number, hash) pairs as a
    registry item's ``evidence`` names them (one probe of the subject's index each)."""
    found: dict[str, AccessLogEntry] = {}
    for subject, request_hash in reads:
        entry = await session.scalar(
            select(AccessLogEntry)
            .where(
                AccessLogEntry.subject_personal_id == subject,
                AccessLogEntry.request_hash == request_hash,
                AccessLogEntry.outcome == "delivered",
            )
            .order_by(AccessLogEntry.seq.desc())
            .limit(1)
        )
        if entry is not None:
            found[request_hash] = entry
    return found


async def registry_names(session: AsyncSession, codes: set[str | None]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Registry.code, Registry.name).where(Registry.code.in_(wanted))
    )
    return {row[0]: row[1] for row in rows}


async def supplements(session: AsyncSession, dossier_id: int) -> Sequence[SupplementRequest]:
    return (await session.scalars(SUPPLEMENTS, {"dossier_id": dossier_id})).all()


async def disclosures(session: AsyncSession, dossier_id: int) -> Sequence[Disclosure]:
    return (await session.scalars(DISCLOSURES, {"dossier_id": dossier_id})).all()


async def holding_dossier_of_upload(
    session: AsyncSession, agency_id: int, upload_id: str
) -> str | None:
    """The code of a dossier the agency holds now that has this file as an item."""
    found: str | None = await session.scalar(
        select(Dossier.code)
        .join(DossierItem, DossierItem.dossier_id == Dossier.id)
        .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
        .where(DossierItem.upload_id == upload_id, WorkflowCase.current_agency_id == agency_id)
        .limit(1)
    )
    return found
