"""The applicant's page of a group filing: one status, the group's deadline beside each
member's, one timeline (linked from "Hồ sơ của tôi")."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession
from motcua.groups import (
    handover,  # noqa: F401  (registers the workflow hooks)
    officers,
    view,
)
from motcua.identity.auth import PageCitizen
from motcua.web.templating import render
from motcua.workflow import hooks

router = APIRouter(include_in_schema=False)
FilingCode = Annotated[str, Path(max_length=64, pattern=r"^LT-[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]

hooks.on_case_page(officers.panel)


def day(moment: datetime) -> str:
    return f"{get_calendar().localise(moment):%d/%m/%Y}"


def local(moment: datetime) -> str:
    return f"{get_calendar().localise(moment):%H:%M, %d/%m/%Y}"


@router.get("/ho-so-lien-thong/{code}", response_class=HTMLResponse)
async def filing(
    request: Request, session: RequestSession, citizen: PageCitizen, code: FilingCode
) -> HTMLResponse:
    group = await view.view(session, code, citizen.personal_id)
    return render(request, "groups/filing.html", {"group": group, "day": day, "local": local})
