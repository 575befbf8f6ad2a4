"""Evidence fetch with consent and preview, bound to one application, logged in the chain.

Flow: ``prepare_consent`` (the preview: which data, which registry, which procedure and legal
basis) -> ``confirm_consent`` -> ``fetch_evidence`` (all registries at once, each under its
timeout) -> ``decide`` per item (accept or reject) -> ``recheck`` at submission.
Every read and every refused read appends one record to the access log.
"""

import asyncio
import hashlib
import json
import re
import time
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock, identifiers
from motcua.core.errors import Conflict, DomainError, Invalid, NotFound
from motcua.core.observability import read_id
from motcua.exchange import audit, labels, repository, subjects
from motcua.exchange.audit import Access
from motcua.exchange.connectors import (
    REASONS,
    Fetcher,
    ReadContext,
    RecordIn,
    RegistryUnavailable,
    Target,
    registry_transport,
)
from motcua.exchange.models import (
    Consent,
    ConsentState,
    Decision,
    EvidenceItem,
    ItemStatus,
)
from motcua.exchange.schemas import (
    ConsentView,
    Disagreement,
    FetchResult,
    ItemView,
    Mismatch,
    Option,
    PlannedRead,
    RecheckResult,
    SourcedField,
)


class ReadRefused(DomainError):
    """A read the rules do not allow; recorded in the access log before it is refused."""

    status_code = 403
    code = "read-refused"


# --- consent and preview ----------------------------------------------------------------------


async def prepare_consent(
    session: AsyncSession,
    procedure_code: str,
    actor: str,
    subject: str | None = None,
    on: date | None = None,
    *,
    actor_name: str | None = None,
) -> ConsentView:
    """The preview the person confirms before anything is read: nothing is fetched here.
    ``actor_name``: the actor's name from their e-ID session, kept to tell another person
    whose data the application needs who asks."""
    actor = identifiers.parse(actor).value
    subject = identifiers.parse(subject).value if subject else actor
    version = await catalog_repository.current_version(session, procedure_code, on or clock.today())
    if version is None:
        raise NotFound(
            f"Không có thủ tục {procedure_code} đang có hiệu lực.", code="procedure-not-found"
        )
    wanted = [r for r in version.requirements if r.evidence_type_code]
    codes = sorted({r.evidence_type_code for r in wanted if r.evidence_type_code})
    evidence = await catalog_repository.evidence_types(session, codes)
    served = await repository.services_for(session, codes)
    operators = await repository.agency_names(
        session, {reg.operator_agency_id for _, reg in served.values() if reg.operator_agency_id}
    )
    agency = None
    if version.managing_agency_id:
        found = await catalog_repository.agencies_by_id(session, {version.managing_agency_id})
        agency = found[version.managing_agency_id].code
    plan = []
    for requirement in wanted:
        code = requirement.evidence_type_code
        assert code is not None
        service, registry = served.get(code, (None, None))
        offered = list(service.fields) if service else list(evidence[code].fields)
        # Only what the procedure lists for this requirement, in the registry's own order.
        fields = [f for f in offered if f in set(requirement.fields)] if requirement.fields else []
        plan.append(
            PlannedRead(
                key=requirement.key,
                requirement=requirement.name,
                evidence_type=code,
                evidence_name=evidence[code].name,
                registry_code=registry.code if registry else None,
                registry_name=registry.name if registry else None,
                operator=operators.get(registry.operator_agency_id or 0) if registry else None,
                fields=fields,
                available=bool(registry and registry.enabled),
                subject=requirement.subject.value,
                subject_label=subjects.ROLE_LABELS[requirement.subject],
            ).model_dump()
        )
    consent = Consent(
        reference=str(uuid.uuid4()),
        application_id=str(uuid.uuid4()),
        procedure_code=procedure_code,
        procedure_version_id=version.id,
        agency_code=agency,
        actor_personal_id=actor,
        actor_full_name=" ".join((actor_name or "").split())[:200] or None,
        subject_personal_id=subject,
        legal_basis=list(version.legal_basis),
        plan=plan,
        state=ConsentState.pending,
        created_at=clock.now(),
    )
    session.add(consent)
    await session.flush()
    return _view(consent, version.name)


def _view(consent: Consent, procedure_name: str = "") -> ConsentView:
    return ConsentView(
        reference=consent.reference,
        application_id=consent.application_id,
        procedure_code=consent.procedure_code,
        procedure_name=procedure_name,
        agency_code=consent.agency_code,
        actor_personal_id=consent.actor_personal_id,
        subject_personal_id=consent.subject_personal_id,
        legal_basis=consent.legal_basis,
        state=consent.state,
        created_at=consent.created_at,
        confirmed_at=consent.confirmed_at,
        plan=[PlannedRead.model_validate(p) for p in consent.plan],
    )


