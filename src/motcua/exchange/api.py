"""JSON routes: consent and preview, fetch, decisions, re-check, and "who used my data".

Until e-ID login exists, the acting person's number comes from the ``X-Motcua-Person`` header:
a stand-in, to be replaced by the authenticated citizen.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import get_session
from motcua.exchange import service
from motcua.exchange.schemas import (
    AccessPage,
    ConsentCreate,
    ConsentView,
    DecisionBody,
    FetchRequestBody,
    FetchResult,
    ItemView,
    RecheckBody,
    RecheckResult,
    RegistryOut,
)

router = APIRouter(prefix="/api/v1", tags=["exchange"])
Session = Annotated[AsyncSession, Depends(get_session)]
Person = Annotated[
    str,
    Header(
        alias="X-Motcua-Person",
        max_length=32,
        description="Stand-in for e-ID login: the acting person's 12-digit number.",
    ),
]
Reference = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Key = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def _refused(error: service.ReadRefused) -> JSONResponse:
    """Answer 403 without raising, so the refusal's access-log record is committed."""
    return JSONResponse({"code": error.code, "message": error.message}, status_code=403)


@router.get("/exchange/registries", response_model=list[RegistryOut])
async def registries(session: Session) -> list[RegistryOut]:
    return await service.list_registries(session)


@router.post("/exchange/consents", response_model=ConsentView, status_code=201)
async def prepare(body: ConsentCreate, person: Person, session: Session) -> ConsentView:
    """The preview: which data from which registry, for which procedure and legal basis."""
    return await service.prepare_consent(
        session, body.procedure_code, person, body.subject_personal_id
    )


@router.get("/exchange/consents/{reference}", response_model=ConsentView)
async def consent(reference: Reference, person: Person, session: Session) -> ConsentView:
    return await service.get_consent(session, reference, person)


@router.post("/exchange/consents/{reference}/confirm", response_model=ConsentView)
async def confirm(reference: Reference, person: Person, session: Session) -> ConsentView:
    return await service.confirm_consent(session, reference, person)


@router.post("/exchange/consents/{reference}/fetch", response_model=FetchResult)
async def fetch(
    reference: Reference,
    person: Person,
    session: Session,
    body: FetchRequestBody | None = None,
    evidence_type: Annotated[str | None, Query(max_length=64)] = None,
) -> FetchResult | JSONResponse:
    try:
        return await service.fetch_evidence(
            session, reference, person, choices=(body.choices if body else None), only=evidence_type
        )
    except service.ReadRefused as error:
        return _refused(error)


@router.get("/exchange/consents/{reference}/items", response_model=list[ItemView])
async def items(reference: Reference, person: Person, session: Session) -> list[ItemView]:
    """The preview after the fetch: the data exactly as each registry returned it."""
    return await service.items(session, reference, person)


@router.post("/exchange/consents/{reference}/items/{key}/decision", response_model=ItemView)
async def decide(
    reference: Reference, key: Key, body: DecisionBody, person: Person, session: Session
) -> ItemView:
    return await service.decide(session, reference, person, key, body.accept, body.reason)


@router.post("/exchange/consents/{reference}/recheck", response_model=RecheckResult)
async def recheck(
    reference: Reference, body: RecheckBody, person: Person, session: Session
) -> RecheckResult:
    return await service.recheck(session, reference, person, body.submitted)


@router.get("/me/data-access", response_model=AccessPage)
async def data_access(
    person: Person,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> AccessPage:
    """Every access to the person's data, newest first."""
    return await service.data_access(session, person, limit, before)
