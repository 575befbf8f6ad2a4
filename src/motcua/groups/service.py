"""Filing a group of interconnected procedures once: one combined declaration, one group code,
one dossier per chosen member at its own agency.

``file_group`` checks everything before writing anything (the combination, the declaration,
the registry reads cited, whom the group is for, where each member goes); then, in the
caller's transaction, it writes the filing, its members, and the dossiers of the members that
start at once (birth or death registration). A member that starts from another's result waits;
``handover`` starts it when that result is signed (docs/groups.md).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations
from motcua.catalog import groups as catalog_groups
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.schemas import GroupDoc, GroupMemberDoc, MemberAgency
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.text import fold
from motcua.dossiers import duplicates, evidence
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier
from motcua.dossiers.schemas import Problem
from motcua.groups import members as member_dossiers
from motcua.groups import repository
from motcua.groups.models import (
    FilingState,
    GroupEvent,
    GroupFiling,
    GroupMember,
    MemberState,
)
from motcua.groups.schemas import GroupFilingIn
from motcua.units.models import Agency, AgencyKind, AgencyLevel


class GroupRefused(Invalid):
    """Every problem of a group filing at once, each with its field and a message to act on."""

    def __init__(self, problems: list[Problem]) -> None:
        codes = {p.code for p in problems}
        first = problems[0].message if len(problems) == 1 else None
        super().__init__(
            first or f"Hồ sơ liên thông chưa nộp được: có {len(problems)} lỗi, xem từng mục.",
            code=codes.pop() if len(codes) == 1 else "invalid-group-filing",
            problems=[p.model_dump() for p in problems],
        )
        self.problems = problems


@dataclass(frozen=True)
class Filed:
    filing: GroupFiling
    created: bool


@dataclass
class _Checked:
    group: GroupDoc
    chosen: list[GroupMemberDoc]
    versions: dict[str, ProcedureVersion]
    place: Agency  # the commune People's Committee the group is filed at
    reads: dict[str, dict[str, Any]]
    routes: dict[str, Agency]
    subject_key: str
    identity: duplicates.Identity | None


def _fingerprint(body: GroupFilingIn, actor: str) -> str:
    canonical = json.dumps(
        {"actor": actor, "body": body.model_dump(mode="json")}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def file_group(
    session: AsyncSession, body: GroupFilingIn, *, actor: str, idempotency_key: str
) -> Filed:
    """File a group (the function the pages, the API and proactive offers call). The same key
    with the same body returns the first filing; with another body it is a 409."""
    actor = dossiers.require_person(actor)
    fingerprint = _fingerprint(body, actor)
    await dossiers_repository.take_write_lock(session)
    existing = await repository.filing_by_key(session, actor, idempotency_key)
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise Conflict(
                "Khóa Idempotency-Key này đã dùng cho một hồ sơ khác; hãy tạo khóa mới.",
                code="idempotency-key-reused",
                group_code=existing.code,
            )
        return Filed(existing, False)
    checked = await _check(session, body, actor)
    try:
        async with session.begin_nested():  # refused mid-way (a duplicate): nothing written
            filing = await _write(session, body, actor, idempotency_key, fingerprint, checked)
    except _KeyTaken:
        # A concurrent request with the same key committed first: answer with its filing.
        return await file_group(session, body, actor=actor, idempotency_key=idempotency_key)
    return Filed(filing, True)


class _KeyTaken(Exception):
    """The filing's idempotency key was taken between the check and the insert."""


async def _check(session: AsyncSession, body: GroupFilingIn, actor: str) -> _Checked:
    problems: list[Problem] = []

    def problem(field: str, code: str, message: str) -> None:
        problems.append(Problem(field=field, code=code, message=message))

    if body.applicant is not None and (
        p := dossiers.check_personal_number(body.applicant, "applicant")
    ):
        raise GroupRefused([p])
    group = await catalog_groups.get(session, body.group)
    if group is None:
        raise NotFound(f"Không có nhóm thủ tục liên thông “{body.group}”.", code="unknown-group")
    combination = next((c for c in group.combinations if c.key == body.combination), None)
    if combination is None:
        names = "; ".join(c.name for c in group.combinations)
        raise GroupRefused(
            [Problem(field="combination", code="unknown-combination",
                     message=f"Hãy chọn một trong các lựa chọn pháp luật cho phép: {names}.")]
        )  # fmt: skip
    chosen = [m for m in group.members if m.key in combination.members]
    today = clock.today()
    versions: dict[str, ProcedureVersion] = {}
    for code in {group.procedure_code, *(m.procedure_code for m in chosen)}:
        version = await catalog_repository.current_version(session, code, today)
        if version is None:
            raise GroupRefused(
                [Problem(field="group", code="not-published",
                         message=f"Thủ tục {code} của nhóm chưa có phiên bản có hiệu lực.")]
            )  # fmt: skip
        versions[code] = version
    own = {r.key: r for r in versions[group.procedure_code].requirements}
    schema = own[group.declaration_requirement].declaration or {}
    for field, message in declarations.problems(schema, body.declaration, today):
        problem(f"declaration.{field}" if field else "declaration", "invalid-declaration", message)
    if body.contact_email is not None and not dossiers.EMAIL.match(body.contact_email):
        problem("contact_email", "malformed-email", "Địa chỉ thư điện tử không hợp lệ.")
    place = await _place(session, body.receiving_agency, problem)
    reads = await _reads(session, body, group, chosen, own, actor, problem)
    if problems:
        raise GroupRefused(problems)
    assert place is not None
    routes = await _routes(session, group, chosen, place, reads, problem)
    subject_key = _subject_key(group, body.declaration, reads, body.applicant or actor)
    _agreement(group, body.declaration, reads, body.applicant or actor, problem)
    if problems:
        raise GroupRefused(problems)
    identity = _identity(group, body, reads, body.applicant or actor)
    await _not_filed_before(session, group, identity)
    return _Checked(group, chosen, versions, place, reads, routes, subject_key, identity)


