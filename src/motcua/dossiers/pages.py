"""The public tracking page (tra cứu hồ sơ): dossier code plus short secret, no login.

It shows status and dates only; nothing about the person. The secret is posted, not put in
the address, so it does not end up in browser history or server logs.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession
from motcua.core.errors import NotFound
from motcua.dossiers import service
from motcua.legacy import service as legacy
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)


def _context() -> dict[str, object]:
    calendar = get_calendar()
    return {
        "state_names": service.STATE_NAMES,
        "local": lambda moment: calendar.localise(moment).strftime("%H:%M, %d/%m/%Y"),
    }


@router.get("/tra-cuu", response_class=HTMLResponse)
async def tracking_form(request: Request) -> HTMLResponse:
    return render(request, "dossiers/tracking.html", {**_context(), "code": "", "errors": []})


@router.post("/tra-cuu", response_class=HTMLResponse)
async def tracking(
    request: Request,
    session: RequestSession,
    code: Annotated[str, Form(max_length=64)] = "",
    secret: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    errors = []
    if not code.strip():
        errors.append(("code", "Hãy nhập mã hồ sơ (in trên giấy tiếp nhận)."))
    if not secret.strip():
        errors.append(("secret", "Hãy nhập mã tra cứu (8 ký tự, in trên giấy tiếp nhận)."))
    context = {**_context(), "code": code, "errors": errors}
    if errors:
        return render(request, "dossiers/tracking.html", context, 422)
    try:
        found = await service.track(session, await legacy.current_code(session, code), secret)
    except NotFound as error:
        context["errors"] = [("code", error.message)]
        return render(request, "dossiers/tracking.html", context, 404)
    return render(request, "dossiers/tracking.html", {**context, "dossier": found})
