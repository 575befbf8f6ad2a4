"""Citizen pages of the exchange: consent, preview with accept/reject, "who used my data".

Plain HTML forms (no script needed); every page needs the e-ID session and sends a person who
has none to the login and back.
"""

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog import service as catalog
from motcua.core.calendar import get_calendar
from motcua.core.clock import today
from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.exchange import choices, representation, service, statement, subjects
from motcua.exchange import people as role_states
from motcua.exchange.models import Decision, ItemStatus
from motcua.identity.auth import PageCitizen, set_session
from motcua.identity.citizens import Citizen, acting_for, require_level
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
Reference = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
REJECTED = "Người nộp không chấp nhận dữ liệu này trên trang xem trước"
MAX_RECORD_BYTES = 20 * 1024 * 1024
ProcedureCode = Annotated[str, Path(pattern=r"^\d\.\d{6}$")]
RequirementKey = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


def _local(moment: object) -> str:
    return get_calendar().localise(moment).strftime("%H:%M, %d/%m/%Y")  # type: ignore[arg-type]


@router.get("/du-lieu/thu-tuc/{code}", response_class=HTMLResponse)
async def start(
    request: Request, code: ProcedureCode, session: RequestSession, citizen: PageCitizen
) -> Response:
    """The procedure by its name; an unknown code answers the catalog's own 404."""
    procedure = await catalog.current(session, code)
    context = {"code": code, "name": procedure.name, "citizen": citizen}
    return render(request, "exchange/start.html", context)


@router.post("/du-lieu/thu-tuc/{code}")
async def prepare(
    request: Request, code: ProcedureCode, session: RequestSession, citizen: PageCitizen
) -> Response:
    """Nothing is read yet: this only prepares what the person will be asked to agree to."""
    require_level(citizen, code)
    view = await service.prepare_consent(
        session, code, citizen.personal_id, citizen.subject, actor_name=citizen.full_name
    )
    return RedirectResponse(f"/du-lieu/dong-y/{view.reference}", status_code=303)


