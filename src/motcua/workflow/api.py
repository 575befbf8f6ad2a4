"""JSON routes of the officer workflow: queue, dossier view, actions, definitions, violations,
and the public result verification."""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Header, Path, Query, UploadFile
from fastapi.responses import Response

from motcua.core.database import RequestSession, writes_on_read
from motcua.core.errors import Invalid
from motcua.dossiers.files import EXTENSIONS
from motcua.identity.auth import CurrentCitizen, CurrentOfficer
from motcua.identity.models import Role
from motcua.identity.service import Forbidden
from motcua.workflow import contents, repository, service, store, subjects
from motcua.workflow.schemas import (
    ActionOut,
    ApologyIn,
    AssignIn,
    CaseOut,
    CompleteIn,
    DefinitionIn,
    DefinitionOut,
    FileCheckOut,
    ForwardIn,
    QueuePage,
    RefuseIn,
    RevealIn,
    RevealOut,
    RevokeIn,
    SignIn,
    StoreAnswer,
    SupplementAnswerIn,
    SupplementIn,
    VerifyOut,
    ViolationOut,
)

router = APIRouter(prefix="/api/v1/workflow", tags=["workflow"])
Code = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]
ProcedureCode = Annotated[str, Path(max_length=16, pattern=r"^\d\.\d{6}$")]
VerifyCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]{8,32}$")]
PDF_CAP = 20 * 1024 * 1024
MONITORS = frozenset({Role.provincial_monitor, Role.national_viewer, Role.system_admin})


def _out(work: service.Work, verify_code: str | None = None) -> ActionOut:
    return ActionOut(
        code=work.dossier.code,
        state=work.dossier.state,
        step=work.case.step_kind,
        version=work.dossier.version,
        verify_code=verify_code,
    )


@router.get("/queue", response_model=QueuePage)
async def queue(
    session: RequestSession,
    officer: CurrentOfficer,
    after_due: Annotated[datetime | None, Query()] = None,
    after_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    mine: bool = False,
) -> QueuePage:
    return await service.queue(
        session, officer, after_due=after_due, after_id=after_id, limit=limit, mine=mine
    )


@router.get("/dossiers/{code}", response_model=CaseOut)
async def case(code: Code, session: RequestSession, officer: CurrentOfficer) -> CaseOut:
    return await service.case_view(session, officer, code)


@router.post("/dossiers/{code}/reveal", response_model=RevealOut)
async def reveal(
    code: Code, body: RevealIn, session: RequestSession, officer: CurrentOfficer
) -> RevealOut:
    """The applicant's full personal number, with the reason recorded (the view masks it)."""
    return RevealOut(
        personal_number=await contents.reveal_number(session, officer, code, body.reason)
    )


@router.get(
    "/dossiers/{code}/files/{upload_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in EXTENSIONS}}},
)
@writes_on_read  # each opening is recorded
async def dossier_file(
    code: Code,
    upload_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    session: RequestSession,
    officer: CurrentOfficer,
) -> Response:
    """A file of the dossier, shown in the browser, for the officers of the agency holding
    it; each opening is recorded."""
    upload, data = await contents.open_file(session, officer, code, upload_id)
    return inline_file(upload.media_type, upload.file_name, upload.sha256, data)


def inline_file(media_type: str, file_name: str, sha256: str, data: bytes) -> Response:
    """A stored file the browser shows itself (PDF, image) and never runs."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(file_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "ETag": f'"{sha256}"',
        },
    )


@router.post("/dossiers/{code}/claim", response_model=ActionOut)
async def claim(
    code: Code, body: CompleteIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.claim(session, officer, code, body.version))


@router.post("/dossiers/{code}/assign", response_model=ActionOut)
async def assign(
    code: Code, body: AssignIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.assign(session, officer, code, body.username, body.version))


@router.post("/dossiers/{code}/complete", response_model=ActionOut)
async def complete(
    code: Code, body: CompleteIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.complete(session, officer, code, body.note, body.version))


@router.post("/dossiers/{code}/forward", response_model=ActionOut)
async def forward(
    code: Code, body: ForwardIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.forward(session, officer, code, body.agency_code, body.version))


@router.post("/dossiers/{code}/supplement", response_model=ActionOut)
async def supplement(
    code: Code, body: SupplementIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    try:
        work = await service.request_supplement(
            session, officer, code, body.requirement_keys, body.reason, body.version, body.answer_by
        )
    except service.SupplementRefused:
        # The violation the service wrote must outlive the refusal; it wrote nothing else.
        await session.commit()
        raise
    return _out(work)


@router.post("/dossiers/{code}/supplement-answer")
async def supplement_answer(
    code: Code,
    body: SupplementAnswerIn,
    session: RequestSession,
    citizen: CurrentCitizen,
) -> dict[str, str]:
    """The applicant, signed in with e-ID, answers a supplement request: a file (``POST
    /api/v1/uploads``) for each paper asked, and ``values`` for a declaration they typed (the
    whole declaration, checked as the application form checks it, refused per field with its
    codes); each answer becomes the dossier's item for its requirement."""
    items = [i.model_dump() for i in body.items]
    dossier = await service.answer_supplement(session, code, citizen.personal_id, items)
    return {
        "code": dossier.code,
        "state": dossier.state.value,
        "due_at": dossier.due_at.isoformat(),
    }


