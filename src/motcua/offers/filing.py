"""Confirming an offer: one step that files the dossier, registry items read server-side.

The offer's draft application is made once and keeps the offer's own idempotency key
(``offer:{id}``), so two confirmations, a retry after a pause, or two workers racing can only
ever file one dossier (invariant 5). When a registry a mandatory requirement needs does not
answer, the offer is ``paused`` with a message saying which, and filed again by itself from the
outbox; what the person typed is kept on the offer.
"""

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import repository as applications_repository
from motcua.applications import service as applications
from motcua.applications.forms import OATH
from motcua.applications.schemas import DraftIn
from motcua.catalog import groups as catalog_groups
from motcua.catalog.models import SubjectRole
from motcua.core import clock, outbox
from motcua.core.errors import Conflict, DomainError
from motcua.core.models import OutboxMessage
from motcua.dossiers.duplicates import DuplicateRegistration
from motcua.exchange import service as exchange
from motcua.exchange import subjects
from motcua.exchange.connectors import REASONS, Fetcher
from motcua.exchange.models import ItemStatus
from motcua.groups import applications as group_applications
from motcua.offers import parents, service
from motcua.offers.config import get_offers_settings
from motcua.offers.models import Offer, OfferState

RETRY = "offers.file"
# An item unavailable for one of these reasons comes back by itself: worth waiting for.
TRANSIENT = {
    "timeout",
    "connection-failed",
    "registry-error",
    "bad-response",
    "unexpected-content-type",
    "wrong-schema",
    "circuit-open",
}
FAMILY_ROLES = {SubjectRole.mother, SubjectRole.father, SubjectRole.spouse, SubjectRole.child}


async def _prepare(
    session: AsyncSession, offer: Offer, fetcher: Fetcher | None, name: str | None
) -> str:
    """The offer's draft application with its consent given and its roles settled; made once
    (``name``: the person's, from their e-ID session, for the other parent's request)."""
    actor = offer.person_personal_id
    if offer.application_id is None:
        draft = await applications.start(
            session,
            actor=actor,
            subject=actor,
            procedure_code=offer.procedure_code,
            actor_name=name,
        )
        row = await applications_repository.application(session, draft.id)
        assert row is not None
        row.idempotency_key = f"offer:{offer.id}"
        offer.application_id = draft.id
        await exchange.confirm_consent(session, draft.consent_reference, actor)
        await session.flush()
    row = await applications_repository.application(session, offer.application_id)
    assert row is not None
    reference = row.consent_reference
    consent = await exchange.get_consent(session, reference, actor)
    roles = {p.subject for p in consent.plan}
    settled = {s.role for s in await subjects.subjects(session, reference, actor)}
    if roles & FAMILY_ROLES and not settled:
        await subjects.family(session, reference, actor, fetcher=fetcher)
    role = offer.concerns_role
    if role and offer.concerns_personal_id and role not in settled:
        await subjects.choose(
            session, reference, actor, role, offer.concerns_personal_id, fetcher=fetcher
        )
    if service.KINDS[offer.kind].asks_other_parent:
        await parents.name(session, offer, reference, fetcher)
    return reference


def _values(offer: Offer) -> dict[str, dict[str, Any]]:
    key = service.KINDS[offer.kind].declaration_key
    if key is None:
        return {}
    answers: dict[str, Any] = {
        k: v
        for k, v in offer.answers.items()
        if v not in (None, "") and k != service.OTHER_PARENT_FIELD  # not a declaration's
    }
    if OATH.name in answers:  # checked at confirmation: the person swore to the declaration
        answers[OATH.name] = True
    return {key: {**offer.prefill, **answers}}


async def _pause(session: AsyncSession, offer: Offer, message: str) -> None:
    """Wait for the registry: the same filing again after ``retry_seconds``, at most
    ``retry_limit`` times by itself; the person may confirm again at any time."""
    settings = get_offers_settings()
    offer.state, offer.message = OfferState.paused, message
    if offer.attempts >= settings.retry_limit:
        offer.message = (
            f"{message} Hệ thống đã tự thử lại {offer.attempts} lần chưa được; "
            "bạn hãy bấm xác nhận lại sau."
        )
        return
    key = f"offer-file:{offer.id}:{offer.attempts}"
    await outbox.enqueue(session, RETRY, {"offer": offer.id}, key)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == key)
        .values(available_at=clock.now() + timedelta(seconds=settings.retry_seconds))
    )


