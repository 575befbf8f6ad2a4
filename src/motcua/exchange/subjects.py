"""Whose record each read of an application concerns (DESIGN invariant 9).

A requirement names a role (``catalog.models.SubjectRole``); an application resolves each role
to one person before anything of theirs is read:

- the applicant (and the person represented) is the consent's own subject;
- the deceased and the child are chosen from the applicant's family in the population registry
  (a read of the applicant's own relations, logged like any other); the deceased must be
  recorded as dead, and is read without confirmation on the legal ground below;
- another adult (the partner, the other parent, a guest) is read only after that person confirms
  with their own e-ID, before the confirmation expires; the father or mother of a child is the
  applicant when the population registry records the applicant as that parent.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import SubjectRole
from motcua.core import clock, identifiers
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.masking import mask
from motcua.core.observability import read_id
from motcua.core.settings import get_settings
from motcua.exchange import audit, repository
from motcua.exchange.audit import Access
from motcua.exchange.connectors import (
    Fetcher,
    ReadContext,
    RegistryUnavailable,
    Target,
    registry_transport,
)
from motcua.exchange.models import Consent, ConsentState, ConsentSubject, SubjectState
from motcua.exchange.schemas import ConfirmationView, FamilyMember, SubjectView
from motcua.notify.models import Channel
from motcua.notify.service import notify

# What a person reads about each role, on the consent page and in the access log.
ROLE_LABELS: dict[str, str] = {
    SubjectRole.applicant: "Bạn (người nộp hồ sơ)",
    SubjectRole.represented: "Người bạn đại diện",
    SubjectRole.child: "Con của bạn",
    SubjectRole.deceased: "Người đã mất trong gia đình bạn",
    SubjectRole.spouse: "Vợ, chồng hoặc bên kết hôn còn lại",
    SubjectRole.father: "Cha của trẻ",
    SubjectRole.mother: "Mẹ của trẻ",
    SubjectRole.other_party: "Bên liên quan khác",
}
OWN_ROLES = {SubjectRole.applicant, SubjectRole.represented}
FAMILY_ROLES = {SubjectRole.deceased, SubjectRole.child}
CONFIRMED_ROLES = {
    SubjectRole.spouse,
    SubjectRole.father,
    SubjectRole.mother,
    SubjectRole.other_party,
}
DECEASED_GROUND = (
    "Luật Hộ tịch 2014, Điều 33: vợ, chồng, con, cha, mẹ hoặc người thân thích khác của người "
    "chết có trách nhiệm đi đăng ký khai tử; dữ liệu của người đã mất được đọc để giải quyết "
    "việc khai tử mà không cần xác nhận của người đó."
)
CHILD_GROUND = (
    "Bộ luật Dân sự 2015, Điều 136: cha, mẹ là người đại diện theo pháp luật của con chưa "
    "thành niên."
)
SELF_GROUND = "Chính người nộp hồ sơ."
CONFIRM_GROUND = "Người có dữ liệu đã xác nhận bằng tài khoản định danh điện tử của mình."
CONFIRMATION_DAYS = 7
FAMILY_FIELDS = (
    "sex",
    "father_full_name",
    "father_personal_id",
    "mother_full_name",
    "mother_personal_id",
    "spouse_full_name",
    "spouse_personal_id",
    "children",
)
DEATH_FIELDS = ("full_name", "date_of_death_or_missing")


@dataclass(frozen=True)
class Resolved:
    """One role of one application: the person to read, or why no one is read."""

    personal_id: str | None
    reason: str | None = None


def roles_of(consent: Consent) -> set[str]:
    return {p.get("subject", SubjectRole.applicant) for p in consent.plan}


async def resolve(session: AsyncSession, consent: Consent) -> dict[str, Resolved]:
    """Each role of the consent's plan, as of now."""
    rows = {s.role: s for s in await _subjects(session, consent.reference)}
    now = clock.now()
    out: dict[str, Resolved] = {}
    for role in roles_of(consent):
        if role in OWN_ROLES:
            out[role] = Resolved(consent.subject_personal_id)
            continue
        row = rows.get(role)
        if row is None:
            out[role] = Resolved(None, "subject-not-chosen")
        elif row.state in (SubjectState.chosen, SubjectState.confirmed):
            out[role] = Resolved(row.personal_id)
        elif row.state == SubjectState.declined:
            out[role] = Resolved(None, "subject-declined")
        elif row.expires_at is not None and row.expires_at <= now:
            out[role] = Resolved(None, "subject-expired")
        else:
            out[role] = Resolved(None, "subject-pending")
    return out


