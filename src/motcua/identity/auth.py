"""FastAPI dependencies: who is asking. Officers: a bearer token or the sign-in cookie;
citizens: the signed e-ID session cookie (``identity.citizens``)."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from motcua.core.database import RequestSession
from motcua.identity.citizens import (
    SESSION_COOKIE,
    Citizen,
    decode_session,
    encode_session,
    session_max_age,
)
from motcua.identity.schemas import CitizenOut
from motcua.identity.service import Subject, Unauthenticated, subject_for_token

COOKIE = "motcua_token"


def token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


async def current_officer(request: Request, session: RequestSession) -> Subject:
    """The signed-in officer, or 401 with a message saying what to do."""
    token = token_from(request)
    if token is None:
        raise Unauthenticated(
            "Bạn cần đăng nhập bằng tài khoản cán bộ để làm việc này.", code="unauthenticated"
        )
    return await subject_for_token(session, token)


async def optional_officer(request: Request, session: RequestSession) -> Subject | None:
    """For pages that show more to a signed-in officer but are readable without one."""
    token = token_from(request)
    if token is None:
        return None
    try:
        return await subject_for_token(session, token)
    except Unauthenticated:
        return None


CurrentOfficer = Annotated[Subject, Depends(current_officer)]
OptionalOfficer = Annotated[Subject | None, Depends(optional_officer)]


def citizen_from(request: Request) -> Citizen | None:
    value = request.cookies.get(SESSION_COOKIE)
    return decode_session(value) if value else None


async def current_citizen(request: Request) -> Citizen:
    """The citizen signed in with e-ID, or 401 JSON (pages use ``PageCitizen``, which sends a
    person to the login instead)."""
    citizen = citizen_from(request)
    if citizen is None:
        raise Unauthenticated(
            "Bạn cần đăng nhập bằng tài khoản định danh điện tử (VNeID) để làm việc này.",
            code="citizen-login-required",
        )
    return citizen


def login_redirect(request: Request) -> RedirectResponse:
    """Send a person to the e-ID login and back to where they were."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/dang-nhap?next={quote(target, safe='')}", status_code=303)


class LoginRequired(Exception):
    """A page needs a signed-in citizen; the app answers with a redirect to the e-ID login."""


async def page_citizen(request: Request) -> Citizen:
    """The citizen for a page, or a redirect to the login that comes back to this page."""
    citizen = citizen_from(request)
    if citizen is None:
        raise LoginRequired
    return citizen


CurrentCitizen = Annotated[Citizen, Depends(current_citizen)]
PageCitizen = Annotated[Citizen, Depends(page_citizen)]


def citizen_out(citizen: Citizen) -> CitizenOut:
    return CitizenOut(
        personal_id=citizen.personal_id,
        full_name=citizen.full_name,
        acr=citizen.acr,
        level=citizen.level,
        acting_for=citizen.acting_for,
        acting_for_name=citizen.acting_for_name,
        relation=citizen.relation,
    )


def set_session(response: Response, request: Request, citizen: Citizen) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        encode_session(citizen),
        max_age=session_max_age(),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
