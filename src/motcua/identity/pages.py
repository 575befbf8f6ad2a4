"""Sign-in and sign-out pages; the token travels in an HttpOnly cookie."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import get_session
from motcua.identity import service
from motcua.identity.auth import COOKIE, token_from
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session)]


def _safe_next(target: str) -> str:
    """Only local paths, so the form cannot be used to send people elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/monitoring"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/monitoring") -> HTMLResponse:
    return render(request, "identity/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    session: Session,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=300)] = "/monitoring",
) -> Response:
    try:
        token, expires_at = await service.issue_token(session, username, password)
    except service.Unauthenticated as error:
        context = {"next": _safe_next(next), "error": error.message, "username": username}
        return render(request, "identity/login.html", context, 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        expires=expires_at,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request, session: Session) -> Response:
    token = token_from(request)
    if token is not None:
        await service.revoke_token(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
