"""JSON routes: start a draft, read and save it, submit it once; payment requests and the
gateway's callback. The acting person is the citizen signed in with e-ID."""

from typing import Annotated

import segno
from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from motcua.applications import payments, service
from motcua.applications.schemas import (
    ApplicationSummary,
    ApplicationView,
    CallbackOut,
    DraftIn,
    PaymentIn,
    PaymentOut,
    StartIn,
    SubmitIn,
    SubmittedOut,
)
from motcua.core.database import RequestSession
from motcua.core.errors import Invalid
from motcua.dossiers.api import Person
from motcua.groups import applications as group_applications
from motcua.groups import view as group_view
from motcua.identity.auth import CurrentCitizen
from motcua.identity.citizens import require_level, subject_for

router = APIRouter(prefix="/api/v1", tags=["applications"])
ApplicationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Reference = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
PaymentReference = Annotated[str, Path(pattern=r"^[0-9A-F]{16}$")]
Gateway = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,32}$")]


@router.post("/applications", response_model=ApplicationView, status_code=201)
async def start(body: StartIn, citizen: CurrentCitizen, session: RequestSession) -> ApplicationView:
    """A draft for a procedure, with its consent prepared (confirm and fetch through
    ``/api/v1/exchange/consents/{consent_reference}/…``)."""
    require_level(citizen, body.procedure_code)
    subject = subject_for(citizen, body.subject_personal_id)
    return await service.start(
        session,
        actor=citizen.personal_id,
        subject=subject,
        procedure_code=body.procedure_code,
        actor_name=citizen.full_name,
    )


@router.post("/applications/from-consent/{reference}", response_model=ApplicationView)
async def from_consent(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> ApplicationView:
    return await service.from_consent(session, reference, citizen.personal_id)


@router.get("/applications", response_model=list[ApplicationSummary])
async def mine(citizen: CurrentCitizen, session: RequestSession) -> list[ApplicationSummary]:
    return await service.mine(session, citizen.personal_id)


@router.get("/applications/{application_id}", response_model=ApplicationView)
async def view(
    application_id: ApplicationId, citizen: CurrentCitizen, session: RequestSession
) -> ApplicationView:
    """The draft and its form: only what no registry delivered is asked."""
    return await service.view(session, application_id, citizen.personal_id)


@router.patch("/applications/{application_id}", response_model=ApplicationView)
async def save(
    application_id: ApplicationId, body: DraftIn, citizen: CurrentCitizen, session: RequestSession
) -> ApplicationView:
    return await service.save(session, application_id, citizen.personal_id, body)


@router.post(
    "/applications/{application_id}/submit",
    response_model=SubmittedOut,
    status_code=201,
    responses={
        200: {"description": "Already submitted: the same dossier (or group filing)."},
        201: {
            "description": "The dossier; for a group procedure the group filing "
            "(``GroupOut``, as ``POST /api/v1/groups/filings`` answers)."
        },
    },
)
async def submit(
    application_id: ApplicationId,
    citizen: CurrentCitizen,
    session: RequestSession,
    body: SubmitIn | None = None,
) -> JSONResponse:
    draft = await service.view(session, application_id, citizen.personal_id)
    require_level(citizen, draft.procedure_code)
    if await group_applications.is_group(session, draft.procedure_code):
        filed = await group_applications.submit(session, application_id, citizen.personal_id, body)
        group = await group_view.of_filing(session, filed.filing, created=filed.created)
        return JSONResponse(
            group.model_dump(mode="json"),
            status_code=201 if filed.created else 200,
            headers={"Location": f"/api/v1/groups/filings/{filed.filing.code}"},
        )
    if body is not None and body.combination is not None:
        raise Invalid(
            "Thủ tục này không phải nhóm thủ tục liên thông: không có lựa chọn “combination”.",
            code="not-a-group",
        )
    out = await service.submit(session, application_id, citizen.personal_id, body)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=201 if out.created else 200,
        headers={"Location": f"/api/v1/dossiers/{out.dossier_code}"},
    )


@router.post("/payments", response_model=PaymentOut, status_code=201)
async def request_payment(body: PaymentIn, person: Person, session: RequestSession) -> PaymentOut:
    """The payment request (VietQR payload) for a dossier with an unpaid fee."""
    return await payments.request_payment(session, body.dossier_code, person)


@router.get("/payments/{reference}/qr.svg", response_class=Response)
async def qr(reference: PaymentReference, session: RequestSession) -> Response:
    """The request as a QR code to scan with a banking app (holds no personal data)."""
    found = await payments.payment(session, reference)
    svg = segno.make(found.qr_payload, error="m").svg_inline(scale=4)
    return Response(svg, media_type="image/svg+xml")


@router.post("/payments/callback/{gateway}", response_model=CallbackOut)
async def callback(gateway: Gateway, request: Request, session: RequestSession) -> CallbackOut:
    """The gateway's signed confirmation; a replay or a bad signature changes nothing."""
    return await payments.confirm(session, gateway, await request.body(), request.headers)
