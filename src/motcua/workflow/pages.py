"""The public page the result's QR code opens: is this document genuine and unrevoked?"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.calendar import get_calendar
from motcua.core.database import get_session
from motcua.core.errors import NotFound
from motcua.web.templating import render
from motcua.workflow import service

router = APIRouter(include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("/verify/{verify_code}", response_class=HTMLResponse)
async def verify(
    request: Request,
    session: Session,
    verify_code: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]{8,32}$")],
) -> HTMLResponse:
    try:
        result = await service.verify(session, verify_code)
    except NotFound:
        return render(request, "workflow/verify.html", {"result": None}, 404)
    issued = get_calendar().localise(result.issued_at).strftime("%H:%M, %d/%m/%Y")
    return render(request, "workflow/verify.html", {"result": result, "issued": issued})
