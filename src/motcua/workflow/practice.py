"""Practice mode (Chế độ thực hành): an officer learns the work on synthetic dossiers, in the
same pages, without touching anything real.

How it is carried: every real agency may have one **practice twin** (an ``Agency`` row whose
``practice_of_id`` names the real one, code ``<real code>.TH``, no administrative unit, so no
unit list, roll-up or forwarding choice ever offers it). An officer switches their signed-in
session into practice (``api_tokens.practice``); from then on ``subject_for_token`` gives them
the twin as their agency, so the queue, the dossier page, the steps and the signature all run
the ordinary code against the twin. A dossier is readable only by agencies it visited, so a
practice officer sees practice dossiers only and a real one real dossiers only. Practice
dossiers are marked (``dossiers.practice``): statistics, tracking and verification leave them
out or say what they are, and they carry no contact address, so nobody is ever notified.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import groups as catalog_groups
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion, Requirement
from motcua.catalog.schemas import MemberAgency
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, NotFound
from motcua.dossiers import history as dossier_history
from motcua.dossiers import receiving
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierEvent,
    DossierItem,
    DossierState,
    ItemSource,
    PaymentState,
)
from motcua.identity import repository as identity_repository
from motcua.identity.models import Officer
from motcua.identity.service import Forbidden, Subject, Unauthenticated, hash_token
from motcua.units import repository as units
from motcua.units.models import Agency, AgencyKind
from motcua.workflow.definitions import Definition, StepKind
from motcua.workflow.models import SupplementRequest, WorkflowCase, WorkflowVisit
from motcua.workflow.versions import current_definition

TWIN_SUFFIX = ".TH"
TWIN_NAME = "{name} (THỰC HÀNH)"
SYNTHETIC_NAME = "NGUYỄN VĂN THỰC HÀNH"
# The stages of a fresh practice set, one dossier each: two new ones at the counter, one being
# assessed, one awaiting approval, one awaiting the signature, one waiting for a supplement.
STAGES = (
    StepKind.receive,
    StepKind.receive,
    StepKind.assess,
    StepKind.approve,
    StepKind.sign,
    "supplement",
)
PROCEDURES_PER_SET = len(STAGES)


class PracticeCrossing(Forbidden):
    """A practice dossier reached from real work, or a real one from practice."""


def twin_code(code: str) -> str:
    return f"{code}{TWIN_SUFFIX}"


async def twin_of(session: AsyncSession, agency: Agency) -> Agency:
    """The agency's practice twin, made on first use."""
    if agency.practice_of_id is not None:
        raise Conflict("Cơ quan này đã là cơ quan thực hành.", code="already-practice")
    found = await units.practice_twin(session, agency.id)
    if found is not None:
        return found
    code = twin_code(agency.code)
    if len(code) > 35:
        raise Conflict(
            "Mã định danh của cơ quan quá dài để lập cơ quan thực hành.", code="twin-code-too-long"
        )
    twin = Agency(
        code=code,
        code_status=agency.code_status,
        name=TWIN_NAME.format(name=agency.name)[:200],
        short_name=None,
        level=agency.level,
        kind=agency.kind,
        unit_code=None,
        parent_id=None,
        practice_of_id=agency.id,
    )
    session.add(twin)
    await session.flush()
    return twin


async def prepare(session: AsyncSession, agency_code: str) -> tuple[Agency, int]:
    """For the CLI and the demo: the twin of ``agency_code`` with a practice set when it has
    none open. Returns the twin and the number of dossiers written."""
    agency = await units.agency_by_code(session, agency_code)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã “{agency_code}”.", code="unknown-agency")
    twin = await twin_of(session, agency)
    if await _open_count(session, twin.id):
        return twin, 0
    # The set's supplement request names an officer of the agency as its author.
    author = await session.scalar(
        select(Officer.id).where(Officer.agency_id == agency.id).order_by(Officer.id).limit(1)
    )
    return twin, len(await write_set(session, twin, officer_id=author))