async def _place(session: AsyncSession, code: str, problem: Any) -> Agency | None:
    """The commune People's Committee a group is filed at (or the one a commune service centre
    belongs to): civil status is registered there, and its commune decides the others."""
    agency = await repository.agency_by_code(session, code)
    if agency is None or agency.level != AgencyLevel.commune or agency.kind not in (
        AgencyKind.people_committee, AgencyKind.service_centre
    ):  # fmt: skip
        problem(
            "receiving_agency",
            "agency-may-not-receive",
            "Nhóm thủ tục liên thông được tiếp nhận tại Ủy ban nhân dân cấp xã hoặc Trung tâm "
            "Phục vụ hành chính công cấp xã; hãy chọn nơi nộp là một xã, phường.",
        )
        return None
    if agency.kind == AgencyKind.service_centre:
        assert agency.unit_code is not None
        committee = await repository.agency_of_unit(
            session, agency.unit_code, AgencyKind.people_committee
        )
        assert committee is not None
        return committee
    return agency


async def _reads(
    session: AsyncSession,
    body: GroupFilingIn,
    group: GroupDoc,
    chosen: list[GroupMemberDoc],
    own: Mapping[str, Any],
    actor: str,
    problem: Any,
) -> dict[str, dict[str, Any]]:
    """The registry reads cited, copied as a dossier copies them (invariant 8); each read the
    chosen members need and their procedure makes mandatory must be there."""
    for i, item in enumerate(body.items):
        if item.requirement_key not in own:
            problem(
                f"items[{i}].requirement_key",
                "requirement-not-in-procedure",
                f"“{item.requirement_key}” không phải thành phần của nhóm thủ tục này.",
            )
    copied = await evidence.copy(
        session,
        body.items,
        procedure_code=group.procedure_code,
        actor=actor,
        applicant=body.applicant or actor,
        problem=problem,
    )
    reads = {
        body.items[i].requirement_key: {"value": c.value, "evidence": c.evidence}
        for i, c in copied.items()
    }
    needed = {theirs for m in chosen for theirs in m.evidence.values()}
    for key in sorted(needed):
        requirement = own.get(key)
        if requirement is not None and requirement.mandatory and key not in reads:
            given = any(i.requirement_key == key for i in body.items)
            if not given:
                problem(
                    f"items.{key}",
                    "missing-requirement",
                    f"Thiếu dữ liệu “{requirement.name}”: hãy lấy dữ liệu từ cơ sở dữ liệu "
                    "rồi nộp.",
                )
    return reads


def _residence_unit(member: GroupMemberDoc, reads: Mapping[str, Any]) -> str | None:
    """Where the person concerned lives, from the reads this member uses (the parent's
    residence for a child, the last residence of the deceased)."""
    for theirs in member.evidence.values():
        value = (reads.get(theirs) or {}).get("value") or {}
        unit = value.get("residence_unit_code")
        if isinstance(unit, str) and unit.strip():
            return unit.strip()
    return None


