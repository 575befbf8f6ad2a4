"""JSON routes: submit (idempotent), upload and read back a file, read one dossier, list mine,
the receipt slip.

Who acts: online, the citizen signed in with e-ID (``identity.auth.current_citizen``); at a
counter or for post, the officer (``identity.auth.current_officer``), recorded by the officer's
own personal number. Reading a dossier or an upload accepts either.
"""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from motcua.core.database import RequestSession, writes_on_read
from motcua.core.settings import get_settings
from motcua.dossiers import ratings, reading, service, uploads
from motcua.dossiers.files import EXTENSIONS
from motcua.dossiers.models import Channel
from motcua.dossiers.schemas import (
    DossierOut,
    DossierPage,
    IdempotencyKey,
    RatingIn,
    RatingOut,
    SubmissionIn,
    SubmissionOut,
    UploadOut,
)
from motcua.identity.auth import CurrentCitizen, citizen_from, current_citizen, current_officer
from motcua.identity.citizens import require_level, subject_for
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject

router = APIRouter(prefix="/api/v1", tags=["dossiers"])
COUNTER_ROLES = {Role.receiving_officer, Role.agency_admin}


def officer_number(officer: Subject) -> str:
    """An officer acts under their own personal number, which their account must carry."""
    if officer.personal_id is None:
        raise Forbidden(
            "Tài khoản cán bộ chưa có số định danh cá nhân nên chưa thể tiếp nhận hồ sơ; "
            "quản trị viên cần bổ sung.",
            code="officer-without-personal-number",
        )
    return officer.personal_id


async def person(request: Request, session: RequestSession) -> str:
    """The citizen's number when signed in with e-ID, else the officer's (counter work)."""
    citizen = citizen_from(request)
    if citizen is not None:
        return citizen.personal_id
    if request.headers.get("authorization") or request.cookies.get("motcua_token"):
        return officer_number(await current_officer(request, session))
    return (await current_citizen(request)).personal_id  # 401: sign in with e-ID


Person = Annotated[str, Depends(person)]


async def submitter(request: Request, session: RequestSession, body: SubmissionIn) -> str:
    """Online: the citizen, at the level the procedure needs, for themself or a verified child.
    Counter and post: a receiving officer."""
    if body.channel == Channel.online:
        citizen = await current_citizen(request)
        require_level(citizen, body.procedure_code)
        applicant = body.applicant
        if applicant is not None and len(applicant) == 12 and applicant.isdigit():
            subject_for(citizen, applicant)
        return citizen.personal_id
    officer = await current_officer(request, session)
    if officer.role not in COUNTER_ROLES:
        raise Forbidden(
            "Chỉ cán bộ tiếp nhận của Bộ phận Một cửa được nhận hồ sơ trực tiếp "
            "hoặc qua bưu chính.",
            code="not-a-receiving-officer",
        )
    if body.receiving_agency is not None and body.receiving_agency != officer.agency_code:
        # A counter receives for its own agency: never a dossier "received" somewhere else.
        raise Forbidden(
            f"Bạn chỉ nhận được hồ sơ tại cơ quan của mình ({officer.agency_name}); hồ sơ "
            "nộp tại cơ quan khác do cán bộ ở đó tiếp nhận.",
            code="not-your-counter",
        )
    return officer_number(officer)


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
    session: RequestSession,
    actor: Annotated[str, Depends(submitter)],
    idempotency_key: Annotated[IdempotencyKey, Header(alias="Idempotency-Key")],
) -> JSONResponse:
    result = await service.submit(session, body, actor=actor, idempotency_key=idempotency_key)
    out = SubmissionOut(
        **reading.to_out(result.dossier, result.agency_code).model_dump(),
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
    session: RequestSession, person: Person, file: Annotated[UploadFile, File()]
) -> UploadOut:
    # Read at most one byte past the cap, so an oversized file is refused without buffering it.
    cap = get_settings().upload_max_bytes
    data = bytearray()
    while len(data) <= cap and (chunk := await file.read(CHUNK)):
        data += chunk
    return await uploads.upload(
        session, owner=person, file_name=file.filename or "", data=bytes(data)
    )


@router.get(
    "/uploads/{upload_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in EXTENSIONS}}},
)
@writes_on_read  # an officer's opening is recorded
async def upload_content(
    upload_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    request: Request,
    session: RequestSession,
) -> Response:
    """The file as uploaded, for the person who uploaded it, from whichever store holds it;
    for an officer, also a file of a dossier their agency holds (shown inline, recorded)."""
    from motcua.core.errors import NotFound
    from motcua.workflow import contents
    from motcua.workflow.api import inline_file

    citizen = citizen_from(request)
    if citizen is None and (
        request.headers.get("authorization") or request.cookies.get("motcua_token")
    ):
        officer = await current_officer(request, session)
        if officer.personal_id is not None:
            try:
                return _attachment(
                    *await uploads.read_upload(session, upload_id, officer.personal_id)
                )
            except NotFound:
                pass
        row, data = await contents.open_any_file(session, officer, upload_id)
        return inline_file(row.media_type, row.file_name, row.sha256, data)
    person = citizen.personal_id if citizen else (await current_citizen(request)).personal_id
    return _attachment(*await uploads.read_upload(session, upload_id, person))


def _attachment(meta: UploadOut, data: bytes) -> Response:
    return Response(
        data,
        media_type=meta.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(meta.file_name)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{meta.sha256}"',
        },
    )


@router.get("/dossiers/{code}", response_model=DossierOut)
async def dossier(code: Code, session: RequestSession, person: Person) -> DossierOut:
    return await reading.view(session, code, person)


@router.get("/dossiers/{code}/receipt.pdf", response_class=Response)
async def receipt(code: Code, session: RequestSession, person: Person) -> Response:
    pdf = await reading.receipt(session, code, person)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="giay-tiep-nhan-{code}.pdf"'},
    )


@router.get("/me/dossiers", response_model=DossierPage)
async def my_dossiers(
    session: RequestSession,
    citizen: CurrentCitizen,
    before: Annotated[datetime | None, Query(description="next_before of the last page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DossierPage:
    return await reading.mine(session, citizen.personal_id, before, limit)


@router.post("/me/dossiers/{code}/rating", response_model=RatingOut, status_code=201)
async def rate_my_dossier(
    session: RequestSession, citizen: CurrentCitizen, code: Code, body: RatingIn
) -> RatingOut:
    """The applicant's one rating after the result or the refusal (409 before it, or twice);
    it feeds the service index's satisfaction."""
    rating = await ratings.rate(session, code, citizen.personal_id, body.level, body.comment)
    return RatingOut(
        code=code, level=rating.level, comment=rating.comment, rated_at=rating.rated_at
    )