async def enter(session: AsyncSession, token: str) -> Agency:
    """Switch the signed-in session into practice; the first time, the twin gets a set."""
    found = await identity_repository.token_with_officer(session, hash_token(token))
    if found is None:
        raise Unauthenticated(
            "Phiên đăng nhập không hợp lệ. Hãy đăng nhập lại.", code="invalid-token"
        )
    api_token, officer, agency = found
    twin = await twin_of(session, agency)
    if not await _open_count(session, twin.id, officer.id):
        await write_set(session, twin, officer_id=officer.id)
    api_token.practice = True
    await session.flush()
    return twin


async def leave(session: AsyncSession, token: str) -> None:
    """Back to real work."""
    found = await identity_repository.token_with_officer(session, hash_token(token))
    if found is not None:
        found[0].practice = False
        await session.flush()


async def reset(session: AsyncSession, subject: Subject) -> list[str]:
    """Close the officer's open practice dossiers (each says so in its history) and write a
    fresh set. Only in practice."""
    if not subject.practice:
        raise Conflict(
            "Chỉ làm mới bộ hồ sơ thực hành khi đang ở chế độ thực hành.", code="not-in-practice"
        )
    mine = f"practice:{subject.officer_id}:%"
    rows = await session.execute(
        select(Dossier.code, WorkflowCase)
        .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
        .where(
            Dossier.practice.is_(True),
            Dossier.receiving_agency_id == subject.agency_id,
            Dossier.idempotency_key.like(mine),
            WorkflowCase.open.is_(True),
        )
    )
    for code, case in rows.all():
        dossier = await dossiers_repository.by_code(session, code)
        assert dossier is not None
        case.open = False
        case.updated_at = clock.now()
        dossier_history.append(
            session,
            dossier,
            actor=f"CB{subject.officer_id:010d}",
            kind="practice-reset",
            to_state=dossier.state,
            data={"practice": True, "officer": subject.username},
        )
    await session.flush()
    twin = await session.get(Agency, subject.agency_id)
    assert twin is not None
    return await write_set(session, twin, officer_id=subject.officer_id)


async def _open_count(session: AsyncSession, twin_id: int, officer_id: int | None = None) -> int:
    statement = (
        select(Dossier.id)
        .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
        .where(
            Dossier.practice.is_(True),
            Dossier.receiving_agency_id == twin_id,
            WorkflowCase.open.is_(True),
        )
    )
    if officer_id is not None:
        statement = statement.where(Dossier.idempotency_key.like(f"practice:{officer_id}:%"))
    return len((await session.scalars(statement.limit(1))).all())


# --- the synthetic set ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sample:
    version: ProcedureVersion
    requirements: list[Requirement]


# Which kind of agency settles a group's member (catalog/groups.py); every other procedure is
# settled where it is received.
_MEMBER_KINDS = {
    MemberAgency.commune_committee: AgencyKind.people_committee,
    MemberAgency.commune_social_affairs: AgencyKind.people_committee,
    MemberAgency.commune_police: AgencyKind.police,
    MemberAgency.social_insurance: AgencyKind.social_insurance,
}


async def _settled_by(session: AsyncSession) -> dict[str, set[AgencyKind]]:
    """Procedure code -> the kinds of agency the groups name as settling it."""
    kinds: dict[str, set[AgencyKind]] = {}
    for group in await catalog_groups.all_groups(session):
        for member in group.members:
            kinds.setdefault(member.procedure_code, set()).add(_MEMBER_KINDS[member.agency])
    return kinds


def _handled_by(agency: Agency, version: ProcedureVersion, settled: set[AgencyKind] | None) -> bool:
    """Whether the agency meets this procedure at work: a group member where the groups send it
    (the commune police get residence, social insurance the health card), anything else where
    it may be received (a ward People's Committee never gets the police's identity card)."""
    if settled is not None:
        return agency.kind in settled
    if agency.kind in (AgencyKind.police, AgencyKind.social_insurance):
        return False
    return receiving.may_receive(agency.id, agency.level, receiving.Rules.of(version))


