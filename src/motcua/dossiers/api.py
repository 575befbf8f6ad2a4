"""JSON routes: submit (idempotent), upload, read one dossier, list mine, the receipt slip.

Until e-ID login exists, the acting person's 12-digit number comes from the
``X-Motcua-Person`` header: a stand-in, to be replaced by the authenticated citizen or officer.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import get_session
from motcua.core.settings import get_settings
from motcua.dossiers import service
from motcua.dossiers.schemas import (
    DossierOut,
    DossierPage,
    IdempotencyKey,
    SubmissionIn,
    SubmissionOut,
    UploadOut,
)

router = APIRouter(prefix="/api/v1", tags=["dossiers"])
Session = Annotated[AsyncSession, Depends(get_session)]
Person = Annotated[
    str,
    Header(
        alias="X-Motcua-Person",
        max_length=32,
        description="Stand-in for e-ID login: the acting person's 12-digit number.",
    ),
]
Code = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]
CHUNK = 64 * 1024


@router.post(
    "/dossiers",
    response_model=SubmissionOut,
    status_code=201,
    responses={200: {"description": "A retry: the dossier the same key created before."}},
)
async def submit(
    body: SubmissionIn,
    session: Session,
    person: Person,
    idempotency_key: Annotated[IdempotencyKey, Header(alias="Idempotency-Key")],
) -> JSONResponse:
    result = await service.submit(session, body, actor=person, idempotency_key=idempotency_key)
    out = SubmissionOut(
        **service.to_out(result.dossier, result.agency_code).model_dump(),
        tracking_secret=result.tracking_secret,
        receipt_url=f"/api/v1/dossiers/{result.dossier.code}/receipt.pdf",
        created=result.created,
    )
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=201 if result.created else 200,
        headers={"Location": f"/api/v1/dossiers/{result.dossier.code}"},
    )


@router.post("/uploads", response_model=UploadOut, status_code=201)
async def upload(
    session: Session, person: Person, file: Annotated[UploadFile, File()]
) -> UploadOut:
    # Read at most one byte past the cap, so an oversized file is refused without buffering it.
    cap = get_settings().upload_max_bytes
    data = bytearray()
    while len(data) <= cap and (chunk := await file.read(CHUNK)):
        data += chunk
    return await service.upload(
        session, owner=person, file_name=file.filename or "", data=bytes(data)
    )


@router.get("/dossiers/{code}", response_model=DossierOut)
async def dossier(code: Code, session: Session, person: Person) -> DossierOut:
    return await service.view(session, code, person)


@router.get("/dossiers/{code}/receipt.pdf", response_class=Response)
async def receipt(code: Code, session: Session, person: Person) -> Response:
    pdf = await service.receipt(session, code, person)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="giay-tiep-nhan-{code}.pdf"'},
    )


@router.get("/me/dossiers", response_model=DossierPage)
async def my_dossiers(
    session: Session,
    person: Person,
    before: Annotated[datetime | None, Query(description="next_before of the last page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DossierPage:
    return await service.mine(session, person, before, limit)
