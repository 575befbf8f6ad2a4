"""Applications: procedure -> consent and fetch (exchange) -> a form asking only for what no
registry delivered -> a resumable server-side draft -> one dossier (``dossiers.service.submit``
with a key per draft, so a double click never makes two dossiers).

Invariant 1: a requirement a registry delivered is never asked, and an upload or a changed
value for it is refused (``requirement-from-registry``, ``verified-field-changed``).
"""

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from motcua.applications import checks, declaration, forms, repository
from motcua.applications.models import Application, ApplicationState
from motcua.applications.schemas import (
    ApplicationSummary,
    ApplicationView,
    DraftIn,
    FormItem,
    ReceivingAgency,
    SubmittedOut,
)
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import OnlineLevel, ProcedureVersion, Requirement
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.dossiers import receiving
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import Channel, ItemSource
from motcua.dossiers.schemas import ItemIn, Problem, SubmissionIn
from motcua.dossiers.service import fee_of
from motcua.exchange import repository as exchange_repository
from motcua.exchange import service as exchange
from motcua.exchange.schemas import ItemView
from motcua.units import repository as units_repository


class ApplicationRefused(dossiers.DossierRefused):
    """Every problem at once, per field, in Vietnamese; nothing is saved."""


async def online_version(session: AsyncSession, procedure_code: str) -> ProcedureVersion:
    """The version in force, offered online; stable codes otherwise."""
    version = await catalog_repository.current_version(session, procedure_code, clock.today())
    if version is None:
        if await catalog_repository.procedure_by_code(session, procedure_code) is None:
            raise NotFound(f"Không có thủ tục mã “{procedure_code}”.", code="unknown-procedure")
        raise Invalid(
            f"Thủ tục {procedure_code} chưa có phiên bản được công bố và có hiệu lực, "
            "nên chưa nhận hồ sơ.",
            code="not-published",
        )
    if version.online_level == OnlineLevel.none:
        raise Invalid(
            f"Thủ tục {procedure_code} chưa được cung cấp trực tuyến; vui lòng nộp tại "
            "Bộ phận Một cửa hoặc qua bưu chính.",
            code="not-online",
        )
    return version


# --- starting and reading -------------------------------------------------------------------


async def start(
    session: AsyncSession,
    *,
    actor: str,
    subject: str,
    procedure_code: str,
    actor_name: str | None = None,
) -> ApplicationView:
    """A new draft with its consent prepared (nothing is read before the person confirms);
    ``actor_name`` is the actor's name from their e-ID session."""
    await online_version(session, procedure_code)
    consent = await exchange.prepare_consent(
        session, procedure_code, actor, subject, actor_name=actor_name
    )
    return await from_consent(session, consent.reference, actor)


