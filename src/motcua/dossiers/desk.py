"""The one-stop counter (Bộ phận Một cửa): a walk-in citizen's dossier, received by the officer
with the data the registries hold, as the online flow does.

Open a visit (the procedure, the citizen's personal number, the identity check the officer made
on the chip card or VNeID, the consent the citizen gave in person) -> the citizen is identified
in the population registry and the registries are read under that consent, the officer holding
it for the citizen -> the officer sees what was fetched, types the declaration and scans only
what no registry holds -> the dossier is received (``service.submit``, channel ``counter``, one
key per visit) -> the receipt slip.

A visit stopped after the registries were asked (a number the population registry does not
know, a registry down) keeps the visit, the closed consent and the access log of the reads made
(invariant 3); no dossier, no item, no file is written.
"""

import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion, Requirement
from motcua.core import clock
from motcua.core.errors import Invalid, NotFound
from motcua.dossiers import counter, receiving
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Channel, CounterVisit, IdentityCheck, ItemSource
from motcua.dossiers.schemas import ItemIn, Problem, SubmissionIn
from motcua.exchange import repository as exchange_repository
from motcua.exchange import service as exchange
from motcua.exchange import subjects
from motcua.exchange.connectors import REASONS, Fetcher
from motcua.exchange.models import ConsentState, Decision, ItemStatus
from motcua.exchange.schemas import ItemView, SourcedField
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject

COUNTER_ROLES = {Role.receiving_officer, Role.agency_admin}
CHECK_NAMES = {
    IdentityCheck.chip_card: "Đọc chip thẻ căn cước",
    IdentityCheck.vneid: "Kiểm tra tài khoản định danh điện tử VNeID",
}
# The family roles as the officer reads them (the online labels speak to the citizen).
FAMILY_LABELS = {"child": "Con của công dân", "deceased": "Người đã mất trong gia đình công dân"}
# Reasons a read was not made that do not mean a registry is down.
NOT_DOWN = {"registry-disabled", "no-connector"}
OATH = "cam_doan"
OATH_LABEL = (
    "Công dân đã đọc lại tờ khai và cam đoan những thông tin đã khai là đúng sự thật, chịu "
    "trách nhiệm trước pháp luật về lời khai của mình"
)
GENERIC = {
    "type": "object",
    "properties": {"noi_dung": {"type": "string", "title": "Nội dung đề nghị", "maxLength": 2000}},
    "required": ["noi_dung"],
}


class DeskRefused(dossiers.DossierRefused):
    """Every problem of what the officer entered, at once, by field of the page."""


def _officer_number(officer: Subject) -> str:
    if officer.role not in COUNTER_ROLES:
        raise Forbidden(
            "Chỉ cán bộ tiếp nhận của Bộ phận Một cửa được nhận hồ sơ trực tiếp.",
            code="not-a-receiving-officer",
        )
    if officer.personal_id is None:
        raise Forbidden(
            "Tài khoản cán bộ chưa có số định danh cá nhân nên chưa thể tiếp nhận hồ sơ; "
            "quản trị viên cần bổ sung.",
            code="officer-without-personal-number",
        )
    return officer.personal_id


# --- opening a visit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """What the officer enters first, as typed (kept on the page when refused)."""

    procedure_code: str = ""
    citizen_number: str = ""
    identity_check: str = ""
    consent: bool = False


@dataclass(frozen=True)
class Opened:
    visit_id: str
    stopped: list[Problem] = field(default_factory=list)  # refused after the registries