@router.get("/du-lieu/dong-y/{reference}", response_class=HTMLResponse)
async def consent(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    view = await service.get_consent(session, reference, citizen.personal_id)
    version = await catalog_repository.current_version(session, view.procedure_code, today())
    return render(
        request,
        "exchange/consent.html",
        {
            "consent": view,
            "citizen": citizen,
            "procedure_name": version.name if version else "",
            "local": _local,
        },
    )


@router.post("/du-lieu/dong-y/{reference}")
async def confirm(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    """Confirmed, then read at once; a refused read is shown, and its log record kept."""
    view = await service.confirm_consent(session, reference, citizen.personal_id)
    if any(p.subject not in subjects.OWN_ROLES for p in view.plan):
        # First say whose data the other reads are: the deceased, the partner, the child…
        return RedirectResponse(f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", status_code=303)
    try:
        await service.fetch_evidence(session, reference, citizen.personal_id)
    except service.ReadRefused as refusal:
        return render(request, "error.html", {"messages": [refusal.message]}, 403)
    return RedirectResponse(f"/du-lieu/dong-y/{reference}/xem-truoc", status_code=303)


@router.get("/du-lieu/dong-y/{reference}/xem-truoc", response_class=HTMLResponse)
async def preview(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    return await _preview(request, reference, session, citizen)


async def _preview(
    request: Request,
    reference: str,
    session: AsyncSession,
    citizen: Citizen,
    choice_error: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The preview; ``choice_error`` (requirement key, message) marks an unanswerable answer."""
    view = await service.get_consent(session, reference, citizen.personal_id)
    items = await service.items(session, reference, citizen.personal_id)
    plan = {p.key: p for p in view.plan}
    return render(
        request,
        "exchange/preview.html",
        {
            "consent": view,
            "items": items,
            "plan": plan,
            "delivered": ItemStatus.delivered,
            "labels": service.field_labels(),
            "saved": request.query_params.get("da-luu") == "1",
            "chosen": request.query_params.get("da-chon"),
            "choice_error": choice_error,
            "none_of_these": choices.NONE_OF_THESE,
        },
        status_code,
    )


@router.post("/du-lieu/dong-y/{reference}/xem-truoc/chon/{key}")
async def choose(
    request: Request,
    reference: Reference,
    key: RequirementKey,
    session: RequestSession,
    citizen: PageCitizen,
    record: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The answer to a ``needs_choice`` question: read the chosen record (logged), or upload."""
    try:
        item = await choices.choose(session, reference, citizen.personal_id, key, record)
    except service.ChoiceRefused as refusal:
        return await _preview(request, reference, session, citizen, (key, refusal.message), 422)
    except service.ReadRefused as refusal:
        return render(request, "error.html", {"messages": [refusal.message]}, 403)
    if item.status == ItemStatus.delivered:
        outcome = "ban-ghi"
    else:
        outcome = "tai-len" if item.decision == Decision.rejected else "khac"
    return RedirectResponse(
        f"/du-lieu/dong-y/{reference}/xem-truoc?da-chon={outcome}#item-{key}", status_code=303
    )


@router.post("/du-lieu/dong-y/{reference}/xem-truoc")
async def decide(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    """One decision per delivered item (``item-<key>`` = ``accept`` or ``reject``)."""
    form = await request.form()
    items = await service.items(session, reference, citizen.personal_id)
    for item in items:
        choice = form.get(f"item-{item.key}")
        if item.status == ItemStatus.delivered and choice in ("accept", "reject"):
            await service.decide(
                session,
                reference,
                citizen.personal_id,
                item.key,
                choice == "accept",
                "Người nộp từ chối dữ liệu này trên trang xem trước"
                if choice == "reject"
                else None,
            )
    return RedirectResponse(f"/du-lieu/dong-y/{reference}/xem-truoc?da-luu=1", status_code=303)


@router.get("/du-lieu/cua-toi", response_class=HTMLResponse)
async def my_data(request: Request, session: RequestSession, citizen: PageCitizen) -> Response:
    """Dữ liệu của tôi đã được ai sử dụng: every access, newest first."""
    _, records = await statement.all_accesses(session, citizen.personal_id)
    agencies, evidence = await statement.names(session, records)
    return render(
        request,
        "exchange/my_data.html",
        {
            "citizen": citizen,
            "records": records,
            "agencies": agencies,
            "evidence": evidence,
            "local": _local,
        },
    )


@router.get("/du-lieu/cua-toi/ban-ghi.json")
async def my_data_record(
    request: Request, session: RequestSession, citizen: PageCitizen
) -> Response:
    record = await statement.signed_record(session, citizen.personal_id)
    return JSONResponse(
        record,
        headers={
            "Content-Disposition": (
                f'attachment; filename="du-lieu-cua-toi-{citizen.personal_id}.json"'
            )
        },
    )


@router.get("/du-lieu/kiem-tra", response_class=HTMLResponse)
async def verify_form(request: Request) -> HTMLResponse:
    return render(request, "exchange/verify.html", {"result": None})


@router.post("/du-lieu/kiem-tra", response_class=HTMLResponse)
async def verify(request: Request, record: Annotated[UploadFile, File()]) -> HTMLResponse:
    """Upload a downloaded record: the page says whether the platform signed exactly that."""
    data = await record.read(MAX_RECORD_BYTES + 1)
    try:
        parsed = json.loads(data) if len(data) <= MAX_RECORD_BYTES else None
    except ValueError:
        parsed = None
    result = statement.verify(parsed)
    return render(request, "exchange/verify.html", {"result": result}, 200 if result.valid else 422)


@router.post("/ca-nhan/dai-dien", response_class=HTMLResponse)
async def citizen_act_for(
    request: Request,
    session: RequestSession,
    citizen: PageCitizen,
    subject: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Act for a child (checked in the population registry), or for oneself when empty."""
    if not subject.strip():
        now = acting_for(citizen)
    else:
        try:
            found = await representation.verify(session, citizen.personal_id, subject)
        except DomainError as refusal:
            # Rendered, not raised: the access-log record of the check is committed.
            context = {"citizen": citizen, "error": refusal.message, "subject": subject}
            return render(request, "identity/citizen.html", context, refusal.status_code)
        now = acting_for(citizen, found.subject, found.subject_name, found.relation)
    response = RedirectResponse("/ca-nhan", status_code=303)
    set_session(response, request, now)
    return response


# --- whose data: the people an application's reads concern ------------------------------------


@router.get("/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", response_class=HTMLResponse)
async def people(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    return await _people(request, reference, session, citizen)


async def _people(
    request: Request,
    reference: str,
    session: AsyncSession,
    citizen: Citizen,
    error: tuple[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """Who each role of the procedure is: chosen from the family the population registry
    records (that read is logged), or another adult asked to confirm with their own e-ID."""
    view = await service.get_consent(session, reference, citizen.personal_id)
    try:
        family = await subjects.family(session, reference, citizen.personal_id)
    except DomainError as problem:
        family, error = [], error or ("", problem.message)
    chosen = {s.role: s for s in await subjects.subjects(session, reference, citizen.personal_id)}
    wanted = sorted(
        {(p.subject, p.subject_label) for p in view.plan if p.subject not in subjects.OWN_ROLES}
    )
    shown = await role_states.roles(
        session, reference, wanted, chosen, family, view.subject_personal_id
    )
    return render(
        request,
        "exchange/people.html",
        {
            "consent": view,
            "roles": shown,
            "error": error,
            "typed": typed or {},
            "local": _local,
        },
        status_code,
    )


@router.post("/du-lieu/dong-y/{reference}/nguoi-co-du-lieu")
async def choose_person(
    request: Request,
    reference: Reference,
    session: RequestSession,
    citizen: PageCitizen,
    role: Annotated[str, Form(max_length=16, pattern=r"^[a-z_]+$")],
    personal_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        await subjects.choose(session, reference, citizen.personal_id, role, personal_id)
    except DomainError as refusal:
        typed = {role: personal_id}
        return await _people(
            request, reference, session, citizen, (role, refusal.message), typed, 422
        )
    return RedirectResponse(f"/du-lieu/dong-y/{reference}/nguoi-co-du-lieu", status_code=303)


@router.post("/du-lieu/dong-y/{reference}/lay-du-lieu")
async def fetch_now(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    """Read again now that whose data it is has been settled."""
    try:
        await service.fetch_evidence(session, reference, citizen.personal_id)
    except service.ReadRefused as refusal:
        return render(request, "error.html", {"messages": [refusal.message]}, 403)
    return RedirectResponse(f"/du-lieu/dong-y/{reference}/xem-truoc", status_code=303)


@router.get("/du-lieu/xac-nhan", response_class=HTMLResponse)
async def confirmations(
    request: Request, session: RequestSession, citizen: PageCitizen
) -> Response:
    """Requests to read my data for someone else's application, waiting for my answer."""
    waiting = await subjects.waiting_for(session, citizen.personal_id)
    names: dict[str, str] = {}
    for c in waiting:
        version = await catalog_repository.current_version(session, c.procedure_code, today())
        names[c.procedure_code] = version.name if version else c.procedure_code
    return render(
        request,
        "exchange/confirmations.html",
        {
            "waiting": waiting,
            "procedures": names,
            "labels": service.field_labels(),
            "answered": request.query_params.get("da-tra-loi"),
            "local": _local,
        },
    )


@router.post("/du-lieu/xac-nhan/{reference}/{role}")
async def answer_confirmation(
    request: Request,
    reference: Reference,
    role: Annotated[str, Path(max_length=16, pattern=r"^[a-z_]+$")],
    session: RequestSession,
    citizen: PageCitizen,
    answer: Annotated[str, Form(pattern=r"^(dong-y|tu-choi)$")],
) -> Response:
    await subjects.answer(session, reference, role, citizen.personal_id, accept=answer == "dong-y")
    return RedirectResponse(f"/du-lieu/xac-nhan?da-tra-loi={answer}", status_code=303)