async def _subjects(session: AsyncSession, reference: str) -> list[ConsentSubject]:
    return list(
        await session.scalars(
            select(ConsentSubject).where(ConsentSubject.consent_reference == reference)
        )
    )


async def _consent(session: AsyncSession, reference: str, actor: str) -> Consent:
    consent = await repository.consent(session, reference)
    if consent is None or consent.actor_personal_id != actor:
        raise NotFound("Không có yêu cầu đồng ý này.", code="consent-not-found")
    if consent.state != ConsentState.confirmed:
        raise Conflict("Bạn cần xác nhận đồng ý trước khi hệ thống đọc dữ liệu.", code="no-consent")
    return consent


async def _read_population(
    session: AsyncSession,
    consent: Consent,
    person: str,
    fields: tuple[str, ...],
    ground: str,
    fetcher: Fetcher | None,
    purpose: str | None = None,
) -> dict[str, Any] | None:
    """One read of the population registry for choosing a subject, logged like every read.
    With its own ``purpose`` it is not a read of the application (not bound to its consent):
    only the ``ground`` is its legal basis."""
    bound = purpose is None
    purpose = purpose or f"application:{consent.application_id}"
    basis = (*consent.legal_basis, ground) if bound else (ground,)
    served = await repository.services_for(session, ["population.person"])
    service, registry = served.get("population.person", (None, None))
    if service is None or registry is None or not registry.enabled:
        raise Invalid(
            "Chưa kết nối được Cơ sở dữ liệu quốc gia về dân cư; vui lòng thử lại sau.",
            code="registry-unavailable",
        )
    target = Target.of(registry, service, fields)
    context = ReadContext(
        subject=person,
        actor=consent.actor_personal_id,
        application_id=consent.application_id,
        purpose=purpose,
        legal_basis=basis,
        consent_reference=consent.reference if bound else "",
        request_id=read_id(),
    )
    active = fetcher or Fetcher(registry_transport())
    found: dict[str, Any] | None = None
    reason: str | None = None
    try:
        records = await active.read(target, context)
    except RegistryUnavailable as error:
        outcome, reason = "unavailable", error.reason
    else:
        found = {k: v.value for k, v in records[0].fields.items()} if records else None
        outcome = "delivered" if found else "not_found"
    await audit.append(
        session,
        [
            Access(
                actor_personal_id=consent.actor_personal_id,
                subject_personal_id=person,
                evidence_type_code="population.person",
                purpose=purpose,
                outcome=outcome,
                agency_code=consent.agency_code,
                registry_code=registry.code,
                procedure_code=consent.procedure_code,
                legal_basis=basis,
                consent_reference=consent.reference if bound else None,
                reason=reason,
                fields=fields,
            )
        ],
    )
    if outcome == "unavailable":
        raise Invalid(
            "Cơ sở dữ liệu quốc gia về dân cư chưa trả lời; vui lòng thử lại sau.",
            code="registry-unavailable",
        )
    return found


IDENTIFY_FIELDS = ("full_name", "date_of_birth", "date_of_death_or_missing")
IDENTIFY_GROUND = (
    "Xác định công dân đến nộp hồ sơ trực tiếp tại Bộ phận Một cửa theo số định danh cá nhân."
)