async def _opening_problems(
    session: AsyncSession, officer: Subject, opening: Opening
) -> tuple[list[Problem], ProcedureVersion | None]:
    problems: list[Problem] = []

    def problem(where: str, code: str, message: str) -> None:
        problems.append(Problem(field=where, code=code, message=message))

    code = opening.procedure_code.strip()
    version = None
    if not code:
        problem("ma_thu_tuc", "missing-procedure", "Hãy chọn thủ tục công dân đề nghị.")
    else:
        version = await catalog_repository.current_version(session, code, clock.today())
        if version is None:
            problem(
                "ma_thu_tuc",
                "unknown-procedure",
                f"Không có thủ tục mã “{code}” đang có hiệu lực; hãy tìm lại thủ tục.",
            )
        else:
            rules = receiving.Rules.of(version)
            if not receiving.may_receive(officer.agency_id, officer.agency_level, rules):
                problem(
                    "ma_thu_tuc",
                    "agency-may-not-receive",
                    f"{officer.agency_name} không tiếp nhận thủ tục này. "
                    f"{receiving.where_to_file(rules)}",
                )
    number = "".join(opening.citizen_number.split())
    if wrong := dossiers.check_personal_number(number, "so_dinh_danh"):
        problems.append(
            wrong.model_copy(
                update={"message": "Số định danh cá nhân của công dân phải gồm 12 chữ số."}
            )
            if not number.isdigit() or len(number) != 12
            else wrong
        )
    if opening.identity_check not in set(IdentityCheck):
        problem(
            "kiem_tra",
            "missing-identity-check",
            "Hãy ghi cách đã kiểm tra danh tính công dân: đọc chip thẻ căn cước hoặc kiểm tra "
            "tài khoản VNeID.",
        )
    if not opening.consent:
        problem(
            "dong_y",
            "missing-consent",
            "Công dân chưa đồng ý cho cơ quan lấy dữ liệu từ các cơ sở dữ liệu; không lấy dữ liệu "
            "khi chưa có sự đồng ý.",
        )
    return problems, version


async def open_visit(
    session: AsyncSession, officer: Subject, opening: Opening, *, fetcher: Fetcher | None = None
) -> Opened:
    """Check what was entered (nothing written when refused), then identify the citizen and
    read the registries under the consent given at the counter."""
    actor = _officer_number(officer)
    problems, version = await _opening_problems(session, officer, opening)
    if problems:
        raise DeskRefused(problems)
    assert version is not None
    citizen = "".join(opening.citizen_number.split())
    consent = await exchange.prepare_consent(session, version.procedure.code, actor, citizen)
    await exchange.confirm_consent(session, consent.reference, actor)
    visit = CounterVisit(
        id=secrets.token_hex(16),
        consent_reference=consent.reference,
        officer_id=officer.officer_id,
        officer_number=actor,
        agency_id=officer.agency_id,
        citizen_number=citizen,
        procedure_code=version.procedure.code,
        identity_check=IdentityCheck(opening.identity_check),
        checked_at=clock.now(),
    )
    session.add(visit)
    await session.flush()
    stopped = await _read(session, visit, version, fetcher)
    if stopped:
        await exchange.close_application(session, visit.consent_reference, actor)
    return Opened(visit.id, stopped)


async def _read(
    session: AsyncSession, visit: CounterVisit, version: ProcedureVersion, fetcher: Fetcher | None
) -> list[Problem]:
    """The citizen in the population registry, then every planned read; why the filing cannot
    go on, if it cannot."""
    actor, reference = visit.officer_number, visit.consent_reference
    stopped = await _identify(session, visit, fetcher)
    if stopped:
        return stopped
    consent = await exchange_repository.consent(session, reference)
    assert consent is not None
    if subjects.roles_of(consent) - set(subjects.OWN_ROLES):
        await subjects.family(session, reference, actor, fetcher=fetcher)
    fetched = await exchange.fetch_evidence(session, reference, actor, fetcher=fetcher)
    return await _down(session, version, fetched.items)


async def _identify(
    session: AsyncSession, visit: CounterVisit, fetcher: Fetcher | None
) -> list[Problem]:
    """Who the number is in the population registry; the name is kept with the visit."""

    def stop(code: str, message: str) -> list[Problem]:
        return [Problem(field="so_dinh_danh", code=code, message=message)]

    try:
        person = await subjects.identify(
            session, visit.consent_reference, visit.officer_number, fetcher=fetcher
        )
    except Invalid as error:  # the population registry did not answer
        return stop(
            "registry-unavailable",
            f"Chưa kiểm tra được công dân: {error.message} Hồ sơ chưa được tiếp nhận.",
        )
    if person is None:
        return stop(
            "unknown-person",
            "Cơ sở dữ liệu quốc gia về dân cư không có công dân mang số định danh "
            f"{visit.citizen_number}. Hãy đối chiếu lại số trên thẻ căn cước hoặc VNeID của "
            "công dân; hồ sơ chưa được tiếp nhận.",
        )
    if person.get("date_of_death_or_missing"):
        return stop(
            "person-deceased",
            "Cơ sở dữ liệu quốc gia về dân cư ghi nhận người mang số định danh này đã mất hoặc "
            "mất tích; hãy đối chiếu lại giấy tờ của công dân.",
        )
    visit.citizen_name = str(person.get("full_name") or "") or None
    return []