async def _gathered(
    session: AsyncSession, offer: Offer, fetcher: Fetcher | None, name: str | None
) -> bool:
    """Draft, consent, roles and every read made; ``False`` when the offer was left ``paused``
    (a registry down) or ``pending`` (something only the person can settle)."""
    offer.attempts += 1
    try:
        reference = await _prepare(session, offer, fetcher, name)
    except DomainError as error:
        if error.code == "registry-unavailable":
            await _pause(session, offer, error.message)
        else:
            offer.state, offer.message = OfferState.pending, error.message
        return False
    actor = offer.person_personal_id
    fetched = await exchange.fetch_evidence(session, reference, actor, fetcher=fetcher)
    assert offer.application_id is not None
    draft = await applications.view(session, offer.application_id, actor)
    mandatory = {f.key for f in draft.form if f.mandatory}
    down = [
        i
        for i in fetched.items
        if i.status == ItemStatus.unavailable and i.reason in TRANSIENT and i.key in mandatory
    ]
    if down:
        names = ", ".join(sorted({REASONS[i.reason or "registry-error"] for i in down}))
        await _pause(
            session,
            offer,
            f"Chưa nộp được: {names} Hệ thống sẽ tự nộp lại khi cơ sở dữ liệu trả lời; "
            "bạn không phải làm gì thêm.",
        )
        return False
    return True


async def file_procedure(
    session: AsyncSession, offer: Offer, fetcher: Fetcher | None, name: str | None = None
) -> None:
    """Draft, consent, roles, fetch, then submit through the applications service; the offer
    ends ``filed``, ``paused`` (a registry down) or stays ``pending`` with what is missing."""
    if not await _gathered(session, offer, fetcher, name):
        return
    actor = offer.person_personal_id
    assert offer.application_id is not None
    try:
        done = await applications.submit(
            session, offer.application_id, actor, DraftIn(values=_values(offer))
        )
    except applications.ApplicationRefused as refused:
        offer.state = OfferState.pending
        offer.message = "Hồ sơ còn thiếu: " + " ".join(p.message for p in refused.problems)
        return
    except DuplicateRegistration as duplicate:
        offer.state, offer.message = OfferState.pending, duplicate.message
        return
    offer.state, offer.dossier_code = OfferState.filed, done.dossier_code
    offer.message, offer.decided_at = None, clock.now()


