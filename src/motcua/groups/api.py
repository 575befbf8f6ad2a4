"""JSON routes of the groups: the groups in the catalog, filing one (idempotent), the one view
of a filing for its applicant, and the group around a member dossier for its officers."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse

from motcua.catalog import groups as catalog_groups
from motcua.core.database import RequestSession
from motcua.dossiers.api import Person, officer_number
from motcua.dossiers.models import Channel
from motcua.dossiers.schemas import IdempotencyKey
from motcua.groups import (
    handover,  # noqa: F401  (registers the workflow hooks)
    officers,
    service,
    view,
)
from motcua.groups.schemas import GroupFilingIn, GroupOut
from motcua.identity.auth import CurrentOfficer, current_citizen, current_officer
from motcua.identity.citizens import subject_for
from motcua.identity.models import Role
from motcua.identity.service import Forbidden

router = APIRouter(prefix="/api/v1", tags=["groups"])
FilingCode = Annotated[str, Path(max_length=64, pattern=r"^LT-[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]
DossierCode = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]


@router.get("/groups")
async def groups(session: RequestSession) -> list[dict[str, Any]]:
    """The groups of interconnected procedures, as the catalog states them."""
    return [g.model_dump(mode="json") for g in await catalog_groups.all_groups(session)]


async def filer(request: Request, session: RequestSession, body: GroupFilingIn) -> str:
    """Online: the citizen (for themself or a verified child); at a counter: its officer."""
    if body.channel == Channel.online:
        citizen = await current_citizen(request)
        if body.applicant is not None and len(body.applicant) == 12 and body.applicant.isdigit():
            subject_for(citizen, body.applicant)
        return citizen.personal_id
    officer = await current_officer(request, session)
    if officer.role not in {Role.receiving_officer, Role.agency_admin}:
        raise Forbidden(
            "Chỉ cán bộ tiếp nhận của Bộ phận Một cửa được nhận hồ sơ trực tiếp.",
            code="not-a-receiving-officer",
        )
    return officer_number(officer)


@router.post(
    "/groups/filings",
    response_model=GroupOut,
    status_code=201,
    responses={200: {"description": "A retry: the filing the same key created before."}},
)
async def file_group(
    body: GroupFilingIn,
    session: RequestSession,
    actor: Annotated[str, Depends(filer)],
    idempotency_key: Annotated[IdempotencyKey, Header(alias="Idempotency-Key")],
) -> JSONResponse:
    filed = await service.file_group(session, body, actor=actor, idempotency_key=idempotency_key)
    out = await view.of_filing(session, filed.filing, created=filed.created)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=201 if filed.created else 200,
        headers={"Location": f"/api/v1/groups/filings/{filed.filing.code}"},
    )


@router.get("/groups/filings/{code}", response_model=GroupOut)
async def one(session: RequestSession, person: Person, code: FilingCode) -> GroupOut:
    return await view.view(session, code, person)


@router.get("/workflow/dossiers/{code}/group", response_model=GroupOut)
async def around(session: RequestSession, officer: CurrentOfficer, code: DossierCode) -> GroupOut:
    """The group a member dossier belongs to, for an officer who may read that dossier."""
    return await officers.around(session, officer, code)