async def identify(
    session: AsyncSession, reference: str, actor: str, *, fetcher: Fetcher | None = None
) -> dict[str, Any] | None:
    """The consent's own subject as the population registry knows them (None: unknown), for an
    officer who identifies a walk-in citizen at a counter; logged like every read."""
    actor = identifiers.parse(actor).value
    consent = await _consent(session, reference, actor)
    return await _read_population(
        session, consent, consent.subject_personal_id, IDENTIFY_FIELDS, IDENTIFY_GROUND, fetcher
    )


def _members(record: dict[str, Any]) -> list[FamilyMember]:
    members = []
    for relation, label in (("father", "Cha"), ("mother", "Mẹ"), ("spouse", "Vợ hoặc chồng")):
        number = record.get(f"{relation}_personal_id")
        if number:
            members.append(
                FamilyMember(
                    relation=relation,
                    relation_label=label,
                    full_name=record.get(f"{relation}_full_name") or "",
                    personal_id=number,
                )
            )
    for child in record.get("children") or []:
        if isinstance(child, dict) and child.get("personal_id"):
            members.append(
                FamilyMember(
                    relation="child",
                    relation_label="Con",
                    full_name=str(child.get("full_name") or ""),
                    personal_id=str(child["personal_id"]),
                )
            )
    return members


async def family(
    session: AsyncSession, reference: str, actor: str, *, fetcher: Fetcher | None = None
) -> list[FamilyMember]:
    """The applicant's relations in the population registry, to choose whose data is read; the
    parent roles the applicant holds are resolved to the applicant on the way."""
    actor = identifiers.parse(actor).value
    consent = await _consent(session, reference, actor)
    record = await _read_population(
        session,
        consent,
        consent.subject_personal_id,
        FAMILY_FIELDS,
        "Xác định quan hệ gia đình để biết dữ liệu của ai được đọc.",
        fetcher,
    )
    if record is None:
        return []
    roles = roles_of(consent)
    own_parent = SubjectRole.mother if record.get("sex") == "Nữ" else SubjectRole.father
    if own_parent in roles:
        await _put(
            session,
            consent,
            own_parent,
            consent.subject_personal_id,
            None,
            SubjectState.chosen,
            SELF_GROUND,
        )
    other_parent = SubjectRole.father if own_parent == SubjectRole.mother else SubjectRole.mother
    spouse = record.get("spouse_personal_id")
    for role in (other_parent, SubjectRole.spouse):
        if role in roles and spouse and not await _row(session, reference, role):
            await _ask(session, consent, role, spouse, record.get("spouse_full_name"), fetcher)
    return _members(record)


async def _row(session: AsyncSession, reference: str, role: str) -> ConsentSubject | None:
    return await session.get(ConsentSubject, (reference, role))


async def _put(
    session: AsyncSession,
    consent: Consent,
    role: str,
    person: str,
    name: str | None,
    state: SubjectState,
    ground: str,
    expires_at: datetime | None = None,
) -> ConsentSubject:
    row = await _row(session, consent.reference, role)
    if row is None:
        row = ConsentSubject(consent_reference=consent.reference, role=role)
        session.add(row)
    row.personal_id, row.full_name, row.state, row.ground = person, name, state, ground
    row.requested_at, row.expires_at, row.answered_at = clock.now(), expires_at, None
    await session.flush()
    return row


async def _ask(
    session: AsyncSession,
    consent: Consent,
    role: str,
    person: str,
    name: str | None,
    fetcher: Fetcher | None = None,
) -> ConsentSubject:
    """Ask the person to confirm, and tell them so: nothing of theirs is read before they do."""
    expires = clock.now() + timedelta(days=CONFIRMATION_DAYS)
    row = await _put(
        session, consent, role, person, name, SubjectState.pending, CONFIRM_GROUND, expires
    )
    await _tell_asked(session, consent, row, fetcher)
    return row


TELL_FIELDS = ("full_name", "email", "spouse_full_name")
TELL_GROUND = (
    "Báo cho người được đề nghị xác nhận biết để tự quyết định: chỉ đọc họ tên, địa chỉ thư "
    "điện tử và họ tên vợ, chồng (người đề nghị); không phải dữ liệu của hồ sơ, hồ sơ chỉ đọc "
    "dữ liệu của người này sau khi họ xác nhận."
)