async def _own_consent(session: AsyncSession, reference: str, actor: str) -> Consent:
    actor = identifiers.parse(actor).value
    consent = await repository.consent(session, reference)
    if consent is None or consent.actor_personal_id != actor:
        # Someone else's consent is not shown to exist.
        raise NotFound("Không có yêu cầu đồng ý này.", code="consent-not-found")
    return consent


async def get_consent(session: AsyncSession, reference: str, actor: str) -> ConsentView:
    return _view(await _own_consent(session, reference, actor))


async def confirm_consent(session: AsyncSession, reference: str, actor: str) -> ConsentView:
    consent = await _own_consent(session, reference, actor)
    if consent.state == ConsentState.closed:
        raise Conflict("Hồ sơ này đã đóng.", code="application-closed")
    if consent.state == ConsentState.pending:
        consent.state, consent.confirmed_at = ConsentState.confirmed, clock.now()
        await session.flush()
    return _view(consent)


# --- fetch ------------------------------------------------------------------------------------


def _request_hash(target: Target, context: ReadContext, evidence_type: str) -> str:
    body = {
        "registry": target.registry_code,
        "service": target.service_code,
        "evidence_type": evidence_type,
        "subject": context.subject,
        "application": context.application_id,
        "request_id": context.request_id,
        "consent": context.consent_reference,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _access(
    consent: Consent, evidence_type: str, outcome: str, subject: str | None = None, **extra: Any
) -> Access:
    return Access(
        actor_personal_id=consent.actor_personal_id,
        on_behalf_of=(
            consent.subject_personal_id
            if consent.subject_personal_id != consent.actor_personal_id
            else None
        ),
        subject_personal_id=subject or consent.subject_personal_id,
        agency_code=consent.agency_code,
        evidence_type_code=evidence_type,
        purpose=f"application:{consent.application_id}",
        procedure_code=consent.procedure_code,
        legal_basis=tuple(consent.legal_basis),
        consent_reference=consent.reference,
        outcome=outcome,
        **extra,
    )


async def _refuse(
    session: AsyncSession, consent: Consent, evidence: Sequence[str], reason: str, message: str
) -> None:
    await audit.append(session, [_access(consent, e, "refused", reason=reason) for e in evidence])
    raise ReadRefused(message, code=reason)


# Kept back from a registry's timeout (at most a tenth of it) for writing the items and the
# access log and committing afterwards; when 16 applications time out together in one process
# on 2 slow cores that took up to ~200 ms.
WRITE_RESERVE_MS = 250


def _remaining_ms(timeout_ms: int, started: float) -> int:
    """The registry's timeout bounds the whole fetch, not only its read: what the lookups
    before the read took (slow under load) and the writes after it come out of the budget."""
    spent = (time.perf_counter() - started) * 1000
    return max(1, round(timeout_ms - spent - min(WRITE_RESERVE_MS, timeout_ms / 10)))


# What an item holds before the applicant looks at it (explicit: the items are written by one
# statement, not the ORM, so column defaults are not applied to these objects).
_FRESH: dict[str, Any] = {
    "decision": Decision.pending,
    "decided_at": None,
    "decision_reason": None,
}


async def fetch_evidence(
    session: AsyncSession,
    reference: str,
    actor: str,
    *,
    choices: dict[str, str] | None = None,
    only: str | None = None,
    fetcher: Fetcher | None = None,
) -> FetchResult:
    """Read every planned item at once; each ends ``delivered``, ``not_found``, ``unavailable``
    or ``needs_choice``. Registries are called before anything is written, and everything is
    written in one flush, so a failure leaves nothing half-written."""
    started = time.perf_counter()
    actor = identifiers.parse(actor).value
    consent = await repository.consent(session, reference)
    if consent is None:
        raise NotFound("Không có yêu cầu đồng ý này.", code="consent-not-found")
    planned = [PlannedRead.model_validate(p) for p in consent.plan]
    if consent.actor_personal_id != actor:
        refused = Access(
            actor_personal_id=actor,
            subject_personal_id=consent.subject_personal_id,
            evidence_type_code=only or "*",
            purpose=f"application:{consent.application_id}",
            outcome="refused",
            reason="not-consent-holder",
            consent_reference=consent.reference,
            procedure_code=consent.procedure_code,
            agency_code=consent.agency_code,
        )
        await audit.append(session, [refused])
        raise ReadRefused(
            "Chỉ người đã đồng ý mới được lấy dữ liệu cho hồ sơ này.", code="not-consent-holder"
        )
    if only is not None and only not in {p.evidence_type for p in planned}:
        await _refuse(
            session,
            consent,
            [only],
            "not-in-procedure",
            "Thủ tục này không có thành phần hồ sơ dùng loại dữ liệu đó; không được đọc.",
        )
    if only is not None:
        planned = [p for p in planned if p.evidence_type == only]
    if choices:
        await _check_choices(session, reference, choices)
    if consent.state != ConsentState.confirmed:
        await _refuse(
            session,
            consent,
            [p.evidence_type for p in planned],
            "no-consent",
            "Bạn cần xác nhận đồng ý trước khi hệ thống lấy dữ liệu.",
        )

    served = await repository.services_for(session, [p.evidence_type for p in planned])
    whose = await subjects.resolve(session, consent)
    choices = choices or {}
    jobs: list[tuple[PlannedRead, Target, ReadContext]] = []
    skipped: list[tuple[PlannedRead, str, str | None]] = []
    for p in planned:
        service, registry = served.get(p.evidence_type, (None, None))
        person = whose[p.subject]
        if service is None or registry is None:
            skipped.append((p, "no-connector", None))
            continue
        if not registry.enabled:
            skipped.append((p, "registry-disabled", registry.code))
            continue
        if person.personal_id is None:
            skipped.append((p, person.reason or "subject-not-chosen", registry.code))
            continue
        target = Target.of(
            registry, service, tuple(p.fields), _remaining_ms(registry.timeout_ms, started)
        )
        context = ReadContext(
            subject=person.personal_id,
            actor=actor,
            application_id=consent.application_id,
            purpose=f"application:{consent.application_id}",
            legal_basis=tuple(consent.legal_basis),
            consent_reference=consent.reference,
            request_id=read_id(),
        )
        jobs.append((p, target, context))

    async def run(active: Fetcher) -> list[list[RecordIn] | RegistryUnavailable]:
        async def one(target: Target, context: ReadContext) -> list[RecordIn] | RegistryUnavailable:
            try:
                return await active.read(target, context)
            except RegistryUnavailable as error:
                return error

        return await asyncio.gather(*(one(t, c) for _, t, c in jobs))

    if fetcher is not None:
        answers = await run(fetcher)
    else:
        answers = await run(Fetcher(registry_transport()))

    now = clock.now()
    items: list[EvidenceItem] = []
    accesses: list[Access] = []
    for p, reason, registry_code in skipped:
        items.append(
            EvidenceItem(
                consent_reference=consent.reference,
                key=p.key,
                evidence_type_code=p.evidence_type,
                registry_code=registry_code,
                status=ItemStatus.unavailable,
                reason=reason,
                fields={},
                options=[],
                fetched_at=now,
                **_FRESH,
            )
        )
    for (p, target, context), answer in zip(jobs, answers, strict=True):
        request_hash = _request_hash(target, context, p.evidence_type)
        item = EvidenceItem(
            consent_reference=consent.reference,
            key=p.key,
            evidence_type_code=p.evidence_type,
            registry_code=target.registry_code,
            request_hash=request_hash,
            fields={},
            options=[],
            fetched_at=now,
            **_FRESH,
        )
        if isinstance(answer, RegistryUnavailable):
            item.status, item.reason = ItemStatus.unavailable, answer.reason
        else:
            chosen = [r for r in answer if r.id == choices.get(p.key)]
            records = chosen or answer
            if not records:
                item.status = ItemStatus.not_found
            elif len(records) > 1:
                item.status = ItemStatus.needs_choice
                item.options = [{"id": r.id, "label": r.label} for r in records]
            else:
                item.status = ItemStatus.delivered
                item.fields = {
                    k: {
                        "value": v.value,
                        "source": target.registry_code,
                        "last_updated": v.last_updated.isoformat() if v.last_updated else None,
                    }
                    for k, v in records[0].fields.items()
                }
        items.append(item)
        accesses.append(
            _access(
                consent,
                p.evidence_type,
                item.status.value,
                context.subject,
                registry_code=target.registry_code,
                reason=item.reason,
                request_hash=request_hash,
                fields=target.fields,
            )
        )

    await repository.put_items_and_log(session, items, audit.rows(accesses))
    order = {p.key: n for n, p in enumerate(planned)}
    items.sort(key=lambda i: order[i.key])
    return FetchResult(
        reference=consent.reference,
        application_id=consent.application_id,
        items=[_item_view(i) for i in items],
        disagreements=_disagreements(items),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


class ChoiceRefused(Invalid):
    """An answer to a ``needs_choice`` question that cannot be used; ``details["key"]`` names
    the question."""


async def _check_choices(session: AsyncSession, reference: str, choices: dict[str, str]) -> None:
    """Only a record the registry offered for a pending question may be chosen: anything else
    is refused before any registry is read."""
    pending = {
        i.key: {o["id"] for o in i.options}
        for i in await repository.items(session, reference)
        if i.status == ItemStatus.needs_choice
    }
    for key, record in choices.items():
        if record not in pending.get(key, set()):
            raise ChoiceRefused(
                "Bản ghi bạn gửi không nằm trong các bản ghi cơ sở dữ liệu đã trả về cho thành "
                "phần này, nên không được dùng. Hãy chọn lại một bản ghi trong danh sách.",
                code="choice-not-offered",
                key=key,
            )


QUESTIONS = {
    "land.certificate": "Bạn làm thủ tục cho thửa đất nào?",
    "civil_status.marriage": "Bạn dùng bản ghi hộ tịch nào?",
    "business.registration": "Bạn làm thủ tục cho doanh nghiệp nào?",
}


def _item_view(item: EvidenceItem) -> ItemView:
    return ItemView(
        id=item.id,
        key=item.key,
        evidence_type=item.evidence_type_code,
        status=item.status,
        registry_code=item.registry_code,
        reason=item.reason,
        message=REASONS.get(item.reason or "") if item.status == ItemStatus.unavailable else None,
        fields={k: SourcedField.model_validate(v) for k, v in item.fields.items()},
        options=[Option.model_validate(o) for o in item.options],
        question=(
            QUESTIONS.get(item.evidence_type_code, "Có nhiều bản ghi khớp; bạn chọn bản ghi nào?")
            if item.status == ItemStatus.needs_choice
            else None
        ),
        request_hash=item.request_hash,
        decision=item.decision,
    )


COMPARED = ("full_name", "date_of_birth", "sex", "permanent_address", "personal_id")


def _disagreements(items: Sequence[EvidenceItem]) -> list[Disagreement]:
    """Same field id, different registries, different values once normalised: say so."""
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.status != ItemStatus.delivered or not item.registry_code:
            continue
        for name in COMPARED:
            if name in item.fields and item.fields[name]["value"] is not None:
                seen.setdefault(name, {})[item.registry_code] = item.fields[name]["value"]
    return [
        Disagreement(field=name, values=values)
        for name, values in seen.items()
        if len({json.dumps(normalise(v)) for v in values.values()}) > 1
    ]


async def items(session: AsyncSession, reference: str, actor: str) -> list[ItemView]:
    await _own_consent(session, reference, actor)
    return [_item_view(i) for i in await repository.items(session, reference)]


async def decide(
    session: AsyncSession,
    reference: str,
    actor: str,
    key: str,
    accept: bool,
    reason: str | None = None,
) -> ItemView:
    """The person accepts or rejects what a registry returned; a rejected item is uploaded
    instead, and its fields are dropped (nothing kept that the person says is wrong)."""
    await _own_consent(session, reference, actor)
    item = next((i for i in await repository.items(session, reference) if i.key == key), None)
    if item is None or item.status != ItemStatus.delivered:
        raise NotFound("Không có dữ liệu đã lấy cho thành phần này.", code="item-not-found")
    item.decision = Decision.accepted if accept else Decision.rejected
    item.decided_at, item.decision_reason = clock.now(), reason
    if not accept:
        item.fields = {}
    await session.flush()
    return _item_view(item)


# --- re-check at submission -------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^[\d .-]+$")


def normalise(value: Any) -> Any:
    """Compare as a person would: case, spacing, Unicode form, date and number formats."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format(float(value), "g")
    if isinstance(value, list):
        return [normalise(v) for v in value]
    text = " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()
    if _ISO_DATE.match(text):
        return text
    if match := _DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    if _DIGITS.match(text) and any(c.isdigit() for c in text):
        digits = re.sub(r"[ .-]", "", text)
        if len(digits) >= 6:
            return digits
        try:
            return format(float(text), "g")
        except ValueError:
            return text
    return text


async def recheck(
    session: AsyncSession, reference: str, actor: str, submitted: dict[str, dict[str, Any]]
) -> RecheckResult:
    """Verified fields are read-only in the form; at submission they must still match."""
    await _own_consent(session, reference, actor)
    mismatches = []
    for item in await repository.items(session, reference):
        if item.status != ItemStatus.delivered or item.decision == Decision.rejected:
            continue
        for name, value in submitted.get(item.key, {}).items():
            expected = item.fields.get(name, {}).get("value")
            if name in item.fields and normalise(expected) != normalise(value):
                mismatches.append(
                    Mismatch(key=item.key, field=name, expected=expected, submitted=value)
                )
    return RecheckResult(ok=not mismatches, mismatches=mismatches)


async def close_application(session: AsyncSession, reference: str, actor: str) -> None:
    """The application is over: drop what was fetched for it; the access log stays."""
    consent = await _own_consent(session, reference, actor)
    keys = [i.key for i in await repository.items(session, reference)]
    await repository.delete_items(session, reference, keys)
    consent.state = ConsentState.closed
    await session.flush()


def field_labels() -> dict[str, str]:
    """Vietnamese names of the fields registries deliver (``exchange.labels``)."""
    return labels.vietnamese_labels()