@router.post("/dossiers/{code}/refuse", response_model=ActionOut)
async def refuse(
    code: Code, body: RefuseIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.refuse(session, officer, code, body.reason, body.version))


@router.post("/dossiers/{code}/apology", response_model=ActionOut)
async def apology(
    code: Code, body: ApologyIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(
        await service.apologise(
            session, officer, code, body.reason, body.new_due_date, body.version
        )
    )


@router.post("/dossiers/{code}/sign", response_model=ActionOut)
async def sign(
    code: Code, body: SignIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    work, verify_code = await service.sign_result(
        session, officer, code, body.summary, body.version
    )
    return _out(work, verify_code)


@router.post("/dossiers/{code}/return", response_model=ActionOut)
async def hand_back(
    code: Code, body: CompleteIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    return _out(await service.hand_back(session, officer, code, body.version))


@router.post("/dossiers/{code}/result/revoke", response_model=ActionOut)
async def revoke_result(
    code: Code, body: RevokeIn, session: RequestSession, officer: CurrentOfficer
) -> ActionOut:
    """Thu hồi: the issuing agency's approver or administrator withdraws the signed result;
    ``/verify/{verify_code}`` says so from then on."""
    work, verify_code = await service.revoke_result(
        session, officer, code, body.reason, body.version
    )
    return _out(work, verify_code)


@router.get("/definitions/{procedure_code}", response_model=DefinitionOut)
async def definition(
    procedure_code: ProcedureCode, session: RequestSession, officer: CurrentOfficer
) -> DefinitionOut:
    return await service.get_definition(session, officer, procedure_code)


@router.put("/definitions/{procedure_code}", response_model=DefinitionOut)
async def save_definition(
    procedure_code: ProcedureCode,
    body: DefinitionIn,
    session: RequestSession,
    officer: CurrentOfficer,
) -> DefinitionOut:
    return await service.save_definition(session, officer, procedure_code, body.source)


@router.get("/violations", response_model=list[ViolationOut])
async def violations(
    session: RequestSession,
    officer: CurrentOfficer,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ViolationOut]:
    """Monitoring reads every agency's; an agency administrator reads their own."""
    if officer.role in MONITORS:
        agency = None
    elif officer.role == Role.agency_admin:
        agency = officer.agency_id
    else:
        raise Forbidden(
            "Chỉ người giám sát hoặc quản trị cơ quan xem được.", code="role-not-allowed"
        )
    rows = await repository.violations(session, agency, limit)
    return [
        ViolationOut(
            at=r.at,
            code=r.code,
            officer_id=r.officer_id,
            agency_id=r.agency_id,
            dossier_code=r.dossier_code,
            asked=r.asked,
        )
        for r in rows
    ]


@router.get("/results/{verify_code}", response_model=VerifyOut)
async def verify(verify_code: VerifyCode, session: RequestSession) -> VerifyOut:
    return await subjects.described(session, await service.verify(session, verify_code))


@router.post("/results/{verify_code}/check", response_model=FileCheckOut)
async def check_result_file(
    verify_code: VerifyCode, session: RequestSession, file: Annotated[UploadFile, File()]
) -> FileCheckOut:
    """Is the uploaded PDF this result, unchanged, validly signed and not revoked?"""
    data = await file.read(PDF_CAP + 1)
    if len(data) > PDF_CAP or not data.startswith(b"%PDF-"):
        raise Invalid(
            "Tệp này không phải tệp PDF (hoặc lớn hơn 20 MB); hãy chọn đúng tệp kết quả.",
            code="not-a-pdf",
        )
    return await service.check_file(session, verify_code, data)


@router.get("/results/{verify_code}/document.pdf")
async def result_pdf(verify_code: VerifyCode, session: RequestSession) -> Response:
    document = await repository.result(session, verify_code)
    if document is None:
        await service.verify(session, verify_code)  # raises the 404
    assert document is not None
    return Response(document.pdf, media_type="application/pdf")


# Kho kết quả điện tử: the platform's own e-results as a registry of the exchange (direct
# protocol, client credential), read by the exchange's connector like any other registry.
@router.get(
    "/results/registry/direct/{registry}/{evidence_type}/records", response_model=StoreAnswer
)
async def result_store(
    registry: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]{1,64}$")],
    evidence_type: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_.]{1,64}$")],
    subject: Annotated[str, Query(pattern=r"^\d{12}$")],
    session: RequestSession,
    authorization: Annotated[str | None, Header()] = None,
    x_motcua_purpose: Annotated[str | None, Header(max_length=300)] = None,
) -> StoreAnswer:
    return await store.records(
        session, registry, evidence_type, subject, authorization, x_motcua_purpose
    )