async def _routes(
    session: AsyncSession,
    group: GroupDoc,
    chosen: list[GroupMemberDoc],
    place: Agency,
    reads: Mapping[str, Any],
    problem: Any,
) -> dict[str, Agency]:
    """Each member's agency: the commune committee filed at for civil status and social
    affairs; the police of the commune the person lives in; that province's social insurance."""
    from motcua.units.models import AdminUnit

    assert place.unit_code is not None
    home = await session.get(AdminUnit, place.unit_code)
    assert home is not None and home.province_code is not None
    routes: dict[str, Agency] = {}
    outside: list[str] = []
    for member in chosen:
        unit_code = _residence_unit(member, reads) or place.unit_code
        unit = await session.get(AdminUnit, unit_code)
        if unit is None or unit.province_code is None:
            unit = home
        if unit.province_code != home.province_code:
            if any(p for p in outside):
                continue
            outside.append(member.key)
            problem(
                f"members.{member.key}",
                "address-outside-province",
                f"Nơi cư trú ({unit.name}) thuộc tỉnh, thành phố khác với nơi nộp hồ sơ "
                f"({place.name}). Hãy nộp hồ sơ liên thông tại một xã, phường của tỉnh, thành "
                "phố nơi cư trú.",
            )
            continue
        if member.agency in (MemberAgency.commune_committee, MemberAgency.commune_social_affairs):
            routes[member.key] = place
            continue
        kind = AgencyKind.police
        key_unit = unit.code
        if member.agency == MemberAgency.social_insurance:
            kind, key_unit = AgencyKind.social_insurance, home.province_code
        agency = await repository.agency_of_unit(session, key_unit, kind)
        if agency is None:
            problem(
                f"members.{member.key}",
                "agency-not-found",
                "Chưa có cơ quan giải quyết thủ tục này cho địa bàn của bạn; hãy liên hệ Bộ phận "
                "Một cửa.",
            )
            continue
        routes[member.key] = agency
    return routes


def _subject_key(
    group: GroupDoc, answers: Mapping[str, Any], reads: Mapping[str, Any], applicant: str
) -> str:
    if group.once_per == "deceased":
        for read in reads.values():
            ev = read.get("evidence") or {}
            if ev.get("subject_role") == "deceased" and ev.get("subject_personal_id"):
                return f"deceased:{ev['subject_personal_id']}"
        return f"deceased:{applicant}:{answers.get('ngay_chet', '')}"
    mother = ""
    for read in reads.values():
        mother = str((read.get("value") or {}).get("mother_personal_id") or "") or mother
    name = fold(str(answers.get("ho_ten_tre", "")))
    return f"child:{mother or applicant}:{answers.get('ngay_sinh', '')}:{name}"[:200]


def _agreement(
    group: GroupDoc,
    answers: Mapping[str, Any],
    reads: Mapping[str, Any],
    applicant: str,
    problem: Any,
) -> None:
    """Parents' records must agree: the mother on the birth certificate is the applicant when
    the applicant says she is the mother, and is a spouse of the registered marriage."""
    if group.once_per != "child":
        return
    births = [r["value"] for r in reads.values() if "mother_personal_id" in (r.get("value") or {})]
    marriages = [
        r["value"] for r in reads.values() if "spouse_1_personal_id" in (r.get("value") or {})
    ]
    mother = next((str(b["mother_personal_id"]) for b in births if b.get("mother_personal_id")), "")
    if mother and answers.get("quan_he") == "Mẹ" and mother != applicant:
        problem(
            "declaration.quan_he",
            "parents-disagree",
            "Người mẹ trên giấy chứng sinh không phải là người đang đăng ký, trong khi tờ khai "
            "ghi quan hệ là “Mẹ”. Hãy kiểm tra lại quan hệ với trẻ, hoặc liên hệ cơ sở y tế đã "
            "cấp giấy chứng sinh để đính chính.",
        )
    for marriage in marriages:
        spouses = {
            str(marriage.get("spouse_1_personal_id") or ""),
            str(marriage.get("spouse_2_personal_id") or ""),
        } - {""}
        if spouses and mother and mother not in spouses:
            problem(
                "items.dang_ky_ket_hon_cha_me",
                "parents-disagree",
                "Người mẹ trên giấy chứng sinh không phải là vợ, chồng trong đăng ký kết hôn đã "
                "lấy từ dữ liệu hộ tịch. Hãy kiểm tra lại, hoặc nộp hồ sơ không kèm thông tin "
                "đăng ký kết hôn và trình bày tại Bộ phận Một cửa.",
            )
        elif spouses and applicant not in spouses:
            problem(
                "items.dang_ky_ket_hon_cha_me",
                "parents-disagree",
                "Người đăng ký không có tên trong đăng ký kết hôn đã lấy từ dữ liệu hộ tịch; hãy "
                "kiểm tra lại thông tin của cha, mẹ.",
            )
        elif spouses and (other := _other_parent(reads, applicant)) and other not in spouses:
            problem(
                "items.nhan_than_cha_me_con_lai",
                "parents-disagree",
                "Người cha, mẹ còn lại đã xác nhận cho đọc dữ liệu không có tên trong đăng ký kết "
                "hôn đã lấy từ dữ liệu hộ tịch; hãy kiểm tra lại thông tin của cha, mẹ.",
            )