async def _down(
    session: AsyncSession, version: ProcedureVersion, fetched: list[ItemView]
) -> list[Problem]:
    """A mandatory read a registry failed (not one waiting for a person, nor a registry that
    is not connected, whose paper is still taken): the requirement, the database, the cause."""
    mandatory = {r.key: r.name for r in version.requirements if r.mandatory}
    registries = {r.code: r.name for r, _ in await exchange_repository.registries(session)}
    return [
        Problem(
            field="du_lieu",
            code="registry-unavailable",
            message=f"Chưa lấy được “{mandatory[i.key]}” từ "
            f"{registries.get(i.registry_code or '', 'cơ sở dữ liệu')}: "
            f"{REASONS.get(i.reason or '', 'cơ sở dữ liệu chưa trả lời.')} Hồ sơ chưa được tiếp "
            "nhận; hãy thử lại khi cơ sở dữ liệu hoạt động trở lại.",
        )
        for i in fetched
        if i.status == ItemStatus.unavailable
        and i.key in mandatory
        and i.reason not in NOT_DOWN
        and not (i.reason or "").startswith("subject-")
    ]


# --- the visit page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: str  # line, text, date, select, checkbox
    required: bool
    max_length: int
    options: tuple[str, ...] = ()
    hint: str = ""  # what happens when it is left empty, for an optional question


@dataclass
class DeskItem:
    """One requirement as the counter handles it."""

    key: str
    name: str
    description: str
    mandatory: bool
    kind: Literal["registry", "declaration", "scan", "no-scan"]
    registry: str | None = None  # the database that delivered it, or that holds it
    fields: dict[str, SourcedField] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # why it is asked, or why no scan is taken
    evidence_item: int | None = None


@dataclass(frozen=True)
class RecordChoice:
    """A registry holding several records: the officer picks the one with the citizen."""

    key: str
    name: str
    question: str
    options: list[tuple[str, str]]


@dataclass(frozen=True)
class PersonChoice:
    """A role read from the citizen's family (the child, the deceased), still to be named."""

    role: str
    label: str
    members: list[tuple[str, str]]


@dataclass
class Desk:
    visit: CounterVisit
    procedure_name: str
    check_name: str
    items: list[DeskItem]
    records: list[RecordChoice] = field(default_factory=list)
    people: list[PersonChoice] = field(default_factory=list)


async def own_visit(session: AsyncSession, officer: Subject, visit_id: str) -> CounterVisit:
    """The officer's own visit; anyone else's reads as one that does not exist."""
    _officer_number(officer)
    visit = await session.get(CounterVisit, visit_id)
    if visit is None or visit.officer_id != officer.officer_id:
        raise NotFound("Không có lượt tiếp nhận này của bạn.", code="visit-not-found")
    return visit


def _questions(schema: dict[str, Any]) -> list[Question]:
    asked = [
        Question(s.name, s.label, s.kind, s.required, s.max_length, s.options)
        for s in declarations.specs(schema)
    ]
    return [*asked, Question(OATH, OATH_LABEL, "checkbox", True, 5)]


def _prefilled(
    schema: dict[str, Any], typed: dict[str, Any], items: dict[str, ItemView]
) -> dict[str, Any]:
    values = dict(typed)
    for spec in declarations.specs(schema):
        if spec.prefill and spec.name not in values:
            key, _, name = spec.prefill.partition(".")
            item = items.get(key)
            if item is not None and _delivered(item) and name in item.fields:
                value = item.fields[name].value
                if value not in (None, ""):
                    values[spec.name] = str(value)
    return values


def _delivered(item: ItemView | None) -> bool:
    return (
        item is not None
        and item.status == ItemStatus.delivered
        and item.decision != Decision.rejected
    )


