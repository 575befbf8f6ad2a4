"""Citizen pages: after the consent and preview (``/du-lieu/…``), the form that asks only for
what no registry delivered, the receipt with the dossier code and tracking secret, and payment.

Plain HTML forms, no script; errors listed at the top (``role="alert"``), each linked to its
field, fields marked ``aria-invalid``. Every page needs the e-ID session.
"""

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from motcua.applications import payments, service
from motcua.applications.models import ApplicationState
from motcua.applications.schemas import ApplicationView, DraftIn
from motcua.assisted import cookie as assisted
from motcua.assisted import service as assisted_service
from motcua.catalog import groups as catalog_groups
from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession, writes_on_read
from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import service as dossiers
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import PaymentState
from motcua.identity.auth import PageCitizen
from motcua.identity.citizens import Citizen, require_level
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
ApplicationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Reference = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
PAYMENT_NAMES = {
    PaymentState.not_required: "Không phải nộp phí, lệ phí",
    PaymentState.unpaid: "Chưa nộp phí, lệ phí",
    PaymentState.to_confirm: "Chờ cơ quan xác định số tiền phí, lệ phí",
    PaymentState.paid: "Đã nộp phí, lệ phí",
}


def _local(moment: Any) -> str:
    return get_calendar().localise(moment).strftime("%H:%M, %d/%m/%Y")


@router.post("/ho-so/tu-du-lieu/{reference}")
async def continue_from_preview(
    request: Request, reference: Reference, session: RequestSession, citizen: PageCitizen
) -> Response:
    draft = await service.from_consent(session, reference, citizen.personal_id)
    return RedirectResponse(f"/ho-so/{draft.id}", status_code=303)


def _form_page(
    request: Request,
    draft: ApplicationView,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    typed: DraftIn | None = None,
    files_chosen: bool = False,
) -> HTMLResponse:
    """The form; after a refusal, ``typed`` holds what the person typed, shown instead of the
    stored draft so nothing is lost (chosen files cannot be kept by a browser: the page says
    to choose them again)."""
    if typed is not None:
        values = {item.key: typed.values.get(item.key, item.values) for item in draft.form}
        draft = draft.model_copy(
            update={
                "form": [
                    item.model_copy(update={"values": values[item.key]})
                    if item.kind == "declaration"
                    else item
                    for item in draft.form
                ],
                "contact_email": typed.contact_email,
            }
        )
    return render(
        request,
        "applications/form.html",
        {
            "draft": draft,
            "errors": errors or [],
            "bad": {f for f, _ in errors or []},
            "saved": request.query_params.get("da-luu") == "1",
            "payment_names": PAYMENT_NAMES,
            "files_chosen": files_chosen,
        },
        status_code,
    )


@router.get("/ho-so/{application_id}", response_class=HTMLResponse)
async def form(
    request: Request, application_id: ApplicationId, session: RequestSession, citizen: PageCitizen
) -> Response:
    draft = await service.view(session, application_id, citizen.personal_id)
    if draft.state == ApplicationState.submitted:
        return RedirectResponse(f"/ho-so/{application_id}/bien-nhan", status_code=303)
    return _form_page(request, draft)


def _anchor(field: str) -> str:
    """``uploads.key`` -> ``file-key``; ``values.key.name`` -> ``field-key-name``."""
    parts = field.split(".")
    if parts[0] == "uploads" and len(parts) == 2:
        return f"file-{parts[1]}"
    if parts[0] == "values" and len(parts) == 3:
        return f"field-{parts[1]}-{parts[2]}"
    return field.replace(".", "-")


async def _read_form(
    request: Request, session: AsyncSession, citizen: Citizen, draft: ApplicationView
) -> tuple[DraftIn, list[tuple[str, str]]]:
    form = await request.form()
    errors: list[tuple[str, str]] = []
    values: dict[str, dict[str, Any]] = {}
    uploads: dict[str, str | None] = {}
    for item in draft.form:
        if item.kind == "declaration":
            given: dict[str, Any] = {}
            for spec in item.fields:
                raw = form.get(f"field-{item.key}-{spec.name}")
                if spec.kind == "checkbox":
                    given[spec.name] = raw is not None
                elif isinstance(raw, str):
                    given[spec.name] = raw.strip()
            values[item.key] = given
        elif item.kind == "upload":
            file = form.get(f"file-{item.key}")
            if isinstance(file, UploadFile) and file.filename:
                cap = get_settings().upload_max_bytes
                data = await file.read(cap + 1)
                try:
                    out = await dossier_uploads.upload(
                        session, owner=citizen.personal_id, file_name=file.filename, data=data
                    )
                    uploads[item.key] = out.id
                except DomainError as error:
                    errors.append((f"file-{item.key}", error.message))
    email = form.get("contact_email")
    body = DraftIn(
        values=values,
        uploads=uploads,
        contact_email=email.strip() if isinstance(email, str) else None,
    )
    return body, errors


