"""A group of interconnected procedures received at the one-stop counter (birth 0.000015,
death 1.011537): the counter's visit for the group procedure (identity check, consent given in
person, the registries read for the officer, the citizen's family roles named) is the same as
for a single procedure (``dossiers.desk``); only the last step differs. The officer types the
one combined declaration, chooses with the citizen the combination the law allows, and the
group is filed (``groups.service.file_group``, channel ``counter``, the citizen as applicant,
one key per visit): one group code, one dossier per member at its own agency.

A group procedure is never received at the counter as one linear dossier any more.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import groups as catalog_groups
from motcua.catalog import repository as catalog_repository
from motcua.catalog.schemas import GroupDoc
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import desk
from motcua.dossiers.models import Channel, CounterVisit, ItemSource
from motcua.dossiers.schemas import ItemIn, Problem
from motcua.exchange import service as exchange
from motcua.groups import defaults as group_defaults
from motcua.groups import repository, service, view
from motcua.groups.schemas import GroupFilingIn, GroupOut
from motcua.identity.service import Subject


class NotAGroup(NotFound):
    """The visit is for a single procedure: its own page receives it."""


@dataclass(frozen=True)
class Step:
    """One member of a combination, as the officer reads it to the citizen."""

    name: str
    procedure_code: str
    agency: str  # a key of ``groups.pages.AGENCY_WORDS``
    working_days: int
    after: str | None  # the name of the member whose result it starts from


@dataclass(frozen=True)
class Choice:
    """One combination the law allows."""

    key: str
    name: str
    steps: list[Step]


@dataclass
class GroupDesk:
    view: desk.Desk
    group: GroupDoc
    declaration: desk.DeskItem
    choices: list[Choice]


async def group_of(session: AsyncSession, procedure_code: str) -> GroupDoc | None:
    return await catalog_groups.of_procedure(session, procedure_code)


async def _choices(session: AsyncSession, group: GroupDoc) -> list[Choice]:
    names: dict[str, str] = {}
    for member in group.members:
        version = await catalog_repository.current_version(
            session, member.procedure_code, clock.today()
        )
        names[member.key] = version.name if version else member.procedure_code
    codes = {m.key: m for m in group.members}
    return [
        Choice(
            combination.key,
            combination.name,
            [
                Step(
                    names[key],
                    codes[key].procedure_code,
                    codes[key].agency.value,
                    codes[key].working_days,
                    names[codes[key].after or ""] if codes[key].after else None,
                )
                for key in combination.members
            ],
        )
        for combination in group.combinations
    ]


async def group_desk(
    session: AsyncSession,
    officer: Subject,
    visit_id: str,
    typed: dict[str, dict[str, Any]] | None = None,
) -> GroupDesk:
    """The counter's view of the visit (fetched data, record and family choices), the one
    combined declaration, and the combinations to choose from."""
    view_ = await desk.desk(session, officer, visit_id, typed)
    group = await group_of(session, view_.visit.procedure_code)
    if group is None:
        raise NotAGroup("Thủ tục này không phải nhóm thủ tục liên thông.", code="not-a-group")
    declaration = next(
        (i for i in view_.items if i.key == group.declaration_requirement),
        None,
    )
    assert declaration is not None and declaration.kind == "declaration"
    _as_online(group.code, declaration, typed is None)
    # The group files registry reads only: a paper for a special case (a witness, a foundling,
    # a surrogacy), optional and held by no registry, is not shown as missing.
    view_.items = [
        i
        for i in view_.items
        if i.key != group.declaration_requirement
        and not (i.kind == "scan" and not i.mandatory and i.note is None)
    ]
    return GroupDesk(view_, group, declaration, await _choices(session, group))


def _as_online(group_code: str, declaration: desk.DeskItem, first: bool) -> None:
    """The declaration asks what the online offer asks (``groups.defaults``): a field a read
    answers is optional, with the same words, and the first page starts with the same
    answers (what the officer typed or cleared since is kept)."""
    defaults = group_defaults.DEFAULTS.get(group_code, {})
    declaration.questions = [
        replace(q, required=False, hint=defaults[q.name][2]) if q.name in defaults else q
        for q in declaration.questions
    ]
    if first:
        for name, value in group_defaults.STARTS.get(group_code, {}).items():
            declaration.values.setdefault(name, value)


def _read_values(view_: desk.Desk) -> dict[str, dict[str, object]]:
    """Requirement key -> field -> value, of every read the visit made."""
    return {
        i.key: {name: f.value for name, f in i.fields.items()}
        for i in view_.items
        if i.kind == "registry"
    }


def _reads(view_: desk.Desk) -> list[ItemIn]:
    return [
        ItemIn(requirement_key=i.key, source=ItemSource.registry, evidence_item=i.evidence_item)
        for i in view_.items
        if i.kind == "registry" and i.evidence_item is not None
    ]


async def receive(
    session: AsyncSession,
    officer: Subject,
    visit_id: str,
    typed: dict[str, Any],
    combination: str,
    contact_email: str = "",
) -> service.Filed:
    """File the group from the visit; every problem at once (the oath, the combination, the
    declaration, whom the group is for), nothing written when refused. A second post returns
    the same filing (the visit's own key)."""
    visit = await desk.own_visit(session, officer, visit_id)
    if visit.dossier_code is not None:
        found = await repository.filing_by_code(session, visit.dossier_code)
        if found is not None:
            return service.Filed(found, False)
    counter = await group_desk(session, officer, visit_id, {})
    group = counter.group
    problems: list[Problem] = []
    if not typed.get(desk.OATH):
        problems.append(
            Problem(
                field=f"declaration.{desk.OATH}",
                code="missing-oath",
                message="Công dân chưa cam đoan lời khai: hãy đọc lại tờ khai cho công dân rồi "
                "đánh dấu ô cam đoan.",
            )
        )
    allowed = {c.key for c in group.combinations}
    if combination not in allowed:
        problems.append(
            Problem(
                field="combination",
                code="missing-combination",
                message="Hãy chọn cùng công dân các thủ tục cần làm (một trong các lựa chọn "
                "pháp luật cho phép).",
            )
        )
    answers = {k: v for k, v in typed.items() if k != desk.OATH and v not in ("", None)}
    answers = group_defaults.fill(group.code, answers, _read_values(counter.view))
    body = GroupFilingIn(
        group=group.code,
        combination=combination or "-",
        receiving_agency=officer.agency_code or "",
        channel=Channel.counter,
        applicant=visit.citizen_number,
        contact_email=contact_email or None,
        declaration=answers,
        items=_reads(counter.view),
    )
    if problems:  # the rest is checked too, so that every problem is named at once
        problems += await _other_problems(session, body, allowed, visit.officer_number)
        raise service.GroupRefused(problems)
    filed = await service.file_group(
        session, body, actor=visit.officer_number, idempotency_key=f"counter:{visit.id}"
    )
    visit.dossier_code = filed.filing.code
    await session.flush()
    await exchange.close_application(session, visit.consent_reference, visit.officer_number)
    return filed


async def _other_problems(
    session: AsyncSession, body: GroupFilingIn, allowed: set[str], actor: str
) -> list[Problem]:
    """The group's own refusals besides the counter's: for the combination chosen, or, none
    being chosen yet, those every combination would meet (a member's own required answer is
    not named before its member is chosen)."""
    keys = [body.combination] if body.combination in allowed else sorted(allowed)
    found: list[list[Problem]] = []
    for key in keys:
        try:
            await service._check(session, body.model_copy(update={"combination": key}), actor)
            found.append([])
        except service.GroupRefused as refused:
            found.append(refused.problems)
        except DomainError as refused:
            found.append([Problem(field="main", code=refused.code, message=refused.message)])
    common = [p for p in found[0] if all(p in other for other in found[1:])]
    return common


@dataclass(frozen=True)
class Receipt:
    visit: CounterVisit
    group: GroupOut
    agency_name: str


async def receipt(session: AsyncSession, officer: Subject, visit_id: str) -> Receipt | None:
    """The filing the visit made, as the officer reads it to the citizen; None before."""
    visit = await desk.own_visit(session, officer, visit_id)
    if visit.dossier_code is None:
        return None
    filing = await repository.filing_by_code(session, visit.dossier_code)
    if filing is None:
        return None
    return Receipt(visit, await view.of_filing(session, filing), officer.agency_name or "")


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{get_calendar().localise(moment):%H:%M, %d/%m/%Y}"


def day(moment: datetime) -> str:
    return f"{get_calendar().localise(moment):%d/%m/%Y}"