async def _samples(session: AsyncSession, agency: Agency) -> list[_Sample]:
    """Procedures in force today that the agency itself handles: the essential services first
    (those officers meet most), then any it handles, up to one per stage of a set."""
    from motcua.dossiers.counter import essential_codes

    today = get_calendar().localise(clock.now()).date()
    settled = await _settled_by(session)
    found: list[_Sample] = []
    for code in sorted(essential_codes() | settled.keys()):
        version = await catalog_repository.current_version(session, code, today)
        if version is not None and _handled_by(agency, version, settled.get(code)):
            found.append(_Sample(version, list(version.requirements)))
        if len(found) == PROCEDURES_PER_SET:
            return found
    if not found:
        versions = await catalog_repository.current_versions(session, today)
        handled = [v for v in versions if _handled_by(agency, v, settled.get(v.procedure.code))]
        # An agency with nothing of its own in force (a ministry whose procedures are not yet
        # in the catalog) still practises the steps, on any procedure in force.
        found = [_Sample(v, list(v.requirements)) for v in (handled or versions)]
    return found[:PROCEDURES_PER_SET]


async def write_set(session: AsyncSession, twin: Agency, officer_id: int | None) -> list[str]:
    """One synthetic dossier per stage of ``STAGES`` at the twin; their codes."""
    samples = await _samples(session, twin)
    if not samples:
        raise Conflict(
            "Danh mục chưa có thủ tục nào đang có hiệu lực để lập hồ sơ thực hành.",
            code="no-procedures",
        )
    codes = []
    for n, stage in enumerate(STAGES):
        sample = samples[n % len(samples)]
        codes.append(await _write_one(session, twin, sample, stage, officer_id))
    return codes


async def _write_one(
    session: AsyncSession,
    twin: Agency,
    sample: _Sample,
    stage: StepKind | str,
    officer_id: int | None,
) -> str:
    now = clock.now()
    calendar = get_calendar()
    day = calendar.localise(now).date()
    number = await dossiers_repository.take_number(session, twin.code, day)
    code = f"{twin.code}-{day:%y%m%d}-{number:04d}"
    salt = secrets.token_hex(16)
    applicant = f"0990{secrets.randbelow(10**8):08d}"
    due = now + timedelta(days=max(7, 2 * sample.version.processing_days))
    dossier = Dossier(
        code=code,
        tracking_salt=salt,
        secret_hash=dossiers.hash_secret(salt, secrets.token_hex(8)),
        procedure_version_id=sample.version.id,
        procedure_code=sample.version.procedure.code,
        procedure_name=sample.version.name,
        receiving_agency_id=twin.id,
        province_code=await units.province_of_agency(session, twin.id),
        applicant_number=applicant,
        actor_number=applicant,
        on_behalf=False,
        channel=Channel.online,
        state=DossierState.received,
        received_at=now,
        due_at=due,
        fee_vnd=None,
        payment_state=PaymentState.not_required,
        contact_email=None,  # nobody is ever told about a practice dossier
        idempotency_key=f"practice:{officer_id or 0}:{code}",
        request_hash=secrets.token_hex(32),
        version=1,
        practice=True,
    )
    session.add(dossier)
    await session.flush()
    items = [
        _item(dossier, position, requirement, now)
        for position, requirement in enumerate(sample.requirements, start=1)
    ]
    first = DossierEvent(
        dossier_id=dossier.id,
        province_code=dossier.province_code,
        seq=1,
        at=now,
        actor_number=applicant,
        kind="submitted",
        from_state=None,
        to_state=DossierState.received,
        data={"channel": "online", "items": len(items), "synthetic": True, "practice": True},
    )
    session.add_all([*items, first])
    definition_row = await current_definition(session, dossier.procedure_code, twin.id)
    definition = Definition.model_validate({"steps": definition_row.steps})
    case = WorkflowCase(
        dossier_id=dossier.id,
        province_code=dossier.province_code,
        definition_id=definition_row.id,
        step_index=0,
        step_kind=StepKind.receive.value,
        current_agency_id=twin.id,
        open=True,
        due_at=due,
        apologised=False,
        updated_at=now,
    )
    session.add_all(
        [
            case,
            WorkflowVisit(
                dossier_id=dossier.id,
                province_code=dossier.province_code,
                seq=1,
                agency_id=twin.id,
                entered_at=now,
            ),
        ]
    )
    await session.flush()
    await session.refresh(dossier, ["items", "events"])
    _advance(session, dossier, case, definition, stage, officer_id, items)
    await session.flush()
    return code


