"""Dossier logic: submission (idempotent, all problems at once) and tracking secrets; the
history is in ``history``, reading in ``reading``, uploads in ``uploads``.

Until e-ID login exists, the person acting (the citizen online, the officer at a counter) and
the applicant are passed in as 12-digit personal numbers; nothing here trusts more than that.
"""

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog import service as catalog
from motcua.catalog.models import OnlineLevel
from motcua.catalog.schemas import PublishedTerms
from motcua.core import clock, identifiers
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid
from motcua.core.settings import get_settings
from motcua.dossiers import counter, duplicates, evidence, receiving, repository
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierEvent,
    DossierItem,
    DossierState,
    ItemSource,
    PaymentState,
)
from motcua.dossiers.schemas import (
    Problem,
    SubmissionIn,
)
from motcua.notify import service as notify
from motcua.notify.models import Channel as NotifyChannel
from motcua.units import repository as units_repository
from motcua.units.schemas import AgencyKey

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
SECRET_LENGTH = 8
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Who may move a dossier from one state to the next; everything else is refused.
TRANSITIONS: dict[DossierState, frozenset[DossierState]] = {
    DossierState.received: frozenset(
        {
            DossierState.in_progress,
            DossierState.supplement_requested,
            DossierState.refused,
            DossierState.withdrawn,
        }
    ),
    DossierState.in_progress: frozenset(
        {DossierState.supplement_requested, DossierState.result_ready, DossierState.refused}
    ),
    DossierState.supplement_requested: frozenset(
        {DossierState.in_progress, DossierState.refused, DossierState.withdrawn}
    ),
    DossierState.result_ready: frozenset({DossierState.returned}),
    DossierState.returned: frozenset(),
    DossierState.refused: frozenset(),
    DossierState.withdrawn: frozenset(),
}
STATE_NAMES = {
    DossierState.received: "Đã tiếp nhận",
    DossierState.in_progress: "Đang giải quyết",
    DossierState.supplement_requested: "Cần bổ sung",
    DossierState.result_ready: "Đã có kết quả",
    DossierState.returned: "Đã trả kết quả",
    DossierState.refused: "Từ chối tiếp nhận",
    DossierState.withdrawn: "Đã rút hồ sơ",
}
CHANNEL_NAMES = {
    Channel.online: "Trực tuyến",
    Channel.counter: "Trực tiếp tại Bộ phận Một cửa",
    Channel.post: "Qua bưu chính",
}


class DossierRefused(Invalid):
    """Every problem of a submission at once; ``code`` is the problems' code when they share
    one (``not-published``, ``missing-requirement``…), ``invalid-dossier`` otherwise."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        codes = {p.code for p in problems}
        first = problems[0].message if len(problems) == 1 else None
        super().__init__(
            first or f"Hồ sơ chưa nộp được: có {len(problems)} lỗi, xem từng mục bên dưới.",
            code=codes.pop() if len(codes) == 1 else "invalid-dossier",
            problems=[p.model_dump() for p in problems],
        )
        self.problems = list(problems)


def check_personal_number(value: str | None, field: str) -> Problem | None:
    """Số định danh cá nhân, checked by the one rule the exchange also applies (DOMAIN.md §3.4)."""
    try:
        identifiers.parse(value or "")
    except Invalid as error:
        return Problem(field=field, code=error.code, message=error.message)
    return None


def require_person(value: str | None, field: str = "actor") -> str:
    problem = check_personal_number(value, field)
    if problem is not None:
        raise Invalid(problem.message, code=problem.code, field=field)
    assert value is not None
    return value


# --- tracking secrets ----------------------------------------------------------------------------


def tracking_secret(salt: str) -> str:
    """Derived from the dossier's own random salt with the server's key, so a retried submission
    and the receipt slip can show it again; only its hash is stored, which is what tracking
    checks. Not from the code, which is sequential and printed everywhere: the key alone does
    not give away any dossier's secret."""
    key = get_settings().tracking_key.encode()
    digest = hmac.new(key, salt.encode(), hashlib.sha256).digest()
    return "".join(SECRET_ALPHABET[b % len(SECRET_ALPHABET)] for b in digest[:SECRET_LENGTH])


def hash_secret(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret.strip().upper()}".encode()).hexdigest()


def secret_of(dossier: Dossier) -> str | None:
    """None once the key has been rotated: the stored hash no longer matches a new derivation."""
    secret = tracking_secret(dossier.tracking_salt)
    valid = hmac.compare_digest(hash_secret(dossier.tracking_salt, secret), dossier.secret_hash)
    return secret if valid else None