async def _tell_asked(
    session: AsyncSession, consent: Consent, row: ConsentSubject, fetcher: Fetcher | None
) -> None:
    """An e-mail (notify outbox) to the address the population registry gives, with the link
    to the page where they confirm or decline; once per request. Not reachable (registry down,
    no address): the request still waits on their "Dữ liệu của tôi" page."""
    assert row.personal_id is not None
    try:
        record = await _read_population(
            session,
            consent,
            row.personal_id,
            TELL_FIELDS,
            TELL_GROUND,
            fetcher,
            purpose=f"confirmation:{consent.application_id}:{row.role}",
        )
    except Invalid:
        return
    if not record or not record.get("email"):
        return
    procedure = await catalog_repository.current_version(
        session, consent.procedure_code, clock.today()
    )
    expires = row.expires_at or clock.now()
    await notify(
        session,
        event_key=f"confirm:{consent.reference}:{row.role}:{row.requested_at:%Y%m%d%H%M%S}",
        kind="confirmation_asked",
        channel=Channel.email,
        recipient=str(record["email"]),
        context={
            "name": record.get("full_name") or "",
            "applicant": _requester(consent, record),
            "role": ROLE_LABELS.get(row.role, row.role).lower(),
            "procedure_name": procedure.name if procedure else consent.procedure_code,
            "expires": f"{get_calendar().localise(expires):%d/%m/%Y}",
            "url": f"{get_settings().public_base_url}/du-lieu/xac-nhan",
        },
    )


def _requester(consent: Consent, record: dict[str, Any]) -> str:
    """Who asks, as the e-mail names them: the name their e-ID gave, with the masked number;
    for a consent that did not keep it, the asked person's spouse as the registry names them."""
    if consent.actor_full_name:
        return f"{consent.actor_full_name} (số định danh {mask(consent.actor_personal_id)})"
    return str(record.get("spouse_full_name") or "Một người trong gia đình bạn")


async def choose(
    session: AsyncSession,
    reference: str,
    actor: str,
    role: str,
    personal_id: str,
    *,
    fetcher: Fetcher | None = None,
) -> SubjectView:
    """The applicant says who a role is. Refused, with nothing written, when the person may not
    be read for that role."""
    actor = identifiers.parse(actor).value
    consent = await _consent(session, reference, actor)
    if role not in roles_of(consent) or role in OWN_ROLES:
        raise Invalid(
            "Thủ tục này không đọc dữ liệu của người ở vai trò đó.",
            code="role-not-in-procedure",
            field="role",
        )
    try:
        person = identifiers.parse(personal_id).value
    except ValueError as error:
        raise Invalid(
            "Số định danh cá nhân phải gồm 12 chữ số.",
            code="malformed-personal-id",
            field="personal_id",
        ) from error
    if role in FAMILY_ROLES:
        row = await _choose_in_family(session, consent, role, person, fetcher)
    elif person == consent.subject_personal_id and role in (SubjectRole.father, SubjectRole.mother):
        row = await _put(session, consent, role, person, None, SubjectState.chosen, SELF_GROUND)
    elif person == consent.subject_personal_id:
        raise Invalid(
            "Người ở vai trò này phải là một người khác, không phải bạn.",
            code="subject-is-applicant",
            field="personal_id",
        )
    else:
        row = await _ask(session, consent, role, person, None, fetcher)
    return _view(row)