@router.post("/ho-so/{application_id}", response_class=HTMLResponse)
async def save_or_submit(
    request: Request, application_id: ApplicationId, session: RequestSession, citizen: PageCitizen
) -> Response:
    """``action=save`` keeps the draft; ``action=submit`` files it. All problems at once."""
    draft = await service.view(session, application_id, citizen.personal_id)
    if draft.state == ApplicationState.submitted:
        return RedirectResponse(f"/ho-so/{application_id}/bien-nhan", status_code=303)
    body, errors = await _read_form(request, session, citizen, draft)
    form = await request.form()
    action = form.get("action")
    try:
        if errors:
            raise DomainError("upload refused")
        if action == "submit":
            require_level(citizen, draft.procedure_code)
            if await catalog_groups.of_procedure(session, draft.procedure_code) is not None:
                # a group is filed after choosing its combination (groups/pages.py)
                await service.save(session, application_id, citizen.personal_id, body)
                return RedirectResponse(f"/lien-thong/{application_id}", status_code=303)
            assist = await assisted.for_request(request, session, citizen)
            filed = await service.submit(session, application_id, citizen.personal_id, body)
            if assist is not None:  # filed with a community helper: the dossier records it
                await assisted_service.record_filing(session, assist, filed.dossier_code)
            return RedirectResponse(f"/ho-so/{application_id}/bien-nhan", status_code=303)
        await service.save(session, application_id, citizen.personal_id, body)
        return RedirectResponse(f"/ho-so/{application_id}?da-luu=1", status_code=303)
    except DomainError as error:
        problems = error.details.get("problems") or []
        errors += [(_anchor(p["field"]), p["message"]) for p in problems]
        if not errors:
            errors.append(("main", error.message))
    await session.rollback()  # nothing half-saved
    draft = await service.view(session, application_id, citizen.personal_id)
    chosen = any(isinstance(v, UploadFile) and v.filename for _, v in form.multi_items())
    return _form_page(request, draft, errors, 422, typed=body, files_chosen=chosen)


@router.get("/ho-so/{application_id}/bien-nhan", response_class=HTMLResponse)
async def receipt(
    request: Request, application_id: ApplicationId, session: RequestSession, citizen: PageCitizen
) -> Response:
    draft = await service.view(session, application_id, citizen.personal_id)
    if draft.dossier_code is None:
        return RedirectResponse(f"/ho-so/{application_id}", status_code=303)
    if draft.dossier_code.startswith("LT-"):  # filed as a group: its one page
        return RedirectResponse(f"/ho-so-lien-thong/{draft.dossier_code}", status_code=303)
    dossier, secret = await dossier_reading.view_with_secret(
        session, draft.dossier_code, citizen.personal_id
    )
    return render(
        request,
        "applications/receipt.html",
        {
            "draft": draft,
            "dossier": dossier,
            "secret": secret,
            "local": _local,
            "payment_names": PAYMENT_NAMES,
            "state_names": dossiers.STATE_NAMES,
        },
    )


@router.get("/ho-so/{application_id}/thanh-toan", response_class=HTMLResponse)
@writes_on_read  # the payment request is made on the first view
async def payment_page(
    request: Request, application_id: ApplicationId, session: RequestSession, citizen: PageCitizen
) -> Response:
    draft = await service.view(session, application_id, citizen.personal_id)
    if draft.dossier_code is None:
        return RedirectResponse(f"/ho-so/{application_id}", status_code=303)
    out = await payments.request_payment(session, draft.dossier_code, citizen.personal_id)
    svg = segno.make(out.qr_payload, error="m").svg_inline(
        scale=5, title="Mã QR thanh toán (VietQR)"
    )
    sandbox = (
        get_settings().sandbox
        and payments.gateway(out.gateway).simulate(
            reference=out.reference, amount_vnd=out.amount_vnd
        )
        is not None
    )
    return render(
        request,
        "applications/payment.html",
        {"draft": draft, "payment": out, "svg": svg, "sandbox": sandbox},
    )


@router.post("/ho-so/{application_id}/thanh-toan")
async def sandbox_pay(
    request: Request, application_id: ApplicationId, session: RequestSession, citizen: PageCitizen
) -> Response:
    """Demo only: the sandbox bank pays and sends its signed callback through the same path."""
    draft = await service.view(session, application_id, citizen.personal_id)
    if draft.dossier_code is None or not get_settings().sandbox:
        return RedirectResponse(f"/ho-so/{application_id}", status_code=303)
    out = await payments.request_payment(session, draft.dossier_code, citizen.personal_id)
    simulated = payments.gateway(out.gateway).simulate(
        reference=out.reference, amount_vnd=out.amount_vnd
    )
    if simulated is not None:
        await payments.confirm(session, out.gateway, simulated.body, simulated.headers)
    return RedirectResponse(f"/ho-so/{application_id}/bien-nhan", status_code=303)


@router.get("/ho-so/{application_id}/noi-tiep-nhan", response_class=HTMLResponse)
async def receiving_page(
    request: Request,
    application_id: ApplicationId,
    session: RequestSession,
    citizen: PageCitizen,
    tinh: Annotated[str | None, Query(max_length=2, pattern=r"^\d{2}$")] = None,
) -> Response:
    """Nơi tiếp nhận hồ sơ: province, then a centre of it (Decree 118/2025)."""
    found = await service.centres(session, application_id, citizen.personal_id, tinh)
    return render(request, "applications/receiving.html", {"id": application_id, "found": found})


@router.post("/ho-so/{application_id}/noi-tiep-nhan", response_class=HTMLResponse)
async def choose_receiving(
    request: Request,
    application_id: ApplicationId,
    session: RequestSession,
    citizen: PageCitizen,
    agency: Annotated[str, Form(max_length=35)],
) -> Response:
    try:
        await service.save(
            session, application_id, citizen.personal_id, DraftIn(receiving_agency=agency)
        )
    except DomainError as refusal:
        found = await service.centres(session, application_id, citizen.personal_id, None)
        context = {"id": application_id, "found": found, "error": refusal.message}
        return render(request, "applications/receiving.html", context, 422)
    return RedirectResponse(f"/ho-so/{application_id}#receiving_agency", status_code=303)