# --- submission -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    dossier: Dossier
    created: bool
    agency_code: str
    tracking_secret: str | None


def request_hash(body: SubmissionIn, actor: str) -> str:
    canonical = json.dumps(
        {"actor": actor, "body": body.model_dump(mode="json")}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def submit(
    session: AsyncSession, body: SubmissionIn, *, actor: str, idempotency_key: str
) -> Submission:
    """One transaction: dossier, items, first history event, outbox rows. The same key with
    the same body returns the first dossier; with another body it is a 409."""
    actor = require_person(actor)
    fingerprint = request_hash(body, actor)
    await repository.take_write_lock(session)
    try:
        version, agency, province, uploads, copied = await _check(session, body, actor)
    except DossierRefused:
        # A retry of an acknowledged submission gets its dossier even if the catalog has moved.
        existing = await repository.by_idempotency_key(session, actor, idempotency_key)
        if existing is None:
            raise
        return await _replayed(session, existing, fingerprint)
    salt = secrets.token_hex(16)
    secret = tracking_secret(salt)
    async with session.begin_nested():  # a second registration of a birth or death: unwritten
        dossier = await _create(
            session, body, actor, idempotency_key, fingerprint, version, agency, province,
            uploads, copied, salt, secret,
        )  # fmt: skip
        if dossier is not None:
            await duplicates.claim_for(session, body, copied, actor, dossier.code)
    if dossier is None:
        # The key is taken (a retry, or a concurrent request that committed first): the insert
        # did nothing, so answer with the dossier that holds it.
        existing = await repository.by_idempotency_key(session, actor, idempotency_key)
        assert existing is not None
        return await _replayed(session, existing, fingerprint)
    if body.contact_email:
        await _notify_received(session, dossier, body.contact_email, version)
    return Submission(dossier, True, agency.code, secret)


async def problems_of(session: AsyncSession, body: SubmissionIn, actor: str) -> list[Problem]:
    """Every problem of a body, without filing it: a page with checks of its own (the counter's
    oath) shows them all together, and files only when there are none."""
    try:
        await _check(session, body, require_person(actor))
    except DossierRefused as refused:
        return refused.problems
    return []


async def _replayed(session: AsyncSession, dossier: Dossier, fingerprint: str) -> Submission:
    if not hmac.compare_digest(dossier.request_hash, fingerprint):
        raise Conflict(
            "Khóa Idempotency-Key này đã dùng cho một hồ sơ khác; hãy tạo khóa mới cho hồ sơ mới.",
            code="idempotency-key-reused",
            dossier_code=dossier.code,
        )
    agency = await repository.agencies_by_id(session, {dossier.receiving_agency_id})
    return Submission(dossier, False, agency[dossier.receiving_agency_id].code, secret_of(dossier))


async def _check(
    session: AsyncSession, body: SubmissionIn, actor: str
) -> tuple[
    PublishedTerms, AgencyKey, str, dict[str, repository.UploadFacts], dict[int, evidence.Copied]
]:
    """Every problem of the body, reported together; nothing is written before this passes."""
    problems: list[Problem] = []

    def problem(field: str, code: str, message: str) -> None:
        problems.append(Problem(field=field, code=code, message=message))

    if body.applicant is not None and (p := check_personal_number(body.applicant, "applicant")):
        problems.append(p)
    if body.contact_email is not None and not EMAIL.match(body.contact_email):
        problem("contact_email", "malformed-email", "Địa chỉ thư điện tử không hợp lệ.")

    given = {i.upload_id for i in body.items if i.upload_id is not None}
    facts = await repository.submission_facts(
        session, body.procedure_code, clock.today(), given, body.receiving_agency
    )
    version = None if facts.version is None else await catalog.terms_of(session, facts.version)
    if version is None:
        known = await catalog_repository.procedure_by_code(session, body.procedure_code)
        if known is None:
            problem(
                "procedure_code",
                "unknown-procedure",
                f"Không có thủ tục mã “{body.procedure_code}”.",
            )
        else:
            problem(
                "procedure_code",
                "not-published",
                f"Thủ tục {body.procedure_code} chưa có phiên bản được công bố và có hiệu lực, "
                "nên chưa nhận hồ sơ.",
            )
    elif body.channel == Channel.online and version.online_level == OnlineLevel.none:
        problem(
            "channel",
            "not-online",
            f"Thủ tục {body.procedure_code} chưa được cung cấp trực tuyến; "
            "vui lòng nộp tại Bộ phận Một cửa hoặc qua bưu chính.",
        )

    agency = _receiving_agency(body, facts, version, problem)
    uploads = facts.uploads
    if version is not None:
        _check_items(body, version, actor, uploads, problem)
        if body.channel != Channel.online:  # typed declarations; scans Directive 24 refuses
            await counter.check(session, body, version, clock.today(), problem)
    copied = await evidence.copy(
        session,
        body.items,
        procedure_code=body.procedure_code,
        actor=actor,
        applicant=body.applicant or actor,
        problem=problem,
    )
    if problems:
        raise DossierRefused(problems)
    assert version is not None and agency is not None
    # The province was read with the facts when the applicant named the agency; a procedure
    # received at its managing agency looks it up.
    province = (
        facts.agency_province
        if body.receiving_agency is not None
        else await units_repository.province_of_agency(session, agency.id)
    )
    return version, agency, province, uploads, copied


def _receiving_agency(
    body: SubmissionIn,
    facts: repository.SubmissionFacts,
    version: PublishedTerms | None,
    problem: Any,
) -> AgencyKey | None:
    """The agency the applicant chose, if it may receive this procedure; with no choice, the
    managing agency of a procedure settled at a ministry only. A commune- or province-level
    procedure is received where the applicant files it, never at its ministry by default."""
    if body.receiving_agency is not None:
        if facts.agency_id is None:
            problem(
                "receiving_agency",
                "unknown-agency",
                f"Không có cơ quan mã định danh “{body.receiving_agency}”.",
            )
            return None
        rules = None if version is None else receiving.Rules.of(version)
        if rules and not receiving.may_receive(facts.agency_id, facts.agency_level, rules):
            problem(
                "receiving_agency",
                "agency-may-not-receive",
                f"Cơ quan “{body.receiving_agency}” không tiếp nhận thủ tục này. "
                f"{receiving.where_to_file(rules)}",
            )
            return None
        return AgencyKey(id=facts.agency_id, code=body.receiving_agency)
    if version is None:
        return None
    rules = receiving.Rules.of(version)
    if version.managing_agency is not None and receiving.at_managing_agency(rules):
        return version.managing_agency
    problem(
        "receiving_agency",
        "missing-agency",
        f"Hãy chọn nơi tiếp nhận hồ sơ. {receiving.where_to_file(rules)}",
    )
    return None


def _check_items(
    body: SubmissionIn,
    version: PublishedTerms,
    actor: str,
    uploads: dict[str, repository.UploadFacts],
    problem: Any,
) -> None:
    requirements = {r.key: r for r in version.requirements}
    total = 0
    for i, item in enumerate(body.items):
        where = f"items[{i}]"
        requirement = requirements.get(item.requirement_key)
        if requirement is None:
            problem(
                f"{where}.requirement_key",
                "requirement-not-in-procedure",
                f"“{item.requirement_key}” không phải thành phần hồ sơ của thủ tục "
                f"{body.procedure_code} (phiên bản {version.version}).",
            )
        if item.source == ItemSource.upload or item.upload_id is not None:
            upload = uploads.get(item.upload_id or "")
            if upload is None or upload.owner_number != actor:
                problem(
                    f"{where}.upload_id",
                    "unknown-upload",
                    "Không tìm thấy tệp đã tải lên; hãy tải tệp lên lại rồi nộp.",
                )
            else:
                total += upload.size
        if (
            item.source == ItemSource.registry
            and requirement is not None
            and requirement.evidence_type_code is None
        ):
            problem(
                f"{where}.source",
                "not-from-registry",
                f"Thành phần “{requirement.name}” không lấy được từ cơ sở dữ liệu.",
            )
        if item.source == ItemSource.counter:
            if body.channel == Channel.online:
                problem(
                    f"{where}.source",
                    "counter-source-online",
                    "Nguồn “tại quầy” chỉ dùng cho hồ sơ nộp trực tiếp hoặc qua bưu chính.",
                )
            if not item.value and item.upload_id is None:
                problem(
                    f"{where}.value",
                    "missing-value",
                    "Thành phần nhận tại quầy cần bản quét hoặc dữ liệu nhập.",
                )
    given = {i.requirement_key for i in body.items}
    for requirement in version.requirements:
        if requirement.mandatory and requirement.key not in given:
            problem(
                f"items.{requirement.key}",
                "missing-requirement",
                f"Thiếu thành phần hồ sơ bắt buộc: {requirement.name}.",
            )
    limit = get_settings().dossier_max_bytes
    if total > limit:
        problem(
            "items",
            "dossier-too-large",
            f"Tổng dung lượng các tệp ({file_size_words(total)}) vượt giới hạn "
            f"{file_size_words(limit)} cho một hồ sơ.",
        )


def fee_of(amounts: Sequence[int | None]) -> tuple[int | None, PaymentState]:
    """The fee to pay and the payment state, from the catalog's amounts (None: not confirmed)."""
    if not amounts:
        return None, PaymentState.not_required
    total = sum(a for a in amounts if a is not None)
    if any(a is None for a in amounts):
        return total or None, PaymentState.to_confirm
    return total, PaymentState.unpaid if total > 0 else PaymentState.not_required


async def _create(
    session: AsyncSession,
    body: SubmissionIn,
    actor: str,
    idempotency_key: str,
    fingerprint: str,
    version: PublishedTerms,
    agency: AgencyKey,
    province: str,
    uploads: dict[str, repository.UploadFacts],
    copied: dict[int, evidence.Copied],
    salt: str,
    secret: str,
) -> Dossier | None:
    calendar = get_calendar()
    received_at = clock.now()
    day = calendar.localise(received_at).date()
    # Taken after every check, so a refused body uses no number.
    number = await repository.take_number(session, agency.code, day)
    code = f"{agency.code}-{day:%y%m%d}-{number:04d}"
    applicant = body.applicant or actor
    on_behalf = applicant != actor and body.channel == Channel.online
    fee, payment = fee_of([f.amount_vnd for f in version.fees])
    items = []
    for i, item in enumerate(body.items):
        fetched = copied.get(i)
        value = fetched.value if fetched else item.value
        items.append(
            {
                "position": i + 1,
                "requirement_key": item.requirement_key,
                "source": item.source,
                "upload_id": item.upload_id,
                "value": value,
                "evidence": fetched.evidence if fetched else None,
                "sha256": (
                    uploads[item.upload_id].sha256
                    if item.upload_id is not None
                    else _value_hash(value)
                ),
            }
        )
    first = {
        "seq": 1,
        "at": received_at,
        "actor_number": actor,
        "kind": "submitted",
        "from_state": None,
        "to_state": DossierState.received,
        "data": {"channel": body.channel.value, "items": len(items), "on_behalf": on_behalf},
    }
    values = {
        "code": code,
        "tracking_salt": salt,
        "secret_hash": hash_secret(salt, secret),
        "procedure_version_id": version.id,
        "procedure_code": body.procedure_code,
        "procedure_name": version.name,
        "receiving_agency_id": agency.id,
        "province_code": province,
        "applicant_number": applicant,
        "actor_number": actor,
        "on_behalf": on_behalf,
        "channel": body.channel,
        "state": DossierState.received,
        "received_at": received_at,
        "due_at": calendar.due_at(
            received_at, version.processing_days, cutoff=version.same_day_cutoff
        ),
        "fee_vnd": fee,
        "payment_state": payment,
        "contact_email": body.contact_email,
        "idempotency_key": idempotency_key,
        "request_hash": fingerprint,
    }
    return await repository.insert_unless_key_taken(session, values, items, first)


async def _notify_received(
    session: AsyncSession, dossier: Dossier, email: str, version: PublishedTerms
) -> None:
    await notify.notify(
        session,
        event_key=f"dossier:{dossier.code}:received",
        kind="dossier_received",
        channel=NotifyChannel.email,
        recipient=email,
        context={
            "name": "Ông/Bà",
            "dossier_code": dossier.code,
            "procedure_name": version.name,
            "due_at": _local(dossier.due_at),
            "tracking_url": f"{get_settings().public_base_url}/tra-cuu",
        },
    )


def set_committed(dossier: Dossier, items: list[DossierItem], events: list[DossierEvent]) -> None:
    """Fill the loaded collections without a query (relationships are ``lazy="raise"``)."""
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(dossier, "items", items)
    set_committed_value(dossier, "events", events)


def _value_hash(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _local(moment: datetime) -> str:
    return get_calendar().localise(moment).strftime("%H:%M ngày %d/%m/%Y")


def file_size_words(n: int) -> str:
    """A size as a person reads it: KB below a megabyte, MB with one decimal above."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