async def from_consent(session: AsyncSession, reference: str, actor: str) -> ApplicationView:
    """The draft of a consent, created on first use: the pages continue from the preview."""
    existing = await repository.by_consent(session, reference)
    if existing is not None:
        return await view(session, existing.id, actor)
    consent = await exchange.get_consent(session, reference, actor)  # the holder only
    await online_version(session, consent.procedure_code)
    now = clock.now()
    draft_id = secrets.token_hex(16)
    session.add(
        Application(
            id=draft_id,
            actor_number=consent.actor_personal_id,
            subject_number=consent.subject_personal_id,
            procedure_code=consent.procedure_code,
            procedure_version_id=await _consent_version_id(session, reference),
            consent_reference=reference,
            state=ApplicationState.draft,
            values={},
            uploads={},
            idempotency_key=f"application:{draft_id}",
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return await view(session, draft_id, actor)


async def _consent_version_id(session: AsyncSession, reference: str) -> int:
    consent = await exchange_repository.consent(session, reference)
    assert consent is not None
    return consent.procedure_version_id


async def _own(
    session: AsyncSession, application_id: str, actor: str, *, for_update: bool = False
) -> Application:
    app = await repository.application(session, application_id, for_update=for_update)
    if app is None or app.actor_number != actor:
        raise NotFound("Không có hồ sơ đang khai này của bạn.", code="application-not-found")
    return app


@dataclass
class Context:
    app: Application
    version: ProcedureVersion
    requirements: list[Requirement]
    items: dict[str, ItemView]
    form: dict[str, FormItem]


async def _context(session: AsyncSession, app: Application) -> Context:
    version = await session.get(ProcedureVersion, app.procedure_version_id)
    assert version is not None
    requirements = list(await catalog_repository.requirements_of(session, version.id))
    items: dict[str, ItemView] = {}
    if app.state == ApplicationState.draft:
        items = {
            i.key: i for i in await exchange.items(session, app.consent_reference, app.actor_number)
        }
    ids = {u for u in app.uploads.values() if u}
    names = {u.id: u.file_name for u in (await dossiers_repository.uploads(session, ids)).values()}
    form = forms.build_form(requirements, items, app.values, app.uploads, names)
    return Context(app, version, requirements, items, {f.key: f for f in form})


async def view(session: AsyncSession, application_id: str, actor: str) -> ApplicationView:
    app = await _own(session, application_id, actor)
    return await _view(session, await _context(session, app))


async def _view(session: AsyncSession, ctx: Context) -> ApplicationView:
    app = ctx.app
    consent = await exchange.get_consent(session, app.consent_reference, app.actor_number)
    fee, payment_state = fee_of([f.get("amount_vnd") for f in ctx.version.fees])
    return ApplicationView(
        id=app.id,
        state=app.state,
        procedure_code=app.procedure_code,
        procedure_name=ctx.version.name,
        actor=app.actor_number,
        subject=app.subject_number,
        consent_reference=app.consent_reference,
        consent_state=consent.state,
        fee_vnd=fee,
        payment_state=payment_state,
        contact_email=app.contact_email,
        receiving_agency=await receiving_agency(session, ctx),
        dossier_code=app.dossier_code,
        created_at=app.created_at,
        updated_at=app.updated_at,
        form=list(ctx.form.values()),
    )


def residence_commune(ctx: Context) -> str | None:
    """The commune of the applicant's residence, as a registry delivered it for this
    application (the applicant's own records first)."""
    own = {p.key for p in ctx.requirements if p.subject in ("applicant", "represented")}
    ordered = sorted(ctx.items.values(), key=lambda i: i.key not in own)
    for item in ordered:
        found = item.fields.get("residence_unit_code")
        if item.status == "delivered" and found is not None and found.value:
            return str(found.value)
    return None


async def receiving_agency(session: AsyncSession, ctx: Context) -> ReceivingAgency | None:
    """The centre the applicant chose, else the one serving their residence (or the managing
    ministry of a ministry-only procedure); None when there is nothing to go by."""
    if ctx.app.receiving_agency:
        chosen = await units_repository.agency_by_code(session, ctx.app.receiving_agency)
        if chosen is not None:
            return ReceivingAgency(code=chosen.code, name=chosen.name, chosen=True)
    rules = receiving.Rules.of(ctx.version)
    found = await receiving.default_for(session, rules, residence_commune(ctx))
    return (
        None if found is None else ReceivingAgency(code=found.code, name=found.name, chosen=False)
    )


async def mine(session: AsyncSession, actor: str, limit: int = 50) -> list[ApplicationSummary]:
    rows = await repository.of_actor(session, actor, limit)
    versions = {
        v.id: v.name
        for v in [await session.get(ProcedureVersion, r.procedure_version_id) for r in rows]
        if v is not None
    }
    return [
        ApplicationSummary(
            id=r.id,
            state=r.state,
            procedure_code=r.procedure_code,
            procedure_name=versions.get(r.procedure_version_id, ""),
            subject=r.subject_number,
            dossier_code=r.dossier_code,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


# --- saving the draft -----------------------------------------------------------------------


def _problem(problems: list[Problem], field: str, code: str, message: str) -> None:
    problems.append(Problem(field=field, code=code, message=message))


async def _check_draft(session: AsyncSession, ctx: Context, body: DraftIn) -> list[Problem]:
    """Everything wrong with what the form sent, at once."""
    problems: list[Problem] = []
    actor = ctx.app.actor_number
    owned = await dossiers_repository.uploads(session, {u for u in body.uploads.values() if u})
    for key, upload_id in body.uploads.items():
        field = f"uploads.{key}"
        item = ctx.form.get(key)
        if item is None:
            _problem(
                problems,
                field,
                "requirement-not-in-procedure",
                f"“{key}” không phải thành phần hồ sơ của thủ tục {ctx.app.procedure_code}.",
            )
        elif item.kind == "registry":
            _problem(
                problems,
                field,
                "requirement-from-registry",
                f"“{item.name}” đã được lấy từ cơ sở dữ liệu; bạn không phải và không được "
                "tải giấy tờ này lên.",
            )
        elif item.kind == "declaration":
            _problem(
                problems,
                field,
                "declaration-is-typed",
                f"“{item.name}” được khai trực tiếp trên biểu mẫu, không tải tệp lên.",
            )
        elif upload_id is not None:
            upload = owned.get(upload_id)
            if upload is None or upload.owner_number != actor:
                _problem(
                    problems,
                    field,
                    "unknown-upload",
                    "Không tìm thấy tệp đã tải lên; hãy tải tệp lên lại.",
                )
    verified: dict[str, dict[str, Any]] = {}
    for key, given in body.values.items():
        item = ctx.form.get(key)
        if item is None:
            _problem(
                problems,
                f"values.{key}",
                "requirement-not-in-procedure",
                f"“{key}” không phải thành phần hồ sơ của thủ tục {ctx.app.procedure_code}.",
            )
        elif item.kind == "registry":
            verified[key] = given
        elif item.kind == "upload":
            _problem(
                problems,
                f"values.{key}",
                "requirement-needs-upload",
                f"“{item.name}” cần tải giấy tờ lên, không khai trực tiếp.",
            )
        else:
            problems.extend(checks.typed(item, given))
            merged = {**ctx.app.values.get(key, {}), **given}
            problems.extend(_declared(ctx, key, merged))
    for key, given in verified.items():
        known_fields = ctx.form[key].verified
        for name in given:
            if name not in known_fields:
                _problem(
                    problems,
                    f"values.{key}.{name}",
                    "requirement-from-registry",
                    f"“{ctx.form[key].name}” đã được lấy từ cơ sở dữ liệu; không khai thêm.",
                )
    if verified:
        result = await exchange.recheck(session, ctx.app.consent_reference, actor, verified)
        for m in result.mismatches:
            _problem(
                problems,
                f"values.{m.key}.{m.field}",
                "verified-field-changed",
                f"“{ctx.form[m.key].name}”: trường {m.field} đã được cơ sở dữ liệu xác thực "
                f"(“{m.expected}”), không sửa được trên tờ khai. Nếu dữ liệu sai, hãy báo ở "
                "trang xem trước và tải giấy tờ lên.",
            )
    if body.contact_email and not dossiers.EMAIL.match(body.contact_email):
        _problem(problems, "contact_email", "malformed-email", "Địa chỉ thư điện tử không hợp lệ.")
    if body.receiving_agency:
        await _check_agency(session, ctx, body.receiving_agency, problems)
    return problems


@dataclass
class Centres:
    """The chooser of the receiving centre: provinces, and the centres of one of them."""

    provinces: list[tuple[str, str]]
    province: str | None
    centres: list[tuple[str, str]]
    current: ReceivingAgency | None


async def centres(
    session: AsyncSession, application_id: str, actor: str, province: str | None
) -> Centres:
    """Province first, then the centres there that may receive the procedure (Decree
    118/2025: any centre of the province), as the national portal asks."""
    ctx = await _context(session, await _own(session, application_id, actor))
    current = await receiving_agency(session, ctx)
    provinces = [(u.code, u.name) for u, _ in await units_repository.provinces(session)]
    if province is None and current is not None:
        found = await units_repository.agency_by_code(session, current.code)
        unit = (
            await units_repository.unit(session, found.unit_code)
            if found and found.unit_code
            else None
        )
        province = (unit.province_code or unit.code) if unit else None
    if province not in {code for code, _ in provinces}:
        return Centres(provinces, None, [], current)
    rules = receiving.Rules.of(ctx.version)
    found_centres = await receiving.centres(session, rules, province)
    # Named by place first, so a phone's narrow list still shows which commune it is.
    prefix = "Trung tâm Phục vụ hành chính công "
    named = [
        (a.code, a.name.removeprefix(prefix) + (" (cấp tỉnh)" if a.level == "province" else ""))
        for a in found_centres
    ]
    return Centres(provinces, province, named, current)


async def _check_agency(
    session: AsyncSession, ctx: Context, code: str, problems: list[Problem]
) -> None:
    agency = await units_repository.agency_by_code(session, code)
    rules = receiving.Rules.of(ctx.version)
    if agency is None:
        _problem(problems, "receiving_agency", "unknown-agency", "Không có nơi tiếp nhận này.")
    elif not receiving.may_receive(agency.id, agency.level, rules):
        _problem(
            problems,
            "receiving_agency",
            "agency-may-not-receive",
            f"{agency.name} không tiếp nhận thủ tục này. {receiving.where_to_file(rules)}",
        )


def _merge(app: Application, body: DraftIn, form: dict[str, FormItem]) -> None:
    values = {k: dict(v) for k, v in app.values.items()}
    for key, given in body.values.items():
        if form[key].kind == "declaration":
            values.setdefault(key, {}).update(given)
    uploads = dict(app.uploads)
    for key, upload_id in body.uploads.items():
        if upload_id is None:
            uploads.pop(key, None)
        else:
            uploads[key] = upload_id
    app.values, app.uploads = values, uploads
    if body.contact_email is not None:
        app.contact_email = body.contact_email or None
    if body.receiving_agency:
        app.receiving_agency = body.receiving_agency
    app.updated_at = clock.now()


async def _save(session: AsyncSession, ctx: Context, body: DraftIn) -> Context:
    if ctx.app.state != ApplicationState.draft:
        raise Conflict(
            f"Hồ sơ này đã nộp (mã {ctx.app.dossier_code}); không sửa được nữa.",
            code="application-submitted",
        )
    problems = await _check_draft(session, ctx, body)
    if problems:
        raise ApplicationRefused(problems)
    _merge(ctx.app, body, ctx.form)
    try:
        await session.flush()
    except StaleDataError as error:
        raise Conflict(
            "Hồ sơ vừa được lưu ở nơi khác; hãy tải lại trang.", code="application-changed"
        ) from error
    return await _context(session, ctx.app)


async def save(
    session: AsyncSession, application_id: str, actor: str, body: DraftIn
) -> ApplicationView:
    app = await _own(session, application_id, actor, for_update=True)
    return await _view(session, await _save(session, await _context(session, app), body))


# --- submission -----------------------------------------------------------------------------


def _missing(ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for item in ctx.form.values():
        if not item.mandatory:
            continue
        if item.kind == "upload" and not item.upload_id:
            _problem(
                problems,
                f"uploads.{item.key}",
                "missing-upload",
                f"Thiếu giấy tờ bắt buộc: {item.name}."
                + (f" {item.reason_message}" if item.reason_message else ""),
            )
        elif item.kind == "declaration":
            problems.extend(checks.missing(item))
            problems.extend(_declared(ctx, item.key, item.values))
    return problems


def _declared(ctx: Context, key: str, values: dict[str, Any]) -> list[Problem]:
    """What the procedure's declaration schema says of these answers (Vietnamese, per field);
    missing answers are reported once, by the form's own required check."""
    schema = next((r.declaration for r in ctx.requirements if r.key == key), None)
    return checks.declared(key, schema, values, clock.today())


def _person(ctx: Context) -> dict[str, Any]:
    person: dict[str, Any] = {}
    for item in ctx.form.values():
        for name, f in item.verified.items():
            person.setdefault(name, f.value)
    return person


async def _declaration_upload(session: AsyncSession, ctx: Context, item: FormItem) -> str:
    pdf = declaration.render(
        title=item.form_template or item.name,
        procedure_name=ctx.version.name,
        subject=ctx.app.subject_number,
        person=_person(ctx),
        answers=declaration.answers_of(item.fields, item.values),
        signed_at=clock.now(),
    )
    out = await dossier_uploads.upload(
        session, owner=ctx.app.actor_number, file_name=f"{item.key}.pdf", data=pdf
    )
    return out.id


async def submit(
    session: AsyncSession, application_id: str, actor: str, body: DraftIn | None = None
) -> SubmittedOut:
    """Save what was sent, check the whole draft, file the dossier. A second call (a double
    click, a retry) returns the same dossier: the draft row is locked, and the dossier's
    idempotency key is the draft's own."""
    app = await _own(session, application_id, actor, for_update=True)
    if app.state == ApplicationState.submitted:
        assert app.dossier_code is not None
        return await _submitted(session, app, created=False)
    ctx = await _context(session, app)
    if body is not None:
        ctx = await _save(session, ctx, body)
    problems = _missing(ctx)
    if problems:
        raise ApplicationRefused(problems)
    items: list[ItemIn] = []
    for item in ctx.form.values():
        if item.kind == "registry":
            # The dossier copies the read itself: only its id travels (invariant 8).
            fetched = ctx.items[item.key].id
            items.append(
                ItemIn(requirement_key=item.key, source=ItemSource.registry, evidence_item=fetched)
            )
        elif item.kind == "upload" and item.upload_id:
            items.append(
                ItemIn(requirement_key=item.key, source=ItemSource.upload, upload_id=item.upload_id)
            )
        elif item.kind == "declaration" and item.values:
            upload_id = await _declaration_upload(session, ctx, item)
            items.append(
                ItemIn(
                    requirement_key=item.key,
                    source=ItemSource.upload,
                    upload_id=upload_id,
                    value=dict(item.values),
                )
            )
    agency = await receiving_agency(session, ctx)
    submission = SubmissionIn(
        procedure_code=app.procedure_code,
        receiving_agency=agency.code if agency else None,
        channel=Channel.online,
        applicant=app.subject_number,
        contact_email=app.contact_email,
        items=items,
    )
    result = await dossiers.submit(
        session, submission, actor=actor, idempotency_key=app.idempotency_key
    )
    app.state, app.dossier_code = ApplicationState.submitted, result.dossier.code
    app.updated_at = clock.now()
    await session.flush()
    # The application is over: what was fetched for it is dropped (the dossier keeps its copy).
    await exchange.close_application(session, app.consent_reference, actor)
    return await _submitted(session, app, created=result.created)


async def _submitted(session: AsyncSession, app: Application, *, created: bool) -> SubmittedOut:
    assert app.dossier_code is not None
    dossier = await dossiers_repository.plain_by_code(session, app.dossier_code)
    assert dossier is not None
    return SubmittedOut(
        application_id=app.id,
        dossier_code=dossier.code,
        tracking_secret=dossiers.secret_of(dossier),
        state=dossier.state,
        due_at=dossier.due_at,
        fee_vnd=dossier.fee_vnd,
        payment_state=dossier.payment_state,
        receipt_url=f"/api/v1/dossiers/{dossier.code}/receipt.pdf",
        tracking_url="/tra-cuu",
        created=created,
    )
