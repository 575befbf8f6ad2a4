"""FastAPI dependencies: who is asking, from a bearer token or the sign-in cookie."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import get_session
from motcua.identity.service import Subject, Unauthenticated, subject_for_token

COOKIE = "motcua_token"


def token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


async def current_officer(
    request: Request, session: Annotated[AsyncSession, Depends(get_session)]
) -> Subject:
    """The signed-in officer, or 401 with a message saying what to do."""
    token = token_from(request)
    if token is None:
        raise Unauthenticated(
            "Bạn cần đăng nhập bằng tài khoản cán bộ để làm việc này.", code="unauthenticated"
        )
    return await subject_for_token(session, token)


async def optional_officer(
    request: Request, session: Annotated[AsyncSession, Depends(get_session)]
) -> Subject | None:
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