def _why_not(item: ItemView | None) -> str:
    if item is None:
        return "Chưa lấy dữ liệu này."
    if item.status == ItemStatus.not_found:
        return "Cơ sở dữ liệu không có bản ghi của công dân cho thành phần này."
    if item.status == ItemStatus.needs_choice:
        return "Cơ sở dữ liệu có nhiều bản ghi; chọn bản ghi cần dùng."
    return REASONS.get(item.reason or "", "Chưa lấy được dữ liệu này.")


async def _requirements(session: AsyncSession, visit: CounterVisit) -> list[Requirement]:
    consent = await exchange_repository.consent(session, visit.consent_reference)
    assert consent is not None
    return list(await catalog_repository.requirements_of(session, consent.procedure_version_id))


async def desk(
    session: AsyncSession,
    officer: Subject,
    visit_id: str,
    typed: dict[str, dict[str, Any]] | None = None,
) -> Desk:
    """What the officer sees: fetched data, the declaration (pre-filled where its schema says,
    or as typed), a scan field only where no connected registry holds the data."""
    visit = await own_visit(session, officer, visit_id)
    consent = await exchange_repository.consent(session, visit.consent_reference)
    assert consent is not None
    version = await session.get(ProcedureVersion, consent.procedure_version_id)
    assert version is not None
    requirements = await _requirements(session, visit)
    items: dict[str, ItemView] = {}
    if consent.state != ConsentState.closed:
        views = await exchange.items(session, visit.consent_reference, visit.officer_number)
        items = {i.key: i for i in views}
    held = await counter.registry_held(session, visit.procedure_code, version.id)
    registries = {r.code: r.name for r, _ in await exchange_repository.registries(session)}
    out = [_item(r, items, (typed or {}).get(r.key, {}), held, registries) for r in requirements]
    records = [
        RecordChoice(
            i.key,
            next((r.name for r in requirements if r.key == i.key), i.key),
            i.question or "",
            [(o.id, o.label) for o in i.options],
        )
        for i in items.values()
        if i.status == ItemStatus.needs_choice and i.decision != Decision.rejected
    ]
    people = await _people(session, visit, consent) if items else []
    return Desk(visit, version.name, CHECK_NAMES[visit.identity_check], out, records, people)


def _item(
    r: Requirement,
    items: dict[str, ItemView],
    typed: dict[str, Any],
    held: dict[str, str],
    registries: dict[str, str],
) -> DeskItem:
    """One requirement at the counter: fetched, declared, not scanned (Directive 24), or
    scanned."""
    item = items.get(r.key)
    base: dict[str, Any] = {
        "key": r.key,
        "name": r.name,
        "description": r.description,
        "mandatory": r.mandatory,
    }
    if r.evidence_type_code and _delivered(item):
        assert item is not None
        return DeskItem(
            **base,
            kind="registry",
            registry=registries.get(item.registry_code or "", item.registry_code),
            fields=item.fields,
            evidence_item=item.id,
        )
    if r.form_template and not r.evidence_type_code:
        schema = r.declaration or GENERIC
        return DeskItem(
            **base,
            kind="declaration",
            questions=_questions(schema),
            values=_prefilled(schema, typed, items),
        )
    if r.key in held:
        refused = f"{_why_not(item)} {counter.scan_refusal(r.name, held[r.key])}"
        return DeskItem(**base, kind="no-scan", registry=held[r.key], note=refused)
    scan = _why_not(item) + " Nhận bản quét." if r.evidence_type_code else None
    return DeskItem(**base, kind="scan", note=scan)


async def _people(session: AsyncSession, visit: CounterVisit, consent: Any) -> list[PersonChoice]:
    """The family roles not named yet, with the citizen's relations to choose from (a read of
    the population registry, logged, made only while such a role waits)."""
    whose = await subjects.resolve(session, consent)
    waiting = [
        role
        for role, found in whose.items()
        if role in subjects.FAMILY_ROLES and found.reason == "subject-not-chosen"
    ]
    if not waiting:
        return []
    family = await subjects.family(session, visit.consent_reference, visit.officer_number)
    members = [(m.personal_id, f"{m.full_name} ({m.relation_label})") for m in family]
    return [PersonChoice(role, FAMILY_LABELS[role], members) for role in sorted(waiting)]


async def choose_record(
    session: AsyncSession, officer: Subject, visit_id: str, key: str, record: str
) -> None:
    """The record the citizen says the dossier is about, read again (logged like any read)."""
    from motcua.exchange import choices

    visit = await own_visit(session, officer, visit_id)
    await choices.choose(session, visit.consent_reference, visit.officer_number, key, record)