async def _choose_in_family(
    session: AsyncSession, consent: Consent, role: str, person: str, fetcher: Fetcher | None
) -> ConsentSubject:
    members = {
        m.personal_id: m
        for m in await family(
            session, consent.reference, consent.actor_personal_id, fetcher=fetcher
        )
    }
    member = members.get(person)
    wanted = "child" if role == SubjectRole.child else None
    if member is None or (wanted and member.relation != wanted):
        who = "con của bạn" if wanted else "người trong gia đình bạn"
        raise Invalid(
            f"Người có số định danh này không phải {who} theo Cơ sở dữ liệu quốc gia về dân cư.",
            code="not-in-family",
            field="personal_id",
        )
    if role == SubjectRole.child:
        return await _put(
            session, consent, role, person, member.full_name, SubjectState.chosen, CHILD_GROUND
        )
    record = await _read_population(
        session, consent, person, DEATH_FIELDS, DECEASED_GROUND, fetcher
    )
    if not record or not record.get("date_of_death_or_missing"):
        raise Invalid(
            f"{member.full_name} chưa được ghi nhận là đã mất trong Cơ sở dữ liệu quốc gia về "
            "dân cư, nên không thể đăng ký khai tử cho người này.",
            code="not-deceased",
            field="personal_id",
        )
    return await _put(
        session, consent, role, person, member.full_name, SubjectState.chosen, DECEASED_GROUND
    )


def _view(row: ConsentSubject) -> SubjectView:
    return SubjectView(
        role=row.role,
        role_label=ROLE_LABELS.get(row.role, row.role),
        personal_id=row.personal_id,
        full_name=row.full_name,
        state=row.state,
        ground=row.ground,
        expires_at=row.expires_at,
    )


async def subjects(session: AsyncSession, reference: str, actor: str) -> list[SubjectView]:
    actor = identifiers.parse(actor).value
    consent = await repository.consent(session, reference)
    if consent is None or consent.actor_personal_id != actor:
        raise NotFound("Không có yêu cầu đồng ý này.", code="consent-not-found")
    return [_view(r) for r in await _subjects(session, reference)]


# --- the other person's side --------------------------------------------------------------------


async def waiting_for(session: AsyncSession, person: str) -> list[ConfirmationView]:
    """Requests to read this person's data that wait for their own confirmation."""
    person = identifiers.parse(person).value
    rows = await session.execute(
        select(ConsentSubject, Consent)
        .join(Consent, Consent.reference == ConsentSubject.consent_reference)
        .where(
            ConsentSubject.personal_id == person,
            ConsentSubject.state == SubjectState.pending,
            ConsentSubject.expires_at > clock.now(),
        )
        .order_by(ConsentSubject.requested_at)
    )
    out = []
    for row, consent in rows:
        out.append(
            ConfirmationView(
                reference=consent.reference,
                role=row.role,
                role_label=ROLE_LABELS.get(row.role, row.role),
                procedure_code=consent.procedure_code,
                requested_by=consent.actor_personal_id,
                requested_by_name=consent.actor_full_name,
                fields=sorted(
                    {
                        f
                        for p in consent.plan
                        if p.get("subject") == row.role
                        for f in p.get("fields", [])
                    }
                ),
                requested_at=row.requested_at,
                expires_at=row.expires_at,
            )
        )
    return out


async def answer(
    session: AsyncSession, reference: str, role: str, person: str, *, accept: bool
) -> SubjectView:
    """The person whose data it is confirms (or declines) with their own e-ID."""
    person = identifiers.parse(person).value
    row = await _row(session, reference, role)
    if row is None or row.personal_id != person:
        raise NotFound("Không có yêu cầu xác nhận này cho bạn.", code="confirmation-not-found")
    if row.state != SubjectState.pending:
        raise Conflict("Yêu cầu này đã được trả lời.", code="confirmation-answered")
    if row.expires_at is not None and row.expires_at <= clock.now():
        raise Conflict("Yêu cầu xác nhận đã hết hạn.", code="confirmation-expired")
    row.state = SubjectState.confirmed if accept else SubjectState.declined
    row.answered_at = clock.now()
    await session.flush()
    for hook in ANSWERED:
        await hook(session, reference, role)
    return _view(row)


# Called in the same transaction when a person answers a request to read their data (the
# offers module files a birth offer that waited for the other parent).
Answered = Callable[[AsyncSession, str, str], Awaitable[None]]
ANSWERED: list[Answered] = []
