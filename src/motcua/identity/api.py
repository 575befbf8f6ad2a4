"""JSON routes: officers sign in for a bearer token; citizens (signed in with e-ID through the
pages) read their session, choose whom they act for, and sign out."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from motcua.core.database import RequestSession
from motcua.core.errors import Invalid
from motcua.identity import citizens, service
from motcua.identity.auth import (
    CurrentCitizen,
    CurrentOfficer,
    citizen_out,
    set_session,
    token_from,
)
from motcua.identity.schemas import CitizenOut, Credentials, OfficerOut, TokenOut

router = APIRouter(prefix="/api/v1/auth", tags=["identity"])


async def _credentials(request: Request) -> Credentials:
    """Username and password from an OAuth2-style form or a JSON body."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            data = await request.json()
        else:
            data = dict(await request.form())
        return Credentials.model_validate(data)
    except (ValidationError, ValueError):
        raise Invalid(
            "Cần gửi tên đăng nhập (username) và mật khẩu (password).", code="invalid-credentials"
        ) from None


@router.post("/token", response_model=TokenOut)
async def token(request: Request, session: RequestSession) -> TokenOut:
    credentials = await _credentials(request)
    value, expires_at = await service.issue_token(
        session, credentials.username, credentials.password
    )
    return TokenOut(access_token=value, expires_at=expires_at)


@router.get("/me", response_model=OfficerOut)
async def me(officer: CurrentOfficer) -> OfficerOut:
    return OfficerOut(
        username=officer.username,
        full_name=officer.full_name,
        role=officer.role,
        agency_code=officer.agency_code,
        agency_name=officer.agency_name,
        unit_code=officer.unit_code,
    )


@router.post("/logout", status_code=204)
async def logout(request: Request, session: RequestSession, officer: CurrentOfficer) -> None:
    token_value = token_from(request)
    if token_value is not None:
        await service.revoke_token(session, token_value)


@router.get("/citizen", response_model=CitizenOut)
async def citizen_me(citizen: CurrentCitizen) -> CitizenOut:
    return citizen_out(citizen)


@router.delete("/citizen/acting-for", response_model=CitizenOut)
async def act_for_self(request: Request, citizen: CurrentCitizen) -> Response:
    """Stop acting for someone else."""
    now = citizens.acting_for(citizen)
    response = JSONResponse(citizen_out(now).model_dump())
    set_session(response, request, now)
    return response


@router.post("/citizen/logout", status_code=204)
async def citizen_logout() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(citizens.SESSION_COOKIE)
    return response