def _advance(
    session: AsyncSession,
    dossier: Dossier,
    case: WorkflowCase,
    definition: Definition,
    stage: StepKind | str,
    officer_id: int | None,
    items: list[DossierItem],
) -> None:
    """Move a fresh practice dossier to its stage, with the history an officer would have
    written (marked synthetic)."""
    target = StepKind.assess if stage == "supplement" else StepKind(stage)
    kinds = [s.kind for s in definition.steps]
    if target == StepKind.receive or target not in kinds:
        return
    actor = f"CB{officer_id or 0:010d}"
    for index in range(kinds.index(target)):
        case.step_index = index + 1
        case.step_kind = kinds[index + 1].value
        dossier_history.append(
            session,
            dossier,
            actor=actor,
            kind="step-completed",
            to_state=DossierState.in_progress,
            data={
                "synthetic": True,
                "practice": True,
                "from_step": {"index": index, "kind": kinds[index].value},
                "to_step": {"index": index + 1, "kind": kinds[index + 1].value},
            },
        )
    if stage == "supplement" and items and officer_id is not None:
        asked = [items[-1].requirement_key]
        now = clock.now()
        session.add(
            SupplementRequest(
                dossier_id=dossier.id,
                province_code=dossier.province_code,
                officer_id=officer_id,
                requirement_keys=asked,
                note="unreadable",
                requested_at=now,
                answer_by=(now + timedelta(days=7)).date(),
            )
        )
        case.paused_at = now
        dossier_history.append(
            session,
            dossier,
            actor=actor,
            kind="supplement-requested",
            to_state=DossierState.supplement_requested,
            data={"requirements": asked, "form": "Mẫu 02", "synthetic": True, "practice": True},
        )


def _item(dossier: Dossier, position: int, requirement: Requirement, now: datetime) -> DossierItem:
    """A registry-like item where the catalog names an evidence type (labelled synthetic, no
    real registry was read), a declaration where it has a form, a paper checked at the counter
    otherwise."""
    value: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    if requirement.evidence_type_code:
        source = ItemSource.registry
        value = {"full_name": SYNTHETIC_NAME, "ghi_chu": "Dữ liệu mẫu dùng để thực hành"}
        evidence = {
            "registry_code": "du_lieu_mau",
            "fetched_at": now.isoformat(),
            "subject_role": requirement.subject.value,
            "synthetic": True,
        }
    elif requirement.declaration or requirement.form_template:
        source = ItemSource.counter
        value = {"ghi_chu": "Nội dung tờ khai mẫu dùng để thực hành"}
    else:
        source = ItemSource.counter
    return DossierItem(
        dossier_id=dossier.id,
        province_code=dossier.province_code,
        position=position,
        requirement_key=requirement.key,
        source=source,
        value=value,
        evidence=evidence,
    )


# --- the wall between practice and real work -----------------------------------------------------


async def explain_absence(session: AsyncSession, subject: Subject, code: str) -> None:
    """A code the officer cannot read in their current mode: say why when it is a practice
    dossier seen from real work, or a real dossier of their own agency seen from practice."""
    found = await dossiers_repository.plain_by_code(session, code)
    if found is None:
        return
    if found.practice and not subject.practice:
        raise PracticeCrossing(
            f"Hồ sơ {code} là hồ sơ thực hành; chỉ mở được trong chế độ thực hành.",
            code="practice-dossier",
        )
    if (
        not found.practice
        and subject.practice
        and found.receiving_agency_id == subject.real_agency_id
    ):
        raise PracticeCrossing(
            f"Đang ở chế độ thực hành: không mở được hồ sơ thật {code}. "
            "Hãy thoát chế độ thực hành để làm việc với hồ sơ thật.",
            code="real-dossier-in-practice",
        )


def same_world(dossier: Dossier, subject: Subject) -> None:
    """A dossier reached at all must be of the officer's current mode."""
    if dossier.practice != subject.practice:
        raise PracticeCrossing(
            "Hồ sơ thực hành và hồ sơ thật không được xử lý lẫn nhau.", code="practice-crossing"
        )