def _other_parent(reads: Mapping[str, Any], applicant: str) -> str:
    """The other parent's number, from their own read (confirmed by them); empty if none."""
    for read in reads.values():
        evidence = read.get("evidence") or {}
        number = str((read.get("value") or {}).get("personal_id") or "")
        if evidence.get("subject_role") in ("spouse", "father", "mother") and number not in (
            "",
            applicant,
        ):
            return number
    return ""


def _identity(
    group: GroupDoc, body: GroupFilingIn, reads: Mapping[str, Any], applicant: str
) -> duplicates.Identity | None:
    """The birth or death the group registers, as every channel names it."""
    pairs = [(r.get("value") or {}, r.get("evidence") or {}) for r in reads.values()]
    return duplicates.identity_of(group.procedure_code, pairs, body.declaration, applicant)


async def _not_filed_before(
    session: AsyncSession, group: GroupDoc, identity: duplicates.Identity | None
) -> None:
    """A second registration of the same child or death, by any channel: 409 naming it."""
    if identity is None:
        return
    earlier = await duplicates.held(session, identity)
    if earlier is not None:
        raise duplicates.DuplicateRegistration(identity.event, earlier.shown_code)


async def _write(
    session: AsyncSession,
    body: GroupFilingIn,
    actor: str,
    idempotency_key: str,
    fingerprint: str,
    checked: _Checked,
) -> GroupFiling:
    calendar = get_calendar()
    group = checked.group
    now = clock.now()
    day = calendar.localise(now).date()
    number = await dossiers_repository.take_number(session, f"LT.{checked.place.code}"[:35], day)
    cutoff = group.same_day_cutoff
    combination = next(c for c in group.combinations if c.key == body.combination)
    filing = GroupFiling(
        code=f"LT-{checked.place.code}-{day:%y%m%d}-{number:04d}",
        group_code=group.code,
        group_name=group.name,
        combination=combination.key,
        definition=group.model_dump(mode="json"),
        applicant_number=body.applicant or actor,
        subject_key=checked.subject_key,
        actor_number=actor,
        channel=body.channel.value,
        receiving_agency_id=checked.place.id,
        state=FilingState.in_progress,
        received_at=now,
        due_at=calendar.due_at(now, group.working_days, cutoff=cutoff),
        verification_due_at=(
            None
            if group.verification_days is None
            else calendar.due_at(now, group.verification_days, cutoff=cutoff)
        ),
        declaration=dict(body.declaration),
        reads=checked.reads,
        contact_email=body.contact_email,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
    )
    try:
        async with session.begin_nested():
            session.add(filing)
            await session.flush()
    except IntegrityError:
        raise _KeyTaken() from None
    session.add(
        GroupEvent(
            filing_id=filing.id, at=now, kind="filed", data={"combination": combination.name}
        )
    )
    for position, member in enumerate(checked.chosen, start=1):
        version = checked.versions[member.procedure_code]
        row = GroupMember(
            filing_id=filing.id,
            position=position,
            key=member.key,
            procedure_code=member.procedure_code,
            procedure_name=version.name,
            agency_id=checked.routes[member.key].id,
            after_key=member.after,
            state=MemberState.waiting,
            updated_at=now,
        )
        session.add(row)
        if member.after is None:
            await start(session, filing, row, member, version, checked.routes[member.key], None)
            if checked.identity is not None:  # the registration member registers the event
                registered = await session.get(Dossier, row.dossier_id)
                assert registered is not None
                await duplicates.claim(session, checked.identity, registered.code, filing.code)
    await session.flush()
    return filing


async def start(
    session: AsyncSession,
    filing: GroupFiling,
    row: GroupMember,
    member: GroupMemberDoc,
    version: ProcedureVersion,
    agency: Agency,
    handed_over: dict[str, Any] | None,
) -> None:
    """Create the member's dossier at its agency, due in the member's own working days from
    now (after 15:00 from the next working day, as the group's rules say)."""
    now = clock.now()
    group = GroupDoc.model_validate(filing.definition)
    due = get_calendar().due_at(now, member.working_days, cutoff=group.same_day_cutoff)
    items = member_dossiers.items_of(member, filing, version, handed_over)
    dossier = await member_dossiers.create(
        session, filing, member, version, agency, now, due, items
    )
    row.dossier_id, row.state, row.due_at, row.reason = dossier.id, MemberState.started, due, None
    row.updated_at = now
    session.add(
        GroupEvent(
            filing_id=filing.id,
            at=now,
            kind="started" if handed_over is None else "handed-over",
            member_key=member.key,
            data={"dossier_code": dossier.code, "agency": agency.name},
        )
    )
    await session.flush()


def when(moment: datetime) -> str:
    return get_calendar().localise(moment).strftime("%H:%M ngày %d/%m/%Y")
