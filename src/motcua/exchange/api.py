"""JSON routes: consent and preview, fetch, decisions, re-check, and "who used my data" with
its signed record. The acting person is the citizen signed in with e-ID (``current_citizen``);
the subject is that person or the child they were verified to act for.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from motcua.core.database import RequestSession
from motcua.exchange import (
    access,
    choices,
    representation,
    service,
    statement,
    subjects,
)
from motcua.exchange import (
    registries as registry_setup,
)
from motcua.exchange.schemas import (
    AccessPage,
    ChoiceBody,
    ConfirmationAnswer,
    ConfirmationView,
    ConsentCreate,
    ConsentView,
    DecisionBody,
    FamilyMember,
    FetchRequestBody,
    FetchResult,
    ItemView,
    RecheckBody,
    RecheckResult,
    RegistryOut,
    SubjectChoice,
    SubjectView,
)
from motcua.identity.auth import CurrentCitizen, citizen_out, set_session
from motcua.identity.citizens import acting_for, require_level, subject_for
from motcua.identity.schemas import ActingForIn, CitizenOut

router = APIRouter(prefix="/api/v1", tags=["exchange"])
Reference = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Key = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def _refused(error: service.ReadRefused) -> JSONResponse:
    """Answer 403 without raising, so the refusal's access-log record is committed."""
    return JSONResponse({"code": error.code, "message": error.message}, status_code=403)


@router.get("/exchange/registries", response_model=list[RegistryOut])
async def registries(session: RequestSession) -> list[RegistryOut]:
    return await registry_setup.list_registries(session)


@router.post("/exchange/consents", response_model=ConsentView, status_code=201)
async def prepare(
    body: ConsentCreate, citizen: CurrentCitizen, session: RequestSession
) -> ConsentView:
    """The preview: which data from which registry, for which procedure and legal basis."""
    require_level(citizen, body.procedure_code)
    subject = subject_for(citizen, body.subject_personal_id)
    return await service.prepare_consent(
        session, body.procedure_code, citizen.personal_id, subject, actor_name=citizen.full_name
    )