async def _with_defaults(
    session: AsyncSession, offer: Offer, values: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Fields the person left empty that a read answers (the child's permanent residence:
    the mother's), filled from the draft's own reads."""
    kind = service.KINDS[offer.kind]
    key = kind.declaration_key
    if key is None or not kind.defaults or offer.application_id is None:
        return values
    draft = await applications.view(session, offer.application_id, offer.person_personal_id)
    read = {f.key: f.verified for f in draft.form}
    declared = dict(values.get(key, {}))
    for name, (requirement, source, _) in kind.defaults.items():
        found = read.get(requirement, {}).get(source)
        if not declared.get(name) and found is not None and found.value:
            declared[name] = str(found.value)
    return {**values, key: declared}


async def file_group(
    session: AsyncSession, offer: Offer, fetcher: Fetcher | None, name: str | None = None
) -> None:
    """The offer filed as its group (the birth group, in the combination the person chose):
    the same draft, consent and reads as a single procedure, then ``groups`` files one dossier
    per member at its own agency under one group code."""
    kind = service.KINDS[offer.kind]
    if kind.group is None or offer.procedure_code != kind.procedure_code:
        await file_procedure(session, offer, fetcher, name)  # an offer made before the switch
        return
    if not await _gathered(session, offer, fetcher, name):
        return
    actor = offer.person_personal_id
    assert offer.application_id is not None
    row = await applications_repository.application(session, offer.application_id)
    assert row is not None
    if kind.asks_other_parent and not await parents.ready(session, offer, row.consent_reference):
        return
    combination = offer.combination or (await service.view_of(session, offer)).combination
    missing = await _unread(session, offer, kind.group, combination or "")
    if missing:
        offer.state, offer.message = OfferState.pending, missing
        return
    try:
        async with session.begin_nested():  # refused: nothing of the filing is written
            values = await _with_defaults(session, offer, _values(offer))
            await applications.save(session, offer.application_id, actor, DraftIn(values=values))
            filed = await group_applications.file_from_application(
                session, offer.application_id, actor, combination or ""
            )
    except DomainError as refused:
        problems = refused.details.get("problems") or []
        offer.state = OfferState.pending
        offer.message = " ".join(str(p["message"]) for p in problems) or refused.message
        codes = {refused.code, *(str(p.get("code")) for p in problems)}
        if not codes & {"child-already-registered", "death-already-recorded", "parents-disagree"}:
            offer.message = "Hồ sơ còn thiếu: " + offer.message
        return
    offer.state, offer.dossier_code = OfferState.filed, filed.filing.code
    offer.combination = filed.filing.combination
    offer.message, offer.decided_at = None, clock.now()


async def _unread(session: AsyncSession, offer: Offer, group_code: str, combination: str) -> str:
    """What a chosen member needs that no registry delivered (an allowance for a death whose
    insurance or social-protection record does not exist), said so the person can choose
    another combination; empty when nothing is missing."""
    group = await catalog_groups.get(session, group_code)
    chosen = next((c for c in group.combinations if c.key == combination), None) if group else None
    if group is None or chosen is None or offer.application_id is None:
        return ""
    draft = await applications.view(session, offer.application_id, offer.person_personal_id)
    read = {f.key: f for f in draft.form}
    lacking = []
    for member in group.members:
        if member.key not in chosen.members or member.after is None:
            continue
        for theirs in member.evidence.values():
            field = read.get(theirs)
            if field is not None and not field.verified:
                lacking.append(field.name)
    if not lacking:
        return ""
    names = ", ".join(f"“{n}”" for n in sorted(set(lacking)))
    return (
        f"Cơ sở dữ liệu chưa có {names}, nên chưa nộp được lựa chọn này. Hãy chọn lựa chọn khác "
        "(ít thủ tục hơn), hoặc nộp tại Bộ phận Một cửa kèm giấy tờ chứng minh."
    )


# How each kind is filed: a filer takes the locked offer (its pre-fill and the person's
# answers), files, and leaves the offer ``filed`` (with its dossier or group code), ``paused``
# or ``pending`` with a message. The birth offer files the birth group; the others their one
# procedure. The name is the person's from their e-ID session when they confirm (none when the
# worker files again: the draft was made at the confirmation).
Filer = Callable[[AsyncSession, Offer, Fetcher | None, str | None], Awaitable[None]]
FILERS: dict[str, Filer] = {kind: file_procedure for kind in service.KINDS}
FILERS["birth-notice-issued"] = file_group
FILERS["death-notified"] = file_group


async def confirm(
    session: AsyncSession,
    offer_id: str,
    person: str,
    answers: Mapping[str, Any] | None = None,
    *,
    combination: str | None = None,
    without_other_parent: bool = False,
    fetcher: Fetcher | None = None,
    person_name: str | None = None,
) -> Offer:
    """The one step: check what was typed (refused whole, nothing changed), then file. A
    confirmed offer confirmed again returns it as it is, with its one dossier."""
    offer = await service.own(session, offer_id, person, lock=True)
    if offer.state == OfferState.filed:
        return offer
    if offer.state == OfferState.declined:
        raise Conflict(
            "Bạn đã từ chối đề nghị này. Nếu muốn, hãy nộp hồ sơ từ trang thủ tục.",
            code="offer-declined",
        )
    answers = dict(answers or {})
    view = await service.view_of(session, offer)
    problems = service.check_answers(view, answers)
    problems += service.check_combination(view, combination)
    if problems:
        raise service.OfferRefused(problems)
    offer.answers = {**offer.answers, **answers}
    if view.choices:
        offer.combination = combination or view.combination
    if without_other_parent:
        offer.without_other_parent = True
    await FILERS[offer.kind](session, offer, fetcher, person_name)
    await session.flush()
    return offer