async def choose_person(
    session: AsyncSession,
    officer: Subject,
    visit_id: str,
    role: str,
    personal_id: str,
    *,
    fetcher: Fetcher | None = None,
) -> None:
    """Name the child or the deceased from the citizen's family, then read again."""
    visit = await own_visit(session, officer, visit_id)
    reference, actor = visit.consent_reference, visit.officer_number
    await subjects.choose(session, reference, actor, role, personal_id, fetcher=fetcher)
    await exchange.fetch_evidence(session, reference, actor, fetcher=fetcher)


# --- receiving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    code: str
    created: bool


async def receive(
    session: AsyncSession,
    officer: Subject,
    visit_id: str,
    typed: dict[str, dict[str, Any]],
    scans: dict[str, str],
) -> Received:
    """File the dossier from the visit: registry items cite the reads, the declaration as typed,
    the scans; all problems at once (page fields), nothing written when refused. A second call
    returns the same dossier (the visit's own idempotency key)."""
    visit = await own_visit(session, officer, visit_id)
    if visit.dossier_code is not None:
        return Received(visit.dossier_code, False)
    view = await desk(session, officer, visit_id, typed)
    items, problems = _items_of(view, typed, scans)
    body = SubmissionIn(
        procedure_code=visit.procedure_code,
        receiving_agency=officer.agency_code,
        channel=Channel.counter,
        applicant=visit.citizen_number,
        items=items,
    )
    found = await dossiers.problems_of(session, body, visit.officer_number)
    problems += [_on_page(p, [i.requirement_key for i in items]) for p in found]
    if problems:
        raise DeskRefused(problems)
    result = await dossiers.submit(
        session, body, actor=visit.officer_number, idempotency_key=f"counter:{visit.id}"
    )
    visit.dossier_code = result.dossier.code
    await session.flush()
    await exchange.close_application(session, visit.consent_reference, visit.officer_number)
    return Received(result.dossier.code, result.created)


def _items_of(
    view: Desk, typed: dict[str, dict[str, Any]], scans: dict[str, str]
) -> tuple[list[ItemIn], list[Problem]]:
    """The dossier's items from the visit (a scan where one was given, which the submission
    refuses for registry-held data), and the counter's own problem: the oath not ticked."""
    problems: list[Problem] = []
    items: list[ItemIn] = []
    for item in view.items:
        if item.key in scans:
            items.append(
                ItemIn(
                    requirement_key=item.key, source=ItemSource.counter, upload_id=scans[item.key]
                )
            )
        elif item.kind == "registry":
            items.append(
                ItemIn(
                    requirement_key=item.key,
                    source=ItemSource.registry,
                    evidence_item=item.evidence_item,
                )
            )
        elif item.kind == "declaration":
            if not typed.get(item.key, {}).get(OATH):
                problems.append(
                    Problem(
                        field=f"values.{item.key}.{OATH}",
                        code="missing-oath",
                        message="Công dân chưa cam đoan lời khai: hãy đọc lại tờ khai cho công dân "
                        "rồi đánh dấu ô cam đoan.",
                    )
                )
            answers = {k: v for k, v in item.values.items() if v not in ("", None)}
            if answers:
                items.append(
                    ItemIn(requirement_key=item.key, source=ItemSource.counter, value=answers)
                )
    return items, problems


def _on_page(problem: Problem, keys: list[str]) -> Problem:
    """``items[3].value.ngay_sinh`` -> ``values.<key>.ngay_sinh``; ``items[2].upload_id`` ->
    ``uploads.<key>``; ``items.<key>`` -> ``uploads.<key>``: the fields the page has."""
    parts = problem.field.split(".")
    head = parts[0]
    if head.startswith("items[") and head.endswith("]"):
        index = int(head[6:-1])
        key = keys[index] if index < len(keys) else ""
        if len(parts) >= 3 and parts[1] == "value":
            return problem.model_copy(update={"field": f"values.{key}.{parts[2]}"})
        return problem.model_copy(update={"field": f"uploads.{key}"})
    if head == "items" and len(parts) == 2:
        return problem.model_copy(update={"field": f"uploads.{parts[1]}"})
    return problem