@router.get("/exchange/consents/{reference}", response_model=ConsentView)
async def consent(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> ConsentView:
    return await service.get_consent(session, reference, citizen.personal_id)


@router.post("/exchange/consents/{reference}/confirm", response_model=ConsentView)
async def confirm(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> ConsentView:
    return await service.confirm_consent(session, reference, citizen.personal_id)


@router.post("/exchange/consents/{reference}/fetch", response_model=FetchResult)
async def fetch(
    reference: Reference,
    citizen: CurrentCitizen,
    session: RequestSession,
    body: FetchRequestBody | None = None,
    evidence_type: Annotated[str | None, Query(max_length=64)] = None,
) -> FetchResult | JSONResponse:
    try:
        return await service.fetch_evidence(
            session,
            reference,
            citizen.personal_id,
            choices=(body.choices if body else None),
            only=evidence_type,
        )
    except service.ReadRefused as error:
        return _refused(error)


@router.get("/exchange/consents/{reference}/items", response_model=list[ItemView])
async def items(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> list[ItemView]:
    """The preview after the fetch: the data exactly as each registry returned it."""
    return await service.items(session, reference, citizen.personal_id)


@router.post("/exchange/consents/{reference}/items/{key}/decision", response_model=ItemView)
async def decide(
    reference: Reference,
    key: Key,
    body: DecisionBody,
    citizen: CurrentCitizen,
    session: RequestSession,
) -> ItemView:
    return await service.decide(
        session, reference, citizen.personal_id, key, body.accept, body.reason
    )


@router.post("/exchange/consents/{reference}/items/{key}/choice", response_model=ItemView)
async def choose(
    reference: Reference,
    key: Key,
    body: ChoiceBody,
    citizen: CurrentCitizen,
    session: RequestSession,
) -> ItemView:
    """Answer a ``needs_choice`` question: an offered record id (read and logged), or
    ``none-of-these`` (the form asks for an upload)."""
    return await choices.choose(session, reference, citizen.personal_id, key, body.answer)


@router.post("/exchange/consents/{reference}/recheck", response_model=RecheckResult)
async def recheck(
    reference: Reference, body: RecheckBody, citizen: CurrentCitizen, session: RequestSession
) -> RecheckResult:
    return await service.recheck(session, reference, citizen.personal_id, body.submitted)


@router.get("/exchange/consents/{reference}/family", response_model=list[FamilyMember])
async def family(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> list[FamilyMember]:
    """The applicant's relations in the population registry (the read is logged), to choose
    whose data a role of the procedure reads."""
    return await subjects.family(session, reference, citizen.personal_id)


@router.get("/exchange/consents/{reference}/subjects", response_model=list[SubjectView])
async def subjects_of(
    reference: Reference, citizen: CurrentCitizen, session: RequestSession
) -> list[SubjectView]:
    return await subjects.subjects(session, reference, citizen.personal_id)


@router.post("/exchange/consents/{reference}/subjects", response_model=SubjectView)
async def choose_subject(
    reference: Reference, body: SubjectChoice, citizen: CurrentCitizen, session: RequestSession
) -> SubjectView:
    """Say who a role is: the deceased or the child from the family, or another adult, whose
    data waits for their own confirmation."""
    return await subjects.choose(
        session, reference, citizen.personal_id, body.role, body.personal_id
    )


@router.get("/me/confirmations", response_model=list[ConfirmationView])
async def confirmations(citizen: CurrentCitizen, session: RequestSession) -> list[ConfirmationView]:
    """Requests to read the signed-in person's data for someone else's application."""
    return await subjects.waiting_for(session, citizen.personal_id)


@router.post("/me/confirmations/{reference}/{role}", response_model=SubjectView)
async def answer_confirmation(
    reference: Reference,
    role: Annotated[str, Path(max_length=16, pattern=r"^[a-z_]+$")],
    body: ConfirmationAnswer,
    citizen: CurrentCitizen,
    session: RequestSession,
) -> SubjectView:
    return await subjects.answer(session, reference, role, citizen.personal_id, accept=body.accept)


@router.get("/me/data-access", response_model=AccessPage)
async def data_access(
    citizen: CurrentCitizen,
    session: RequestSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> AccessPage:
    """Every access to the signed-in person's data, newest first."""
    return await access.data_access(session, citizen.personal_id, limit, before)


@router.get("/me/data-access/record")
async def data_access_record(citizen: CurrentCitizen, session: RequestSession) -> JSONResponse:
    """The whole list as a JSON document signed with Ed25519, to download and keep."""
    record = await statement.signed_record(session, citizen.personal_id)
    return JSONResponse(
        record,
        headers={
            "Content-Disposition": (
                f'attachment; filename="du-lieu-cua-toi-{citizen.personal_id}.json"'
            )
        },
    )


@router.get("/data-access/signing-key", response_model=statement.SigningKey)
async def signing_key() -> statement.SigningKey:
    """The public key the records are signed with (raw and as a JWK)."""
    return statement.published_key()


@router.post("/data-access/verify", response_model=statement.Verification)
async def verify_record(record: Annotated[Any, Body()]) -> statement.Verification:
    """Anyone can check a downloaded record: valid, or which way it is not."""
    return statement.verify(record)


@router.put("/auth/citizen/acting-for", response_model=CitizenOut)
async def act_for(
    body: ActingForIn, request: Request, session: RequestSession, citizen: CurrentCitizen
) -> Response:
    """Act for a child: verified against the population registry (the read is logged)."""
    try:
        found = await representation.verify(session, citizen.personal_id, body.subject_personal_id)
    except representation.RepresentationRefused as error:
        # Answered, not raised, so the access-log record of the check is committed.
        return JSONResponse(
            {"code": error.code, "message": error.message}, status_code=error.status_code
        )
    now = acting_for(citizen, found.subject, found.subject_name, found.relation)
    response = JSONResponse(citizen_out(now).model_dump())
    set_session(response, request, now)
    return response
